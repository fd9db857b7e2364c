#![forbid(unsafe_code)]
// mimalloc: the check allocates many small strings and trees; with glibc's allocator
// malloc/free took about a fifth of the time on the 10k-file benchmark (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    poollint::cli::main()
}
