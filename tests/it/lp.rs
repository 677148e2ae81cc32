//! The exact model: hand-made instances with optima worked out on paper, random small instances
//! cross-checked against MILP and greedy, the MPS export re-solved independently, and missed
//! targets stated instead of failing.

use crate::common;

use std::time::Duration;

use good_lp::{variable, Expression, ProblemVariables, Solution as _, SolverModel};
use heatpath::optimise::backend::{solve_model, Backend};
use heatpath::optimise::greedy::Greedy;
use heatpath::optimise::lp::Lp;
use heatpath::optimise::model::LpModel;
use heatpath::optimise::mps::{parse_mps, write_mps};
use heatpath::optimise::plan_state::PlanState;
use heatpath::optimise::{Problem, Silent, Solver};
use heatpath::options::{OptionSet, Totals};
use heatpath::pipeline::solve;
use heatpath::scenario::Mode;
use heatpath::TargetKind;
use proptest::prelude::*;

/// An option set by hand: `options` are (unit, cost in euros, path reduction in kWh/yr), one
/// dwelling per unit, no discounting or escalation over `n_years` years.
fn tiny(n_units: usize, options: &[(usize, f64, f64)], n_years: usize) -> OptionSet {
    let mut set = OptionSet {
        first_year: 2027,
        n_years,
        escalation: vec![1.0; n_years],
        discount: vec![1.0; n_years],
        boiler_end_of_life_count: vec![0; n_units * n_years],
        natural_year_index: vec![None; n_units],
        unit_dwellings: vec![1; n_units],
        unit_efg_before: vec![0; n_units],
        totals: Totals {
            dwellings: n_units as f64,
            path_weight: 1.0,
            ..Totals::default()
        },
        ..OptionSet::default()
    };
    set.unit_start.push(0);
    for u in 0..n_units {
        for (k, &(unit, cost, reduction)) in options.iter().enumerate() {
            if unit == u {
                set.package.push(k as u16);
                set.cost_standalone_eur.push(cost);
                set.path_reduction.push(reduction);
                set.heat_demand_reduction_kwh.push(reduction);
                set.natural_saving_eur.push(0.0);
                set.credits_boilers.push(false);
                set.label_a_gain.push(0);
                set.gas_free_gain.push(0);
                set.efg_after.push(0);
                set.low_temp_ready_gain.push(0);
                set.bill_saving_eur.push(0.0);
                set.co2_saving_kg.push(0.0);
            }
        }
        set.unit_start.push(set.package.len() as u32);
    }
    set
}

fn problem<'a>(
    options: &'a OptionSet,
    path_required: Vec<Option<f64>>,
    budget: Vec<Option<f64>>,
) -> Problem<'a> {
    let n = options.n_years;
    Problem {
        options,
        mode: Mode::MeetTargets,
        path_target: vec![None; n],
        path_required,
        budget_eur: budget,
        capacity_dwellings: vec![None; n],
        label_a: None,
        gas_free: None,
        ready: None,
        efg_deadline: None,
        penalties: heatpath::optimise::model::Penalties::for_options(options),
    }
}

fn chosen(p: &Problem, solution: &heatpath::optimise::Solution) -> Vec<Option<(u16, u16)>> {
    let _ = p;
    solution
        .plan
        .choices
        .iter()
        .map(|c| c.map(|c| (c.package, c.year)))
        .collect()
}

#[test]
fn lp_finds_the_paper_optimum_when_it_is_integral() {
    // Unit 0: 10 kWh for €100 or 20 kWh for €250; unit 1: 15 kWh for €120. Need 25 kWh:
    // unit 0's cheap option plus unit 1, €220.
    let options = tiny(
        2,
        &[(0, 100.0, 10.0), (0, 250.0, 20.0), (1, 120.0, 15.0)],
        1,
    );
    let p = problem(&options, vec![Some(25.0)], vec![None]);
    let solution = Lp::default().solve(&p, &mut Silent).unwrap();
    assert!((solution.lower_bound_eur.unwrap() - 220.0).abs() < 1e-6);
    assert_eq!(
        chosen(&p, &solution),
        vec![Some((0, 2027)), Some((2, 2027))]
    );
    assert_eq!(solution.details.fractional_units, Some(0));
}

