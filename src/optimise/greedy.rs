//! The greedy solver: what a careful spreadsheet user would do, in two passes.
//!
//! **Select.** Each unit starts with nothing. Units with E/F/G dwellings take their cheapest
//! option that lifts them to D or better. Then incremental steps along each unit's cost/effect
//! hull are taken, cheapest € per unit of effect first: for the path (€ per kWh/yr of path
//! reduction) until the largest yearly requirement is met, then for the label-A and gas-free
//! targets (€ per extra dwelling). A step moves a unit from its current option to the one with
//! the lowest extra cost per extra effect, never giving up another effect it already has.
//!
//! **Schedule.** Year by year, the selected units are carried out: E/F/G units by the phase-out
//! year (spread evenly), units on a straight ramp toward the label-A and gas-free targets, and
//! then, cheapest € per kWh first (units at their natural moment before others), as many as the
//! year's path value needs, within the year's budget and capacity. When later budgets cannot
//! carry what is left, the year's spare budget is used ahead of need.
//!
//! No optimality claim; the LP and decomposition solvers give bounds.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::Capabilities;
use super::{Observer, OptimiseError, Problem, Progress, Solution, SolveStatus, Solver};
use crate::scenario::Mode;

/// The greedy solver.
#[derive(Debug, Clone, Copy, Default)]
pub struct Greedy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Path,
    LabelA,
    GasFree,
    Ready,
}

const EFFECTS: [Effect; 4] = [Effect::Path, Effect::LabelA, Effect::GasFree, Effect::Ready];
const EPS: f64 = 1e-9;

/// A candidate step, ordered by ratio (€ per unit of effect), then unit, then option.
#[derive(Debug, Clone, Copy)]
struct Step {
    ratio: f64,
    unit: usize,
    option: usize,
    version: u32,
}

impl PartialEq for Step {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Step {}
impl PartialOrd for Step {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Step {
    fn cmp(&self, other: &Self) -> Ordering {
        self.ratio
            .total_cmp(&other.ratio)
            .then(self.unit.cmp(&other.unit))
            .then(self.option.cmp(&other.option))
    }
}

fn gain(p: &Problem, effect: Effect, o: Option<usize>) -> f64 {
    let Some(o) = o else { return 0.0 };
    let opts = p.options;
    match effect {
        Effect::Path => opts.path_reduction[o],
        Effect::LabelA => f64::from(opts.label_a_gain[o]),
        Effect::GasFree => f64::from(opts.gas_free_gain[o]),
        // Without a readiness target, readiness plays no part in the selection.
        Effect::Ready if p.ready.is_some() => f64::from(opts.low_temp_ready_gain[o]),
        Effect::Ready => 0.0,
    }
}

/// [`gain`] of unit `u`'s option as the selection and the schedule count it: nothing for a unit
/// that leaves the stock within the horizon (its effects do not last to the targets' years; it
/// is treated only to lift its E/F/G dwellings while it is there).
fn unit_gain(p: &Problem, u: usize, effect: Effect, o: Option<usize>) -> f64 {
    if p.options.until_of(u) < p.options.n_years {
        0.0
    } else {
        gain(p, effect, o)
    }
}

fn efg_after(p: &Problem, u: usize, o: Option<usize>) -> u32 {
    match o {
        Some(o) => p.options.efg_after[o],
        None => p.options.unit_efg_before[u],
    }
}

/// Cost used to rank options in the selection pass: standalone price in the first year (the
/// schedule then finds each unit's actual year and moment).
fn reference_cost(p: &Problem, o: Option<usize>) -> f64 {
    o.map_or(0.0, |o| {
        p.options.cost_standalone_eur[o] * p.options.escalation[0]
    })
}

/// The selection pass: a package per unit.
struct Selection<'p, 'a> {
    p: &'p Problem<'a>,
    chosen: Vec<Option<usize>>,
    version: Vec<u32>,
    totals: [f64; 4],
    steps: u64,
}

impl<'p, 'a> Selection<'p, 'a> {
    fn new(p: &'p Problem<'a>) -> Self {
        let units = p.options.n_units();
        Selection {
            p,
            chosen: vec![None; units],
            version: vec![0; units],
            totals: [0.0; 4],
            steps: 0,
        }
    }

    fn set(&mut self, u: usize, o: usize) {
        for (i, e) in EFFECTS.iter().enumerate() {
            self.totals[i] +=
                unit_gain(self.p, u, *e, Some(o)) - unit_gain(self.p, u, *e, self.chosen[u]);
        }
        self.chosen[u] = Some(o);
        self.version[u] += 1;
        self.steps += 1;
    }

