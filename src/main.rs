fn main() -> std::process::ExitCode {
    antleak::cli::main()
}
