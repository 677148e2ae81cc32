//! The optimisation problem and its solvers.
//!
//! [`Problem`] holds the coupling rows of DESIGN §7 derived from a scenario and an option set:
//! the path per year (as a required cumulative reduction), budget and capacity per year, the
//! label-A and gas-free targets in their years, and the E/F/G deadline per unit. Every solver
//! implements [`Solver`] and returns a [`Solution`]: a plan plus what the solver knows about it
//! (status, lower bound). What the plan achieves is computed by [`crate::evaluate`] alone.
//!
//! The layout:
//! - [`model`]: the exact model as rows and columns, one representation for every backend and
//!   the MPS export ([`mps`]); [`backend`]: the only module that talks to a solver library
//!   (microlp, Clarabel, HiGHS), an [`model::LpModel`] in and a [`backend::LpOutcome`] out.
//! - The solvers, each a [`Solver`]: [`greedy`], [`lp`] (relaxation and rounding, or MILP) and
//!   [`decomposition`] (Lagrangian, for the sector); [`executor`] picks and runs them for `auto`.
//! - What they share: [`plan_state`] (an integer plan and its penalised objective),
//!   [`round`] (from a fractional solution to an integer plan) and [`search`] (the local,
//!   neighbourhood and residual branch-and-bound searches that improve a plan).
//!
//! A new solver implements [`Solver`] (its name; its [`Capabilities`], which the binary checks
//! a run against before reading the stock; and `solve`, which returns a [`Solution`] with a
//! [`Termination`], never an error for a limit, and stops where
//! [`Observer::stop_requested`] says so), builds models through [`model`] when it needs
//! an LP and solves them through [`backend`], and is added to [`executor::auto_solvers`] or
//! offered by `--solver`.

pub mod backend;
pub mod decomposition;
pub mod executor;
pub mod greedy;
pub mod lp;
pub mod model;
pub mod mps;
pub mod plan_state;
pub mod round;
pub mod search;

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::options::{OptionSet, YearTotals};
use crate::plan::Plan;
use crate::scenario::{GasFreeBasis, Mode, Scenario};

/// A target on a count of dwellings (label A, gas-free) in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CountTarget {
    /// Index of the target year in the horizon.
    pub year_index: usize,
    /// Dwellings required in that year.
    pub required: f64,
    /// Net gain required over today.
    pub required_gain: f64,
}

/// The optimisation problem: options plus coupling rows.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    /// The options.
    pub options: &'a OptionSet,
    /// What to pursue.
    pub mode: Mode,
    /// Per year: the path value (metric units), if the path sets one.
    pub path_target: Vec<Option<f64>>,
    /// Per year: cumulative path reduction (Σ weight × metric) required by then; never negative.
    pub path_required: Vec<Option<f64>>,
    /// Budget per year (nominal euros).
    pub budget_eur: Vec<Option<f64>>,
    /// Capacity per year (dwellings).
    pub capacity_dwellings: Vec<Option<f64>>,
    /// Label-A target.
    pub label_a: Option<CountTarget>,
    /// Gas-free target.
    pub gas_free: Option<CountTarget>,
    /// Dwellings ready for a sustainable heat source (gains: the options'
    /// `low_temp_ready_gain`, the same test as [`crate::readiness`]'s).
    pub ready: Option<CountTarget>,
    /// Year index by which every E/F/G dwelling must be lifted to D or better.
    pub efg_deadline: Option<usize>,
    /// What a missed unit of each target weighs in the objective.
    pub penalties: model::Penalties,
}

/// Clamps a target year into the horizon: a year before it applies in the first year, a year
/// after it is not enforced within it.
fn year_index(year: u16, first: u16, last: u16) -> Option<usize> {
    if year > last {
        None
    } else {
        Some(year.saturating_sub(first) as usize)
    }
}