    fn best_step(&self, u: usize, effect: Effect) -> Option<Step> {
        let p = self.p;
        let current = self.chosen[u];
        let base_cost = reference_cost(p, current);
        let base_gain = gain(p, effect, current);
        let base_efg = efg_after(p, u, current);
        if p.options.years_of(u).is_empty() || p.options.until_of(u) < p.options.n_years {
            // The portfolio excludes it, or it leaves the stock within the horizon: the
            // selection weighs effects that last to the horizon's end (the exact solvers and
            // the repairs weigh a leaving unit's few years).
            return None;
        }
        let mut best: Option<Step> = None;
        for o in p.options.of_unit(u) {
            let extra = gain(p, effect, Some(o)) - base_gain;
            if extra <= EPS
                || p.options.efg_after[o] > base_efg
                || EFFECTS
                    .iter()
                    .any(|&e| e != effect && gain(p, e, Some(o)) < gain(p, e, current) - EPS)
            {
                continue;
            }
            let step = Step {
                ratio: (reference_cost(p, Some(o)) - base_cost) / extra,
                unit: u,
                option: o,
                version: self.version[u],
            };
            if best.is_none_or(|b| step < b) {
                best = Some(step);
            }
        }
        best
    }

    /// Takes the cheapest hull steps for `effect` until its total reaches `required`.
    fn fill(&mut self, effect: Effect, required: f64) {
        let index = EFFECTS.iter().position(|e| *e == effect).unwrap_or(0);
        if self.totals[index] >= required - EPS {
            return;
        }
        let mut heap: BinaryHeap<Reverse<Step>> = (0..self.p.options.n_units())
            .filter_map(|u| self.best_step(u, effect).map(Reverse))
            .collect();
        while self.totals[index] < required - EPS {
            let Some(Reverse(step)) = heap.pop() else {
                break;
            };
            if step.version != self.version[step.unit] {
                continue;
            }
            self.set(step.unit, step.option);
            if let Some(next) = self.best_step(step.unit, effect) {
                heap.push(Reverse(next));
            }
        }
    }

    /// Units with E/F/G dwellings take the cheapest option that lifts them all (else the most).
    fn lift_efg(&mut self) {
        let opts = self.p.options;
        for u in 0..opts.n_units() {
            if self.p.efg_before(u) == 0.0 || opts.years_of(u).is_empty() {
                continue;
            }
            let best = opts
                .of_unit(u)
                .filter(|&o| opts.efg_after[o] < opts.unit_efg_before[u])
                .min_by(|&a, &b| {
                    opts.efg_after[a]
                        .cmp(&opts.efg_after[b])
                        .then(
                            reference_cost(self.p, Some(a))
                                .total_cmp(&reference_cost(self.p, Some(b))),
                        )
                        .then(a.cmp(&b))
                });
            if let Some(o) = best {
                self.set(u, o);
            }
        }
    }
}

/// The scheduling pass: a year per selected unit.
struct Schedule<'p, 'a> {
    p: &'p Problem<'a>,
    chosen: Vec<Option<usize>>,
    year: Vec<Option<usize>>,
    spend: Vec<f64>,
    dwellings: Vec<f64>,
    /// Cumulative effects of the scheduled units, by effect.
    done: [f64; 4],
}

impl<'p, 'a> Schedule<'p, 'a> {
    fn fits(&self, u: usize, o: usize, t: usize) -> bool {
        let opts = self.p.options;
        if !opts.allows(u, t) {
            return false;
        }
        if let Some(budget) = self.p.budget_eur[t] {
            if self.spend[t] + opts.cost_eur(u, o, t) > budget * (1.0 + EPS) + EPS {
                return false;
            }
        }
        if let Some(capacity) = self.p.capacity_dwellings[t] {
            if self.dwellings[t] + f64::from(opts.unit_dwellings[u]) > capacity + EPS {
                return false;
            }
        }
        true
    }

    fn schedule(&mut self, u: usize, t: usize) {
        let o = self.chosen[u].expect("only selected units are scheduled");
        let opts = self.p.options;
        self.year[u] = Some(t);
        self.spend[t] += opts.cost_eur(u, o, t);
        self.dwellings[t] += f64::from(opts.unit_dwellings[u]);
        for (i, e) in EFFECTS.iter().enumerate() {
            self.done[i] += unit_gain(self.p, u, *e, Some(o));
        }
    }

    fn waiting(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.chosen.len()).filter(|&u| self.chosen[u].is_some() && self.year[u].is_none())
    }

    /// Waiting units in year `t` by priority: at their natural moment first, then cheapest per
    /// unit of `effect`.
    fn by_priority(&self, t: usize, effect: Effect) -> Vec<usize> {
        let opts = self.p.options;
        let mut units: Vec<(bool, f64, usize)> = self
            .waiting()
            .filter(|&u| unit_gain(self.p, u, effect, self.chosen[u]) > EPS)
            .map(|u| {
                let o = self.chosen[u].unwrap_or(0);
                let natural = opts.natural_year_index[u] == Some(t as u16);
                let ratio = opts.discounted_cost_eur(u, o, t) / gain(self.p, effect, Some(o));
                (!natural, ratio, u)
            })
            .collect();
        units.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        units.into_iter().map(|(_, _, u)| u).collect()
    }

