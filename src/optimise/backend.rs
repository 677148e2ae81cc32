//! The one module that talks to LP and MILP solver libraries (good_lp's microlp, Clarabel and,
//! behind the `highs` feature, HiGHS; microlp directly where good_lp does not pass an option
//! on): an [`LpModel`] in, an [`LpOutcome`] out. The solvers build models and read outcomes;
//! none of them touches a solver library.
//!
//! Backends: `microlp` (pure Rust dual simplex; vertex solutions, which rounding needs, but no
//! duals), `clarabel` (pure Rust interior point; duals), and `highs` behind the cargo feature of
//! that name (simplex with duals; the fastest).

use std::time::Duration;

use good_lp::solvers::clarabel::clarabel;
use good_lp::solvers::microlp::microlp;
use good_lp::{
    variable, Constraint, Expression, ProblemVariables, Solution as _, SolutionStatus,
    SolutionWithDual, SolverModel, Variable, WithTimeLimit,
};
use serde::Serialize;

use super::model::{ColumnKind, LpModel, Sense};
use super::OptimiseError;

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
    /// The search stopped on the clock rather than on its node budget: its plan depends on the
    /// machine's speed and load.
    pub stopped_by_clock: bool,
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
        stopped_by_clock: false,
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
            stopped_by_clock: false,
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
            // good_lp's duals are d(objective)/d(rhs) of each row as written, for both senses
            // (`tests::row_prices_are_the_objectives_change_per_unit_of_rhs`).
            let prices = references.iter().map(|r| good_lp::DualValues::dual(&duals, r.clone())).collect();
            Ok(finish(values, Some(prices), true))
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
                // As Clarabel's: d(objective)/d(rhs) of each row as written.
                Some(references.iter().map(|r| good_lp::DualValues::dual(&d, r.clone())).collect())
            };
            Ok(finish(values, duals, optimal))
        }
        #[cfg(not(feature = "highs"))]
        Backend::Highs => Err(OptimiseError::Solver(
            "the highs backend is not compiled in: build with `--features highs` (needs cmake and libclang)".into(),
        )),
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

/// The integer plan `choice` (per unit: option and year index) as a hint for the branch and
/// bound: every choice column at 1 or 0; the slacks are left to the solver.
pub(crate) fn hint_of(model: &LpModel, choice: &[Option<(usize, usize)>]) -> Vec<(usize, f64)> {
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

/// `model` with every target row the `hint` meets made hard (its slack fixed at 0): the branch
/// and bound then looks for the cheapest plan meeting at least the targets the rounded
/// relaxation meets, instead of one that misses a target by a hair where the hair's penalty is
/// less than one more complex (whose repair afterwards would cost that complex anyway). Targets
/// the hint misses keep their penalty.
pub(crate) fn hardened(model: &LpModel, hint: &[(usize, f64)]) -> LpModel {
    let mut values = vec![0.0; model.columns.len()];
    for &(c, v) in hint {
        values[c] = v;
    }
    let mut hard = model.clone();
    for column in &mut hard.columns[model.n_choices..] {
        if let ColumnKind::Slack(r) = column.kind {
            let row = &model.rows[r];
            let activity: f64 = row
                .entries
                .iter()
                .filter(|e| e.0 < model.n_choices)
                .map(|&(c, a)| a * values[c])
                .sum();
            if row.sense == Sense::Ge && activity >= row.rhs - 1e-9 * row.rhs.abs().max(1.0) {
                column.upper = 0.0;
            }
        }
    }
    hard
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
    let stopped_by_clock = outcome.termination_reason() == microlp::TerminationReason::TimeLimit;
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
        stopped_by_clock,
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
        stopped_by_clock: false,
    })
}

/// A cut θ ≤ value + g·(λ − at).
pub struct Cut {
    /// The dual value at `at`.
    pub value: f64,
    /// Its subgradient there.
    pub subgradient: Vec<f64>,
    /// The multipliers the dual was evaluated at.
    pub at: Vec<f64>,
}

/// Maximises the cutting-plane model of a Lagrangian dual (the decomposition's master LP) over a
/// box of multipliers; returns (λ, model value).
pub fn solve_master(
    cuts: &[Cut],
    lower: &[f64],
    upper: &[f64],
    objective_scale: f64,
) -> Result<(Vec<f64>, f64), OptimiseError> {
    let mut vars = ProblemVariables::new();
    let theta = vars.add(variable());
    let lambda: Vec<Variable> = lower
        .iter()
        .zip(upper)
        .map(|(&lo, &hi)| vars.add(variable().min(lo).max(hi)))
        .collect();
    let mut model = vars.maximise(theta).using(microlp);
    for cut in cuts {
        // θ·S − g·λ ≤ value − g·at, all over S.
        let mut e = Expression::from(theta);
        let mut rhs = cut.value;
        for (r, (&g, &at)) in cut.subgradient.iter().zip(&cut.at).enumerate() {
            e.add_mul(-g / objective_scale, lambda[r]);
            rhs -= g * at;
        }
        model.add_constraint(e.leq(rhs / objective_scale));
    }
    let solution = model
        .solve()
        .map_err(|e| OptimiseError::Solver(format!("decomposition master LP: {e}")))?;
    let point = lambda.iter().map(|&v| solution.value(v)).collect();
    Ok((point, solution.value(theta) * objective_scale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimise::model::{Column, ColumnKind, Penalties, Row, RowKind};

    /// min x₁ + 3·x₂ with x₁ + x₂ ≥ 1 and x₁ ≤ 0.4 (x in [0, 1]): x = (0.4, 0.6), and one more
    /// unit of demand costs 3 (the ≥ row's price), one more unit of x₁'s room saves 2 (the ≤
    /// row's price is −2).
    fn two_rows() -> LpModel {
        let column = |option, cost| Column {
            name: format!("x{option}"),
            kind: ColumnKind::Choice {
                unit: 0,
                option,
                t: 0,
            },
            cost,
            upper: 1.0,
            integer: false,
        };
        LpModel {
            columns: vec![column(0, 1.0), column(1, 3.0)],
            rows: vec![
                Row {
                    name: "demand".into(),
                    kind: RowKind::Path(0),
                    sense: Sense::Ge,
                    rhs: 1.0,
                    entries: vec![(0, 1.0), (1, 1.0)],
                },
                Row {
                    name: "room".into(),
                    kind: RowKind::Budget(0),
                    sense: Sense::Le,
                    rhs: 0.4,
                    entries: vec![(0, 1.0)],
                },
            ],
            n_choices: 2,
            penalties: Penalties {
                path_eur: 0.0,
                dwelling_eur: 0.0,
            },
        }
    }

    /// Every backend's row prices come out as d objective / d rhs: a ≥ row's at least 0, a ≤
    /// row's at most 0 (the budget's shadow price shown to users is minus this).
    #[test]
    fn row_prices_are_the_objectives_change_per_unit_of_rhs() {
        let mut backends = vec![Backend::Clarabel];
        if Backend::Highs.available() {
            backends.push(Backend::Highs);
        }
        for backend in backends {
            let outcome = solve_model(&two_rows(), backend, false, None).unwrap();
            assert!((outcome.objective - 2.2).abs() < 1e-6, "{backend:?}");
            let duals = outcome.duals.expect("duals");
            assert!((duals[0] - 3.0).abs() < 1e-5, "{backend:?}: {duals:?}");
            assert!((duals[1] + 2.0).abs() < 1e-5, "{backend:?}: {duals:?}");
        }
    }
}