impl<'a> Problem<'a> {
    /// Derives the coupling rows of `scenario` for `options`.
    pub fn new(options: &'a OptionSet, scenario: &Scenario) -> Problem<'a> {
        let totals = &options.totals;
        // A relative path is relative to the baseline stock's average, whatever joins or leaves.
        let baseline_average = totals.path_average();
        let path_target: Vec<Option<f64>> = scenario
            .years()
            .map(|y| scenario.path_target(y, baseline_average))
            .collect();
        // Each year's path on that year's stock (the one the scenario's path applies to).
        let path_required = path_target
            .iter()
            .enumerate()
            .map(|(t, target)| {
                let path = options.year_totals(t).path;
                target.map(|v| (path.path_sum - v * path.path_weight).max(0.0))
            })
            .collect();
        let n = totals.dwellings as usize;
        let first_year = scenario.first_year;
        // A count target in its year, on that year's stock: `required` of the dwellings then
        // (`whole`), `before` of them there without any measure.
        let count_target = |required: &dyn Fn(&YearTotals) -> Option<f64>,
                            year: u16,
                            before: &dyn Fn(&YearTotals) -> f64| {
            let year_index = year_index(year, first_year, scenario.last_year)?;
            let totals = options.year_totals(year_index);
            let required = required(&totals)?;
            Some(CountTarget {
                year_index,
                required,
                required_gain: (required - before(&totals)).max(0.0),
            })
        };
        let whole = |t: &YearTotals| t.whole.dwellings as usize;
        Problem {
            options,
            mode: scenario.mode,
            path_target,
            path_required,
            budget_eur: scenario.budget_eur.clone(),
            capacity_dwellings: scenario.capacity_dwellings.clone(),
            // Expected outcomes (not hard) are reported by the evaluator but not enforced.
            label_a: count_target(
                &|t| {
                    scenario
                        .label_a_required(whole(t))
                        .filter(|_| scenario.targets.label_a_hard)
                },
                scenario.targets.label_a_year,
                &|t| t.whole.label_a,
            ),
            gas_free: count_target(
                &|t| {
                    let required = match scenario.targets.gas_free_basis {
                        // Conversions of the existing dwellings still in the stock, as many as
                        // the target asks of the baseline stock and as there are to convert.
                        GasFreeBasis::Conversions => scenario.gas_free_target(n).map(|c| {
                            t.whole.gas_free + c.min(t.existing.dwellings - t.existing.gas_free)
                        }),
                        // At most every dwelling of that year's stock, as the evaluator counts.
                        GasFreeBasis::Stock => scenario
                            .gas_free_required(whole(t), t.whole.gas_free)
                            .map(|r| r.min(t.whole.dwellings)),
                    };
                    required.filter(|_| scenario.targets.gas_free_hard)
                },
                scenario.targets.gas_free_year,
                &|t| t.whole.gas_free,
            ),
            ready: count_target(
                &|t| {
                    scenario
                        .ready_required(whole(t))
                        .filter(|_| scenario.targets.ready_hard)
                },
                scenario.targets.ready_year,
                &|t| t.whole.low_temp_ready,
            ),
            efg_deadline: scenario
                .targets
                .efg_phase_out_year
                .and_then(|y| year_index(y, scenario.first_year, scenario.last_year)),
            penalties: model::Penalties::for_options(options),
        }
    }

    /// Number of planning years.
    pub fn n_years(&self) -> usize {
        self.options.n_years
    }

    /// Share of the E/F/G penalty that lifting a dwelling of unit `u` in year index `t`
    /// relieves. The rule holds in every year from the phase-out year on, so a dwelling still
    /// E/F/G weighs in each of those years (1 / the rule's years each): lifted by the deadline
    /// it relieves all the years the unit is in the stock, lifted later the years after. A
    /// deadline missed (under a budget or capacity) is thus caught up as soon as the plan can,
    /// in every solver alike. A unit that leaves the stock weighs only in its years there (none
    /// when it leaves by the deadline), as the evaluator counts E/F/G dwellings per year.
    #[inline]
    pub fn efg_relief_share(&self, u: usize, t: usize) -> f64 {
        let Some(d) = self.efg_deadline else {
            return 0.0;
        };
        let until = self.options.until_of(u);
        until.saturating_sub(t.max(d)) as f64 / (self.n_years() - d) as f64
    }

    /// [`Problem::efg_relief_share`] of a unit that stays in the stock (per year, for the
    /// decomposition's price table).
    pub fn efg_relief_share_staying(&self, t: usize) -> f64 {
        match self.efg_deadline {
            Some(d) => self.n_years().saturating_sub(t.max(d)) as f64 / (self.n_years() - d) as f64,
            None => 0.0,
        }
    }

    /// Whether the phase-out rule applies to unit `u` at all (it is in the stock in a year from
    /// the deadline on).
    #[inline]
    pub fn efg_rule_applies(&self, u: usize) -> bool {
        self.efg_deadline
            .is_some_and(|d| self.options.until_of(u) > d)
    }

    /// Unit `u`'s E/F/G dwellings as the rule weighs them when none is lifted: each dwelling
    /// times the share of the rule's years the unit is in the stock (its E/F/G dwellings for a
    /// unit that stays; 0 without a rule).
    #[inline]
    pub fn efg_before(&self, u: usize) -> f64 {
        if !self.efg_rule_applies(u) {
            return 0.0;
        }
        f64::from(self.options.unit_efg_before[u]) * self.efg_relief_share(u, 0)
    }

    /// E/F/G dwellings of unit `u` that option `k` lifts as the rule counts them (negative when
    /// the option makes some); 0 for a unit outside the rule.
    #[inline]
    pub fn efg_lifted(&self, u: usize, k: usize) -> f64 {
        match self.efg_deadline {
            Some(_) if self.efg_rule_applies(u) => {
                f64::from(self.options.unit_efg_before[u]) - f64::from(self.options.efg_after[k])
            }
            _ => 0.0,
        }
    }

    /// E/F/G dwellings no package of the catalogue can lift to D or better (per unit, the fewest
    /// any of its options leaves): the phase-out target is missed by at least this many whatever
    /// the plan, and their penalty is part of every bound.
    pub fn unreachable_efg_dwellings(&self) -> (u64, u64) {
        let (dwellings, units, _) = self.unreachable_efg();
        (dwellings, units)
    }

    /// [`Problem::unreachable_efg_dwellings`] with the weight of their penalty in the model:
    /// each dwelling times the share of the rule's years its unit is in the stock (what every
    /// plan pays, in dwellings' worth of the per-dwelling penalty).
    pub fn unreachable_efg(&self) -> (u64, u64, f64) {
        if self.efg_deadline.is_none() {
            return (0, 0, 0.0);
        }
        let o = self.options;
        let (mut dwellings, mut units, mut weight) = (0u64, 0u64, 0.0);
        for u in 0..o.n_units() {
            if !self.efg_rule_applies(u) {
                continue;
            }
            let before = o.unit_efg_before[u];
            if before == 0 {
                continue;
            }
            // A unit the portfolio excludes keeps its E/F/G dwellings.
            let least = if o.years_of(u).is_empty() {
                before
            } else {
                o.of_unit(u)
                    .map(|k| o.efg_after[k])
                    .min()
                    .unwrap_or(before)
                    .min(before)
            };
            if least > 0 {
                dwellings += u64::from(least);
                units += 1;
                weight += f64::from(least) * self.efg_relief_share(u, 0);
            }
        }
        (dwellings, units, weight)
    }
}

/// How a solver's plan relates to the optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// A heuristic plan with no optimality claim.
    Heuristic,
    /// Proven optimal for the model solved.
    Optimal,
    /// A feasible plan with a bound; see the gap.
    Feasible,
    /// The solver stopped at a limit; the plan is the best found.
    Limit,
}

