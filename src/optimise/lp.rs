//! The exact model through good_lp: LP relaxation with rounding and repair, or MILP on small
//! instances; shadow prices from the duals; and, when a target is missed, the budget that would
//! meet it.
//!
//! Backends: `microlp` (pure Rust dual simplex; vertex solutions, which rounding needs, but no
//! duals), `clarabel` (pure Rust interior point; duals), and `highs` behind the cargo feature of
//! that name (simplex with duals; the fastest). With microlp the shadow prices come from a second,
//! interior-point solve with clarabel.

use std::time::Duration;

use good_lp::solvers::clarabel::clarabel;
use good_lp::solvers::microlp::microlp;
use good_lp::{
    variable, Constraint, Expression, ProblemVariables, Solution as _, SolutionStatus,
    SolutionWithDual, SolverModel, Variable, WithTimeLimit,
};
use serde::Serialize;

use super::model::{ColumnKind, LpModel, RowKind, Sense};
use super::round::round_and_repair;
use super::{
    Observer, OptimiseError, Problem, Progress, Solution, SolveDetails, SolveStatus, Solver,
    Termination,
};
use crate::scenario::Mode;

/// An LP backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// microlp: pure Rust simplex.
    Microlp,
    /// Clarabel: pure Rust interior point.
    Clarabel,
    /// HiGHS (cargo feature `highs`).
    Highs,
}

impl Backend {
    /// Name as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Microlp => "microlp",
            Backend::Clarabel => "clarabel",
            Backend::Highs => "highs",
        }
    }

    /// The backend `auto` uses: HiGHS when compiled in, else microlp.
    pub fn preferred() -> Backend {
        if Backend::Highs.available() {
            Backend::Highs
        } else {
            Backend::Microlp
        }
    }

    /// The backend is compiled in.
    pub fn available(self) -> bool {
        match self {
            Backend::Microlp | Backend::Clarabel => true,
            Backend::Highs => cfg!(feature = "highs"),
        }
    }
}

/// What a backend returns.
#[derive(Debug, Clone)]
pub struct LpOutcome {
    /// Column values.
    pub values: Vec<f64>,
    /// Objective value.
    pub objective: f64,
    /// Row duals as d(objective)/d(rhs), where the backend gives them.
    pub duals: Option<Vec<f64>>,
    /// Solved to optimality (false: stopped at the time limit with a feasible point).
    pub optimal: bool,
    /// A proven lower bound on the integer optimum from a branch and bound that stopped at its
    /// budget (the least bound of its open nodes), where the backend reports one.
    pub bound: Option<f64>,
}

fn variables(model: &LpModel, integer: bool) -> (ProblemVariables, Vec<Variable>, Expression) {
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(model.columns.len());
    let columns: Vec<Variable> = model
        .columns
        .iter()
        .map(|c| {
            let mut definition = variable().min(0.0);
            if c.upper.is_finite() {
                definition = definition.max(c.upper);
            }
            if integer && c.integer {
                definition = definition.integer();
            }
            let v = vars.add(definition);
            objective.add_mul(c.cost, v);
            v
        })
        .collect();
    (vars, columns, objective)
}

fn constraints(model: &LpModel, columns: &[Variable]) -> Vec<Constraint> {
    model
        .rows
        .iter()
        .map(|row| {
            let mut expression = Expression::with_capacity(row.entries.len());
            for &(c, a) in &row.entries {
                expression.add_mul(a, columns[c]);
            }
            match row.sense {
                Sense::Le => expression.leq(row.rhs),
                Sense::Ge => expression.geq(row.rhs),
            }
        })
        .collect()
}

fn backend_error(backend: Backend, e: impl std::fmt::Display) -> OptimiseError {
    OptimiseError::Solver(format!("{}: {e}", backend.as_str()))
}

/// good_lp writes `a ≥ b` as `b − a ≤ 0`; its duals are of that form. This turns them into
/// d(objective)/d(rhs) of the row as written.
fn dual_per_rhs(model: &LpModel, raw: impl Fn(usize) -> f64) -> Vec<f64> {
    model
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| match row.sense {
            Sense::Le => -raw(r),
            Sense::Ge => raw(r),
        })
        .collect()
}

