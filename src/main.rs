//! The `heatpath` command line: parse, call the library, print.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use heatpath::catalogue::Catalogue;
use heatpath::generate::{generate, GenerateOptions};
use heatpath::optimise::backend::Backend;
use heatpath::optimise::decomposition::Decomposition;
use heatpath::optimise::executor::auto_solvers;
use heatpath::optimise::greedy::Greedy;
use heatpath::optimise::lp::Lp;
use heatpath::optimise::{Observer, Progress, Solver};
use heatpath::options::Baseline;
use heatpath::output::write_file_atomic;
use heatpath::performance::DwellingModel;
use heatpath::pipeline;
use heatpath::report;
use heatpath::scenario::{Mode, Scenario};
use heatpath::sector;
use heatpath::stock::{read_stock, write_stock_csv, ColumnMapping, ReadOptions, StockFormat};

/// Heat-demand reduction planning for Dutch housing corporations.
#[derive(Parser)]
#[command(name = "heatpath", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Plan measures per unit and year for a scenario, and write the outputs.
    Plan {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Output folder (replaced as a whole when the run succeeds).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Solver (auto: up to 1,000 decision units the LP, the decomposition and greedy, and up
        /// to 300 the MILP for a second, keeping the cheapest plan; the decomposition above).
        #[arg(long, value_enum, default_value_t = SolverArg::Auto)]
        solver: SolverArg,
        /// LP backend for `--solver lp` (auto: highs when compiled in, else microlp).
        #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
        lp_backend: BackendArg,
        /// Solve the exact model with integer choices (branch and bound; small instances).
        #[arg(long)]
        milp: bool,
        /// Time limit for solving, in seconds (at most a week): every solver the run starts
        /// (`auto`'s and `--compare`'s together) stops by it with its best plan, and the status
        /// says what the limit stopped.
        #[arg(long, value_parser = parse_seconds)]
        time_limit: Option<f64>,
        /// Also run these solvers on the same problem and compare cost, bound, gap and time
        /// (e.g. `--compare greedy,lp`).
        #[arg(long, value_enum, value_delimiter = ',')]
        compare: Vec<SolverArg>,
        /// Write the exact model (slacks included) as free MPS to this file.
        #[arg(long)]
        export_mps: Option<PathBuf>,
    },
    /// Report the current state of a stock.
    Assess {
        /// Stock table (CSV).
        stock: PathBuf,
        /// Scenario whose model parameters to use (defaults otherwise).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Column-mapping file for the stock table.
        #[arg(long)]
        column_mapping: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a reproducible synthetic stock.
    Generate {
        /// Number of dwellings, 1 to 20 million (with --sector: 2,310,000).
        #[arg(long, required_unless_present = "sector", value_parser = clap::value_parser!(u64).range(1..=MAX_GENERATED_DWELLINGS))]
        dwellings: Option<u64>,
        /// Number of corporations, at most one per dwelling (default 1; with --sector: 279).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_GENERATED_DWELLINGS))]
        corporations: Option<u64>,
        /// The whole Dutch corporation sector: 2.31 million dwellings of 279 corporations in 40
        /// regions (CBS 2023; data/reference/stock_statistics.md).
        #[arg(long)]
        sector: bool,
        /// Number of regions (default: one per seven corporations, at most 40).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        regions: Option<u64>,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (CSV).
        #[arg(long)]
        out: PathBuf,
        /// File format.
        #[arg(long, value_enum, default_value_t = StockFormatArg::Canonical)]
        format: StockFormatArg,
        /// Also write a SYNTHETIC capacity table (investment capacity and maintenance per
        /// corporation) for `heatpath sector`; with --sector it is written as capacity.csv beside
        /// the stock unless this names another file.
        #[arg(long)]
        capacity: Option<PathBuf>,
    },
    /// Sector feasibility: each corporation's share of the task against its investment
    /// capacity, with regional, provincial and national solidarity.
    Sector {
        /// Scenario file (TOML); `[sector] capacity = "capacity.csv"` names the capacity table.
        scenario: PathBuf,
        /// Capacity table (CSV), instead of the scenario's.
        #[arg(long)]
        capacity: Option<PathBuf>,
        /// Output folder (replaced as a whole when the run succeeds).
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
    /// Fit the model's global parameters to the stock's registered values (Q_H,nd, EP2, labels)
    /// and write them as a `[model]` table for the scenario's `model_file`.
    Calibrate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Parameters file to write (default: calibrated_model.toml beside the scenario). An
        /// existing file is replaced only when heatpath calibrate wrote it.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the built-in measure catalogue as TOML, to copy and edit.
    Catalogue {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SolverArg {
    /// The cheapest plan of the LP, decomposition, greedy (and the MILP up to 300 units) up
    /// to 1,000 decision units; the decomposition above; greedy for max_reduction.
    Auto,
    /// Greedy: cheapest steps per kWh, then scheduled year by year.
    Greedy,
    /// The exact model: LP relaxation with rounding (or MILP with --milp).
    Lp,
    /// Lagrangian decomposition with a certified bound, for large stocks.
    Decomposition,
}

/// Largest stock `generate` writes: the sector is 2.31 M; 20 M needs about 9 GB.
const MAX_GENERATED_DWELLINGS: u64 = 20_000_000;

/// Longest `--time-limit`: a week (a larger value is a typo, and would overflow a duration).
const MAX_TIME_LIMIT_S: f64 = 7.0 * 24.0 * 3600.0;

/// `--time-limit`: seconds, more than 0 and at most a week.
fn parse_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIME_LIMIT_S) {
        return Err(format!(
            "expected a number of seconds above 0 and at most {MAX_TIME_LIMIT_S} (a week), not {text}"
        ));
    }
    Ok(seconds)
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    /// HiGHS when compiled in, else microlp.
    Auto,
    /// microlp: pure Rust simplex.
    Microlp,
    /// Clarabel: pure Rust interior point.
    Clarabel,
    /// HiGHS (needs the `highs` cargo feature).
    Highs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Aligned text.
    Text,
    /// JSON, for scripts.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum StockFormatArg {
    /// `,`-separated, decimal points, English names.
    Canonical,
    /// `;`-separated, decimal commas, Dutch names (as a Dutch Excel export).
    Dutch,
}

/// Exit codes: 0 success, 1 failure of the machine or the program, 2 bad input or usage.
fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", error_text(&err));
            let input = err.chain().any(|cause| {
                cause.downcast_ref::<UsageError>().is_some()
                    || cause
                        .downcast_ref::<heatpath::output::DestinationError>()
                        .is_some()
                    || cause
                        .downcast_ref::<heatpath::memory::LimitError>()
                        .is_some()
                    || cause
                        .downcast_ref::<pipeline::Error>()
                        .is_some_and(pipeline::Error::is_input_error)
                    || cause
                        .downcast_ref::<heatpath::stock::StockError>()
                        .is_some()
                    || cause
                        .downcast_ref::<heatpath::scenario::ScenarioError>()
                        .is_some()
                    || cause
                        .downcast_ref::<heatpath::catalogue::CatalogueError>()
                        .is_some()
                    || cause
                        .downcast_ref::<heatpath::generate::GenerateError>()
                        .is_some()
                    || cause
                        .downcast_ref::<heatpath::sector::SectorError>()
                        .is_some_and(heatpath::sector::SectorError::is_input_error)
                    || cause
                        .downcast_ref::<heatpath::calibrate::CalibrateError>()
                        .is_some_and(heatpath::calibrate::CalibrateError::is_input_error)
            });
            let interrupted = err
                .chain()
                .any(|cause| cause.downcast_ref::<Interrupted>().is_some());
            ExitCode::from(if interrupted {
                130
            } else if input {
                2
            } else {
                1
            })
        }
    }
}

