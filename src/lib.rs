//! The `ciao` binary: command line and wiring. Everything it does goes
//! through the service layer.

/// `println!` for the commands' output: a closed standard output (its
/// reader went away, as in `ciao … | head`) makes the enclosing function
/// return [`StdoutClosed`], which `main` ends quietly on, instead of the
/// panic of `println!`.
macro_rules! outln {
    () => {
        $crate::write_stdout(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// `print!` as [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*))?
    };
}

pub mod admin;
pub mod bench;
pub mod client;
pub mod simulation;

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use ciao_domain::{DeclarationNumber, RealTimePolicy, RegistrationId};
use ciao_http::AppState;
use ciao_service::import::ImportMode;
use ciao_service::{Caller, CancelInput, Clock, Config, Service, SystemClock};
use clap::{Parser, Subcommand};
use time::Duration;

#[derive(Debug, Parser)]
#[command(name = "ciao", version, about = "Check In and Out at Work: the presence register")]
pub struct Cli {
    /// Database URL: sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "CIAO_DATABASE_URL")]
    pub database: Option<String>,

    /// Where the default SQLite database lives.
    #[arg(long, global = true, env = "CIAO_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// The simulation environment for integrators: a database of its own
    /// (default DATA_DIR/ciao-simulation.db), seeded with fictitious data;
    /// a production database is refused (and production refuses a simulation one).
    #[arg(long, global = true, env = "CIAO_SIMULATION", value_parser = clap::builder::BoolishValueParser::new())]
    pub simulation: bool,

    /// The key file the employer users' TOTP secrets are sealed with (64
    /// hex digits; created, readable by its owner only, when missing).
    /// Keep it apart from the database's backups; every node of one
    /// database needs the same file. Default: DATA_DIR/ciao-secrets.key
    /// (DATA_DIR/ciao-simulation-secrets.key in the simulation).
    #[arg(long, global = true, env = "CIAO_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,

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
        /// The file holds the whole of each owner it names (a person's
        /// employments or Limosa declarations, an enterprise's periods, a
        /// declaration's subcontractors): that owner's stored rows missing
        /// from it are removed. Owners the file does not name are untouched.
        /// Not for persons and declarations (one row per key).
        #[arg(long)]
        replace: bool,
    },
    /// Declarations of works.
    Declaration {
        #[command(subcommand)]
        command: DeclarationCommand,
    },
    /// Persons (workers): sign-in for the smartphone channel.
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Validate the queued registrations (once, or without end with --follow).
    Validate {
        /// Keep validating as registrations come in (and sweep days left open).
        #[arg(long)]
        follow: bool,
        /// Workers in this process.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[command(flatten)]
        validation: ValidationArgs,
    },
    /// Cancel a registration as the operator: the correction the RSZ/ONSS
    /// makes on a request with supporting documents (not bound by the
    /// senders' 30-day window). Audited.
    Cancel {
        /// The registration's id (its receipt number).
        id: String,
        /// HOLIDAY, DISEASE, PLANNING, C32A or OTHER (OTHER needs --comment).
        #[arg(long)]
        reason: String,
        /// Why, e.g. the request's reference.
        #[arg(long)]
        comment: Option<String>,
    },
    /// Queue registrations of a period (Brussels days) for validation again.
    Revalidate {
        /// The first day, YYYY-MM-DD (Brussels).
        #[arg(long)]
        from: String,
        /// The last day, YYYY-MM-DD (Brussels), included.
        #[arg(long)]
        to: String,
        /// Only this declaration of works' registrations.
        #[arg(long)]
        declaration: Option<String>,
    },
    /// Benchmarks (see docs/benchmarks.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Enterprises: the people who manage their channels.
    Enterprise {
        #[command(subcommand)]
        command: admin::EnterpriseCommand,
    },
    /// REST channels (Chaman): accounts and certificates.
    Channel {
        #[command(subcommand)]
        command: admin::ChannelCommand,
    },
    /// The reference client: keys, certificates, tokens, registrations.
    Client {
        #[command(subcommand)]
        command: client::ClientCommand,
    },
    /// Retention: delete what is older than the register must keep.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// The key the employer users' TOTP secrets are sealed with.
    SecretsKey {
        #[command(subcommand)]
        command: SecretsKeyCommand,
    },
    /// The simulation environment (implies --simulation): a REST account with
    /// a fresh key and certificate, reset to the seed, end the day now.
    Simulation {
        #[command(subcommand)]
        command: simulation::SimulationCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeclarationCommand {
    /// Print a declaration with its subcontractor chain and its registration URL (what its QR code holds), as JSON.
    Show {
        /// The declaration of works number (13 characters).
        number: String,
        /// The server's public base URL (as `serve --public-url`); without
        /// it, the registration URL names http://127.0.0.1:8080 and a warning says so.
        #[arg(long, env = "CIAO_PUBLIC_URL", value_parser = parse_public_url)]
        public_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Issue a one-time activation code with which the person sets up sign-in
    /// (passkey or PIN) on their phone. Printed once; valid 14 days; a new
    /// activation signs out the person's earlier phones.
    ActivationCode {
        /// The person's SSIN (INSZ/NISS).
        ssin: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CIAO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Absolute base URL that links, QR codes and the OAuth audience are
    /// built from (default: http:// + the listen address).
    #[arg(long, env = "CIAO_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Validation workers in this process (0: validation runs elsewhere, with `ciao validate --follow`).
    #[arg(long, env = "CIAO_VALIDATION_WORKERS", default_value_t = 1)]
    pub validation_workers: usize,

    /// Lifetime of the access tokens the server issues, in seconds.
    #[arg(long, env = "CIAO_TOKEN_LIFETIME_SECONDS", default_value_t = 600)]
    pub token_lifetime_seconds: u32,

    /// How many minutes before the server time a registrationDate may be.
    #[arg(long, env = "CIAO_MAX_PAST_MINUTES", default_value_t = 10)]
    pub max_past_minutes: u32,

    /// How many minutes after the server time a registrationDate may be.
    #[arg(long, env = "CIAO_MAX_FUTURE_MINUTES", default_value_t = 2)]
    pub max_future_minutes: u32,

    /// A secret (16 characters or more) that GET /metrics then asks for as
    /// `Authorization: Bearer <secret>`; without it /metrics is open. Prefer
    /// the environment variable: a command line is visible to every local user.
    /// (An empty value means none.)
    #[arg(long, env = "CIAO_METRICS_TOKEN", hide_env_values = true, value_name = "SECRET", value_parser = read_metrics_token)]
    pub metrics_token: Option<MetricsTokenArg>,

    /// The address of a reverse proxy in front of this server (repeat the
    /// flag, or separate with commas): for requests from it, the client's
    /// address is taken from X-Forwarded-For (the sign-in throttle counts
    /// failures per client address; without this, every client behind the
    /// proxy counts as one).
    #[arg(long = "trusted-proxy", env = "CIAO_TRUSTED_PROXIES", value_delimiter = ',', value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    #[command(flatten)]
    pub validation: ValidationArgs,
}

/// `--metrics-token` as given (checked when the server starts, so that a
/// refused secret is not printed back); its `Debug` does not show it.
#[derive(Clone)]
pub struct MetricsTokenArg(String);

impl std::fmt::Debug for MetricsTokenArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsTokenArg(…)")
    }
}

fn read_metrics_token(s: &str) -> Result<MetricsTokenArg, String> {
    Ok(MetricsTokenArg(s.to_string()))
}

impl MetricsTokenArg {
    /// The secret, or None when empty; its rule broken: an error naming the
    /// flag, the variable and the rule, without the value.
    fn secret(&self) -> anyhow::Result<Option<Arc<ciao_auth::bearer::BearerSecret>>> {
        if self.0.is_empty() {
            return Ok(None);
        }
        ciao_auth::bearer::BearerSecret::parse(&self.0)
            .map(|s| Some(Arc::new(s)))
            .map_err(|rule| anyhow::anyhow!("--metrics-token (CIAO_METRICS_TOKEN) {rule}"))
    }
}

/// Settings of the validation rules (for `serve` and `validate`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ValidationArgs {
    /// Coordinates farther than this many metres from the declaration's site get PLACE_OF_WORK_FAR_FROM_SITE.
    #[arg(long, env = "CIAO_FAR_FROM_SITE_METRES", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub far_from_site_metres: u32,

    /// A registration received more than this many seconds after its registrationDate gets LATE_REGISTRATION.
    #[arg(long, env = "CIAO_LATE_AFTER_SECONDS", default_value_t = 300)]
    pub late_after_seconds: u32,

    /// A registration made through a site display's rotating QR code older than this many seconds gets QR_CODE_EXPIRED (the code changes every 30 s).
    #[arg(long, env = "CIAO_SITE_CODE_TOLERANCE_SECONDS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(30..))]
    pub site_code_tolerance_seconds: u32,
}

impl ValidationArgs {
    pub fn policy(&self) -> ciao_domain::remarks::ValidationPolicy {
        ciao_domain::remarks::ValidationPolicy {
            max_distance_m: f64::from(self.far_from_site_metres),
            late_after: Duration::seconds(i64::from(self.late_after_seconds)),
            site_code_tolerance: Duration::seconds(i64::from(self.site_code_tolerance_seconds)),
        }
    }
}

/// The command line's definition, as `ciao --help` shows it: the reference
/// client (`ciao client …`) opens no database and reads no secrets key, so
/// the global flags for those are hidden from its help (still accepted,
/// and ignored).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    const NOT_FOR_THE_CLIENT: [&str; 4] = ["database", "data_dir", "simulation", "secrets_key_file"];
    let command = Cli::command();
    // Hidden copies of these global flags in `client`: clap then propagates
    // them (as they are, hidden) to its subcommands instead of the shown ones.
    let hidden: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|a| NOT_FOR_THE_CLIENT.contains(&a.get_id().as_str()))
        .map(|a| a.clone().hide(true))
        .collect();
    command.mut_subcommand("client", |client| client.args(hidden))
}

