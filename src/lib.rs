//! The `ciao` binary: command line and wiring. Everything it does goes
//! through the service layer.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use ciao_domain::{DeclarationNumber, RealTimePolicy};
use ciao_http::AppState;
use ciao_service::{Caller, Clock, Config, Service, SystemClock};
use clap::{Parser, Subcommand};
use time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "ciao",
    version,
    about = "Check In and Out at Work: the presence register"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "CIAO_DATABASE_URL")]
    pub database: Option<String>,

    /// Where the default SQLite database lives.
    #[arg(long, global = true, env = "CIAO_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Create the database or bring its schema up to date, then exit.
    Migrate,
    /// Import a reference registry from a CSV file (UTF-8, header row).
    Import {
        /// enterprises, persons, employments, limosa, declarations or subcontractors
        kind: String,
        /// The CSV file.
        file: PathBuf,
    },
    /// Declarations of works.
    Declaration {
        #[command(subcommand)]
        command: DeclarationCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeclarationCommand {
    /// Print a declaration with its subcontractor chain, as JSON.
    Show { number: String },
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CIAO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Absolute base URL that links, QR codes and the OAuth audience are
    /// built from (default: http:// + the listen address).
    #[arg(long, env = "CIAO_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// DEVELOPMENT ONLY: accept the X-Ciao-Dev-Sender header as authentication.
    #[arg(long)]
    pub insecure_dev_auth: bool,

    /// How many minutes before the server time a registrationDate may be.
    #[arg(long, env = "CIAO_MAX_PAST_MINUTES", default_value_t = 10)]
    pub max_past_minutes: u32,

    /// How many minutes after the server time a registrationDate may be.
    #[arg(long, env = "CIAO_MAX_FUTURE_MINUTES", default_value_t = 2)]
    pub max_future_minutes: u32,
}

/// The default data directory: $XDG_DATA_HOME/ciao, ~/.local/share/ciao, or ./data.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("ciao");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".local/share/ciao");
    }
    PathBuf::from("data")
}

impl Cli {
    pub fn database_url(&self) -> String {
        if let Some(url) = &self.database {
            return url.clone();
        }
        let dir = self.data_dir.clone().unwrap_or_else(default_data_dir);
        format!("sqlite://{}", dir.join("ciao.db").display())
    }
}

pub fn operator() -> Caller {
    let name = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    Caller::Operator { name }
}

pub async fn open_service(
    url: &str,
    config: Config,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Service> {
    let store = ciao_service::ciao_store::open(url).await.with_context(|| {
        format!(
            "cannot open the database {}",
            ciao_service::ciao_store::redact(url)
        )
    })?;
    Ok(Service::new(store, clock, config))
}

/// A server that runs in this process (for `serve` and for the tests).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub public_url: String,
    stop: Arc<tokio::sync::Notify>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops accepting, finishes the requests in flight, and returns.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.notify_one();
        self.handle.await??;
        Ok(())
    }

    /// A function that stops the server when called.
    pub fn shutdown_handle(&self) -> impl FnOnce() + Send + 'static {
        let stop = self.stop.clone();
        move || stop.notify_one()
    }

    pub async fn wait(self) -> anyhow::Result<()> {
        self.handle.await??;
        Ok(())
    }
}

/// Binds the listener and starts serving.
pub async fn start_server(
    service: Service,
    listen: SocketAddr,
    public_url: Option<String>,
    insecure_dev_auth: bool,
) -> anyhow::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let public_url = public_url
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("http://{addr}"));
    let state = AppState {
        service,
        public_url: public_url.clone(),
        insecure_dev_auth,
    };
    let stop = Arc::new(tokio::sync::Notify::new());
    let signal = stop.clone();
    let handle = tokio::spawn(ciao_http::serve(listener, state, async move {
        signal.notified().await;
    }));
    Ok(RunningServer {
        addr,
        public_url,
        stop,
        handle,
    })
}

fn progress_printer(label: String) -> impl FnMut(u64, u64) {
    let tty = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    move |bytes, rows| {
        if !tty || last.elapsed().as_millis() < 100 {
            return;
        }
        last = std::time::Instant::now();
        eprint!(
            "\r{label}: {rows} rows read ({:.1} MiB)",
            bytes as f64 / 1_048_576.0
        );
        let _ = std::io::stderr().flush();
    }
}