/// The error and its causes, each once: a cause whose text its parent already quotes (an OS
/// error inside "cannot read: …") is not repeated.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Plan {
            scenario,
            out,
            solver,
            lp_backend,
            milp,
            time_limit,
            compare,
            export_mps,
        } => {
            let backend = match lp_backend {
                BackendArg::Auto => Backend::preferred(),
                BackendArg::Microlp => Backend::Microlp,
                BackendArg::Clarabel => Backend::Clarabel,
                BackendArg::Highs => Backend::Highs,
            };
            if milp && solver != SolverArg::Lp {
                anyhow::bail!(UsageError("--milp goes with --solver lp".into()));
            }
            if (solver == SolverArg::Lp || compare.contains(&SolverArg::Lp)) && !backend.available()
            {
                anyhow::bail!(UsageError(format!(
                    "the {} backend is not compiled in: build with `--features highs`",
                    backend.as_str()
                )));
            }
            let lp = Lp {
                backend,
                milp,
                time_limit: None,
                node_limit: None,
            };
            let solving = Solving {
                solver,
                lp,
                time_limit: time_limit.map(Duration::from_secs_f64),
                compare,
            };
            plan(&scenario, &out, solving, export_mps.as_deref(), cli.quiet)
        }
        Command::Assess {
            stock,
            scenario,
            column_mapping,
            format,
        } => assess(
            &stock,
            scenario.as_deref(),
            column_mapping.as_deref(),
            format,
            cli.quiet,
        ),
        Command::Generate {
            dwellings,
            corporations,
            sector,
            regions,
            seed,
            out,
            format,
            capacity,
        } => {
            let options = GenerateOptions {
                dwellings: dwellings.map_or(2_310_000, |n| n as usize),
                corporations: corporations.map_or(if sector { 279 } else { 1 }, |n| n as usize),
                regions: regions.map(|n| n as usize).or(sector.then_some(40)),
                seed,
            };
            if options.corporations > options.dwellings {
                anyhow::bail!(UsageError(format!(
                    "--corporations {} is more than --dwellings {}: expected at most one corporation per dwelling",
                    options.corporations, options.dwellings
                )));
            }
            let capacity_path = capacity.clone().or_else(|| {
                sector.then(|| out.parent().unwrap_or(Path::new("")).join("capacity.csv"))
            });
            // Before the work: never overwrite a file heatpath did not write.
            check_generated_file(&out, GENERATED_STOCK_HEADERS)?;
            if let Some(path) = &capacity_path {
                check_generated_file(path, &["# SYNTHETIC capacity table"])?;
            }
            let scenario_defaults = Scenario::from_toml("stock = \"\"", Path::new("defaults"))?;
            let stock = generate(
                &options,
                &scenario_defaults.model,
                &scenario_defaults.energy,
            )?;
            let format = match format {
                StockFormatArg::Canonical => StockFormat::CANONICAL,
                StockFormatArg::Dutch => StockFormat::DUTCH,
            };
            write_file_atomic(&out, |w| write_stock_csv(w, &stock, format))
                .with_context(|| format!("{}: cannot write", out.display()))?;
            if !cli.quiet {
                println!(
                    "wrote {} dwellings in {} complexes of {} corporations to {}",
                    stock.len(),
                    stock.complexes.len(),
                    stock.corporations.len(),
                    out.display()
                );
            }
            if let Some(path) = capacity_path {
                let table = sector::synthetic_capacity(&stock, seed, scenario_defaults.n_years());
                let comment = format!(
                    "SYNTHETIC capacity table written by `heatpath generate` (seed {seed}) for the generated stock {}.\n\
                     Illustrative figures for testing `heatpath sector`, NOT estimates of any real corporation:\n\
                     maintenance about EUR {:.0} per dwelling and year (the reserve is {} years of it); yearly\n\
                     investment capacity = reserve spread over {} years + a room per dwelling that varies by\n\
                     region (some regions fall short, others have a surplus) and by corporation.",
                    out.display(),
                    sector::capacity::SYNTHETIC_MAINTENANCE_EUR_PER_DWELLING_YEAR,
                    sector::RESERVE_YEARS,
                    scenario_defaults.n_years(),
                );
                write_file_atomic(&path, |w| sector::write_capacity_csv(w, &table, &comment))
                    .with_context(|| format!("{}: cannot write", path.display()))?;
                if !cli.quiet {
                    println!(
                        "wrote a SYNTHETIC capacity table for {} corporations to {}",
                        table.rows.len(),
                        path.display()
                    );
                }
            }
            Ok(())
        }
        Command::Sector {
            scenario,
            capacity,
            out,
        } => {
            let extra: Vec<&Path> = capacity.iter().map(PathBuf::as_path).collect();
            pipeline::check_output(&scenario, &out, &[])?;
            heatpath::output::check_destination(&out, &extra)?;
            let options = sector::SectorOptions {
                capacity,
                ..sector::SectorOptions::default()
            };
            let mut bar = ProgressBar::new(cli.quiet);
            bar.stage("reading the stock and building the options");
            let mut report = sector::run(&scenario, &options, &mut bar)?;
            bar.stage("writing the outputs");
            sector::write_outputs(&mut report, &out)?;
            bar.finish();
            if !cli.quiet {
                print!(
                    "{}",
                    sector::text_summary(&report, &out.display().to_string())
                );
            }
            Ok(())
        }
        Command::Calibrate {
            scenario,
            out,
            format,
        } => {
            use heatpath::calibrate;
            let (_, report) = calibrate::calibrate_scenario(&scenario, &Default::default())?;
            let out = out.unwrap_or_else(|| {
                scenario
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join("calibrated_model.toml")
            });
            calibrate::write_params_file(&out, &calibrate::params_toml(&report, &scenario))?;
            // The scenario names the file relative to its own folder.
            let beside =
                out.parent().unwrap_or(Path::new("")) == scenario.parent().unwrap_or(Path::new(""));
            let include = if beside {
                out.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            } else {
                std::path::absolute(&out)
                    .unwrap_or(out.clone())
                    .display()
                    .to_string()
            };
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Text if !cli.quiet => print!(
                    "{}\nwrote the fitted parameters to {} (use them with `model_file = \"{}\"` in the scenario)\n",
                    calibrate::text(&report),
                    out.display(),
                    include
                ),
                Format::Text => {}
            }
            Ok(())
        }
        Command::Catalogue { out } => {
            let text = toml::to_string(&Catalogue::default().to_file())?;
            let text = format!("# heatpath built-in measure catalogue (price level {}): costs from PBL/TNO Hestia, see data/reference/.\n\n{text}", Catalogue::default().price_base_year);
            match out {
                Some(path) => {
                    check_generated_file(&path, &["# heatpath built-in measure catalogue"])?;
                    write_file_atomic(&path, |w| std::io::Write::write_all(w, text.as_bytes()))
                        .with_context(|| format!("{}: cannot write", path.display()))?
                }
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

/// Progress on stderr for long runs: a spinner with the stage, and a bar where the solver knows
/// how far it is. Hidden with `--quiet` and when stderr is not a terminal (indicatif's check).
struct ProgressBar {
    bar: indicatif::ProgressBar,
}

impl ProgressBar {
    fn new(quiet: bool) -> ProgressBar {
        let target = if quiet {
            indicatif::ProgressDrawTarget::hidden()
        } else {
            indicatif::ProgressDrawTarget::stderr()
        };
        let bar = indicatif::ProgressBar::with_draw_target(None, target);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        ProgressBar { bar }
    }

    fn stage(&mut self, message: &str) {
        self.bar.set_message(message.to_string());
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for ProgressBar {
    fn stop_requested(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }

    fn observe(&mut self, progress: &Progress) {
        if progress.total > 0 {
            self.bar.set_message(format!(
                "{} ({}/{})",
                progress.stage, progress.done, progress.total
            ));
        } else {
            self.bar.set_message(progress.stage.to_string());
        }
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        // On an error too: the message that follows must not be drawn over.
        self.bar.finish_and_clear();
    }
}

/// First lines of the stock tables `generate` writes (canonical and Dutch).
const GENERATED_STOCK_HEADERS: &[&str] = &["id,complex_id,", "vhe;complex;"];

/// Refuses to replace an existing file that heatpath did not write (its first line does not
/// start with one of `headers`): a user's stock or catalogue is never overwritten.
fn check_generated_file(path: &Path, headers: &[&str]) -> anyhow::Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let first_line = if meta.is_file() {
        use std::io::BufRead;
        let mut line = String::new();
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .and_then(|mut r| r.read_line(&mut line))
            .ok();
        line
    } else {
        String::new()
    };
    if meta.is_file() && headers.iter().any(|h| first_line.starts_with(h)) {
        return Ok(());
    }
    anyhow::bail!(UsageError(format!(
        "{}: exists and was not written by heatpath; it is never overwritten: choose another file name",
        path.display()
    )))
}

/// Set by the SIGINT handler: the user pressed Ctrl-C while a plan was being solved.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The SIGINT handler: asks the solvers to stop (one atomic store), and lets a second Ctrl-C end
/// the process at once (outputs are written atomically: nothing half-written stays behind).
// An exception to `unsafe_code = "deny"` (Cargo.toml): std has no signal handling; both calls
// are async-signal-safe.
#[allow(unsafe_code)]
extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // SAFETY: restoring the default disposition of SIGINT is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// While the solvers run, the first Ctrl-C stops them instead of the process: the best plan
/// found is written, and the exit code is 130. Before (reading, building options) and after
/// (writing: [`release_interrupt`]) Ctrl-C ends the process at once, which writes nothing.
#[allow(unsafe_code)]
fn catch_interrupt() {
    // SAFETY: `on_interrupt` only stores to an atomic and calls `signal`, both
    // async-signal-safe.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// Back to the default: from here on (writing the outputs) Ctrl-C ends the process at once,
/// which leaves an earlier output folder as it was (outputs are swapped in whole or not at all).
#[allow(unsafe_code)]
fn release_interrupt() {
    // SAFETY: restoring the default disposition of SIGINT touches no memory of ours.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// The user stopped the run with Ctrl-C (exit code 130).
#[derive(Debug)]
struct Interrupted(&'static str);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Interrupted {}

/// A command-line usage error (exit code 2).
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// How `plan` solves: the solver asked for, the LP settings, the run's time limit and the
/// solvers to compare.
struct Solving {
    solver: SolverArg,
    lp: Lp,
    time_limit: Option<Duration>,
    compare: Vec<SolverArg>,
}

fn plan(
    scenario: &Path,
    out: &Path,
    solving: Solving,
    export_mps: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<()> {
    let Solving {
        solver,
        lp,
        time_limit,
        compare,
    } = solving;
    let started = Instant::now();
    let files: Vec<&Path> = export_mps.into_iter().collect();
    pipeline::check_output(scenario, out, &files)?;
    // `auto` stands for several solvers (by size and mode); the pipeline keeps the best plan of
    // every solver it runs, `--compare` ones included.
    let decomposition = Decomposition::default();
    let solvers_of = |s: SolverArg, units: usize, mode: Mode| -> Vec<Box<dyn Solver>> {
        match s {
            SolverArg::Auto => auto_solvers(units, mode, Lp { milp: false, ..lp }),
            SolverArg::Greedy => vec![Box::new(Greedy)],
            SolverArg::Lp => vec![Box::new(lp)],
            SolverArg::Decomposition => vec![Box::new(decomposition)],
        }
    };
    // A solver asked for that cannot plan in the scenario's mode is a usage error, found before
    // the stock is read (`auto` always can).
    let mode = Scenario::from_file(scenario)?.mode;
    for &s in std::iter::once(&solver).chain(&compare) {
        for candidate in solvers_of(s, 0, mode) {
            if let Some(why) = heatpath::optimise::unsupported(candidate.as_ref(), mode) {
                return Err(UsageError(why).into());
            }
        }
    }
    let mut bar = ProgressBar::new(quiet);
    bar.stage("reading the stock and building the options");
    let prepared = pipeline::prepare(scenario, None)?;
    if let Some(path) = export_mps {
        pipeline::export_mps(&prepared, path, lp.milp)?;
    }
    let units = prepared.units.len();
    let primary = solvers_of(solver, units, mode);
    let others: Vec<Box<dyn Solver>> = compare
        .into_iter()
        .flat_map(|s| solvers_of(s, units, mode))
        .collect();
    let primary: Vec<&dyn Solver> = primary.iter().map(Box::as_ref).collect();
    let others: Vec<&dyn Solver> = others.iter().map(Box::as_ref).collect();
    catch_interrupt();
    let solved = pipeline::solve_portfolio(prepared, &primary, &others, time_limit, &mut bar);
    release_interrupt();
    let mut run = solved?;
    bar.stage("writing the outputs");
    report::write_outputs(&mut run, out, started)?;
    bar.finish();
    if !quiet {
        print!(
            "{}",
            report::text::plan(&report::summary(&run), &out.display().to_string())
        );
    }
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Interrupted(
            "interrupted (Ctrl-C): the outputs hold the best plan found before the interrupt, in full; its status says where each solver stopped",
        )
        .into());
    }
    Ok(())
}

fn assess(
    stock_path: &Path,
    scenario: Option<&Path>,
    column_mapping: Option<&Path>,
    format: Format,
    quiet: bool,
) -> anyhow::Result<()> {
    let scenario = match scenario {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::from_toml("stock = \"\"", Path::new("defaults"))?,
    };
    let mapping = match column_mapping {
        Some(path) => ColumnMapping::from_file(path)?,
        None => ColumnMapping::builtin(),
    };
    pipeline::check_memory(stock_path)?;
    let (stock, read_report) = read_stock(
        stock_path,
        &ReadOptions {
            mapping,
            baseline_year: scenario.first_year.saturating_sub(1),
            ..ReadOptions::default()
        },
    )?;
    let model = DwellingModel {
        params: &scenario.model,
        energy: &scenario.energy,
    };
    let baseline = Baseline::new(&stock, &model);
    let mut assessment = heatpath::assess::assess(&stock, &baseline);
    assessment.data_report = Some(read_report);
    if !quiet || format == Format::Json {
        match format {
            Format::Text => print!("{}", report::text::assessment(&assessment)),
            Format::Json => println!("{}", serde_json::to_string_pretty(&assessment)?),
        }
    }
    Ok(())
}