/// Parses the command line (and the environment), or exits with clap's
/// error, which says so when the refused value came from an environment
/// variable rather than the flag it names.
pub fn parse_cli() -> Cli {
    use clap::FromArgMatches;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = command();
    let parsed = command.try_get_matches_from_mut(&args).and_then(|m| Cli::from_arg_matches(&m));
    parsed.unwrap_or_else(|e| name_the_environment_variable(e, &command, &args).exit())
}

/// clap reports a bad value under its flag's name (`invalid value 'ten'
/// for '--max-past-minutes'`) also when it came from the flag's environment
/// variable: a tip then names the variable.
pub fn name_the_environment_variable(
    mut error: clap::Error,
    command: &clap::Command,
    args: &[std::ffi::OsString],
) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(error.kind(), ErrorKind::InvalidValue | ErrorKind::ValueValidation) {
        return error;
    }
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else { return error };
    let Some(long) = arg.split_whitespace().next().and_then(|a| a.strip_prefix("--")).map(str::to_string) else {
        return error;
    };
    let flag = format!("--{long}");
    let given = args.iter().filter_map(|a| a.to_str()).any(|a| a == flag || a.starts_with(&format!("{flag}=")));
    if given {
        return error;
    }
    fn env_of(command: &clap::Command, long: &str) -> Option<std::ffi::OsString> {
        command
            .get_arguments()
            .find(|a| a.get_long() == Some(long))
            .and_then(|a| a.get_env().map(|e| e.to_os_string()))
            .or_else(|| command.get_subcommands().find_map(|c| env_of(c, long)))
    }
    let Some(variable) = env_of(command, &long).filter(|v| std::env::var_os(v).is_some()) else { return error };
    let tip = format!("the value comes from the environment variable {}, not from {flag}", variable.to_string_lossy());
    let mut tips = match error.get(ContextKind::Suggested) {
        Some(ContextValue::StyledStrs(t)) => t.clone(),
        _ => Vec::new(),
    };
    tips.insert(0, tip.into());
    error.insert(ContextKind::Suggested, ContextValue::StyledStrs(tips));
    error
}

