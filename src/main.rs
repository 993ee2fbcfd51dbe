// Rows are judged into short-lived strings on worker threads and freed on the consumer thread;
// mimalloc handles that cross-thread pattern far better than glibc's allocator (twice the
// throughput of `convert` with two jobs, measured by scripts/bench.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(iysync::main_exit_code())
}