    /// Schedules waiting units contributing to `effect` in year `t` until its cumulative total
    /// reaches `need`.
    fn fill(&mut self, t: usize, effect: Effect, need: f64) {
        let index = EFFECTS.iter().position(|e| *e == effect).unwrap_or(0);
        for u in self.by_priority(t, effect) {
            if self.done[index] >= need - EPS {
                break;
            }
            let o = self.chosen[u].unwrap_or(0);
            if self.fits(u, o, t) {
                self.schedule(u, t);
            }
        }
    }

    /// Uses spare budget in year `t` when the later years' budgets cannot carry the units still
    /// needed for the largest path requirement.
    fn build_ahead(&mut self, t: usize, final_requirement: f64) {
        let opts = self.p.options;
        let n = self.p.n_years();
        if t + 1 >= n {
            return;
        }
        let later: Option<f64> = (t + 1..n).map(|y| self.p.budget_eur[y]).sum();
        let Some(later) = later else { return };
        let path = EFFECTS.iter().position(|e| *e == Effect::Path).unwrap_or(0);
        // The units the path still needs, best first, and what they would cost later.
        let mut needed = Vec::new();
        let mut reduction = self.done[path];
        for u in self.by_priority(t, Effect::Path) {
            if reduction >= final_requirement - EPS {
                break;
            }
            reduction += unit_gain(self.p, u, Effect::Path, self.chosen[u]);
            needed.push(u);
        }
        let mut needed_cost: f64 = needed
            .iter()
            .map(|&u| opts.cost_eur(u, self.chosen[u].unwrap_or(0), n - 1))
            .sum();
        for u in needed {
            if needed_cost <= later + EPS {
                break;
            }
            let o = self.chosen[u].unwrap_or(0);
            if self.fits(u, o, t) {
                needed_cost -= opts.cost_eur(u, o, n - 1);
                self.schedule(u, t);
            }
        }
    }
}

/// Max-reduction mode: year by year, the untreated unit option with the lowest € per kWh/yr that
/// still fits the year's budget and capacity, until nothing fits. Returns (option, year) per unit.
fn max_reduction(p: &Problem) -> (Vec<Option<(usize, usize)>>, u64) {
    let opts = p.options;
    let mut choice: Vec<Option<(usize, usize)>> = vec![None; opts.n_units()];
    let mut spend = vec![0.0; p.n_years()];
    let mut dwellings = vec![0.0; p.n_years()];
    let mut steps = 0;
    for t in 0..p.n_years() {
        let best = |u: usize, spend: f64, dwellings: f64| -> Option<Step> {
            // A unit leaving the stock keeps its reduction only for its years there.
            if !opts.allows(u, t) || opts.until_of(u) < opts.n_years {
                return None;
            }
            if let Some(capacity) = p.capacity_dwellings[t] {
                if dwellings + f64::from(opts.unit_dwellings[u]) > capacity + EPS {
                    return None;
                }
            }
            opts.of_unit(u)
                .filter(|&o| opts.path_reduction[o] > EPS)
                .filter(|&o| {
                    p.budget_eur[t]
                        .is_none_or(|b| spend + opts.cost_eur(u, o, t) <= b * (1.0 + EPS) + EPS)
                })
                .map(|o| Step {
                    ratio: opts.discounted_cost_eur(u, o, t) / opts.path_reduction[o],
                    unit: u,
                    option: o,
                    version: 0,
                })
                .min()
        };
        let mut heap: BinaryHeap<Reverse<Step>> = (0..opts.n_units())
            .filter(|&u| choice[u].is_none())
            .filter_map(|u| best(u, spend[t], dwellings[t]).map(Reverse))
            .collect();
        while let Some(Reverse(step)) = heap.pop() {
            if choice[step.unit].is_some() {
                continue;
            }
            // The budget only shrinks: a step that no longer fits makes way for the unit's next best.
            match best(step.unit, spend[t], dwellings[t]) {
                Some(now) if now == step => {
                    choice[step.unit] = Some((step.option, t));
                    spend[t] += opts.cost_eur(step.unit, step.option, t);
                    dwellings[t] += f64::from(opts.unit_dwellings[step.unit]);
                    steps += 1;
                }
                Some(now) => heap.push(Reverse(now)),
                None => {}
            }
        }
    }
    (choice, steps)
}

impl Solver for Greedy {
    fn name(&self) -> &'static str {
        "greedy"
    }

