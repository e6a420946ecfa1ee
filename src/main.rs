use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: under load a quarter of the request
/// threads' time was in glibc's `malloc`/`free` (requests allocate on one
/// thread, the group commit frees on another). On PostgreSQL, where ciao
/// and the database share the cores, single-item registrations at 64
/// clients went from 7,300–8,200 to 9,500–11,300/s (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("CIAO_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    quiet_on_closed_stdout();
    let cli = ciao::Cli::parse();
    match ciao::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // `ciao … | head`: the reader has what it wanted.
        Err(e) if e.chain().any(|c| c.is::<ciao::StdoutClosed>()) => {
            std::process::ExitCode::from(ciao::STDOUT_CLOSED_STATUS)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The commands write their output with `outln!`, which stops quietly when
/// standard output is closed; a `println!` elsewhere (the benchmarks' reports)
/// panics then ("failed printing to stdout: Broken pipe"): that panic ends
/// the process as quietly, without a backtrace.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(i32::from(ciao::STDOUT_CLOSED_STATUS));
        }
        default(info)
    }));
}
