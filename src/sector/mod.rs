//! Sector feasibility (DESIGN §9; the *Duurzaam prestatiemodel* of the December 2024 agreements):
//! is every corporation's share of the task affordable within its own investment room, and how
//! far does regional, provincial and national solidarity close the shortfalls?
//!
//! **A corporation's share of the task** is the scenario's path and targets applied to its own
//! stock: a relative path on its own baseline average (an absolute path as written), the label-A
//! and gas-free shares on its own dwellings (a gas-free count becomes the same share of every
//! corporation), the E/F/G phase-out for its own dwellings. The scenario's yearly budgets and
//! capacity are whole-stock figures and do not apply. Each corporation's task is solved on its own
//! (exact: corporations share no row once the budgets are theirs), all in parallel, on its part of
//! the options built once for the whole stock, as `plan` solves a stock: the solvers `auto` runs
//! for its size, the best plan kept, judged by the one evaluator, whose figures (costs,
//! reduction, dwellings treated, the targets missed) are the task's. Its **task cost** is the
//! nominal investment of that plan over the horizon (euros of the years of works).
//!
//! **Available** money = investment capacity over the horizon − reserve (given, or five years of
//! maintenance per dwelling), never below zero (a corporation that cannot keep its reserve funds
//! nothing; its reserve deficit is reported apart and not pooled).
//!
//! **Levels**: own means (each corporation alone: shortfall = max(0, cost − available)); regional,
//! provincial and national solidarity (available money pooled in each region, province, or the
//! whole country). In a pool the corporations with a surplus give in proportion to their surplus
//! and those short receive in proportion to their shortfall, as far as the pool's surplus goes:
//! transfers sum to zero in each pool, and the pool's shortfall is max(0, Σ cost − Σ available),
//! never more than the sum of its members' own shortfalls.
//!
//! **Feasible share**: what a corporation can do with its money (available plus transfers) when
//! its plan's works are done in merit order (lowest cost per kWh of heat-demand reduction first,
//! each complex whole, skipping what no longer fits), as a share of its task's heat-demand
//! reduction and of its task's dwellings treated. This ranks the optimal plan's own works; it does
//! not re-optimise the corporation under the budget (which could choose shallower packages for
//! more complexes), so it is a lower estimate of what the money can do.
//!
//! The code follows the run: `grouping` of the stock into corporations, regions and provinces;
//! each corporation's `task`, solved on its own; the `analysis` that prices the tasks against the
//! capacity table ([`capacity`]) and pools the money (`pooling`); the `outputs` (the report's
//! data, the CSV and JSON files, the terminal summary) and the workbook, charts and page
//! ([`report`]). The items are re-exported here, so the modules are an internal layout.

mod analysis;
pub mod capacity;
mod grouping;
mod outputs;
mod pooling;
pub mod report;
mod task;

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use analysis::{analyse, analyse_observed, DEFAULT_MAINTENANCE_EUR_PER_DWELLING_YEAR};
pub use capacity::{
    synthetic_capacity, write_capacity_csv, Capacity, CapacityRow, CapacityTable, Reserve,
    RESERVE_YEARS,
};
pub use outputs::{
    text_summary, write_corporations_csv, write_outputs, write_regions_csv, CorporationLevel,
    CorporationRow, LevelSummary, RegionLevel, RegionRow, SectorOutcome, SectorReport,
    SectorTimings, Transfer,
};
pub use pooling::{pool, Level, Pooled};

use crate::optimise::Observer;
use crate::pipeline;
use crate::scenario::Scenario;