    fn capabilities(&self) -> Capabilities {
        // Instant: a limit would never strike.
        Capabilities {
            modes: &[Mode::MeetTargets, Mode::MaxReduction],
            lower_bound: false,
            time_limit: false,
        }
    }
    fn solve(
        &self,
        problem: &Problem,
        observer: &mut dyn Observer,
    ) -> Result<Solution, OptimiseError> {
        let n_years = problem.n_years();
        let opts = problem.options;
        observer.observe(&Progress {
            stage: "greedy: select",
            done: 0,
            total: n_years as u64,
        });

        if problem.mode == Mode::MaxReduction {
            let (choice, steps) = max_reduction(problem);
            let plan = opts.plan(&choice);
            return Ok(Solution {
                plan,
                status: SolveStatus::Heuristic,
                termination: super::Termination::Converged,
                lower_bound_eur: None,
                iterations: steps,
                notes: Vec::new(),
                details: Default::default(),
            });
        }
        let mut selection = Selection::new(problem);
        let final_requirement = problem
            .path_required
            .iter()
            .flatten()
            .copied()
            .fold(0.0, f64::max);
        if problem.efg_deadline.is_some() {
            selection.lift_efg();
        }
        selection.fill(Effect::Path, final_requirement);
        if let Some(t) = problem.label_a {
            selection.fill(Effect::LabelA, t.required_gain);
        }
        if let Some(t) = problem.gas_free {
            selection.fill(Effect::GasFree, t.required_gain);
        }
        if let Some(t) = problem.ready {
            selection.fill(Effect::Ready, t.required_gain);
        }

        let mut schedule = Schedule {
            p: problem,
            chosen: selection.chosen,
            year: vec![None; opts.n_units()],
            spend: vec![0.0; n_years],
            dwellings: vec![0.0; n_years],
            done: [0.0; 4],
        };
        for t in 0..n_years {
            observer.observe(&Progress {
                stage: "greedy: schedule",
                done: t as u64,
                total: n_years as u64,
            });
            // E/F/G units first: spread over the years up to the deadline, and any left after
            // it (a budget or capacity held them back) as soon as they fit: the rule holds in
            // every year from the deadline on.
            if let Some(deadline) = problem.efg_deadline {
                let mut efg_units: Vec<usize> = schedule
                    .waiting()
                    .filter(|&u| problem.efg_before(u) > 0.0)
                    .collect();
                efg_units.sort_by(|&a, &b| {
                    let cost = |u: usize| {
                        opts.discounted_cost_eur(u, schedule.chosen[u].unwrap_or(0), t)
                            / f64::from(opts.unit_dwellings[u])
                    };
                    cost(a).total_cmp(&cost(b)).then(a.cmp(&b))
                });
                let quota = if t <= deadline {
                    efg_units.len().div_ceil(deadline - t + 1)
                } else {
                    efg_units.len()
                };
                let mut done = 0;
                for u in efg_units {
                    if done == quota {
                        break;
                    }
                    let o = schedule.chosen[u].unwrap_or(0);
                    if schedule.fits(u, o, t) {
                        schedule.schedule(u, t);
                        done += 1;
                    }
                }
            }
            for (effect, target) in [
                (Effect::LabelA, problem.label_a),
                (Effect::GasFree, problem.gas_free),
                (Effect::Ready, problem.ready),
            ] {
                if let Some(target) = target.filter(|target| t <= target.year_index) {
                    let need = (target.required_gain * (t + 1) as f64
                        / (target.year_index + 1) as f64)
                        .ceil();
                    schedule.fill(t, effect, need);
                }
            }
            if let Some(required) = problem.path_required[t] {
                schedule.fill(t, Effect::Path, required);
            }
            schedule.build_ahead(t, final_requirement);
        }

        let scheduled: Vec<Option<(usize, usize)>> = (0..opts.n_units())
            .map(|u| schedule.chosen[u].zip(schedule.year[u]))
            .collect();
        let plan = opts.plan(&scheduled);
        let unscheduled = schedule.waiting().count();
        let path = EFFECTS.iter().position(|e| *e == Effect::Path).unwrap_or(0);
        let requirements_met =
            problem.mode == Mode::MaxReduction || schedule.done[path] >= final_requirement - EPS;
        let mut notes = Vec::new();
        if unscheduled > 0 && requirements_met {
            notes.push(format!("greedy: {unscheduled} units selected in the first pass were not needed and are left out"));
        } else if unscheduled > 0 {
            notes.push(format!(
                "greedy: {unscheduled} selected units did not fit in the budgets and capacity"
            ));
        }
        observer.observe(&Progress {
            stage: "greedy: schedule",
            done: n_years as u64,
            total: n_years as u64,
        });
        Ok(Solution {
            plan,
            status: SolveStatus::Heuristic,
            termination: super::Termination::Converged,
            lower_bound_eur: None,
            iterations: selection.steps,
            notes,
            details: Default::default(),
        })
    }
}