/// Reads a public base URL (`--public-url`, `CIAO_PUBLIC_URL`): an absolute
/// http or https URL with a host, without query or fragment (links, QR codes
/// and the OAuth audience are built by appending paths to it). Returned
/// without its trailing slash.
/// The public URL `ciao declaration show` assumes when none is given (that
/// of `ciao serve` on its default address).
const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

pub fn parse_public_url(s: &str) -> Result<String, String> {
    const RULE: &str = "--public-url (CIAO_PUBLIC_URL) must be an absolute http:// or https:// URL with a host \
                        and no query or fragment, e.g. https://ciao.example.be";
    if !s.contains("://") {
        return Err(format!("no scheme: {RULE} (did you mean http://{}?)", s.trim()));
    }
    let url = reqwest::Url::parse(s.trim()).map_err(|e| format!("{e}: {RULE}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the scheme {:?} is not http or https: {RULE}", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("no host: {RULE}"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("a query (?…) or fragment (#…) is not allowed: {RULE}"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("a user name or password is not allowed: {RULE}"));
    }
    // As given (not normalised): clients sign the audience with the URL
    // they were told.
    Ok(s.trim().trim_end_matches('/').to_string())
}

/// Standard output was closed by its reader (EPIPE): the command stops
/// writing and ends quietly (`main` exits with 141, as a process that
/// SIGPIPE ended, without a message).
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// The exit status of a command whose standard output was closed: that of
/// a process ended by SIGPIPE in a shell (128 + 13).
pub const STDOUT_CLOSED_STATUS: u8 = 141;

/// Writes to standard output and flushes; a closed pipe is [`StdoutClosed`].
pub fn write_stdout(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write to standard output")),
    }
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

/// The default SQLite file of production, in the data directory.
pub const DATABASE_FILE: &str = "ciao.db";
/// The default SQLite file of the simulation environment, in the data directory.
pub const SIMULATION_DATABASE_FILE: &str = "ciao-simulation.db";

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Delete the registrations registered before a day (with their history,
    /// remarks and validation queue rows) and, with --audit-log, the audit
    /// entries written before it; in transactions of 5,000 rows with a pause
    /// after each, so a serving node goes on registering (run it off-peak).
    /// The last 366 days are always kept; the database must exist. Audited
    /// when it starts and when it is done.
    Purge {
        /// The first day kept (Brussels), YYYY-MM-DD: everything before its
        /// start goes. At the latest 366 days before today.
        #[arg(long, value_parser = parse_day)]
        before: time::Date,
        /// Delete the audit log's entries before that day too.
        #[arg(long)]
        audit_log: bool,
        /// Only count what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
}

/// A day written YYYY-MM-DD.
fn parse_day(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("{s:?} is not a day written YYYY-MM-DD ({e})"))
}

#[derive(Debug, Subcommand)]
pub enum SecretsKeyCommand {
    /// A new key: every TOTP secret is sealed again with it and the database
    /// takes it; the key file is replaced (the old one kept beside it as
    /// FILE.old-FINGERPRINT). Stop every node first, give them the new file
    /// after. An interrupted rotation can be run again. Refused while a node
    /// serves the database (each says so every 5 s; a killed one counts for
    /// 20 s).
    Rotate {
        /// Rotate although a node seems to serve the database (only when you
        /// are sure none runs: a running node could no longer open the secrets).
        #[arg(long)]
        force: bool,
    },
}

impl Cli {
    /// Whether this command works in the simulation environment.
    pub fn is_simulation(&self) -> bool {
        self.simulation || matches!(self.command, Command::Simulation { .. })
    }

    pub fn database_url(&self) -> String {
        if let Some(url) = &self.database {
            return url.clone();
        }
        let dir = self.data_dir.clone().unwrap_or_else(default_data_dir);
        let file = if self.is_simulation() { SIMULATION_DATABASE_FILE } else { DATABASE_FILE };
        format!("sqlite://{}", dir.join(file).display())
    }

    /// The service's settings every command starts from: the environment.
    /// The secrets key is read (or created) only by commands that open the
    /// service.
    pub fn config(&self) -> anyhow::Result<Config> {
        let opens_service = !matches!(self.command, Command::Client { .. } | Command::Bench { .. });
        let secrets = if opens_service {
            self.keep_simulation_key()?;
            Some(Arc::new(load_or_create_secrets_key(&self.secrets_key_path())?))
        } else {
            None
        };
        Ok(Config { simulation: self.is_simulation(), secrets, ..Config::default() })
    }

    /// The secrets key file: `--secrets-key-file`, or the data directory's
    /// file of the environment (the simulation has its own, so that rotating
    /// the production key leaves the simulation's database readable, and
    /// the other way round).
    pub fn secrets_key_path(&self) -> PathBuf {
        self.secrets_key_file.clone().unwrap_or_else(|| {
            let file = if self.is_simulation() { SIMULATION_SECRETS_KEY_FILE } else { SECRETS_KEY_FILE };
            self.data_dir.clone().unwrap_or_else(default_data_dir).join(file)
        })
    }

    /// Before the simulation had a key file of its own, it used the
    /// production one: a simulation database that already exists was
    /// sealed with that key. Its default key file, when missing, is then
    /// made a copy of the production file (said on stderr), so that the
    /// database still opens and from then on each environment rotates its
    /// own key. A new simulation database gets a new key.
    fn keep_simulation_key(&self) -> anyhow::Result<()> {
        if !self.is_simulation() || self.secrets_key_file.is_some() {
            return Ok(());
        }
        let ours = self.secrets_key_path();
        let shared = self.data_dir.clone().unwrap_or_else(default_data_dir).join(SECRETS_KEY_FILE);
        // An SQLite file that is there, or a PostgreSQL database (which may
        // hold secrets sealed with the shared key).
        let existing_database = matches!(ciao_service::ciao_store::check_url(&self.database_url(), false), Ok(None));
        if ours.exists() || !shared.exists() || !existing_database {
            return Ok(());
        }
        let key = std::fs::read(&shared).with_context(|| format!("cannot read {}", shared.display()))?;
        if create_private_file(&ours, &key).with_context(|| format!("cannot create {}", ours.display()))? {
            eprintln!(
                "note: the simulation now has a secrets key file of its own, {} (a copy of {}, which its database was sealed with)",
                ours.display(),
                shared.display()
            );
        }
        Ok(())
    }
}

/// `ciao enterprise user forget-unreadable`: what the key file makes of the
/// database's TOTP secrets; with `yes`, the service is started forgetting
/// the sign-in of those whose secret does not open (audited), and the
/// database takes this key. Every node is stopped meanwhile, so the report
/// names whom the start forgets.
async fn forget_unreadable(url: &str, config: Config, key_path: &std::path::Path, yes: bool) -> anyhow::Result<()> {
    let store = open_store(url, &config).await?;
    let key = config.secrets.clone().context("no secrets key")?;
    let r = Service::secrets_report(&*store, &key).await?;
    drop(store);
    if yes {
        open_service(url, Config { forget_unreadable_secrets: true, ..config }, Arc::new(SystemClock)).await?;
        let who: Vec<String> = r.unreadable.iter().map(|s| s.masked()).collect();
        if who.is_empty() {
            outln!(
                "every TOTP secret opens with this key: nothing forgotten; the database takes the key {}",
                r.key_fingerprint
            );
        } else {
            outln!("sign-in forgotten for {} users (invite them again): {}", who.len(), who.join(", "));
        }
        return Ok(());
    }
    outln!("the database's secrets key: {}", r.recorded_fingerprint.as_deref().unwrap_or("none recorded yet"));
    outln!("the key file {}: {}", key_path.display(), r.key_fingerprint);
    outln!("{} employer users with a TOTP secret, {} of them still in plain", r.users, r.plain);
    if r.unreadable.is_empty() {
        outln!("every sealed secret opens with this key: nothing to forget");
    } else {
        let who: Vec<String> = r.unreadable.iter().map(|s| s.masked()).collect();
        outln!("{} would be forgotten (their secret does not open with this key): {}", who.len(), who.join(", "));
        outln!(
            "if the database's key is really lost, run this again with --yes: their sign-in is forgotten (audited), \
             the database takes this key, and they are invited again"
        );
    }
    Ok(())
}

/// The default key file of the secrets kept encrypted in the database.
pub const SECRETS_KEY_FILE: &str = "ciao-secrets.key";

/// The default key file of the simulation environment's database.
pub const SIMULATION_SECRETS_KEY_FILE: &str = "ciao-simulation-secrets.key";

/// Reads the secrets key from `path`, or creates it there (a new random key,
/// the file readable and writable by its owner only) when it does not exist.
pub fn load_or_create_secrets_key(path: &std::path::Path) -> anyhow::Result<ciao_auth::secretbox::SecretBox> {
    use ciao_auth::secretbox::{SecretBox, generate_key, key_from_hex, key_to_hex};
    use std::os::unix::fs::PermissionsExt;
    let read = |path: &std::path::Path| -> anyhow::Result<SecretBox> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the secrets key file {}", path.display()))?;
        let key = key_from_hex(&text).map_err(|e| {
            anyhow::anyhow!("the secrets key file {} does not hold 64 hexadecimal digits ({e})", path.display())
        })?;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(file = %path.display(), mode = format!("{:o}", mode & 0o777), "the secrets key file can be read by others: chmod 600 it");
        }
        Ok(SecretBox::new(&key)?)
    };
    if path.exists() {
        return read(path);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let key = generate_key()?;
    match create_private_file(path, format!("{}\n", key_to_hex(&key)).as_bytes()) {
        Ok(true) => {
            let sealer = SecretBox::new(&key)?;
            tracing::info!(
                file = %path.display(),
                fingerprint = sealer.fingerprint(),
                "created the secrets key file: keep it apart from the database's backups; every node of this database needs the same file"
            );
            Ok(sealer)
        }
        // Another process created it meanwhile.
        Ok(false) => read(path),
        Err(e) => Err(e).with_context(|| format!("cannot create the secrets key file {}", path.display())),
    }
}

/// Writes `contents` to a new file at `path`, readable and writable by its
/// owner only, synced; false (nothing written) when the file is there
/// already (another process made it meanwhile).
fn create_private_file(path: &std::path::Path, contents: &[u8]) -> std::io::Result<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            file.write_all(contents)?;
            file.sync_all()?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn operator() -> Caller {
    let name = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    Caller::Operator { name }
}

/// Opens the database for the configured environment (a new database is
/// created for it; one of the other environment is refused) and starts the
/// service on it.
pub async fn open_service(url: &str, config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Service> {
    let store = open_store(url, &config).await?;
    Ok(Service::start(store, clock, config).await?)
}

/// Opens the database for the configured environment (created when new).
async fn open_store(url: &str, config: &Config) -> anyhow::Result<Arc<dyn ciao_service::ciao_store::Store>> {
    let environment = if config.simulation {
        ciao_service::ciao_store::Environment::Simulation
    } else {
        ciao_service::ciao_store::Environment::Production
    };
    ciao_service::ciao_store::open_as(url, environment)
        .await
        .with_context(|| format!("cannot open the database {}", ciao_service::ciao_store::redact(url)))
}

/// A server that runs in this process (for `serve` and for the tests).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub public_url: String,
    pub service: Service,
    stop: Arc<tokio::sync::Notify>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// This node's name among the database's serving nodes.
    node: String,
}

impl RunningServer {
    /// Stops accepting, finishes the requests in flight, and returns.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.notify_one();
        self.wait().await
    }

    /// A function that stops the server when called.
    pub fn shutdown_handle(&self) -> impl FnOnce() + Send + 'static {
        let stop = self.stop.clone();
        move || stop.notify_one()
    }

    /// Waits until the server has stopped, then stops its background tasks
    /// and takes its node off the database, also when serving ended with an
    /// error (which is returned after).
    pub async fn wait(self) -> anyhow::Result<()> {
        let served = self.handle.await;
        for b in &self.background {
            b.abort();
        }
        self.service.node_stopped(&self.node).await?;
        Ok(served??)
    }
}