#[test]
fn lp_bound_milp_and_rounding_on_a_fractional_instance() {
    // Need 30 kWh. LP: unit 1 fully (15 kWh, €120) and unit 0 half cheap, half dear
    // (10·½ + 20·½ = 15 kWh for €50 + €125): €295. Integer: unit 0 dear + unit 1: €370.
    let options = tiny(
        2,
        &[(0, 100.0, 10.0), (0, 250.0, 20.0), (1, 120.0, 15.0)],
        1,
    );
    let p = problem(&options, vec![Some(30.0)], vec![None]);
    let lp = Lp::default().solve(&p, &mut Silent).unwrap();
    assert!((lp.lower_bound_eur.unwrap() - 295.0).abs() < 1e-6);
    assert_eq!(lp.details.fractional_units, Some(1));
    assert_eq!(
        chosen(&p, &lp),
        vec![Some((1, 2027)), Some((2, 2027))],
        "repair takes the dear option rather than pay the penalty"
    );
    let milp = Lp {
        milp: true,
        ..Lp::default()
    }
    .solve(&p, &mut Silent)
    .unwrap();
    assert_eq!(chosen(&p, &milp), vec![Some((1, 2027)), Some((2, 2027))]);
    let mut state = PlanState::empty(&p, LpModel::build(&p).penalties);
    state.set(0, Some((1, 0)));
    state.set(1, Some((2, 0)));
    assert!((state.objective() - 370.0).abs() < 1e-9);
}

#[test]
fn later_is_cheaper_when_discounting_and_the_path_allows() {
    // One unit, two years, 4 % discounting: the path asks nothing in year 1 and 10 kWh in year 2.
    let mut options = tiny(1, &[(0, 100.0, 10.0)], 2);
    options.discount = vec![1.0, 1.0 / 1.04];
    let p = problem(&options, vec![None, Some(10.0)], vec![None, None]);
    let solution = Lp::default().solve(&p, &mut Silent).unwrap();
    assert_eq!(chosen(&p, &solution), vec![Some((0, 2028))]);
    assert!((solution.lower_bound_eur.unwrap() - 100.0 / 1.04).abs() < 1e-6);
}

#[test]
fn a_budget_that_cannot_pay_is_a_stated_miss_with_the_budget_that_would_meet_it() {
    let options = tiny(2, &[(0, 100.0, 10.0), (1, 120.0, 15.0)], 1);
    let p = problem(&options, vec![Some(25.0)], vec![Some(150.0)]);
    let solution = Lp::default().solve(&p, &mut Silent).unwrap();
    let relief = solution
        .details
        .budget_relief
        .expect("a miss with budgets gets an explanation");
    assert_eq!(relief.met_with_more_budget, vec!["path_2027".to_string()]);
    assert!(
        (relief.total_extra_budget_eur - 70.0).abs() < 1e-6,
        "{relief:?}"
    );
    // The plan stays within the budget.
    let spend: f64 = solution
        .plan
        .choices
        .iter()
        .enumerate()
        .filter_map(|(u, c)| {
            c.map(|c| if u == 0 { 100.0 } else { 120.0 } * f64::from(c.year == 2027))
        })
        .sum();
    assert!(spend <= 150.0);
}

#[test]
fn shadow_prices_measure_the_cost_of_a_tighter_path() {
    // 1 kWh more needed costs €10 (unit 0 cheap option is €10/kWh and half-used).
    let options = tiny(1, &[(0, 100.0, 10.0)], 1);
    let p = problem(&options, vec![Some(5.0)], vec![None]);
    let solution = Lp::default().solve(&p, &mut Silent).unwrap();
    let prices = solution.details.shadow_prices.unwrap();
    assert!(
        (prices.path_eur_per_kwh_m2[0].value - 10.0).abs() < 1e-4,
        "{prices:?}"
    );
}

