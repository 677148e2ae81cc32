//! The exact model, solved by an LP backend ([`super::backend`]): LP relaxation with rounding
//! and repair, or MILP on small instances; shadow prices from the duals; and, when a target is
//! missed, the budget that would meet it. With microlp (no duals) the shadow prices come from a
//! second, interior-point solve with Clarabel.

use std::time::Duration;

use serde::Serialize;

use super::backend::{
    hardened, hint_of, solve_model, solve_model_within, support, Backend, LpOutcome,
};
use super::model::{ColumnKind, LpModel, RowKind};
use super::round::round_and_repair;
use super::Capabilities;
use super::{
    Observer, OptimiseError, Problem, Progress, Solution, SolveDetails, SolveStatus, Solver,
    Termination,
};
use crate::scenario::Mode;

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
                // Per kWh/m² of that year's stock's average.
                value: tiny(dual * o.year_totals(t).path.path_weight),
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

impl Solver for Lp {
    fn name(&self) -> &'static str {
        if self.milp {
            "milp"
        } else {
            "lp"
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            modes: &[Mode::MeetTargets],
            lower_bound: true,
            time_limit: true,
        }
    }
    fn solve(&self, p: &Problem, observer: &mut dyn Observer) -> Result<Solution, OptimiseError> {
        if let Some(why) = super::unsupported(self, p.mode) {
            return Err(OptimiseError::Unsupported(why));
        }
        // The shorter of this solver's own limit and the run's deadline, at each solve.
        let started = std::time::Instant::now();
        let left = |observer: &dyn Observer| super::time_left(self.time_limit, started, observer);
        let limited = self.time_limit.is_some() || observer.deadline().is_some();
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
        let relaxation = match solve_model(&model, self.backend, false, left(&*observer)) {
            Ok(relaxation) => relaxation,
            // The clock struck before the relaxation had a point: a limit, not an error. The
            // greedy plan (instant, within budgets and capacity) is the plan.
            Err(e) if limited => {
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
            None => match solve_model(&model, Backend::Clarabel, false, left(&*observer)) {
                Ok(o) => o.duals,
                Err(e) => {
                    notes.push(format!("shadow prices unavailable: {e}"));
                    None
                }
            },
        };
        lap("duals", &mut stages);
        // A simplex optimum (microlp, HiGHS) is a vertex: its objective is the relaxation's
        // optimum. An interior-point solution's objective may lie above it, so Clarabel's bound
        // is the one its duals certify.
        let certified = match self.backend {
            Backend::Clarabel => {
                let bound = relaxation
                    .duals
                    .as_ref()
                    .and_then(|d| model.bound_from_duals(d));
                if bound.is_none() {
                    notes.push(
                        "clarabel: its duals certify no lower bound, so none is given".into(),
                    );
                }
                bound.map(|b| b.min(relaxation.objective))
            }
            _ => Some(relaxation.objective),
        };
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
        // A stop requested during the relaxation skips the branch and bound: the rounded
        // relaxation is the plan.
        let interrupted = self.milp && observer.stop_requested();
        let (state, fractional, status, termination) = if self.milp && !interrupted {
            // The rounded relaxation seeds the search: with an incumbent from the first node, a
            // budgeted search prunes far more and proves small optima within its budget.
            let (start, start_fractional) = rounded(&relaxation);
            let hint = hint_of(&model, &start.choice);
            let hard = hardened(&model, &hint);
            let integer = solve_model_within(
                &hard,
                self.backend,
                true,
                left(&*observer),
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
                    let integral: Vec<Option<(usize, usize)>> = support
                        .iter()
                        .map(|entries| entries.iter().find(|e| e.1 > 0.5).map(|e| e.0))
                        .collect();
                    let (state, _) = round_and_repair(p, model.penalties, &support);
                    // The optimum of the penalised model may miss a target by a hair where one
                    // more complex costs more than the penalty; the repair then meets it at that
                    // complex's price, and the repaired plan is no longer proven optimal (the
                    // rounded relaxation can be cheaper: 7.29 M against 9.02 M on a 449-dwelling
                    // stock with a gas-free target).
                    let repaired = state.choice != integral;
                    searched_bound = mip.bound.filter(|b| b.is_finite());
                    let limit = if mip.stopped_by_clock {
                        notes.push(format!(
                            "{}: the branch and bound stopped on the clock before its node budget; on a faster or less loaded machine the plan may differ",
                            self.name()
                        ));
                        Termination::TimeLimit
                    } else {
                        limit
                    };
                    if mip.optimal && !repaired {
                        proven = Some(mip.objective);
                        (state, 0, SolveStatus::Optimal, Termination::Optimal)
                    } else if mip.optimal {
                        // The penalised optimum bounds every plan that meets the targets.
                        searched_bound = Some(mip.objective);
                        notes.push(format!(
                            "{}: the proven optimum of the penalised model missed a target by less than one complex; the plan meets it, at a cost above that optimum",
                            self.name()
                        ));
                        if start.objective() < state.objective() {
                            (
                                start,
                                start_fractional,
                                SolveStatus::Feasible,
                                Termination::Converged,
                            )
                        } else {
                            (state, 0, SolveStatus::Feasible, Termination::Converged)
                        }
                    } else {
                        // The incumbent of an interrupted search can be worse than the rounded
                        // relaxation: keep the better of the two.
                        if start.objective() < state.objective() {
                            (start, start_fractional, SolveStatus::Limit, limit)
                        } else {
                            (state, 0, SolveStatus::Limit, limit)
                        }
                    }
                }
                // Stopped before an integer point: doing nothing is always feasible, and the
                // rounded relaxation is a plan; the limit is the status, not an error.
                Err(e) if limited || self.node_limit.is_some() => {
                    notes.push(format!(
                        "milp: the branch and bound found no integer plan within its limit ({e}); the plan is the rounded relaxation"
                    ));
                    (start, start_fractional, SolveStatus::Limit, limit)
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
            let termination = if interrupted {
                Termination::Interrupted
            } else if relaxation.optimal {
                Termination::Converged
            } else {
                Termination::TimeLimit
            };
            (state, fractional, status, termination)
        };
        lap("integer plan", &mut stages);
        let missed = slack_rows(&model, &relaxation.values);
        let relief = match budget_relief(p, &model, self.backend, left(&*observer), &missed) {
            Ok(relief) => relief,
            Err(e) if limited => {
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
                let relaxed = certified.filter(|_| relaxation.optimal);
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
