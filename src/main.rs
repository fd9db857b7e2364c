#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    poollint::cli::main()
}