fn solve_parsed_mps(text: &str) -> f64 {
    let parsed = parse_mps(text).unwrap();
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::default();
    let columns: Vec<_> = parsed
        .upper
        .iter()
        .zip(&parsed.cost)
        .map(|(&upper, &cost)| {
            let v = vars.add(if upper.is_finite() {
                variable().min(0).max(upper)
            } else {
                variable().min(0)
            });
            objective.add_mul(cost, v);
            v
        })
        .collect();
    let mut model = vars.minimise(objective.clone()).using(good_lp::microlp);
    for (_, sense, rhs, entries) in &parsed.rows {
        let mut e = Expression::default();
        for &(c, a) in entries {
            e.add_mul(a, columns[c]);
        }
        model.add_constraint(if *sense == 'L' {
            e.leq(*rhs)
        } else {
            e.geq(*rhs)
        });
    }
    let solution = model.solve().unwrap();
    solution.eval(&objective)
}

#[test]
fn the_exported_mps_solves_to_the_same_optimum() {
    let prepared = common::prepared(
        400,
        1,
        21,
        common::scenario("first_year = 2027\nlast_year = 2030\n[budget]\nevery_year = 2e6\n"),
    );
    let p = Problem::new(&prepared.options, &prepared.scenario);
    let model = LpModel::build(&p);
    let bound = solve_model(&model, Backend::Microlp, false, None)
        .unwrap()
        .objective;
    let mut text = Vec::new();
    write_mps(&mut text, &model, "test", false).unwrap();
    let text = String::from_utf8(text).unwrap();
    let resolved = solve_parsed_mps(&text);
    assert!(
        (resolved - bound).abs() <= 1e-6 * bound.abs().max(1.0),
        "MPS {resolved} vs model {bound}"
    );
    #[cfg(feature = "highs")]
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.mps");
        std::fs::write(&path, &text).unwrap();
        let by_highs = common::highs_solve_mps_file(&path);
        assert!(
            (by_highs - bound).abs() <= 1e-6 * bound.abs().max(1.0),
            "HiGHS {by_highs} vs model {bound}"
        );
    }
}

#[test]
fn an_over_tight_path_and_a_zero_budget_are_misses_not_errors() {
    let prepared = common::prepared(
        300,
        1,
        4,
        common::scenario("[path]\nreduction_per_year = 0.2\n"),
    );
    let run = solve(prepared, &Lp::default(), &[], &mut Silent).unwrap();
    common::check_invariants(&run);
    assert!(run
        .evaluation
        .targets
        .iter()
        .any(|t| t.kind == TargetKind::HeatDemandPath && !t.met));
    assert!(run.penalty_eur.unwrap() > 0.0);

    let prepared = common::prepared(300, 1, 4, common::scenario("[budget]\nevery_year = 0\n"));
    let run = solve(prepared, &Lp::default(), &[], &mut Silent).unwrap();
    assert_eq!(run.solution.plan.n_assigned(), 0);
    assert!(!run.evaluation.all_targets_met());
    let relief = run.solution.details.budget_relief.as_ref().unwrap();
    assert!(relief.total_extra_budget_eur > 0.0);
}

