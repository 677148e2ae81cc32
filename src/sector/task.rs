//! Task: one corporation's share of the task, solved on its own. Its scenario is the whole
//! scenario's path and targets without the whole-stock budgets. The corporation's part of the
//! prepared stock is solved by the sector's solvers ([`sector_solvers`]: the decomposition),
//! through [`pipeline::solve_portfolio`] as `plan` solves a stock, and judged by the one evaluator: its costs,
//! heat-demand reduction, dwellings treated, the targets it misses and its works in merit order
//! are the evaluation's, from which [`Task::fundable`] says what a given amount of money can do.

use crate::evaluate::{Evaluation, TargetKind};
use crate::optimise::executor::sector_solvers;
use crate::optimise::{Silent, Solver};
use crate::pipeline::{self, Prepared};
use crate::plan::Choice;
use crate::scenario::Scenario;

use super::SectorOptions;

/// A complex of a corporation's task plan, for merit-order funding.
#[derive(Debug, Clone, Copy)]
pub(super) struct Work {
    /// Nominal cost of the complex's works.
    pub cost_eur: f64,
    /// Its heat-demand reduction (kWh/yr).
    pub reduction_kwh: f64,
    /// Its dwellings.
    pub dwellings: u32,
}

/// A corporation's task, solved.
#[derive(Debug, Clone)]
pub(super) struct Task {
    /// Nominal investment over the horizon (the task cost).
    pub cost_eur: f64,
    /// Discounted investment.
    pub discounted_eur: f64,
    /// Heat-demand reduction (kWh/yr).
    pub reduction_kwh: f64,
    /// Dwellings treated.
    pub dwellings_treated: u64,
    /// Works in merit order.
    pub works: Vec<Work>,
    /// The best lower bound of the solvers run on the discounted cost (penalties included).
    pub lower_bound_eur: Option<f64>,
    /// The kinds of the hard targets the evaluator finds missed, each once, in its order.
    pub targets_missed: Vec<TargetKind>,
    /// The plan's choices, by unit of the whole stock.
    pub choices: Vec<(usize, Choice)>,
}

impl Task {
    /// Heat-demand reduction and dwellings the works fundable with `budget` achieve.
    pub(super) fn fundable(&self, budget: f64) -> (f64, u64) {
        if budget >= self.cost_eur - 1e-6 * self.cost_eur.abs().max(1.0) {
            return (self.reduction_kwh, self.dwellings_treated);
        }
        let mut left = budget;
        let (mut reduction, mut dwellings) = (0.0, 0u64);
        for w in &self.works {
            if w.cost_eur <= left {
                left -= w.cost_eur;
                reduction += w.reduction_kwh;
                dwellings += u64::from(w.dwellings);
            }
        }
        (reduction, dwellings)
    }
}

/// The scenario of a corporation's own task: the same path and targets, no whole-stock budgets.
pub(super) fn task_scenario(scenario: &Scenario, stock_dwellings: f64) -> Scenario {
    let mut s = scenario.clone();
    s.budget_eur = vec![None; s.n_years()];
    s.capacity_dwellings = vec![None; s.n_years()];
    if let (None, Some(count)) = (s.targets.gas_free_share, s.targets.gas_free_count) {
        s.targets.gas_free_share = Some((count as f64 / stock_dwellings.max(1.0)).min(1.0));
        s.targets.gas_free_count = None;
    }
    s
}

/// Solves the task of the corporation whose units are `units` (indices into `prepared.units`)
/// under `scenario` (from [`task_scenario`]), on the options built once for the whole stock,
/// and reads the task from the evaluation of the best plan.
pub(super) fn solve_task(
    prepared: &Prepared,
    scenario: &Scenario,
    units: &[usize],
    options: &SectorOptions,
) -> Result<Task, pipeline::Error> {
    let mut part = prepared.part(units);
    part.scenario = scenario.clone();
    let solvers = sector_solvers(part.scenario.mode);
    let solvers: Vec<&dyn Solver> = solvers.iter().map(Box::as_ref).collect();
    let run = pipeline::solve_portfolio(part, &solvers, &[], options.time_limit, &mut Silent)?;
    let mut task = task_of(&run.evaluation, units);
    task.lower_bound_eur = run.solution.lower_bound_eur;
    Ok(task)
}

/// The task the evaluation of a corporation's plan describes (`units`: the whole stock's index
/// of each unit of the evaluation).
fn task_of(evaluation: &Evaluation, units: &[usize]) -> Task {
    let mut task = Task {
        cost_eur: evaluation.total_investment_eur,
        discounted_eur: evaluation.objective_eur,
        reduction_kwh: 0.0,
        dwellings_treated: 0,
        works: Vec::new(),
        lower_bound_eur: None,
        targets_missed: Vec::new(),
        choices: Vec::new(),
    };
    for (outcome, &unit) in evaluation.units.iter().zip(units) {
        let Some(choice) = outcome.choice else {
            continue;
        };
        task.reduction_kwh += outcome.heat_demand_reduction_kwh;
        task.dwellings_treated += u64::from(outcome.dwellings);
        task.works.push(Work {
            cost_eur: outcome.cost_eur,
            reduction_kwh: outcome.heat_demand_reduction_kwh,
            dwellings: outcome.dwellings,
        });
        task.choices.push((unit, choice));
    }
    // The evaluator's verdict: every hard target it finds missed (the E/F/G rule in any year
    // from the phase-out on, readiness, the path in any year), each kind once.
    for t in evaluation.targets.iter().filter(|t| t.hard && !t.met) {
        if !task.targets_missed.contains(&t.kind) {
            task.targets_missed.push(t.kind);
        }
    }
    // Merit order: lowest cost per kWh/yr first; works without reduction last, cheapest first.
    task.works.sort_by(|a, b| {
        let key = |w: &Work| {
            if w.reduction_kwh > 0.0 {
                (0, w.cost_eur / w.reduction_kwh)
            } else {
                (1, w.cost_eur)
            }
        };
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    task
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fundable_works_follow_merit_order() {
        let task = Task {
            cost_eur: 30.0,
            discounted_eur: 30.0,
            reduction_kwh: 60.0,
            dwellings_treated: 3,
            works: vec![
                Work {
                    cost_eur: 10.0,
                    reduction_kwh: 40.0,
                    dwellings: 1,
                },
                Work {
                    cost_eur: 15.0,
                    reduction_kwh: 15.0,
                    dwellings: 1,
                },
                Work {
                    cost_eur: 5.0,
                    reduction_kwh: 5.0,
                    dwellings: 1,
                },
            ],
            lower_bound_eur: None,
            targets_missed: Vec::new(),
            choices: Vec::new(),
        };
        assert_eq!(task.fundable(30.0), (60.0, 3));
        assert_eq!(task.fundable(20.0), (45.0, 2));
        assert_eq!(task.fundable(0.0), (0.0, 0));
    }
}