impl SolveStatus {
    /// Name as written in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            SolveStatus::Heuristic => "heuristic",
            SolveStatus::Optimal => "optimal",
            SolveStatus::Feasible => "feasible",
            SolveStatus::Limit => "limit",
        }
    }
}

/// Why a solver stopped: a limit is a normal end (the plan is the best found), never an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// The method ran to its end (a heuristic's last step, a converged dual or relaxation).
    Converged,
    /// The integer optimum was proven.
    Optimal,
    /// The time limit stopped it.
    TimeLimit,
    /// The iteration limit stopped it.
    IterationLimit,
    /// The user asked it to stop (Ctrl-C).
    Interrupted,
}

impl Termination {
    /// Name as written in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Termination::Converged => "converged",
            Termination::Optimal => "proven optimal",
            Termination::TimeLimit => "stopped at the time limit",
            Termination::IterationLimit => "stopped at the iteration limit",
            Termination::Interrupted => "stopped by the user (Ctrl-C)",
        }
    }

    /// A limit, not the method, ended the run.
    pub fn is_limit(self) -> bool {
        matches!(
            self,
            Termination::TimeLimit | Termination::IterationLimit | Termination::Interrupted
        )
    }
}

/// What a solver returns.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The plan.
    pub plan: Plan,
    /// Status.
    pub status: SolveStatus,
    /// Why the solver stopped.
    pub termination: Termination,
    /// A proven lower bound on the objective (discounted euros, penalties included), if any.
    pub lower_bound_eur: Option<f64>,
    /// Iterations, steps or nodes, as the solver counts them.
    pub iterations: u64,
    /// Remarks for the summary.
    pub notes: Vec<String>,
    /// What exact solvers know beyond the plan.
    pub details: SolveDetails,
}