proptest! {
    // A fixed seed: CI checks the same cases on every run (random seeds found the known bug
    // below only sometimes, which made CI a lottery). Change the seed to explore new cases.
    #![proptest_config(ProptestConfig { cases: 12, rng_seed: proptest::test_runner::RngSeed::Fixed(2026), .. ProptestConfig::default() })]

    #[test]
    fn lp_bound_is_at_most_milp_which_is_at_most_greedy(
        seed in 0u64..500,
        dwellings in 60usize..260,
        budget in proptest::option::of(1e5f64..3e6),
    ) {
        let mut extra = String::from("first_year = 2027\nlast_year = 2030\n[targets]\nefg_phase_out_year = 2028\nlabel_a_year = 2030\ngas_free_year = 2030\n");
        if let Some(b) = budget {
            extra.push_str(&format!("[budget]\nevery_year = {b}\n"));
        }
        let prepared = common::prepared(dwellings, 1, seed, common::scenario(&extra));
        let milp = Lp { milp: true, time_limit: Some(Duration::from_secs(20)), ..Lp::default() };
        let lp = Lp::default();
        let run = solve(prepared, &milp, &[&lp, &Greedy], &mut Silent).unwrap();
        common::check_invariants(&run);
        let [m, l, g] = [&run.comparison[0], &run.comparison[1], &run.comparison[2]];
        let value = |r: &heatpath::pipeline::ComparisonRow| r.objective_eur + r.penalty_eur.unwrap();
        let bound = l.lower_bound_eur.unwrap();
        let tolerance = 1e-6 * bound.abs().max(1.0);
        prop_assert!(bound <= value(m) + tolerance, "LP bound {} > MILP {}", bound, value(m));
        prop_assert!(bound <= value(l) + tolerance, "LP bound {} > rounded LP {}", bound, value(l));
        if run.solution.status == heatpath::optimise::SolveStatus::Optimal {
            prop_assert!(value(m) <= value(g) + tolerance, "MILP {} > greedy {}", value(m), value(g));
            prop_assert!(value(m) <= value(l) + tolerance, "MILP {} > rounded LP {}", value(m), value(l));
        }
    }

    #[test]
    fn without_budgets_the_rounded_lp_plan_meets_every_target_the_lp_meets(seed in 0u64..500, dwellings in 100usize..500) {
        let prepared = common::prepared(dwellings, 1, seed, common::scenario(""));
        let run = solve(prepared, &Lp::default(), &[], &mut Silent).unwrap();
        common::check_invariants(&run);
        // A target the relaxation meets without slack, the integer plan meets too.
        let slacked = &run.solution.details.missed_in_relaxation;
        for t in run.evaluation.targets.iter().filter(|t| !t.met && t.hard) {
            let row = match t.kind {
                TargetKind::HeatDemandPath | TargetKind::Ep2Path => format!("path_{}", t.year),
                TargetKind::LabelAShare => format!("label_a_{}", t.year),
                TargetKind::GasFreeDwellings | TargetKind::GasFreeConversions => format!("gas_free_{}", t.year),
                TargetKind::ReadyForSustainableHeat => format!("ready_{}", t.year),
                TargetKind::EfgPhaseOut => "efg_".to_string(),
                TargetKind::Budget | TargetKind::Capacity => t.kind.key().to_string(),
            };
            prop_assert!(slacked.iter().any(|s| s.starts_with(&row)), "{} {} missed though the LP meets it ({:?})", t.kind.key(), t.year, slacked);
        }
    }
}

/// The sample's scenario (targets, path, finance) over a generated stock.
fn sample_targets() -> heatpath::scenario::Scenario {
    let text = std::fs::read_to_string(common::manifest("datasets/sample/scenario.toml")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("stock ="))
        .map(|l| format!("{l}\n"))
        .collect();
    common::scenario(&text)
}

#[test]
fn on_a_small_corporation_the_default_plan_is_the_proven_optimum() {
    use heatpath::optimise::executor::auto_solvers;
    use heatpath::optimise::{SolveStatus, Termination};
    // `generate --dwellings 300 --seed 2`: 8 complexes, where the rounded LP alone was 44 %
    // above the integer optimum.
    let prepared = common::prepared(300, 1, 2, sample_targets());
    let units = prepared.units.len();
    assert_eq!(units, 8);
    let solvers = auto_solvers(units, Mode::MeetTargets, Lp::default());
    let solvers: Vec<&dyn Solver> = solvers.iter().map(Box::as_ref).collect();
    let auto =
        heatpath::pipeline::solve_portfolio(prepared, &solvers, &[], None, &mut Silent).unwrap();
    common::check_invariants(&auto);
    let milp = Lp {
        milp: true,
        ..Lp::default()
    };
    let exact = solve(
        common::prepared(300, 1, 2, sample_targets()),
        &milp,
        &[],
        &mut Silent,
    )
    .unwrap();
    assert_eq!(exact.solution.termination, Termination::Optimal);
    let value =
        |r: &heatpath::pipeline::PlanRun| r.evaluation.objective_eur + r.penalty_eur.unwrap_or(0.0);
    assert!(
        value(&auto) <= value(&exact) * (1.0 + 1e-6),
        "auto {} > proven optimum {}",
        value(&auto),
        value(&exact)
    );
    assert_eq!(auto.solution.status, SolveStatus::Optimal);
    assert_eq!(auto.gap(), Some(0.0));
}