/// How often the open-day sweep runs.
pub const OPEN_DAY_SWEEP: std::time::Duration = std::time::Duration::from_secs(60);

/// How often a node looks for changes of the REST accounts.
pub const CHANNEL_REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// Binds the listener, opens the service with the public URL it implies,
/// and starts serving.
pub async fn start_server(
    database_url: &str,
    config: Config,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    public_url: Option<String>,
) -> anyhow::Result<RunningServer> {
    start_server_with(database_url, config, clock, listen, public_url, 0).await
}

/// As [`start_server`], with `validation_workers` validation workers and the
/// open-day sweep running beside the HTTP server (0: none).
pub async fn start_server_with(
    database_url: &str,
    mut config: Config,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    public_url: Option<String>,
    validation_workers: usize,
) -> anyhow::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    config.public_url =
        public_url.map(|u| u.trim_end_matches('/').to_string()).unwrap_or_else(|| format!("http://{addr}"));
    let service = open_service(database_url, config, clock).await?;
    let public_url = service.config().public_url.clone();
    let node = ciao_service::nodes::node_name(service.now());
    let mut background =
        vec![service.spawn_channel_refresher(CHANNEL_REFRESH), service.start_node_heartbeat(node.clone()).await?];
    if validation_workers > 0 {
        background.extend(service.spawn_validation_workers(validation_workers));
        background.push(service.spawn_open_day_sweeper(OPEN_DAY_SWEEP));
    }
    let state = AppState::new(service.clone());
    let stop = Arc::new(tokio::sync::Notify::new());
    let signal = stop.clone();
    let handle = tokio::spawn(ciao_http::serve(listener, state, async move {
        signal.notified().await;
    }));
    Ok(RunningServer { addr, public_url, service, stop, handle, background, node })
}

