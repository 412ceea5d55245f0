//! `wangjian`: the command-line interface (../shared/spec/cli.md). Glue only:
//! the work is done by the `pipelines`, `lake` and `queries` crates.

mod cluster;
mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use wangjian_contract::Quarter;
use wangjian_generate::{GenerateError, GenerateOptions};
use wangjian_lake::Lake;
use wangjian_pipelines::{IngestError, IngestOptions};
use wangjian_queries::{Access, Format, QuerySet};

#[derive(Parser)]
#[command(
    name = "wangjian",
    version,
    about = "网监: online market supervision analytics"
)]
struct Cli {
    /// The lake folder.
    #[arg(
        long,
        global = true,
        env = "WANGJIAN_LAKE",
        default_value = "data/lake"
    )]
    lake: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load files, or folders laid out as <source>/..., into the lake.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Treat the given files as this source.
        #[arg(long)]
        source: Option<String>,
        /// Exit 3 when any row was quarantined, too.
        #[arg(long)]
        strict: bool,
    },
    /// (Re)compute regional_indicators, platform_indicators, risk_index, alerts.
    Indicators {
        /// A folder of query files (NN_name.sql and risk_weights.csv) to run
        /// instead of those built into the binary.
        #[arg(long)]
        queries: Option<PathBuf>,
        /// Memory the SQL may hold (e.g. 4GiB); sorts, joins and aggregates
        /// spill to temporary files past it. Default: half the
        /// machine's memory.
        #[arg(long, value_parser = wangjian_queries::parse_size)]
        memory_limit: Option<usize>,
        #[command(flatten)]
        cluster: ClusterArg,
    },
    /// Render the leadership dashboard (latest quarter by default).
    Report {
        #[arg(long, value_parser = parse_quarter_text)]
        quarter: Option<String>,
        #[arg(long, default_value = "out/report")]
        out: PathBuf,
    },
    /// Write the quarterly statistical release of a quarter (a new edition
    /// only when its figures changed).
    Release {
        #[arg(long, value_parser = parse_quarter_text, required_unless_present = "verify")]
        quarter: Option<String>,
        /// Check an edition folder: every file against the manifest, and the
        /// figures against the lake when it still holds that state.
        #[arg(long, value_name = "EDITION_DIR", conflicts_with_all = ["quarter", "disclosure"])]
        verify: Option<PathBuf>,
        #[arg(long, default_value = "out/release")]
        out: PathBuf,
        /// Disclosure control parameters (JSON: threshold, min_cases,
        /// min_denominator); the defaults of release.md without it.
        #[arg(long)]
        disclosure: Option<PathBuf>,
        /// The contact printed on the spreadsheet's cover (e.g. an office
        /// and a telephone number); `[x]` (not available) without it.
        #[arg(long, conflicts_with = "verify")]
        contact: Option<String>,
        #[command(flatten)]
        cluster: ClusterArg,
    },
    /// Print the data dictionary (every table and column, type and meaning) as Markdown.
    Dictionary,
    /// Run SQL over every lake table; without -e/-f, an interactive shell.
    Sql {
        #[arg(short = 'e', long = "execute", conflicts_with = "file")]
        sql: Option<String>,
        #[arg(short = 'f', long)]
        file: Option<PathBuf>,
        #[arg(long, default_value = "table")]
        format: Format,
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        cluster: ClusterArg,
    },
    /// Write realistic raw extracts of all six sources under DIR/<source>/.
    Generate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 2015)]
        seed: u64,
        #[arg(long, default_value = "2024Q1", value_parser = parse_quarter)]
        from: Quarter,
        #[arg(long, default_value = "2025Q4", value_parser = parse_quarter)]
        to: Quarter,
        /// 1 = national volume (about 5.6 million complaint-table rows a quarter).
        #[arg(long, default_value_t = 0.002)]
        scale: f64,
        /// Share of extra rows planted to be quarantined.
        #[arg(long, default_value_t = 0.002)]
        bad_rate: f64,
        /// Share of rows sent twice, identically.
        #[arg(long, default_value_t = 0.01)]
        duplicate_rate: f64,
        /// Share of open complaints sent again with a newer version.
        #[arg(long, default_value_t = 0.05)]
        update_rate: f64,
    },
    /// Serve SQL over the PostgreSQL wire protocol (service.md).
    Serve(serve::ServeArgs),
    /// The users of the SQL service.
    User {
        #[command(subcommand)]
        cmd: serve::UserCmd,
    },
    /// The whole chain on data/raw (generating sample data there first when it is empty).
    Run {
        #[arg(long, default_value = "data/raw")]
        raw: PathBuf,
    },
    /// Run a Ballista scheduler for `--cluster` (docs/cluster.md).
    Scheduler(cluster::SchedulerArgs),
    /// Run a Ballista executor of a scheduler (docs/cluster.md).
    Executor(cluster::ExecutorArgs),
}