/// `generate --dwellings 449 --seed 868` with a gas-free target: the penalised model's optimum
/// missed a path year by a hair (less penalty than one more complex); the target repair then
/// added a whole complex, and "proven optimal" came out at €9.02 M where the rounded LP plan met
/// every target for €7.29 M.
#[test]
fn a_proven_optimum_is_never_dearer_than_another_solvers_plan_meeting_the_same_targets() {
    use heatpath::optimise::decomposition::Decomposition;
    use heatpath::optimise::executor::auto_solvers;
    use heatpath::optimise::SolveStatus;
    let scenario = || common::scenario("[path]\nreduction_per_year = 0.005\n");
    let prepared = common::prepared(449, 1, 868, scenario());
    let units = prepared.units.len();
    let solvers = auto_solvers(units, Mode::MeetTargets, Lp::default());
    let solvers: Vec<&dyn Solver> = solvers.iter().map(Box::as_ref).collect();
    let auto =
        heatpath::pipeline::solve_portfolio(prepared, &solvers, &[], None, &mut Silent).unwrap();
    common::check_invariants(&auto);
    assert!(auto.evaluation.all_targets_met());
    let value =
        |r: &heatpath::pipeline::PlanRun| r.evaluation.objective_eur + r.penalty_eur.unwrap_or(0.0);
    let milp = Lp {
        milp: true,
        ..Lp::default()
    };
    let others: [&dyn Solver; 4] = [&Lp::default(), &Decomposition::default(), &Greedy, &milp];
    let values: Vec<f64> = others
        .iter()
        .map(|other| {
            let run = solve(
                common::prepared(449, 1, 868, scenario()),
                *other,
                &[],
                &mut Silent,
            );
            value(&run.unwrap())
        })
        .collect();
    for (other, v) in others.iter().zip(&values) {
        assert!(
            value(&auto) <= v * (1.0 + 1e-9),
            "auto {} dearer than {} {v}",
            value(&auto),
            other.name()
        );
    }
    // The MILP alone: its proven optimum is no dearer than the rounded relaxation.
    assert!(
        values[3] <= values[0] * (1.0 + 1e-9),
        "milp {} > lp {}",
        values[3],
        values[0]
    );
    assert_eq!(auto.solution.status, SolveStatus::Optimal);
}

#[test]
fn a_milp_stopped_by_its_time_limit_still_returns_a_plan() {
    use heatpath::optimise::Termination;
    let prepared = common::prepared(5_000, 1, 7, sample_targets());
    let milp = Lp {
        milp: true,
        time_limit: Some(Duration::from_millis(1)),
        ..Lp::default()
    };
    let run = solve(prepared, &milp, &[], &mut Silent).unwrap();
    common::check_invariants(&run);
    assert_eq!(run.solution.termination, Termination::TimeLimit);
}