fn progress_printer(label: String) -> impl FnMut(u64, u64) {
    let tty = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    move |bytes, rows| {
        if !tty || last.elapsed().as_millis() < 100 {
            return;
        }
        last = std::time::Instant::now();
        eprint!("\r{label}: {rows} rows read ({:.1} MiB)", bytes as f64 / 1_048_576.0);
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
        eprint!("\r{label} [{}{}] {pct:3}% {rows} rows", "#".repeat(filled), "-".repeat(30 - filled));
        let _ = std::io::stderr().flush();
    }
}

/// Ctrl-C (SIGINT) and SIGTERM, the signal service managers (systemd,
/// Docker, Kubernetes) stop a process with, listened for from the moment
/// this is made: a signal that comes before [`StopSignals::wait`] is not lost.
struct StopSignals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn listen() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| tracing::warn!(error = %e, "cannot listen for {name}")).ok()
        };
        Self {
            interrupt: listen(SignalKind::interrupt(), "SIGINT"),
            terminate: listen(SignalKind::terminate(), "SIGTERM"),
        }
    }

    /// Waits for either; returns its name.
    async fn wait(mut self) -> &'static str {
        async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => "SIGINT",
            _ = next(&mut self.terminate) => "SIGTERM",
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url();
    // The default database's directory is made here; a directory named in
    // --database must exist: a mistyped path is refused before anything is
    // made (the secrets key file below, say). A maintenance command needs
    // the database itself to be there.
    if cli.database.is_none() {
        let dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if !matches!(cli.command, Command::Client { .. } | Command::Bench { .. }) {
        // Retention and key rotation change what is there (a rotation the
        // key file the real database shares): never on a mistyped path.
        let existing = matches!(cli.command, Command::Retention { .. } | Command::SecretsKey { .. });
        let new_file = ciao_service::ciao_store::check_url(&url, existing)
            .with_context(|| format!("cannot open the database {}", ciao_service::ciao_store::redact(&url)))?;
        // A command other than serve or migrate on a file that is not there
        // is more often a mistyped path than a first step: said, so that
        // the person sees it before looking for their data in an empty one.
        // (A simulation database is made seeded, not empty.)
        if let Some(file) = new_file
            && !matches!(cli.command, Command::Serve(_) | Command::Migrate)
            && !cli.is_simulation()
        {
            eprintln!(
                "note: there was no database at {}; a new, empty one is made there (check --database or CIAO_DATABASE_URL if you meant another)",
                file.display()
            );
        }
    }
    let base = cli.config()?;
    match &cli.command {
        Command::Serve(args) => {
            let config = Config {
                real_time: RealTimePolicy {
                    max_past: Duration::minutes(i64::from(args.max_past_minutes)),
                    max_future: Duration::minutes(i64::from(args.max_future_minutes)),
                },
                token_lifetime: Duration::seconds(i64::from(args.token_lifetime_seconds.max(1))),
                validation: args.validation.policy(),
                metrics_token: match &args.metrics_token {
                    Some(token) => token.secret()?,
                    None => None,
                },
                trusted_proxies: args.trusted_proxies.clone(),
                ..base
            };
            // Before the first line that says the server listens.
            let signals = StopSignals::listen();
            let server = start_server_with(
                &url,
                config,
                Arc::new(SystemClock),
                args.listen,
                args.public_url.clone(),
                args.validation_workers,
            )
            .await?;
            // Written with writeln! (not println!): a closed stdout must not kill the server.
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "ciao listening on http://{} (public URL {}, database {})\nAPI: {}{}/openapi.json",
                server.addr,
                server.public_url,
                ciao_service::ciao_store::redact(&url),
                server.public_url,
                ciao_http::API_BASE
            );
            if server.service.is_simulation() {
                let _ = writeln!(
                    out,
                    "SIMULATION environment: fictitious data (docs/simulation.md); ciao simulation reset|sweep|account"
                );
            }
            let _ = std::io::stdout().flush();
            let stop = server.shutdown_handle();
            tokio::spawn(async move {
                let signal = signals.wait().await;
                tracing::info!(signal, "shutting down");
                stop();
            });
            server.wait().await
        }
        Command::Migrate => {
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            let v = service.store().schema_version().await?;
            outln!("database {} is at schema version {v}", ciao_service::ciao_store::redact(&url));
            Ok(())
        }
        Command::Import { kind, file, replace } => {
            if !ciao_service::import::KINDS.contains(&kind.as_str()) {
                bail!("unknown kind {kind:?}: use one of {}", ciao_service::import::KINDS.join(", "));
            }
            let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            let mut bar = size_bar(kind, len);
            let mode = if *replace { ImportMode::Replace } else { ImportMode::Merge };
            let result = service.import_with(&operator(), kind, std::io::BufReader::new(f), &mut bar, mode).await;
            if std::io::stderr().is_terminal() {
                eprintln!();
            }
            let summary = result.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            outln!("{}", import_summary(kind, summary.rows, summary.changed, file, *replace));
            Ok(())
        }
        Command::Validate { follow, workers, validation } => {
            let config = Config { validation: validation.policy(), ..base };
            let service = open_service(&url, config, Arc::new(SystemClock)).await?;
            if *follow {
                let mut tasks = service.spawn_validation_workers((*workers).max(1));
                tasks.push(service.spawn_open_day_sweeper(OPEN_DAY_SWEEP));
                // Not outln!: a closed stdout must not stop the workers.
                let signals = StopSignals::listen();
                let _ = writeln!(std::io::stdout(), "validating with {} workers; Ctrl-C to stop", (*workers).max(1));
                signals.wait().await;
                for t in tasks {
                    t.abort();
                }
                Ok(())
            } else {
                let swept = service.sweep_open_days().await?;
                let n = service.validate_all().await?;
                outln!("{n} registrations validated ({swept} left open and queued again)");
                Ok(())
            }
        }
        Command::Cancel { id, reason, comment } => {
            let id = id.trim().parse::<i64>().ok().and_then(|n| RegistrationId::new(n).ok());
            let id = id.ok_or_else(|| anyhow::anyhow!("the id is a registration's number (a positive integer)"))?;
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            let input = CancelInput { reason: Some(reason.clone()), comment: comment.clone() };
            let r = service.cancel(&operator(), id, input).await?;
            outln!("registration {} cancelled", r.id);
            Ok(())
        }
        Command::Revalidate { from, to, declaration } => {
            let from =
                ciao_domain::search::parse_date(from).ok_or_else(|| anyhow::anyhow!("--from: a date YYYY-MM-DD"))?;
            let to = ciao_domain::search::parse_date(to).ok_or_else(|| anyhow::anyhow!("--to: a date YYYY-MM-DD"))?;
            if to < from {
                bail!("--to comes before --from");
            }
            let declaration = declaration
                .as_deref()
                .map(DeclarationNumber::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--declaration: {e}"))?;
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            let n = service.revalidate(&operator(), from, to, declaration.as_ref()).await?;
            outln!("{n} registrations queued for validation");
            Ok(())
        }
        Command::Bench { command } => {
            if cli.is_simulation() {
                bail!("ciao bench fills a production database with generated data; it does not run in the simulation");
            }
            bench::run(&url, command).await
        }
        Command::Enterprise { command } => {
            if let admin::EnterpriseCommand::User { command: admin::UserCommand::ForgetUnreadable { yes } } = command {
                // Before the service opens: it refuses to start with another key.
                return forget_unreadable(&url, base, &cli.secrets_key_path(), *yes).await;
            }
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            admin::enterprise_command(&service, command).await
        }
        Command::Channel { command } => {
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            admin::channel_command(&service, command).await
        }
        Command::Client { command } => client::run(command).await,
        Command::SecretsKey { command: SecretsKeyCommand::Rotate { force } } => {
            let path = cli.secrets_key_path();
            let old = base.secrets.clone().context("no secrets key")?;
            let mut new_path = path.clone().into_os_string();
            new_path.push(".new");
            let new_path = PathBuf::from(new_path);
            // Made once: an interrupted rotation finds it again. A rotation
            // refused before it began takes away the file it made.
            let made_now = !new_path.exists();
            let new = Arc::new(load_or_create_secrets_key(&new_path)?);
            let config = Config { rotating_to: Some(new.clone()), ..base };
            let opened = async {
                let service = open_service(&url, config, Arc::new(SystemClock)).await?;
                service.require_no_serving_node("rotating the secrets key", *force).await?;
                anyhow::Ok(service)
            }
            .await;
            if opened.is_err() && made_now {
                let _ = std::fs::remove_file(&new_path);
            }
            let service = opened?;
            let n = service.rotate_secrets_key(&new).await?;
            let mut kept = path.clone().into_os_string();
            kept.push(format!(".old-{}", old.fingerprint()));
            let kept = PathBuf::from(kept);
            std::fs::rename(&path, &kept).with_context(|| format!("cannot keep the old key as {}", kept.display()))?;
            std::fs::rename(&new_path, &path)
                .with_context(|| format!("cannot put the new key at {}", path.display()))?;
            outln!(
                "{n} TOTP secrets sealed again; the database now takes the key {} (was {})",
                new.fingerprint(),
                old.fingerprint()
            );
            outln!(
                "the new key is at {}; the old one is kept at {}: give every node the new file before starting it, \
                 then delete the old one",
                path.display(),
                kept.display()
            );
            Ok(())
        }
        Command::Simulation { command } => {
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            simulation::run(&service, command).await
        }
        Command::Retention { command: RetentionCommand::Purge { before, audit_log, dry_run } } => {
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            let started = std::time::Instant::now();
            let purged = service.purge_before(&operator(), *before, *audit_log, *dry_run).await?;
            let audit = if *audit_log { format!(", {} audit entries", purged.audit_entries) } else { String::new() };
            let verb = if *dry_run { "would delete" } else { "deleted" };
            let cutoff = ciao_domain::clock::format_utc(ciao_domain::clock::brussels_start_of_day(*before));
            outln!(
                "{verb} {} registrations (with their history, remarks and queue rows){audit} from before {before} \
                 (Brussels; {cutoff}) in {:.1} s",
                purged.registrations,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Person { command: PersonCommand::ActivationCode { ssin } } => {
            let service = open_service(&url, base, Arc::new(SystemClock)).await?;
            let code = service.issue_activation_code(&operator(), ssin).await?;
            outln!("activation code for {}: {}", code.ssin.masked(), code.code);
            outln!(
                "valid until {}; the person enters it once on their phone (any workplace's page, or /w/activate)",
                ciao_domain::clock::format_brussels(code.expires_at)
            );
            Ok(())
        }
        Command::Declaration { command: DeclarationCommand::Show { number, public_url } } => {
            let number = DeclarationNumber::parse(number).map_err(|e| anyhow::anyhow!("declaration number: {e}"))?;
            let public_url = match public_url {
                Some(u) => u.trim_end_matches('/').to_string(),
                None => {
                    eprintln!(
                        "warning: no --public-url (or CIAO_PUBLIC_URL): the registrationUrl names {DEFAULT_PUBLIC_URL}, \
                         which only this machine reaches; give the URL your server is reached at before printing a QR code"
                    );
                    DEFAULT_PUBLIC_URL.to_string()
                }
            };
            let config = Config { public_url, ..base };
            let service = open_service(&url, config, Arc::new(SystemClock)).await?;
            let d = service.declaration(&number).await?;
            let mut json = declaration_json(&d);
            json["registrationUrl"] = serde_json::Value::String(service.registration_url(&d));
            outln!("{}", serde_json::to_string_pretty(&json)?);
            Ok(())
        }
    }
}

/// What `ciao import` says it did: the rows of the file, and what changed in
/// the register (for enterprises a row is an active period, and the count
/// of changes covers the enterprises, their periods and their founders).
/// What an import did, in one line; with `replace`, the changes count the
/// rows removed too.
pub fn import_summary(kind: &str, rows: u64, changed: u64, file: &std::path::Path, replace: bool) -> String {
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let changes = match (changed, kind) {
        (0, _) => "nothing changed".to_string(),
        (n, "enterprises") => format!(
            "{} (enterprises, their active periods and founders) added, updated or removed",
            count(n, "record", "records")
        ),
        (n, "persons") => format!("{} added or updated", count(n, "person", "persons")),
        (n, "employments") => format!("{} added or updated", count(n, "employment relation", "employment relations")),
        (n, "limosa") => format!("{} added or updated", count(n, "Limosa declaration", "Limosa declarations")),
        (n, "declarations") => {
            format!("{} added or updated", count(n, "declaration of works", "declarations of works"))
        }
        (n, "subcontractors") => format!("{} added or updated", count(n, "subcontract", "subcontracts")),
        (n, _) => format!("{} added or updated", count(n, "record", "records")),
    };
    let changes = if replace { changes.replace(" added or updated", " added, updated or removed") } else { changes };
    format!("{kind}: {} read from {}; {changes}", count(rows, "row", "rows"), file.display())
}

#[cfg(test)]
mod import_summary_tests {
    use super::import_summary;

    #[test]
    fn a_replacing_import_says_it_may_have_removed() {
        let f = std::path::Path::new("fix.csv");
        assert_eq!(
            import_summary("employments", 1, 2, f, false),
            "employments: 1 row read from fix.csv; 2 employment relations added or updated"
        );
        assert_eq!(
            import_summary("employments", 1, 2, f, true),
            "employments: 1 row read from fix.csv; 2 employment relations added, updated or removed"
        );
        assert_eq!(import_summary("limosa", 1, 0, f, true), "limosa: 1 row read from fix.csv; nothing changed");
    }
}

pub fn declaration_json(d: &ciao_domain::reference::DeclarationDetails) -> serde_json::Value {
    let date = |x: time::Date| x.format(ciao_domain::search::DATE_FORMAT).unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn validation_settings_reach_the_policy() {
        let cli = Cli::try_parse_from([
            "ciao",
            "serve",
            "--far-from-site-metres",
            "250",
            "--late-after-seconds",
            "60",
            "--site-code-tolerance-seconds",
            "120",
        ])
        .expect("parses");
        let Command::Serve(args) = cli.command else { panic!("serve") };
        let policy = args.validation.policy();
        assert_eq!(
            (policy.max_distance_m, policy.late_after, policy.site_code_tolerance),
            (250.0, Duration::seconds(60), Duration::seconds(120))
        );
        let cli = Cli::try_parse_from(["ciao", "validate"]).expect("parses");
        let Command::Validate { validation, .. } = cli.command else { panic!("validate") };
        assert_eq!(validation.policy(), ciao_domain::remarks::ValidationPolicy::default());
        let e = Cli::try_parse_from(["ciao", "validate", "--far-from-site-metres", "0"]).unwrap_err();
        assert!(e.to_string().contains("--far-from-site-metres"), "{e}");
    }
}