/// Scale factors that bring every row and column to a largest coefficient of 1 and the objective
/// to a largest cost of 1: the raw model mixes kWh rows (~1e6) with dwelling rows (~1) and
/// penalties (~1e8), which the interior-point method does not survive unscaled. The simplex
/// backends solve the raw model: their absolute optimality tolerances would be too coarse on an
/// objective scaled down this far (HiGHS's MILP then stopped 0.3 % above the optimum).
struct Scaling {
    row: Vec<f64>,
    column: Vec<f64>,
    objective: f64,
}

impl Scaling {
    fn of(model: &LpModel) -> Scaling {
        let mut row: Vec<f64> = model
            .rows
            .iter()
            .map(|r| {
                let largest = r.entries.iter().map(|e| e.1.abs()).fold(0.0, f64::max);
                if largest > 0.0 {
                    1.0 / largest
                } else {
                    1.0
                }
            })
            .collect();
        let mut largest_in_column = vec![0.0f64; model.columns.len()];
        for (r, rw) in model.rows.iter().enumerate() {
            for &(c, a) in &rw.entries {
                largest_in_column[c] = largest_in_column[c].max((a * row[r]).abs());
            }
        }
        // Only slack columns are rescaled: choice columns keep their [0, 1] bounds.
        let column: Vec<f64> = model
            .columns
            .iter()
            .zip(&largest_in_column)
            .map(|(c, &largest)| match c.kind {
                ColumnKind::Slack(_) if largest > 0.0 => 1.0 / largest,
                _ => 1.0,
            })
            .collect();
        let largest_cost = model
            .columns
            .iter()
            .zip(&column)
            .map(|(c, s)| (c.cost * s).abs())
            .fold(0.0, f64::max);
        let objective = if largest_cost > 0.0 {
            1.0 / largest_cost
        } else {
            1.0
        };
        for r in &mut row {
            if !r.is_finite() {
                *r = 1.0;
            }
        }
        Scaling {
            row,
            column,
            objective,
        }
    }

    /// The scaled model: x = column · x', rows multiplied by `row`, costs by `objective`.
    fn apply(&self, model: &LpModel) -> LpModel {
        let mut scaled = model.clone();
        for (c, column) in scaled.columns.iter_mut().enumerate() {
            column.cost *= self.column[c] * self.objective;
            if column.upper.is_finite() {
                column.upper /= self.column[c];
            }
        }
        for (r, row) in scaled.rows.iter_mut().enumerate() {
            row.rhs *= self.row[r];
            for entry in &mut row.entries {
                entry.1 *= self.row[r] * self.column[entry.0];
            }
        }
        scaled
    }
}

/// Solves `model` (relaxation, or with integer choice columns) with `backend`.
pub fn solve_model(
    model: &LpModel,
    backend: Backend,
    integer: bool,
    time_limit: Option<Duration>,
) -> Result<LpOutcome, OptimiseError> {
    solve_model_within(model, backend, integer, time_limit, None, &[])
}

/// [`solve_model`] with a branch-and-bound node budget as well (integer models, microlp and
/// HiGHS): a budget that stops the search at the same point on any machine. `hint` is a
/// starting integer plan as (column, value) pairs, passed to microlp's search as its first
/// incumbent so that it prunes from the first node (ignored where infeasible, and by the
/// other backends).
pub fn solve_model_within(
    model: &LpModel,
    backend: Backend,
    integer: bool,
    time_limit: Option<Duration>,
    node_limit: Option<u64>,
    hint: &[(usize, f64)],
) -> Result<LpOutcome, OptimiseError> {
    if let (true, Some(nodes)) = (integer, node_limit) {
        match backend {
            Backend::Microlp => {
                return solve_milp_with_node_limit(model, nodes, time_limit, hint);
            }
            #[cfg(feature = "highs")]
            Backend::Highs => return solve_highs_with_node_limit(model, nodes, time_limit),
            _ => {}
        }
    }
    match backend {
        Backend::Clarabel => solve_with_scaling(model, backend, integer, time_limit),
        // microlp's LU factorisation occasionally reports a singular basis on the raw model
        // (rows of kWh next to rows of dwellings); the equilibrated model then solves.
        Backend::Microlp => solve_scaled(model, backend, integer, time_limit)
            .or_else(|_| solve_with_scaling(model, backend, integer, time_limit)),
        Backend::Highs => solve_scaled(model, backend, integer, time_limit),
    }
}

