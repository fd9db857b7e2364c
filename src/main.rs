fn main() -> std::process::ExitCode {
    poollint::cli::main()
}
