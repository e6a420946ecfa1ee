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
    let cli = ciao::Cli::parse();
    match ciao::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