/// Solves the equilibrated model (see [`Scaling`]) and maps values and duals back.
fn solve_with_scaling(
    model: &LpModel,
    backend: Backend,
    integer: bool,
    time_limit: Option<Duration>,
) -> Result<LpOutcome, OptimiseError> {
    let scaling = Scaling::of(model);
    let scaled = scaling.apply(model);
    let outcome = solve_scaled(&scaled, backend, integer, time_limit)?;
    let values: Vec<f64> = outcome
        .values
        .iter()
        .zip(&scaling.column)
        .map(|(v, s)| v * s)
        .collect();
    let duals = outcome.duals.map(|d| {
        d.iter()
            .zip(&scaling.row)
            .map(|(y, r)| y * r / scaling.objective)
            .collect()
    });
    Ok(LpOutcome {
        objective: model.objective(&values),
        values,
        duals,
        optimal: outcome.optimal,
        bound: None,
    })
}

fn solve_scaled(
    model: &LpModel,
    backend: Backend,
    integer: bool,
    time_limit: Option<Duration>,
) -> Result<LpOutcome, OptimiseError> {
    let (vars, columns, objective) = variables(model, integer);
    let rows = constraints(model, &columns);
    let finish = |values: Vec<f64>, duals: Option<Vec<f64>>, optimal: bool| {
        let objective = model.objective(&values);
        LpOutcome {
            values,
            objective,
            duals,
            optimal,
            bound: None,
        }
    };
    match backend {
        Backend::Microlp => {
            let mut m = vars.minimise(objective).using(microlp);
            if let Some(limit) = time_limit {
                m = m.with_time_limit(limit.as_secs_f64());
            }
            for c in rows {
                m.add_constraint(c);
            }
            let s = m.solve().map_err(|e| backend_error(backend, e))?;
            let optimal = matches!(s.status(), SolutionStatus::Optimal);
            Ok(finish(columns.iter().map(|&v| s.value(v)).collect(), None, optimal))
        }
        Backend::Clarabel => {
            if integer {
                return Err(OptimiseError::Solver("clarabel solves LPs only: use --lp-backend microlp or highs with --milp".into()));
            }
            let mut m = vars.minimise(objective).using(clarabel);
            let references: Vec<_> = rows.into_iter().map(|c| m.add_constraint(c)).collect();
            let mut s = m.solve().map_err(|e| backend_error(backend, e))?;
            let values = columns.iter().map(|&v| s.value(v)).collect();
            let duals = s.compute_dual();
            let raw: Vec<f64> = references.iter().map(|r| good_lp::DualValues::dual(&duals, r.clone())).collect();
            Ok(finish(values, Some(dual_per_rhs(model, |r| raw[r])), true))
        }
        #[cfg(feature = "highs")]
        Backend::Highs => {
            use good_lp::solvers::highs::highs;
            let mut m = vars.minimise(objective).using(highs);
            m.set_verbose(false);
            let mut m = m.set_threads(1).set_mip_rel_gap(1e-6).map_err(|e| backend_error(backend, format!("{e:?}")))?;
            if let Some(limit) = time_limit {
                m = m.set_time_limit(limit.as_secs_f64());
            }
            let references: Vec<_> = rows.into_iter().map(|c| m.add_constraint(c)).collect();
            let mut s = m.solve().map_err(|e| backend_error(backend, e))?;
            // With the gap set to 1e-6 below, HiGHS's "optimal within the MIP gap" is optimal.
            let optimal = matches!(s.status(), SolutionStatus::Optimal | SolutionStatus::GapLimit);
            let values = columns.iter().map(|&v| s.value(v)).collect();
            let duals = if integer {
                None
            } else {
                let d = s.compute_dual();
                let raw: Vec<f64> = references.iter().map(|r| good_lp::DualValues::dual(&d, r.clone())).collect();
                Some(dual_per_rhs(model, |r| raw[r]))
            };
            Ok(finish(values, duals, optimal))
        }
        #[cfg(not(feature = "highs"))]
        Backend::Highs => Err(OptimiseError::Solver(
            "the highs backend is not compiled in: build with `--features highs` (needs cmake and libclang)".into(),
        )),
    }
}

