//! What `--solver auto` and `sector` run: the choice of solvers by instance size and mode. The
//! user's time limit is the run's, not a solver's: the pipeline gives every solver the same
//! deadline. The run itself (solving, evaluating, keeping the best plan) is
//! [`crate::pipeline::solve_portfolio`]: solvers only propose plans, the evaluator judges them.

use std::time::Duration;

use super::decomposition::Decomposition;
use super::greedy::Greedy;
use super::lp::Lp;
use super::Solver;
use crate::scenario::Mode;

/// Above this many decision units `auto` runs the decomposition alone: the exact LP's time grows
/// much faster than the decomposition's, for no better plan.
pub const AUTO_DECOMPOSITION_UNITS: usize = 1_000;

/// Up to this many decision units `auto` also runs the exact MILP (branch and bound), within
/// [`AUTO_MILP_NODES`]: on a few hundred units it often proves the optimum, and when it does
/// not, its incumbent still competes with the other plans.
pub const AUTO_MILP_UNITS: usize = 300;

/// Branch-and-bound nodes the MILP gets within `auto` (and the user's time limit, if shorter)
/// on up to [`AUTO_MILP_SMALL_UNITS`] units; [`AUTO_MILP_NODES_LARGER`] above and
/// [`AUTO_MILP_NODES_TINY`] on a handful of units. A node budget, not a clock: the plan is the
/// same on any machine under any load. The search starts from the rounded relaxation (a warm
/// start), so it prunes from its first node: on the sample (93 units, 8,534 columns) 3,000
/// nodes find €28,985,401 (0.05 % above HiGHS's proven optimum, gap 0.10 % to the search's own
/// bound) in 1.3 s on a loaded machine, where 10,000 took over 3 s and found no better plan and
/// 1,000 or 2,000 did not beat the decomposition (1.4 % gap).
pub const AUTO_MILP_NODES: u64 = 3_000;

/// Units up to which `auto`'s MILP gets [`AUTO_MILP_NODES_TINY`].
pub const AUTO_MILP_TINY_UNITS: usize = 20;

/// Branch-and-bound nodes of `auto`'s MILP on up to [`AUTO_MILP_TINY_UNITS`] units, whose nodes
/// are cheap: the ERP example (6 units, 482 columns) is proven optimal within 30,000 nodes in
/// 0.14 s, and stops at a 3.8 % gap after 10,000.
pub const AUTO_MILP_NODES_TINY: u64 = 50_000;

/// A wall-clock cap on `auto`'s MILP besides its nodes: a problem whose nodes are slow (the
/// sample under a budget of €1.5 M a year took 20 s for 10,000 nodes) stays interactive. On an
/// ordinary plan the nodes run out first, so the plan does not depend on the machine's load.
pub const AUTO_MILP_SECONDS: f64 = 3.0;

/// Units up to which `auto`'s MILP gets [`AUTO_MILP_NODES`].
pub const AUTO_MILP_SMALL_UNITS: usize = 100;

/// Branch-and-bound nodes of `auto`'s MILP above [`AUTO_MILP_SMALL_UNITS`] units.
pub const AUTO_MILP_NODES_LARGER: u64 = 2_000;

/// The solvers `auto` runs on a problem of `units` decision units in `mode`, with `lp` the LP
/// settings (backend). The pipeline keeps the cheapest of their plans.
///
/// - `max_reduction`: the greedy solver (the exact solvers plan to meet targets);
/// - up to [`AUTO_DECOMPOSITION_UNITS`]: the LP with rounding, the decomposition and the greedy
///   solver (each well under a second there), and up to [`AUTO_MILP_UNITS`] the MILP too;
/// - above: the decomposition.
pub fn auto_solvers(units: usize, mode: Mode, lp: Lp) -> Vec<Box<dyn Solver>> {
    let decomposition = Decomposition::default();
    if mode == Mode::MaxReduction {
        return vec![Box::new(Greedy)];
    }
    if units > AUTO_DECOMPOSITION_UNITS {
        return vec![Box::new(decomposition)];
    }
    let relaxation = Lp { milp: false, ..lp };
    let mut solvers: Vec<Box<dyn Solver>> = vec![
        Box::new(relaxation),
        Box::new(decomposition),
        Box::new(Greedy),
    ];
    if units <= AUTO_MILP_UNITS {
        solvers.push(Box::new(Lp {
            milp: true,
            // Its own cap; the user's limit is the run's deadline, which stops it sooner.
            time_limit: Some(Duration::from_secs_f64(AUTO_MILP_SECONDS)),
            node_limit: Some(if units <= AUTO_MILP_TINY_UNITS {
                AUTO_MILP_NODES_TINY
            } else if units <= AUTO_MILP_SMALL_UNITS {
                AUTO_MILP_NODES
            } else {
                AUTO_MILP_NODES_LARGER
            }),
            ..lp
        }));
    }
    solvers
}

/// The solvers `sector` runs on each corporation's task: the decomposition (greedy for
/// `max_reduction`), whatever the corporation's size. `plan`'s `auto` adds the LP and a
/// branch and bound on small stocks to prove their optimum; over 279 corporations that took the
/// sector from 3.9 s to 53 s on 200,000 dwellings, and its clock cap made two runs differ. The
/// decomposition's bound still certifies each task's gap, and its plans are the same on any
/// machine.
pub fn sector_solvers(mode: Mode) -> Vec<Box<dyn Solver>> {
    if mode == Mode::MaxReduction {
        return vec![Box::new(Greedy)];
    }
    vec![Box::new(Decomposition::default())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(solvers: &[Box<dyn Solver>]) -> Vec<&'static str> {
        solvers.iter().map(|s| s.name()).collect()
    }

    #[test]
    fn auto_runs_every_cheap_solver_on_small_stocks_and_the_decomposition_on_large_ones() {
        let lp = Lp::default();
        assert_eq!(
            names(&auto_solvers(8, Mode::MeetTargets, lp)),
            ["lp", "decomposition", "greedy", "milp"]
        );
        assert_eq!(
            names(&auto_solvers(500, Mode::MeetTargets, lp)),
            ["lp", "decomposition", "greedy"]
        );
        assert_eq!(
            names(&auto_solvers(5_000, Mode::MeetTargets, lp)),
            ["decomposition"]
        );
        assert_eq!(names(&auto_solvers(8, Mode::MaxReduction, lp)), ["greedy"]);
    }
}
