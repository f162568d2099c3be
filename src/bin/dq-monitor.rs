fn main() {
    std::process::exit(aims_dq::cli::stage_main(
        aims_dq::cli::Command::Monitor,
        "dq-monitor",
    ));
}