/// Shadow prices of the coupling rows at the LP optimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowPrices {
    /// Per path year: extra discounted cost of lowering that year's path value by 1 kWh/m².
    pub path_eur_per_kwh_m2: Vec<YearPrice>,
    /// Extra cost of one more label-A dwelling in the target year.
    pub label_a_eur_per_dwelling: Option<f64>,
    /// Extra cost of one more gas-free dwelling in the target year.
    pub gas_free_eur_per_dwelling: Option<f64>,
    /// Extra cost of one more dwelling ready for a sustainable heat source in the target year.
    pub ready_eur_per_dwelling: Option<f64>,
    /// Per year where the budget binds: objective saved per extra euro of budget.
    pub budget_eur_per_eur: Vec<YearPrice>,
    /// Per year where capacity binds: objective saved per extra dwelling of capacity.
    pub capacity_eur_per_dwelling: Vec<YearPrice>,
}

/// A price in a year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct YearPrice {
    /// Year.
    pub year: u16,
    /// Price.
    pub value: f64,
}

fn shadow_prices(p: &Problem, model: &LpModel, duals: &[f64]) -> ShadowPrices {
    let o = p.options;
    let weight = o.totals.path_weight;
    let mut prices = ShadowPrices {
        path_eur_per_kwh_m2: Vec::new(),
        label_a_eur_per_dwelling: None,
        gas_free_eur_per_dwelling: None,
        ready_eur_per_dwelling: None,
        budget_eur_per_eur: Vec::new(),
        capacity_eur_per_dwelling: Vec::new(),
    };
    let tiny = |v: f64| if v.abs() < 1e-9 { 0.0 } else { v };
    for (row, &dual) in model.rows.iter().zip(duals) {
        match row.kind {
            RowKind::Path(t) => prices.path_eur_per_kwh_m2.push(YearPrice {
                year: o.year(t),
                value: tiny(dual * weight),
            }),
            RowKind::LabelA => prices.label_a_eur_per_dwelling = Some(tiny(dual)),
            RowKind::GasFree => prices.gas_free_eur_per_dwelling = Some(tiny(dual)),
            RowKind::Ready => prices.ready_eur_per_dwelling = Some(tiny(dual)),
            RowKind::Budget(t) if dual.abs() > 1e-9 => prices.budget_eur_per_eur.push(YearPrice {
                year: o.year(t),
                value: -dual,
            }),
            RowKind::Capacity(t) if dual.abs() > 1e-9 => {
                prices.capacity_eur_per_dwelling.push(YearPrice {
                    year: o.year(t),
                    value: -dual,
                })
            }
            _ => {}
        }
    }
    prices
}

/// What relaxing the budgets does for targets the LP misses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetRelief {
    /// Extra budget the LP would spend per year with no budget limits (euros of that year).
    pub extra_budget_eur: Vec<YearPrice>,
    /// Their sum.
    pub total_extra_budget_eur: f64,
    /// Target rows met once budgets are lifted.
    pub met_with_more_budget: Vec<String>,
    /// Target rows missed even without budget limits (the catalogue cannot reach them).
    pub missed_at_any_budget: Vec<String>,
}

fn slack_rows(model: &LpModel, values: &[f64]) -> Vec<String> {
    model
        .columns
        .iter()
        .zip(values)
        .filter_map(|(c, &v)| match c.kind {
            ColumnKind::Slack(r) if v > 1e-6 => Some(model.rows[r].name.clone()),
            _ => None,
        })
        .collect()
}

fn budget_relief(
    p: &Problem,
    model: &LpModel,
    backend: Backend,
    limit: Option<Duration>,
    missed: &[String],
) -> Result<Option<BudgetRelief>, OptimiseError> {
    if missed.is_empty() || p.budget_eur.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut relaxed = model.clone();
    relaxed
        .rows
        .retain(|r| !matches!(r.kind, RowKind::Budget(_)));
    // Slack columns point at rows by index: renumber them after removing the budget rows.
    let kept: Vec<usize> = model
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !matches!(r.kind, RowKind::Budget(_)))
        .map(|(i, _)| i)
        .collect();
    for column in &mut relaxed.columns {
        if let ColumnKind::Slack(r) = column.kind {
            column.kind = ColumnKind::Slack(kept.iter().position(|&k| k == r).unwrap_or(0));
        }
    }
    let outcome = solve_model(&relaxed, backend, false, limit)?;
    let still = slack_rows(&relaxed, &outcome.values);
    let o = p.options;
    let mut spend = vec![0.0; o.n_years];
    for (c, column) in relaxed.columns.iter().enumerate() {
        if let ColumnKind::Choice { unit, option, t } = column.kind {
            spend[t] += outcome.values[c] * o.cost_eur(unit, option, t);
        }
    }
    let extra: Vec<YearPrice> = (0..o.n_years)
        .filter_map(|t| {
            let budget = p.budget_eur[t]?;
            let over = spend[t] - budget;
            (over > 0.5).then(|| YearPrice {
                year: o.year(t),
                value: over,
            })
        })
        .collect();
    Ok(Some(BudgetRelief {
        total_extra_budget_eur: extra.iter().map(|e| e.value).sum(),
        extra_budget_eur: extra,
        met_with_more_budget: missed
            .iter()
            .filter(|m| !still.contains(m))
            .cloned()
            .collect(),
        missed_at_any_budget: missed
            .iter()
            .filter(|m| still.contains(m))
            .cloned()
            .collect(),
    }))
}