/// Anything that can stop a sector run.
#[derive(Debug, thiserror::Error)]
pub enum SectorError {
    /// Reading, modelling or solving (as for a plan).
    #[error(transparent)]
    Pipeline(#[from] Box<pipeline::Error>),
    /// A portfolio table in a sector run: the sector plans each corporation's task on its whole
    /// stock.
    #[error("{}: `[portfolio]` is for `heatpath plan` (one corporation's decisions per complex and its new-build projects); the sector run plans every corporation's whole stock as it is today: leave it out of the sector's scenario", scenario.display())]
    Portfolio {
        /// The scenario file.
        scenario: PathBuf,
    },
    /// No capacity table named.
    #[error("{}: no capacity table: add `[sector] capacity = \"capacity.csv\"` to the scenario or pass --capacity FILE", scenario.display())]
    NoCapacityTable {
        /// The scenario file.
        scenario: PathBuf,
    },
    /// The capacity table cannot be read.
    #[error("{}: cannot read: {source}", file.display())]
    CapacityIo {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// No header.
    #[error("{}: the capacity table is empty: expected a header with at least the columns corporation and investment_capacity_eur (or investment_capacity_eur_per_year)", file.display())]
    CapacityEmpty {
        /// The file.
        file: PathBuf,
    },
    /// Malformed CSV.
    #[error("{}:{line}: malformed CSV: {message}", file.display())]
    CapacityCsv {
        /// The file.
        file: PathBuf,
        /// Line.
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// A required column is absent.
    #[error("{}: missing column `{column}` (or a Dutch name for it such as {aliases}); the header has: {found}", file.display())]
    CapacityMissingColumn {
        /// The file.
        file: PathBuf,
        /// Canonical name.
        column: &'static str,
        /// Accepted alternatives.
        aliases: String,
        /// Header cells found.
        found: String,
    },
    /// Two header cells mean the same column.
    #[error("{}: columns `{first}` and `{second}` both mean `{column}`; keep one", file.display())]
    CapacityDuplicateColumn {
        /// The file.
        file: PathBuf,
        /// Canonical name.
        column: &'static str,
        /// First header cell.
        first: String,
        /// Second header cell.
        second: String,
    },
    /// A cell holds a value the column does not accept.
    #[error("{}:{line}: column `{column}`: value `{value}`: expected {expected}", file.display())]
    CapacityValue {
        /// The file.
        file: PathBuf,
        /// Line (the header is line 1).
        line: u64,
        /// Column as named in the header.
        column: String,
        /// The value as written.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A corporation of the stock has no row in the capacity table.
    #[error("{}: no row for corporation `{corporation}` ({dwellings} dwellings in the stock); expected one row per corporation of the stock{more}", file.display())]
    CapacityMissingCorporation {
        /// The capacity table.
        file: PathBuf,
        /// The first corporation missing.
        corporation: String,
        /// Its dwellings.
        dwellings: usize,
        /// How many more are missing.
        more: String,
    },
    /// The stock lacks the grouping a sector run needs.
    #[error("{}: column `{column}`: value ``: expected every dwelling to name its {column} for a sector run (dwelling `{id}` has none{more})", file.display())]
    StockGrouping {
        /// The stock file.
        file: PathBuf,
        /// `corporation` or `region`.
        column: &'static str,
        /// The first dwelling without it.
        id: String,
        /// How many more lack it.
        more: String,
    },
    /// Solving or evaluating a corporation's task failed.
    #[error("corporation `{corporation}`: {source}")]
    Solve {
        /// The corporation.
        corporation: String,
        /// The solver's or the evaluator's error.
        source: Box<pipeline::Error>,
    },
    /// Writing outputs.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl From<pipeline::Error> for SectorError {
    fn from(e: pipeline::Error) -> Self {
        SectorError::Pipeline(Box::new(e))
    }
}

impl SectorError {
    /// The error is in the user's input (exit code 2).
    pub fn is_input_error(&self) -> bool {
        match self {
            SectorError::Pipeline(e) => e.is_input_error(),
            SectorError::Solve { .. } | SectorError::Write { .. } => false,
            _ => true,
        }
    }
}

/// Settings of a sector run.
#[derive(Debug, Clone, Default)]
pub struct SectorOptions {
    /// Time limit of each corporation's run (its solvers together), as `plan --time-limit`.
    pub time_limit: Option<Duration>,
    /// Capacity table instead of the scenario's.
    pub capacity: Option<PathBuf>,
}

/// Reads the scenario and everything it names, and analyses the sector; `observer` hears how
/// many corporations' tasks are solved.
pub fn run(
    scenario_path: &Path,
    options: &SectorOptions,
    observer: &mut dyn Observer,
) -> Result<SectorReport, SectorError> {
    let started = Instant::now();
    let scenario = Scenario::from_file(scenario_path).map_err(pipeline::Error::from)?;
    if scenario.portfolio.complexes.is_some() || scenario.portfolio.new_build.is_some() {
        return Err(SectorError::Portfolio {
            scenario: scenario_path.to_path_buf(),
        });
    }
    let capacity_path = options
        .capacity
        .clone()
        .or_else(|| scenario.sector.capacity.clone())
        .ok_or_else(|| SectorError::NoCapacityTable {
            scenario: scenario_path.to_path_buf(),
        })?;
    // The capacity table first: its errors are quick to find.
    let table = CapacityTable::from_file(&capacity_path)?;
    let prepared = pipeline::prepare(scenario_path, None)?;
    analyse_observed(prepared, &table, options, started, observer)
}