fn size_bar(label: &str, file_len: u64) -> impl FnMut(u64, u64) + use<> {
    let tty = std::io::stderr().is_terminal();
    let label = label.to_string();
    let mut last = std::time::Instant::now();
    let mut fallback = progress_printer(label.clone());
    move |bytes, rows| {
        if file_len == 0 {
            return fallback(bytes, rows);
        }
        if !tty || last.elapsed().as_millis() < 100 {
            return;
        }
        last = std::time::Instant::now();
        let pct = (bytes.min(file_len) * 100 / file_len) as usize;
        let filled = pct * 30 / 100;
        eprint!(
            "\r{label} [{}{}] {pct:3}% {rows} rows",
            "#".repeat(filled),
            "-".repeat(30 - filled)
        );
        let _ = std::io::stderr().flush();
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url();
    match &cli.command {
        Command::Serve(args) => {
            let config = Config {
                real_time: RealTimePolicy {
                    max_past: Duration::minutes(i64::from(args.max_past_minutes)),
                    max_future: Duration::minutes(i64::from(args.max_future_minutes)),
                },
            };
            let service = open_service(&url, config, Arc::new(SystemClock)).await?;
            let server = start_server(
                service,
                args.listen,
                args.public_url.clone(),
                args.insecure_dev_auth,
            )
            .await?;
            if args.insecure_dev_auth {
                tracing::warn!(
                    "--insecure-dev-auth: the X-Ciao-Dev-Sender header is accepted as authentication"
                );
            }
            println!(
                "ciao listening on http://{} (public URL {}, database {})",
                server.addr,
                server.public_url,
                ciao_service::ciao_store::redact(&url)
            );
            println!(
                "API: {}{}/openapi.json",
                server.public_url,
                ciao_http::API_BASE
            );
            let _ = std::io::stdout().flush();
            let stop = server.shutdown_handle();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
                stop();
            });
            server.wait().await
        }
        Command::Migrate => {
            let service = open_service(&url, Config::default(), Arc::new(SystemClock)).await?;
            let v = service.store().schema_version().await?;
            println!(
                "database {} is at schema version {v}",
                ciao_service::ciao_store::redact(&url)
            );
            Ok(())
        }
        Command::Import { kind, file } => {
            if !ciao_service::import::KINDS.contains(&kind.as_str()) {
                bail!(
                    "unknown kind {kind:?}: use one of {}",
                    ciao_service::import::KINDS.join(", ")
                );
            }
            let f = std::fs::File::open(file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let service = open_service(&url, Config::default(), Arc::new(SystemClock)).await?;
            let mut bar = size_bar(kind, len);
            let result = service
                .import(&operator(), kind, std::io::BufReader::new(f), &mut bar)
                .await;
            if std::io::stderr().is_terminal() {
                eprintln!();
            }
            let summary = result.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!(
                "{kind}: {} rows read, {} changed ({})",
                summary.rows,
                summary.changed,
                file.display()
            );
            Ok(())
        }
        Command::Declaration {
            command: DeclarationCommand::Show { number },
        } => {
            let number = DeclarationNumber::parse(number)
                .map_err(|e| anyhow::anyhow!("declaration number: {e}"))?;
            let service = open_service(&url, Config::default(), Arc::new(SystemClock)).await?;
            let d = service.declaration(&number).await?;
            println!("{}", serde_json::to_string_pretty(&declaration_json(&d))?);
            Ok(())
        }
    }
}

pub fn declaration_json(d: &ciao_domain::reference::DeclarationDetails) -> serde_json::Value {
    let date = |x: time::Date| {
        x.format(ciao_domain::search::DATE_FORMAT)
            .unwrap_or_default()
    };
    let decl = &d.declaration;
    serde_json::json!({
        "number": decl.number.as_str(),
        "technicalNumber": d.technical_number,
        "sector": decl.sector.as_str(),
        "site": {
            "name": decl.site_name,
            "street": decl.street,
            "houseNumber": decl.house_number,
            "postCode": decl.post_code,
            "municipality": decl.municipality,
            "coordinates": decl.coordinates.map(|(lat, lon)| serde_json::json!({"latitude": lat, "longitude": lon})),
        },
        "startDate": date(decl.start_date),
        "endDate": decl.end_date.map(date),
        "amountExclVat": format!("{}.{:02}", decl.amount_excl_vat_cents / 100, decl.amount_excl_vat_cents % 100),
        "principal": decl.principal.as_ref().map(|p| p.as_str().to_string()),
        "declaringContractor": decl.declaring_contractor.as_str(),
        "subjectToRegistration": decl.subject_to_registration,
        "subcontractors": d.subcontractors.iter().map(|s| serde_json::json!({
            "enterpriseNumber": s.enterprise_number.as_str(),
            "parent": s.parent.as_str(),
            "from": date(s.from),
            "to": s.to.map(date),
        })).collect::<Vec<_>>(),
    })
}
