use std::io::IsTerminal;

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
    let cli = ciao::parse_cli();
    // The benchmarks run a server in this process: its security log (a
    // line per token, per audited action) would drown their report.
    let default = if matches!(cli.command, ciao::Command::Bench { .. }) { "info,ciao::audit=warn" } else { "info" };
    tracing_subscriber::fmt()
        .with_env_filter(log_filter(std::env::var("CIAO_LOG").ok().as_deref(), default))
        // Colours only for a person at a terminal, not in a file or a journal.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    quiet_on_closed_stdout();
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

/// PostgreSQL's notices (`relation "ciao_migrations" already exists,
/// skipping` at every start) are said at sqlx's info level: kept out unless
/// CIAO_LOG names sqlx itself.
const QUIET_NOTICES: &str = "sqlx::postgres::notice=warn";

/// The log filter: CIAO_LOG (default `default`), without PostgreSQL's notices.
fn log_filter(ciao_log: Option<&str>, default: &str) -> EnvFilter {
    let given = ciao_log.map(str::trim).filter(|s| !s.is_empty()).unwrap_or(default);
    let directives = if given.contains("sqlx") { given.to_string() } else { format!("{given},{QUIET_NOTICES}") };
    EnvFilter::try_new(&directives).unwrap_or_else(|e| {
        eprintln!("CIAO_LOG={given:?} is not a log filter ({e}); logging at info");
        EnvFilter::new(format!("info,{QUIET_NOTICES}"))
    })
}
