fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(iysync::main_exit_code())
}
