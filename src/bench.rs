//! `ciao bench`: benchmarks of the whole hot path against this machine's own
//! limits (docs/benchmarks.md).
//!
//! - `registrations`: a server on a fresh database, a REST account with a
//!   real certificate, tokens from the real OAuth endpoint, and a load
//!   generator in the same process driving `registerInBulk`; beside it the
//!   ceilings of the machine measured in the same run (raw durable inserts,
//!   the HTTP stack on a trivial authenticated route, PostgreSQL single-row
//!   commits).
//! - `tokens`: the token endpoint with ES384 and RS256 client assertions.
//! - `search`: the two common searches over a large register.
//! - `validation`: the validation drain rate (issue #4).
//! - `crash`: kill -9 of the server under load, restart, and a check that
//!   every acknowledged registration is stored once.
//! - `all`: all of them, with one JSON summary; `plot` draws the SVG of
//!   throughput and p99 against concurrency from such summaries.

pub mod ceilings;
pub mod crash;
pub mod db;
pub mod hist;
pub mod http;
pub mod load;
pub mod plot;
pub mod report;
pub mod search;
pub mod server;
pub mod tokens;
pub mod validation;
pub mod world;

use std::path::PathBuf;

pub use validation::ValidationBench;

/// What every HTTP scenario takes.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Measured seconds per point.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Seconds of load before measuring (not counted).
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Concurrent clients (connections); several values, comma-separated, make a sweep.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub concurrency: Vec<usize>,
    /// Print the machine-readable summary (JSON) on standard output; the table goes to standard error.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON summary to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// Keep the fresh databases the benchmark made (default: removed at the end).
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RegistrationsBench {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Items per registerInBulk request (1 to 200).
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Skip the ceilings (raw inserts, HTTP on a trivial route, single-row commits).
    #[arg(long)]
    pub no_ceilings: bool,
    /// Validation workers in the server (0: none, the hot path alone; the drain rate is `bench validation`).
    #[arg(long, default_value_t = 0)]
    pub validation_workers: usize,
    /// Persons (valid SSINs, employed by the account's enterprise) the items are drawn from.
    #[arg(long, default_value_t = 20_000)]
    pub persons: u64,
    /// Declarations of works the items are drawn from.
    #[arg(long, default_value_t = 1_000)]
    pub declarations: u64,
    /// Send items without a clientReference (by default each item carries a fresh one, as an idempotent client does).
    #[arg(long)]
    pub no_client_reference: bool,
    /// Each item's clientReference 24 random-looking hex digits (as a client that makes random references
    /// sends) instead of RUN-CLIENT-SEQUENCE, whose keys arrive clustered by client: the unique (sender,
    /// clientReference) index then takes its keys in random order.
    #[arg(long, conflicts_with = "no_client_reference")]
    pub random_client_reference: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct TokensBench {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Assertion algorithms: es384, rs256 (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "es384,rs256")]
    pub algs: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SearchBench {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Registrations in the register searched.
    #[arg(long, default_value_t = 10_000_000)]
    pub register_size: u64,
    /// Keep the filled register for a later run (it is reused when its size matches).
    #[arg(long)]
    pub keep_register: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CrashBench {
    /// Seconds of load before each kill -9.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Kill-and-restart cycles.
    #[arg(long, default_value_t = 3)]
    pub cycles: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Items per registerInBulk request (1 to 200).
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Persons the items are drawn from.
    #[arg(long, default_value_t = 5_000)]
    pub persons: u64,
    /// The ciao program to run as the server (default: this one).
    #[arg(long)]
    pub server_binary: Option<PathBuf>,
    /// Keep the database afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Print the JSON summary on standard output.
    #[arg(long)]
    pub json: bool,
    /// Also write the JSON summary to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AllBench {
    #[command(flatten)]
    pub load: LoadArgs,
    /// Registrations in the register the searches run over.
    #[arg(long, default_value_t = 10_000_000)]
    pub register_size: u64,
    /// Keep the filled search register for a later run.
    #[arg(long)]
    pub keep_register: bool,
    /// Concurrency of the 200-item bulk scenario.
    #[arg(long, default_value_t = 16)]
    pub bulk_concurrency: usize,
    /// Registrations stored for the validation drain (the registries keep `bench validation`'s defaults).
    #[arg(long, default_value_t = 100_000)]
    pub validation_registrations: u64,
    /// Smaller registries for the validation drain (a quick run).
    #[arg(long)]
    pub small_registries: bool,
    /// Skip the validation drain.
    #[arg(long)]
    pub no_validation: bool,
    /// Skip the search scenarios.
    #[arg(long)]
    pub no_search: bool,
    /// Skip the kill -9 scenario.
    #[arg(long)]
    pub no_crash: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PlotArgs {
    /// JSON summaries written by `ciao bench registrations|all --json-out`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The SVG to write.
    #[arg(long, default_value = "docs/bench-concurrency.svg")]
    pub out: PathBuf,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum BenchCommand {
    /// Validation drain rate over realistic registries.
    Validation(ValidationBench),
    /// registerInBulk through HTTP at a sweep of concurrencies, with the machine's ceilings.
    #[command(alias = "http")]
    Registrations(RegistrationsBench),
    /// The token endpoint with ES384 and RS256 client assertions.
    Tokens(TokensBench),
    /// Searches by declaration and day and by person and month over a large register.
    Search(SearchBench),
    /// kill -9 of the server under load, restart: every acknowledged registration stored, none twice.
    Crash(CrashBench),
    /// Every scenario of issue #8, with one JSON summary.
    All(AllBench),
    /// Draws throughput and p99 against concurrency (SVG) from JSON summaries.
    Plot(PlotArgs),
}

/// Runs a benchmark; `url` says where its fresh databases are made (see [`db`]).
pub async fn run(url: &str, cmd: &BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Validation(b) => validation::standalone(url, b).await.map(|_| ()),
        BenchCommand::Registrations(b) => {
            let mut report = report::Report::new(url);
            http::sweep(url, b, &mut report).await?;
            report.finish(b.load.json, b.load.json_out.as_deref())
        }
        BenchCommand::Tokens(b) => {
            let mut report = report::Report::new(url);
            tokens::run(url, b, &mut report).await?;
            report.finish(b.load.json, b.load.json_out.as_deref())
        }
        BenchCommand::Search(b) => {
            let mut report = report::Report::new(url);
            search::run(url, b, &mut report).await?;
            report.finish(b.load.json, b.load.json_out.as_deref())
        }
        BenchCommand::Crash(b) => {
            let mut report = report::Report::new(url);
            crash::run(url, b, &mut report).await?;
            report.finish(b.json, b.json_out.as_deref())
        }
        BenchCommand::All(b) => all(url, b).await,
        BenchCommand::Plot(p) => plot::run(p),
    }
}

fn concurrency_or(load: &LoadArgs, default: &[usize]) -> LoadArgs {
    let mut l = load.clone();
    if l.concurrency.is_empty() {
        l.concurrency = default.to_vec();
    }
    l
}

async fn all(url: &str, b: &AllBench) -> anyhow::Result<()> {
    let mut report = report::Report::new(url);
    let single = RegistrationsBench {
        load: concurrency_or(&b.load, &[16, 64, 256]),
        batch: 1,
        no_ceilings: false,
        validation_workers: 0,
        persons: 20_000,
        declarations: 1_000,
        no_client_reference: false,
        random_client_reference: false,
    };
    http::sweep(url, &single, &mut report).await?;
    let bulk = RegistrationsBench {
        load: LoadArgs { concurrency: vec![b.bulk_concurrency], ..b.load.clone() },
        batch: 200,
        ..single.clone()
    };
    http::sweep(url, &bulk, &mut report).await?;
    let tokens = TokensBench {
        load: LoadArgs { concurrency: vec![16], ..b.load.clone() },
        algs: vec!["es384".into(), "rs256".into()],
    };
    tokens::run(url, &tokens, &mut report).await?;
    if !b.no_search {
        let search = SearchBench {
            load: LoadArgs { concurrency: vec![1, 4, 16], ..b.load.clone() },
            register_size: b.register_size,
            keep_register: b.keep_register,
        };
        search::run(url, &search, &mut report).await?;
    }
    if !b.no_crash {
        let crash = CrashBench {
            seconds: 3.0,
            cycles: 3,
            concurrency: 64,
            batch: 1,
            persons: 5_000,
            server_binary: None,
            keep: b.load.keep,
            json: false,
            json_out: None,
        };
        crash::run(url, &crash, &mut report).await?;
    }
    if !b.no_validation {
        let v = if b.small_registries {
            ValidationBench {
                enterprises: 10_000,
                employments: 100_000,
                declarations: 5_000,
                registrations: b.validation_registrations,
                workers: 2,
                reuse_registries: false,
            }
        } else {
            ValidationBench { registrations: b.validation_registrations, ..ValidationBench::default() }
        };
        let fresh = db::FreshDb::create(url, "validation").await?;
        let summary = validation::run(&fresh.url, &v, true).await;
        fresh.finish(b.load.keep).await;
        report.validation(summary?);
    }
    report.finish(b.load.json, b.load.json_out.as_deref())
}
