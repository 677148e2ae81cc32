//! Invariants every solver's plan must satisfy, checked through the one evaluator on random
//! small instances.

mod common;

use heatpath::optimise::Silent;
use heatpath::pipeline::{solve, SolverKind};
use proptest::prelude::*;

fn check_invariants(run: &heatpath::pipeline::PlanRun) {
    let p = &run.prepared;
    let e = &run.evaluation;
    let n_years = p.scenario.n_years();
    // Budgets and capacity are never exceeded.
    for (t, row) in e.trajectory.iter().skip(1).enumerate() {
        if let Some(budget) = p.scenario.budget_eur[t] {
            assert!(
                row.spend_eur <= budget * (1.0 + 1e-9) + 1e-6,
                "year {}: spend {} > budget {}",
                row.year,
                row.spend_eur,
                budget
            );
        }
        if let Some(capacity) = p.scenario.capacity_dwellings[t] {
            assert!(
                row.dwellings_treated as f64 <= capacity + 1e-9,
                "year {}: {} dwellings > capacity {}",
                row.year,
                row.dwellings_treated,
                capacity
            );
        }
    }
    assert_eq!(e.trajectory.len(), n_years + 1);
    // One option per unit, and a unit (complex) moves as one.
    for u in 0..p.units.len() {
        let choice = run.solution.plan.choices[u];
        for &i in p.units.members(u) {
            assert_eq!(
                e.dwellings[i as usize].choice, choice,
                "unit {u} does not move as one"
            );
        }
        if let Some(c) = choice {
            assert!((p.scenario.first_year..=p.scenario.last_year).contains(&c.year));
        }
    }
    // Totals add up.
    let by_units: f64 = e.units.iter().map(|u| u.cost_eur).sum();
    let by_dwellings: f64 = e.dwellings.iter().map(|d| d.cost_eur).sum();
    let by_years: f64 = e.trajectory.iter().map(|r| r.spend_eur).sum();
    for v in [by_units, by_dwellings, by_years] {
        assert!((v - e.total_investment_eur).abs() <= 1e-6 * e.total_investment_eur.max(1.0));
    }
    let discounted: f64 = e.trajectory.iter().map(|r| r.discounted_spend_eur).sum();
    assert!((discounted - e.objective_eur).abs() <= 1e-6 * e.objective_eur.max(1.0));
    // Untouched dwellings keep their before-state and cost nothing.
    for d in e.dwellings.iter().filter(|d| d.choice.is_none()) {
        assert_eq!(d.before, d.after);
        assert_eq!(d.cost_eur, 0.0);
    }
    // The label counts of every year add up to the stock.
    for row in &e.trajectory {
        assert_eq!(row.label_counts.iter().sum::<u64>() as usize, p.stock.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn greedy_plans_respect_budgets_capacity_and_add_up(
        seed in 0u64..1000,
        dwellings in 150usize..700,
        budget in proptest::option::of(50_000f64..3_000_000.0),
        capacity in proptest::option::of(20f64..400.0),
    ) {
        let mut extra = String::new();
        if let Some(b) = budget {
            extra.push_str(&format!("[budget]\nevery_year = {b}\n"));
        }
        if let Some(c) = capacity {
            extra.push_str(&format!("[capacity]\nevery_year = {c}\n"));
        }
        let prepared = common::prepared(dwellings, 1, seed, common::scenario(&extra));
        let run = solve(prepared, SolverKind::Greedy, &mut Silent).unwrap();
        check_invariants(&run);
    }
}

#[test]
fn without_budgets_the_greedy_plan_meets_every_target_on_the_sample_sized_stock() {
    let prepared = common::prepared(3000, 1, 16, common::scenario(""));
    let run = solve(prepared, SolverKind::Greedy, &mut Silent).unwrap();
    check_invariants(&run);
    let missed: Vec<_> = run.evaluation.targets.iter().filter(|t| !t.met).collect();
    assert!(missed.is_empty(), "{missed:?}");
}

#[test]
fn a_zero_budget_gives_an_empty_plan_with_every_miss_stated() {
    let prepared = common::prepared(400, 1, 3, common::scenario("[budget]\nevery_year = 0\n"));
    let run = solve(prepared, SolverKind::Greedy, &mut Silent).unwrap();
    check_invariants(&run);
    assert_eq!(run.solution.plan.n_assigned(), 0);
    assert_eq!(run.evaluation.total_investment_eur, 0.0);
    let missed: Vec<&str> = run
        .evaluation
        .targets
        .iter()
        .filter(|t| !t.met)
        .map(|t| t.name.as_str())
        .collect();
    assert!(missed.contains(&"heat_demand_path"));
    assert!(missed.contains(&"label_a_share"));
}

#[test]
fn max_reduction_mode_leaves_no_budget_that_could_still_buy_a_reduction() {
    let budget = 200_000.0;
    let prepared = common::prepared(
        600,
        1,
        9,
        common::scenario(&format!(
            "mode = \"max_reduction\"\n[budget]\nevery_year = {budget}\n"
        )),
    );
    let run = solve(prepared, SolverKind::Greedy, &mut Silent).unwrap();
    check_invariants(&run);
    let opts = &run.prepared.options;
    assert!(run.solution.plan.n_assigned() > 0);
    for (t, row) in run.evaluation.trajectory.iter().skip(1).enumerate() {
        let left = budget - row.spend_eur;
        for u in 0..opts.n_units() {
            if run.solution.plan.choices[u].is_some() {
                continue;
            }
            for o in opts.of_unit(u) {
                assert!(
                    opts.path_reduction[o] <= 0.0 || opts.cost_eur(u, o, t) > left,
                    "year {}: unit {u} could still be treated for {} with {left} left",
                    row.year,
                    opts.cost_eur(u, o, t)
                );
            }
        }
    }
}