/// `--cluster`: where the SQL runs.
#[derive(clap::Args, Clone, Debug, Default)]
struct ClusterArg {
    /// Run the SQL on the Ballista cluster whose scheduler is at
    /// df://HOST:PORT (see docs/cluster.md); in this process without it.
    #[arg(
        long = "cluster",
        env = "WANGJIAN_CLUSTER",
        value_name = "df://HOST:PORT"
    )]
    url: Option<String>,
    /// With --cluster: seconds one statement may take before it is given
    /// up (a cluster that lost an executor may never answer).
    #[arg(
        long = "cluster-timeout",
        env = "WANGJIAN_CLUSTER_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 1800,
        requires = "url"
    )]
    timeout: u64,
}

/// Exit codes of cli.md.
const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_REJECTED: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_target(false)
        .without_time()
        .init();
    // Deep plans (the risk index's views, serialised for a cluster) recurse
    // past tokio's 2 MiB default stack, in debug builds above all; Ballista's
    // own binaries use 32 MiB. Only touched pages are ever resident.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(if is_usage(&e) {
                EXIT_USAGE
            } else {
                EXIT_FAILURE
            })
        }
    }
}

/// A command line that asks for something impossible (exit 2), as opposed
/// to a failure while doing what it asked (exit 1).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn is_usage(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Usage>().is_some()
        || matches!(e.downcast_ref::<IngestError>(), Some(IngestError::Usage(_)))
        || matches!(
            e.downcast_ref::<GenerateError>(),
            Some(GenerateError::Usage(_))
        )
}

async fn dispatch(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Ingest {
            paths,
            source,
            strict,
        } => ingest(&cli.lake, &paths, source, strict).await,
        Command::Sql {
            sql,
            file,
            format,
            output,
            cluster,
        } => {
            sql_cmd(
                &cli.lake,
                sql,
                file,
                format,
                output,
                &cluster::engine(&cluster)?,
            )
            .await
        }
        Command::Generate {
            out,
            seed,
            from,
            to,
            scale,
            bad_rate,
            duplicate_rate,
            update_rate,
        } => {
            let mut opts = GenerateOptions::new(out);
            opts.seed = seed;
            opts.from = from;
            opts.to = to;
            opts.scale = scale;
            opts.bad_rate = bad_rate;
            opts.duplicate_rate = duplicate_rate;
            opts.update_rate = update_rate;
            generate(&opts)?;
            Ok(0)
        }
        Command::Indicators {
            queries,
            memory_limit,
            cluster,
        } => {
            indicators(
                &cli.lake,
                queries,
                memory_limit,
                &cluster::engine(&cluster)?,
            )
            .await
        }
        Command::Dictionary => dictionary(&cli.lake).await,
        Command::Report { quarter, out } => report(&cli.lake, quarter.as_deref(), &out).await,
        Command::Release {
            verify: Some(dir), ..
        } => verify_release(&cli.lake, &dir).await,
        Command::Release {
            quarter,
            out,
            disclosure,
            contact,
            cluster,
            ..
        } => {
            let engine = cluster::engine(&cluster)?;
            release(
                &cli.lake,
                quarter,
                out,
                disclosure.as_deref(),
                contact,
                &engine,
            )
            .await
        }
        Command::Serve(a) => serve::serve(&cli.lake, a).await,
        Command::User { cmd } => serve::user(cmd),
        Command::Run { raw } => run(&cli.lake, &raw).await,
        Command::Scheduler(a) => cluster::scheduler(a).await,
        Command::Executor(a) => cluster::executor(a).await,
    }
}

async fn ingest(
    lake: &Path,
    paths: &[PathBuf],
    source: Option<String>,
    strict: bool,
) -> Result<u8> {
    let lake = Lake::open(lake)?;
    let opts = IngestOptions {
        source,
        progress: true,
    };
    let report = wangjian_pipelines::ingest(&lake, paths, &opts).await?;
    print!("{}", report.render());
    for f in report.files.iter().filter(|f| f.rejected.is_some()) {
        eprintln!(
            "rejected: {}: {}",
            f.file,
            f.rejected.as_deref().unwrap_or_default()
        );
    }
    let q = report.quarantined();
    if q > 0 {
        eprintln!("{q} rows quarantined (query the `quarantine` table for file, row and reason)");
    }
    Ok(if report.rejected() > 0 || (strict && q > 0) {
        EXIT_REJECTED
    } else {
        0
    })
}