#[test]
fn an_efg_deadline_missed_under_a_capacity_is_caught_up_in_later_years() {
    use heatpath::optimise::decomposition::Decomposition;
    // A capacity far below what lifting every E/F/G dwelling by 2028 takes: the deadline is
    // missed, and the plan must lift the rest in the years after it, not leave them for good.
    let text = std::fs::read_to_string(common::manifest("datasets/sample/scenario.toml"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("stock ="))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    // Too little capacity up to the deadline, the sample's 500 a year after it.
    let text = text.replace(
        "by_year = { 2027 = 900, 2028 = 900 }\n",
        "by_year = { 2027 = 60, 2028 = 60 }\n",
    );
    assert!(text.contains("2027 = 60"), "the sample scenario's capacity");
    for solver in [&Decomposition::default() as &dyn Solver, &Greedy] {
        let prepared = common::prepared(2_000, 1, 5, common::scenario(&text));
        let run = solve(prepared, solver, &[], &mut Silent).unwrap();
        common::check_invariants(&run);
        let efg: Vec<(u16, f64)> = run
            .evaluation
            .targets
            .iter()
            .filter(|t| t.kind == TargetKind::EfgPhaseOut)
            .map(|t| (t.year, t.achieved))
            .collect();
        assert!(
            efg.len() > 1,
            "the rule is checked in every year from 2028: {efg:?}"
        );
        let (first, last) = (efg[0].1, efg[efg.len() - 1].1);
        assert!(
            first > 0.0,
            "{}: the capacity must make 2028 a miss: {efg:?}",
            solver.name()
        );
        assert!(
            last < first,
            "{}: E/F/G dwellings left after the deadline are lifted later: {efg:?}",
            solver.name()
        );
        // Not necessarily all: a complex larger than a year's capacity can never be treated,
        // and some E/F/G dwellings no package lifts.
        let o = &run.prepared.options;
        let blocked: u32 = (0..o.n_units())
            .filter(|&u| o.unit_dwellings[u] > 500)
            .map(|u| o.unit_efg_before[u])
            .sum();
        let stuck = f64::from(blocked) + run.unreachable_efg.0 as f64;
        assert!(
            last <= stuck,
            "{}: with capacity to spare after 2028 every E/F/G dwelling that can be lifted is, by {}: {efg:?} ({stuck} cannot)",
            solver.name(),
            efg[efg.len() - 1].0
        );
    }
}

/// Only a bound from dual-feasible prices certifies a gap: Clarabel's interior-point objective
/// lay 5.2e-6 above the sample's LP optimum, so its bound is the one its duals certify, never
/// above the simplex optimum and close to it.
#[test]
fn the_interior_point_bound_is_certified_by_its_duals() {
    let prepared = common::prepared(1_000, 1, 7, sample_targets());
    let problem = Problem::new(&prepared.options, &prepared.scenario);
    let model = LpModel::build(&problem);
    let simplex = solve_model(&model, Backend::Microlp, false, None).unwrap();
    assert!(simplex.optimal);
    let interior = solve_model(&model, Backend::Clarabel, false, None).unwrap();
    let duals = interior.duals.as_ref().expect("clarabel gives duals");
    let bound = model
        .bound_from_duals(duals)
        .expect("the slacks cap every row's price");
    let optimum = simplex.objective;
    println!(
        "simplex optimum {optimum:.2}, interior point {:.2}, certified bound {bound:.2}",
        interior.objective
    );
    assert!(
        bound <= optimum * (1.0 + 1e-9),
        "bound {bound} above the optimum {optimum}"
    );
    assert!(
        (optimum - bound) / optimum < 1e-4,
        "bound {bound} too far below the optimum {optimum}"
    );
    let lp = Lp {
        backend: Backend::Clarabel,
        ..Lp::default()
    };
    let solution = lp.solve(&problem, &mut Silent).unwrap();
    let reported = solution.lower_bound_eur.expect("a certified bound");
    assert!(reported <= optimum * (1.0 + 1e-9), "{reported} > {optimum}");
    // Doubled prices are still dual feasible after the projection, and so still a bound.
    let doubled: Vec<f64> = duals.iter().map(|d| 2.0 * d).collect();
    assert!(model.bound_from_duals(&doubled).unwrap() <= optimum * (1.0 + 1e-9));
}

/// A binding budget is worth something: its shadow price (euros of penalised objective saved per
/// euro more budget) is positive, with every backend's duals (Clarabel's sign on ≤ rows was
/// flipped, which showed the sample's budget at −159 € per €).
#[test]
fn a_binding_budget_has_a_positive_shadow_price() {
    let mut scenario = sample_targets();
    scenario.budget_eur = vec![Some(300_000.0); scenario.n_years()];
    let prepared = common::prepared(1_000, 1, 7, scenario);
    let problem = Problem::new(&prepared.options, &prepared.scenario);
    let mut backends = vec![Backend::Microlp, Backend::Clarabel];
    if Backend::Highs.available() {
        backends.push(Backend::Highs);
    }
    for backend in backends {
        let lp = Lp {
            backend,
            ..Lp::default()
        };
        let solution = lp.solve(&problem, &mut Silent).unwrap();
        let prices = solution.details.shadow_prices.expect("shadow prices");
        assert!(
            !prices.budget_eur_per_eur.is_empty(),
            "{backend:?}: the budget binds"
        );
        for price in &prices.budget_eur_per_eur {
            assert!(price.value > 0.0, "{backend:?}: {price:?}");
        }
    }
}

/// A unit sold or demolished before a year counts in none of that year's rows: the cheap unit
/// that leaves before the path's year cannot meet it, and every solver takes the dear one
/// that stays (on a frozen stock the cheap one would do, at a fifth of the cost).
#[test]
fn a_unit_that_leaves_the_stock_counts_in_no_row_after_it_leaves() {
    // Unit 0: 10 kWh for €100, out of the stock from year index 2; unit 1: 10 kWh for €500.
    let mut options = tiny(2, &[(0, 100.0, 10.0), (1, 500.0, 10.0)], 4);
    let path = vec![None, None, None, Some(10.0)];
    let frozen = problem(&options, path.clone(), vec![None; 4]);
    let plan = Lp::default().solve(&frozen, &mut Silent).unwrap();
    assert_eq!(plan.plan.n_assigned(), 1);
    assert!(plan.plan.choices[0].is_some(), "frozen: the cheap unit");
    options.until_index = vec![2, 4];
    let p = problem(&options, path, vec![None; 4]);
    let decomposition = heatpath::optimise::decomposition::Decomposition::default();
    let solvers: [&dyn Solver; 3] = [&Lp::default(), &decomposition, &Greedy];
    for solver in solvers {
        let solution = solver.solve(&p, &mut Silent).unwrap();
        let mut state = PlanState::empty(&p, p.penalties);
        for (u, c) in solution.plan.choices.iter().enumerate() {
            if let Some(c) = c {
                state.set(
                    u,
                    Some((usize::from(c.package), usize::from(c.year - 2027))),
                );
            }
        }
        assert_eq!(state.penalty(), 0.0, "{}: path met", solver.name());
        assert!(
            (state.cost() - 500.0).abs() < 1e-9,
            "{}: {:?}",
            solver.name(),
            solution.plan.choices
        );
        if let Some(bound) = solution.lower_bound_eur {
            assert!(
                (bound - 500.0).abs() < 1e-6,
                "{}: bound {bound}",
                solver.name()
            );
        }
    }
    // The exported model has no column of the unit in or after the year it leaves.
    let model = LpModel::build(&p);
    for column in &model.columns {
        if let heatpath::optimise::model::ColumnKind::Choice { unit: 0, t, .. } = column.kind {
            assert!(t < 2, "{}", column.name);
        }
    }
}

/// The E/F/G rule weighs a unit only in its years in the stock, as the evaluator counts E/F/G
/// dwellings per year: a unit leaving halfway through the rule's years weighs half.
#[test]
fn the_efg_rule_weighs_a_leaving_unit_by_its_years_in_the_stock() {
    let mut options = tiny(3, &[(0, 100.0, 1.0), (1, 100.0, 1.0), (2, 100.0, 1.0)], 5);
    options.unit_efg_before = vec![2, 2, 2];
    // Deadline index 1: the rule's years are 1..=4. Unit 0 stays, unit 1 leaves at 3, unit 2
    // at 1 (by the deadline: outside the rule).
    options.until_index = vec![5, 3, 1];
    let mut p = problem(&options, vec![None; 5], vec![None; 5]);
    p.efg_deadline = Some(1);
    assert_eq!(
        (p.efg_before(0), p.efg_before(1), p.efg_before(2)),
        (2.0, 1.0, 0.0)
    );
    // Lifting unit 1 in year index 2 relieves its one year left of the rule's four.
    assert!((p.efg_relief_share(1, 2) - 0.25).abs() < 1e-12);
    assert!((p.efg_relief_share(0, 0) - 1.0).abs() < 1e-12);
    let empty = PlanState::empty(&p, p.penalties);
    assert!((empty.penalty() - 3.0 * p.penalties.dwelling_eur).abs() < 1e-6);
}
