//! Task: one corporation's share of the task, solved on its own. Its scenario is the whole
//! scenario's path and targets without the whole-stock budgets; the solve reads the plan back into
//! costs, heat-demand reduction, dwellings treated, the targets it misses and its works in merit
//! order, from which [`Task::fundable`] says what a given amount of money can do.

use crate::evaluate::TargetKind;
use crate::optimise::decomposition::Decomposition;
use crate::optimise::{OptimiseError, Problem, Silent, Solver};
use crate::options::{path_metric, path_weight, Totals};
use crate::pipeline::Prepared;
use crate::scenario::Scenario;

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
    /// The solver's lower bound on the discounted cost (penalties included).
    pub lower_bound_eur: Option<f64>,
    /// Targets the plan misses (no package can reach them).
    pub targets_missed: Vec<TargetKind>,
    /// Global (unit, option, year index) choices.
    pub choices: Vec<(usize, usize, usize)>,
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

/// Solves the task of the corporation whose units are `units` (global indices) under
/// `scenario` (from [`task_scenario`]), on the options built once for the whole stock.
pub(super) fn solve_task(
    prepared: &Prepared,
    scenario: &Scenario,
    units: &[usize],
    solver: &Decomposition,
) -> Result<Task, OptimiseError> {
    let (mut sub, map) = prepared.options.subset(units);
    let metric = scenario.path.metric;
    let averaging = scenario.path.averaging;
    let mut totals = Totals::default();
    for &u in units {
        for &i in prepared.units.members(u) {
            let d = &prepared.stock.dwellings[i as usize];
            let p = &prepared.baseline.before[i as usize];
            let w = path_weight(averaging, d);
            totals.dwellings += 1.0;
            totals.floor_area_m2 += d.floor_area_m2;
            totals.path_weight += w;
            totals.path_sum += w * path_metric(metric, p);
            totals.label_a += f64::from(u8::from(p.label.is_a_or_better()));
            totals.gas_free += f64::from(u8::from(p.gas_free));
            totals.efg += f64::from(u8::from(p.label.is_efg()));
            totals.low_temp_ready += f64::from(u8::from(p.low_temp_ready));
        }
    }
    sub.totals = totals;
    let problem = Problem::new(&sub, scenario);
    let solution = solver.solve(&problem, &mut Silent)?;
    let mut task = Task {
        cost_eur: 0.0,
        discounted_eur: 0.0,
        reduction_kwh: 0.0,
        dwellings_treated: 0,
        works: Vec::new(),
        lower_bound_eur: solution.lower_bound_eur,
        targets_missed: Vec::new(),
        choices: Vec::new(),
    };
    let n_years = sub.n_years;
    let mut path_done = vec![0.0; n_years];
    let (mut label_a_gain, mut gas_free_gain) = (vec![0.0; n_years], vec![0.0; n_years]);
    let mut efg_left_at_deadline = 0u64;
    for (i, choice) in solution.plan.choices.iter().enumerate() {
        let chosen = choice.and_then(|c| {
            let t = (c.year - sub.first_year) as usize;
            sub.of_unit(i)
                .find(|&k| sub.package[k] == c.package)
                .map(|k| (k, t))
        });
        let efg_before = u64::from(sub.unit_efg_before[i]);
        let Some((k, t)) = chosen else {
            efg_left_at_deadline += efg_before;
            continue;
        };
        if problem.efg_deadline.is_some_and(|d| t <= d) {
            efg_left_at_deadline += u64::from(sub.efg_after[k]);
        } else {
            efg_left_at_deadline += efg_before;
        }
        let cost = sub.cost_eur(i, k, t);
        task.cost_eur += cost;
        task.discounted_eur += cost * sub.discount[t];
        task.reduction_kwh += sub.heat_demand_reduction_kwh[k];
        task.dwellings_treated += u64::from(sub.unit_dwellings[i]);
        for y in t..n_years {
            path_done[y] += sub.path_reduction[k];
            label_a_gain[y] += f64::from(sub.label_a_gain[k]);
            gas_free_gain[y] += f64::from(sub.gas_free_gain[k]);
        }
        task.works.push(Work {
            cost_eur: cost,
            reduction_kwh: sub.heat_demand_reduction_kwh[k],
            dwellings: sub.unit_dwellings[i],
        });
        task.choices.push((units[i], map[k], t));
    }
    let tolerance = |required: f64| 1e-6 * required.abs().max(1.0);
    if (0..n_years)
        .any(|t| problem.path_required[t].is_some_and(|r| path_done[t] < r - tolerance(r)))
    {
        // The path's own kind: an EP2 path's miss was once reported as a heat-demand path's.
        task.targets_missed
            .push(TargetKind::path(scenario.path.metric));
    }
    if let Some(target) = problem.label_a {
        if label_a_gain[target.year_index] < target.required_gain - 1e-9 {
            task.targets_missed.push(TargetKind::LabelAShare);
        }
    }
    if let Some(target) = problem.gas_free {
        if gas_free_gain[target.year_index] < target.required_gain - 1e-9 {
            task.targets_missed
                .push(TargetKind::gas_free(scenario.targets.gas_free_basis));
        }
    }
    if problem.efg_deadline.is_some() && efg_left_at_deadline > 0 {
        task.targets_missed.push(TargetKind::EfgPhaseOut);
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
    Ok(task)
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