async fn indicators(
    lake: &Path,
    queries: Option<PathBuf>,
    memory_limit: Option<usize>,
    engine: &wangjian_queries::Engine,
) -> Result<u8> {
    let set = match queries {
        Some(dir) if !dir.is_dir() => {
            return Err(Usage(format!("--queries {}: no such folder", dir.display())).into())
        }
        Some(dir) => QuerySet::from_dir(&dir)?,
        None => QuerySet::builtin(),
    };
    let lake = Lake::open_existing(lake)?;
    let started = std::time::Instant::now();
    let limit = memory_limit.unwrap_or_else(wangjian_queries::default_memory_limit);
    let rows = cluster::on_cluster(
        wangjian_queries::indicators::compute(&lake, &set, limit, engine).await,
        engine,
        "indicators",
    )?;
    for (name, n) in &rows {
        println!("{name:<22} {n:>8} rows");
    }
    eprintln!(
        "indicators computed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

async fn report(lake: &Path, quarter: Option<&str>, out: &Path) -> Result<u8> {
    let lake = Lake::open_existing(lake)?;
    let started = std::time::Instant::now();
    let r = wangjian_reports::render(&lake, quarter, out).await?;
    eprintln!(
        "dashboard rendered in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    println!("dashboard {}: {}", r.quarter, r.html.display());
    if !r.pngs.is_empty() {
        println!("charts as PNG: {} files in {}", r.pngs.len(), out.display());
    }
    Ok(0)
}

/// Every documented column: the ingest specs and the query files.
fn column_docs() -> Result<Vec<(String, String, String)>> {
    let mut docs = wangjian_pipelines::docs::column_docs();
    docs.extend(
        wangjian_contract::vocab::COLUMN_DOCS
            .iter()
            .map(|(t, c, m)| (t.to_string(), c.to_string(), m.to_string())),
    );
    docs.extend(wangjian_queries::dictionary::sql_docs(&QuerySet::builtin()));
    Ok(docs)
}

/// `release --verify`: exit 0 when everything matches, 1 at the first difference.
async fn verify_release(lake: &Path, dir: &Path) -> Result<u8> {
    let lake = Lake::open_existing(lake).ok();
    match wangjian_release::verify(lake.as_ref(), dir).await? {
        wangjian_release::Verdict::Match { files, recomputed } => {
            println!("{}: all {files} files match their checksums", dir.display());
            match recomputed {
                Ok(v) => println!("the tables recomputed from lake version {v} match"),
                Err(why) => println!("the tables were not recomputed: {why}"),
            }
            Ok(0)
        }
        wangjian_release::Verdict::Differs(what) => {
            eprintln!("{}: {what}", dir.display());
            Ok(1)
        }
    }
}

/// The release of `quarter` (the latest when none).
async fn release(
    lake: &Path,
    quarter: Option<String>,
    out: PathBuf,
    disclosure: Option<&Path>,
    contact: Option<String>,
    engine: &wangjian_queries::Engine,
) -> Result<u8> {
    let lake = Lake::open_existing(lake)?;
    let params = match disclosure {
        Some(p) => wangjian_release::Params::from_file(p)?,
        None => wangjian_release::Params::default(),
    };
    let quarter = match quarter {
        Some(q) => q,
        None => wangjian_release::latest_quarter(&lake, engine)
            .await?
            .context("the lake has no quarter to release")?,
    };
    let opts = wangjian_release::ReleaseOptions {
        quarter: quarter.clone(),
        out,
        params,
        contact: contact.unwrap_or_else(|| wangjian_release::NO_CONTACT.to_string()),
        engine: engine.clone(),
    };
    match cluster::on_cluster(
        wangjian_release::release(&lake, &opts).await,
        engine,
        "release",
    )? {
        wangjian_release::Outcome::Written {
            edition,
            dir,
            revised_cells,
        } => {
            let revised = if edition > 1 {
                format!(", {revised_cells} cells revised since edition {}", edition - 1)
            } else {
                String::new()
            };
            println!("release {quarter} edition {edition}: {}{revised}", dir.display());
        }
        wangjian_release::Outcome::Unchanged { edition, dir } => println!(
            "release {quarter}: edition {edition} ({}) already holds these figures; nothing written",
            dir.display()
        ),
    }
    Ok(0)
}

async fn dictionary(lake: &Path) -> Result<u8> {
    let lake = Lake::open_existing(lake)?;
    let ctx = wangjian_queries::open_session(&lake).await?;
    print!(
        "{}",
        wangjian_queries::dictionary::markdown(&ctx, &column_docs()?).await?
    );
    Ok(0)
}

async fn sql_cmd(
    lake: &Path,
    sql: Option<String>,
    file: Option<PathBuf>,
    format: Format,
    output: Option<PathBuf>,
    engine: &wangjian_queries::Engine,
) -> Result<u8> {
    let text = match (sql, file) {
        (Some(s), _) => Some(s),
        (None, Some(f)) => Some(
            std::fs::read_to_string(&f)
                .map_err(|e| Usage(format!("-f {}: cannot read it: {e}", f.display())))?,
        ),
        (None, None) => None,
    };
    let lake = Lake::open_existing(lake)?;
    let ctx = cluster::on_cluster(
        wangjian_queries::open_session_on(&lake, engine, None).await,
        engine,
        "sql",
    )?;
    wangjian_queries::dictionary::register(&ctx, &column_docs()?).await?;
    let Some(text) = text else {
        wangjian_queries::run_shell(&ctx).await?;
        return Ok(0);
    };
    let results = cluster::on_cluster(
        wangjian_queries::run_sql(&ctx, &text, Access::ReadOnly).await,
        engine,
        "sql",
    )?;
    let mut out: Box<dyn Write> = match &output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for (schema, batches) in &results {
        wangjian_queries::write_batches(&mut out, schema, batches, format)?;
    }
    out.flush()?;
    Ok(0)
}

fn parse_quarter(s: &str) -> Result<Quarter, String> {
    Quarter::parse(s).ok_or_else(|| format!("'{s}' is not a quarter like 2025Q3"))
}

fn parse_quarter_text(s: &str) -> Result<String, String> {
    parse_quarter(s).map(|q| q.label())
}

fn generate(opts: &GenerateOptions) -> Result<()> {
    let bar = indicatif::ProgressBar::new_spinner();
    let started = std::time::Instant::now();
    let truth =
        wangjian_generate::generate(opts, &|step| bar.set_message(format!("generating {step}")))?;
    bar.finish_and_clear();
    let rows: u64 = truth.sources.values().map(|s| s.rows).sum();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {rows} rows of {} sources under {} in {secs:.1} s ({:.0} rows/s); ground truth in _truth.json",
        truth.sources.len(),
        opts.out.display(),
        rows as f64 / secs.max(1e-9)
    );
    Ok(())
}

async fn run(lake_dir: &Path, raw: &Path) -> Result<u8> {
    // Refuse a folder that is not a lake before generating anything.
    Lake::check_folder(lake_dir)?;
    let empty = !raw.exists() || std::fs::read_dir(raw)?.next().is_none();
    if empty {
        eprintln!(
            "{} is empty: generating sample extracts there",
            raw.display()
        );
        generate(&GenerateOptions::new(raw.to_path_buf()))?;
    }
    let code = ingest(lake_dir, &[raw.to_path_buf()], None, false).await?;
    let local = wangjian_queries::Engine::Local;
    indicators(lake_dir, None, None, &local).await?;
    match report(lake_dir, None, Path::new("out/report")).await {
        Err(e)
            if matches!(
                e.downcast_ref::<wangjian_reports::ReportError>(),
                Some(wangjian_reports::ReportError::Empty | wangjian_reports::ReportError::NoFont)
            ) =>
        {
            eprintln!("note: {e}; the dashboard is skipped")
        }
        other => {
            other?;
        }
    }
    let lake = Lake::open_existing(lake_dir)?;
    match wangjian_release::latest_quarter(&lake, &local).await? {
        Some(q) => {
            let out = PathBuf::from("out/release");
            release(lake_dir, Some(q), out, None, None, &local).await?;
        }
        None => eprintln!("note: no quarter with data; the release is skipped"),
    }
    println!("\nlake: {}", lake.root().display());
    println!("try:  wangjian sql -e \"SELECT quarter, region_name, risk_index, tier FROM risk_index WHERE rank <= 5 ORDER BY quarter DESC, rank LIMIT 10\"");
    println!("      wangjian sql -e \"SELECT * FROM alerts\"");
    println!("      wangjian sql -e \"SELECT source, reason_code, count(*) FROM quarantine GROUP BY 1, 2\"");
    Ok(code)
}