/// The LP solver.
#[derive(Debug, Clone, Copy)]
pub struct Lp {
    /// Backend.
    pub backend: Backend,
    /// Integer choices (branch and bound) instead of relaxation plus rounding.
    pub milp: bool,
    /// Time limit per backend call.
    pub time_limit: Option<Duration>,
    /// With `milp` and the microlp backend: stop the branch and bound after this many nodes
    /// (a budget that gives the same plan on any machine, unlike a clock).
    pub node_limit: Option<u64>,
}

impl Default for Lp {
    fn default() -> Self {
        Lp {
            backend: Backend::Microlp,
            milp: false,
            time_limit: None,
            node_limit: None,
        }
    }
}

/// The support of a column vector per unit: ((option, year index), weight).
pub fn support(model: &LpModel, values: &[f64], n_units: usize) -> Vec<Vec<((usize, usize), f64)>> {
    let mut support = vec![Vec::new(); n_units];
    for (c, column) in model.columns[..model.n_choices].iter().enumerate() {
        if let ColumnKind::Choice { unit, option, t } = column.kind {
            if values[c] > 1e-9 {
                support[unit].push(((option, t), values[c]));
            }
        }
    }
    support
}

impl Solver for Lp {
    fn name(&self) -> &'static str {
        if self.milp {
            "milp"
        } else {
            "lp"
        }
    }

    fn solve(&self, p: &Problem, observer: &mut dyn Observer) -> Result<Solution, OptimiseError> {
        if p.mode == Mode::MaxReduction {
            return Err(OptimiseError::Solver("the lp solver plans for mode = \"meet_targets\"; use --solver greedy for max_reduction".into()));
        }
        let mut stages = Vec::new();
        let mut clock = std::time::Instant::now();
        let mut lap = |name: &'static str, stages: &mut Vec<(&'static str, f64)>| {
            stages.push((name, clock.elapsed().as_secs_f64()));
            clock = std::time::Instant::now();
        };
        observer.observe(&Progress {
            stage: "lp: building the model",
            done: 0,
            total: 3,
        });
        let model = LpModel::build(p);
        lap("model", &mut stages);
        observer.observe(&Progress {
            stage: "lp: solving the relaxation",
            done: 1,
            total: 3,
        });
        let relaxation = match solve_model(&model, self.backend, false, self.time_limit) {
            Ok(relaxation) => relaxation,
            // The clock struck before the relaxation had a point: a limit, not an error. The
            // greedy plan (instant, within budgets and capacity) is the plan.
            Err(e) if self.time_limit.is_some() => {
                let mut solution = super::greedy::Greedy.solve(p, observer)?;
                solution.status = SolveStatus::Limit;
                solution.termination = Termination::TimeLimit;
                solution.notes.push(format!(
                    "{}: the LP relaxation did not finish within the time limit ({e}); the plan is the greedy one",
                    self.name()
                ));
                return Ok(solution);
            }
            Err(e) => return Err(e),
        };
        lap("relaxation", &mut stages);
        let mut notes = Vec::new();
        let duals = match &relaxation.duals {
            Some(d) => Some(d.clone()),
            // microlp has no duals: an interior-point solve of the same model gives them.
            None => match solve_model(&model, Backend::Clarabel, false, self.time_limit) {
                Ok(o) => o.duals,
                Err(e) => {
                    notes.push(format!("shadow prices unavailable: {e}"));
                    None
                }
            },
        };
        lap("duals", &mut stages);
        if !relaxation.optimal {
            notes.push(
                "the LP relaxation stopped at the time limit; its value is not a proven bound"
                    .into(),
            );
        }
        observer.observe(&Progress {
            stage: "lp: integer plan",
            done: 2,
            total: 3,
        });
        // The proven integer optimum (MILP), when the branch and bound finished.
        let mut proven: Option<f64> = None;
        let rounded = |relaxation: &LpOutcome| {
            let support = support(&model, &relaxation.values, p.options.n_units());
            round_and_repair(p, model.penalties, &support)
        };
        // A bound the branch and bound proved above the relaxation when it stopped at its budget.
        let mut searched_bound: Option<f64> = None;
        let (state, fractional, status, termination) = if self.milp {
            // The rounded relaxation seeds the search: with an incumbent from the first node, a
            // budgeted search prunes far more and proves small optima within its budget.
            let (start, _) = rounded(&relaxation);
            let hint = hint_of(&model, &start.choice);
            let integer = solve_model_within(
                &model,
                self.backend,
                true,
                self.time_limit,
                self.node_limit,
                &hint,
            );
            // What stops an unfinished search: the node budget when one is set.
            let limit = if self.node_limit.is_some() {
                Termination::IterationLimit
            } else {
                Termination::TimeLimit
            };
            match integer {
                Ok(mip) => {
                    let support = support(&model, &mip.values, p.options.n_units());
                    let (state, _) = round_and_repair(p, model.penalties, &support);
                    searched_bound = mip.bound.filter(|b| b.is_finite());
                    if mip.optimal {
                        proven = Some(mip.objective);
                        (state, 0, SolveStatus::Optimal, Termination::Optimal)
                    } else {
                        // The incumbent of an interrupted search can be worse than the rounded
                        // relaxation: keep the better of the two.
                        let (other, fractional) = rounded(&relaxation);
                        if other.objective() < state.objective() {
                            (other, fractional, SolveStatus::Limit, limit)
                        } else {
                            (state, 0, SolveStatus::Limit, limit)
                        }
                    }
                }
                // Stopped before an integer point: doing nothing is always feasible, and the
                // rounded relaxation is a plan; the limit is the status, not an error.
                Err(e) if self.time_limit.is_some() || self.node_limit.is_some() => {
                    notes.push(format!(
                        "milp: the branch and bound found no integer plan within its limit ({e}); the plan is the rounded relaxation"
                    ));
                    let (state, fractional) = rounded(&relaxation);
                    (state, fractional, SolveStatus::Limit, limit)
                }
                Err(e) => return Err(e),
            }
        } else {
            let (state, fractional) = rounded(&relaxation);
            let status = if fractional == 0 && relaxation.optimal {
                SolveStatus::Optimal
            } else {
                SolveStatus::Feasible
            };
            let termination = if relaxation.optimal {
                Termination::Converged
            } else {
                Termination::TimeLimit
            };
            (state, fractional, status, termination)
        };
        lap("integer plan", &mut stages);
        let missed = slack_rows(&model, &relaxation.values);
        let relief = match budget_relief(p, &model, self.backend, self.time_limit, &missed) {
            Ok(relief) => relief,
            Err(e) if self.time_limit.is_some() => {
                notes.push(format!(
                    "budget relief not computed within the time limit: {e}"
                ));
                None
            }
            Err(e) => return Err(e),
        };
        lap("budget relief", &mut stages);
        let plan = p.options.plan(&state.choice);
        observer.observe(&Progress {
            stage: "lp",
            done: 3,
            total: 3,
        });
        Ok(Solution {
            plan,
            status,
            termination,
            // A proven integer optimum bounds every integer plan; else the least bound of the
            // search's open nodes, which is at least the relaxation's; else the relaxation.
            lower_bound_eur: proven.or_else(|| {
                let relaxed = relaxation.optimal.then_some(relaxation.objective);
                match (relaxed, searched_bound) {
                    (Some(r), Some(b)) => Some(r.max(b)),
                    (r, b) => r.or(b),
                }
            }),
            iterations: 0,
            notes,
            details: SolveDetails {
                lp_bound_eur: relaxation.optimal.then_some(relaxation.objective),
                fractional_units: Some(fractional),
                penalties: Some(model.penalties),
                shadow_prices: duals.map(|d| shadow_prices(p, &model, &d)),
                missed_in_relaxation: missed,
                budget_relief: relief,
                backend: Some(self.backend.as_str()),
                stage_seconds: stages,
                columns: Some(model.columns.len()),
                rows: Some(model.rows.len()),
            },
        })
    }
}