/// Details an exact solver reports (all absent for the greedy solver).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SolveDetails {
    /// Optimum of the LP relaxation (discounted euros, penalties included).
    pub lp_bound_eur: Option<f64>,
    /// Units fractional in the relaxation, rounded by the repair step.
    pub fractional_units: Option<usize>,
    /// Penalties on target slacks.
    pub penalties: Option<model::Penalties>,
    /// Shadow prices of the coupling rows.
    pub shadow_prices: Option<lp::ShadowPrices>,
    /// Target rows the LP relaxation can only meet with slack (the catalogue and budgets cannot
    /// reach them).
    pub missed_in_relaxation: Vec<String>,
    /// For missed targets: the budget that would meet them.
    pub budget_relief: Option<lp::BudgetRelief>,
    /// LP backend.
    pub backend: Option<&'static str>,
    /// Seconds per stage of an exact solve (model, relaxation, duals, integer plan).
    pub stage_seconds: Vec<(&'static str, f64)>,
    /// Model columns.
    pub columns: Option<usize>,
    /// Model rows.
    pub rows: Option<usize>,
}

/// A progress report from a solver.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// What is being done.
    pub stage: &'a str,
    /// Work done.
    pub done: u64,
    /// Work in total (0 when unknown).
    pub total: u64,
}

/// Receives progress (the library never prints), and carries the run's limits: the user's
/// request to stop (the binary's Ctrl-C) and the run's deadline (`--time-limit`, which the
/// pipeline sets for the whole run, every solver together). Solvers ask
/// [`Observer::stop_requested`] and [`time_left`] where they check their own limits, stop there
/// with [`Termination::Interrupted`] or [`Termination::TimeLimit`] and return their best plan;
/// the pipeline starts no further solver once it has a plan.
pub trait Observer {
    /// Called from time to time during a solve.
    fn observe(&mut self, progress: &Progress);

    /// Whether the user asked the run to stop (never, unless the observer says so).
    fn stop_requested(&self) -> bool {
        false
    }

    /// When the run must end, if it has a deadline (none, unless the observer says so).
    fn deadline(&self) -> Option<Instant> {
        None
    }
}

/// The time a solver started at `started` has left: the shorter of its own `limit` and what
/// remains until the run's deadline ([`Observer::deadline`]); zero once either has passed, `None`
/// when neither is set.
pub fn time_left(
    limit: Option<Duration>,
    started: Instant,
    observer: &dyn Observer,
) -> Option<Duration> {
    let now = Instant::now();
    let own = limit.map(|l| (started + l).saturating_duration_since(now));
    let run = observer
        .deadline()
        .map(|d| d.saturating_duration_since(now));
    own.into_iter().chain(run).min()
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn observe(&mut self, _: &Progress) {}
}

/// Errors a solver can end with (a missed target is not one: it is a property of the plan).
#[derive(Debug, thiserror::Error)]
pub enum OptimiseError {
    /// The LP backend failed.
    #[error("the LP solver failed: {0}")]
    Solver(String),
    /// The solver cannot plan this problem (see [`unsupported`]).
    #[error("{0}")]
    Unsupported(String),
}

/// What a solver can do; a run is checked against it before any work ([`unsupported`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// The planning modes it plans for.
    pub modes: &'static [Mode],
    /// It proves a lower bound on the cost of every plan meeting the same targets.
    pub lower_bound: bool,
    /// It stops at a time limit (and at the user's Ctrl-C) with its best plan.
    pub time_limit: bool,
}

/// Why `solver` cannot plan in `mode`, or `None` when it can: checked once, before reading the
/// stock, so that a run that cannot succeed is a usage error (exit 2), not a failure after the
/// work.
pub fn unsupported(solver: &dyn Solver, mode: Mode) -> Option<String> {
    let capabilities = solver.capabilities();
    (!capabilities.modes.contains(&mode)).then(|| {
        let can: Vec<&str> = capabilities.modes.iter().map(|m| m.as_str()).collect();
        format!(
            "the {} solver plans for mode = \"{}\", not \"{}\"; use --solver auto or greedy",
            solver.name(),
            can.join("\" or \""),
            mode.as_str()
        )
    })
}

/// A solver: options and coupling rows in, plan out.
pub trait Solver {
    /// Short name, as in `--solver`.
    fn name(&self) -> &'static str;
    /// What it can do.
    fn capabilities(&self) -> Capabilities;
    /// Solves `problem`.
    fn solve(
        &self,
        problem: &Problem,
        observer: &mut dyn Observer,
    ) -> Result<Solution, OptimiseError>;
}
