fn main() {
    std::process::exit(aims_dq::cli::main());
}