/// The integer plan `choice` (per unit: option and year index) as a hint for the branch and
/// bound: every choice column at 1 or 0; the slacks are left to the solver.
fn hint_of(model: &LpModel, choice: &[Option<(usize, usize)>]) -> Vec<(usize, f64)> {
    model.columns[..model.n_choices]
        .iter()
        .enumerate()
        .filter_map(|(c, column)| match column.kind {
            ColumnKind::Choice { unit, option, t } => {
                let taken = choice.get(unit).copied().flatten() == Some((option, t));
                Some((c, if taken { 1.0 } else { 0.0 }))
            }
            _ => None,
        })
        .collect()
}

/// Solves `model` as a MILP with microlp directly, its branch and bound stopped after
/// `node_limit` nodes instead of a clock (good_lp does not pass a node limit on): the same
/// instance gives the same plan on any machine under any load. `optimal` is false when the
/// node budget ran out before the proof.
pub fn solve_milp_with_node_limit(
    model: &LpModel,
    node_limit: u64,
    time_limit: Option<Duration>,
    hint: &[(usize, f64)],
) -> Result<LpOutcome, OptimiseError> {
    let mut problem = microlp::Problem::new(microlp::OptimizationDirection::Minimize);
    let columns: Vec<microlp::Variable> = model
        .columns
        .iter()
        .map(|c| {
            if c.integer && c.upper == 1.0 {
                problem.add_binary_var(c.cost)
            } else {
                problem.add_var(c.cost, (0.0, c.upper))
            }
        })
        .collect();
    for row in &model.rows {
        let mut expression = microlp::LinearExpr::empty();
        for &(c, a) in &row.entries {
            expression.add(columns[c], a);
        }
        let op = match row.sense {
            Sense::Le => microlp::ComparisonOp::Le,
            Sense::Ge => microlp::ComparisonOp::Ge,
        };
        problem.add_constraint(expression, op, row.rhs);
    }
    let mut options = microlp::SolveOptions::default();
    options.node_limit = Some(node_limit);
    options.time_limit = time_limit;
    if !hint.is_empty() {
        // microlp completes the continuous columns (slacks) of a partial hint by an LP.
        options.warm_start = Some(hint.iter().map(|&(c, v)| (columns[c], v)).collect());
    }
    let outcome = problem
        .solve_with(options)
        .map_err(|e| backend_error(Backend::Microlp, e))?;
    let optimal = outcome.is_optimal();
    let bound = outcome.stats().best_bound;
    let solution = outcome.solution().ok_or_else(|| {
        OptimiseError::Solver("microlp: the node budget ran out before a feasible plan".into())
    })?;
    let values: Vec<f64> = columns.iter().map(|&v| solution.var_value(v)).collect();
    Ok(LpOutcome {
        objective: model.objective(&values),
        values,
        duals: None,
        optimal,
        bound,
    })
}

