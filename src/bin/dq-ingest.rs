fn main() {
    std::process::exit(aims_dq::cli::stage_main(
        aims_dq::cli::Command::Ingest,
        "dq-ingest",
    ));
}