/// [`solve_milp_with_node_limit`] with HiGHS (its `mip_max_nodes` option).
#[cfg(feature = "highs")]
fn solve_highs_with_node_limit(
    model: &LpModel,
    node_limit: u64,
    time_limit: Option<Duration>,
) -> Result<LpOutcome, OptimiseError> {
    use good_lp::solvers::highs::highs;
    let backend = Backend::Highs;
    let (vars, columns, objective) = variables(model, true);
    let rows = constraints(model, &columns);
    let mut m = vars.minimise(objective).using(highs);
    m.set_verbose(false);
    let mut m = m
        .set_threads(1)
        .set_mip_rel_gap(1e-6)
        .map_err(|e| backend_error(backend, format!("{e:?}")))?
        .set_option(
            "mip_max_nodes",
            i32::try_from(node_limit).unwrap_or(i32::MAX),
        );
    if let Some(limit) = time_limit {
        m = m.set_time_limit(limit.as_secs_f64());
    }
    for c in rows {
        m.add_constraint(c);
    }
    let s = m.solve().map_err(|e| backend_error(backend, e))?;
    let optimal = matches!(
        s.status(),
        SolutionStatus::Optimal | SolutionStatus::GapLimit
    );
    let values: Vec<f64> = columns.iter().map(|&v| s.value(v)).collect();
    Ok(LpOutcome {
        objective: model.objective(&values),
        values,
        duals: None,
        optimal,
        bound: None,
    })
}
