//! Analysis: from a prepared stock and a capacity table to the [`SectorReport`]. It checks the
//! table against the stock, solves the corporations' tasks, evaluates their merged plan with the
//! one evaluator (the sector-wide outcome), works out each corporation's available money and
//! pools it at each level, and sums corporations into regions.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Instant;

use rayon::prelude::*;

use super::grouping::group;
use super::outputs::{
    CorporationLevel, CorporationRow, LevelSummary, RegionLevel, RegionRow, SectorOutcome,
    SectorReport, SectorTimings, Transfer,
};
use super::pooling::{pool, Level};
use super::task::{solve_task, task_scenario, Task};
use super::{
    Capacity, CapacityRow, CapacityTable, Reserve, SectorError, SectorOptions, RESERVE_YEARS,
};
use crate::evaluate::evaluate;
use crate::optimise::{Observer, Progress, Silent};
use crate::pipeline::{self, Prepared};
use crate::plan::Plan;

/// Maintenance per dwelling and year used for the reserve when neither the capacity table nor
/// the scenario gives one. ASSUMPTION, ILLUSTRATIVE: the order of magnitude of Dutch
/// corporations' yearly maintenance spending per dwelling (about €2,000–2,500); replace it with
/// the corporations' own figures (`reserve_eur` or `maintenance_eur_per_dwelling_year`).
pub const DEFAULT_MAINTENANCE_EUR_PER_DWELLING_YEAR: f64 = 2_200.0;

/// `part` as a share of `whole`, at most 1; a share of nothing is all done (1).
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole).min(1.0)
    } else {
        1.0
    }
}

/// The stage the observer hears while the corporations' tasks are solved.
const SOLVING: &str = "solving the corporations' tasks";

/// Analyses a prepared stock against a capacity table.
pub fn analyse(
    prepared: Prepared,
    table: &CapacityTable,
    options: &SectorOptions,
    started: Instant,
) -> Result<SectorReport, SectorError> {
    analyse_observed(prepared, table, options, started, &mut Silent)
}

/// As [`analyse`], telling `observer` how many corporations' tasks are solved.
pub fn analyse_observed(
    prepared: Prepared,
    table: &CapacityTable,
    options: &SectorOptions,
    started: Instant,
    observer: &mut dyn Observer,
) -> Result<SectorReport, SectorError> {
    let prepare_s = started.elapsed().as_secs_f64();
    let stock = &prepared.stock;
    let scenario = &prepared.scenario;
    let grouping = group(&prepared)?;
    let n_corp = stock.corporations.len();
    let n_years = scenario.n_years();
    let mut notes = Vec::new();
    let mut assumptions = Vec::new();

    // Capacity rows per corporation.
    let by_name: HashMap<&str, &CapacityRow> = table
        .rows
        .iter()
        .map(|r| (r.corporation.as_str(), r))
        .collect();
    let missing: Vec<usize> = (0..n_corp)
        .filter(|&c| !by_name.contains_key(stock.corporations.get(c as u32)))
        .collect();
    if let Some(&c) = missing.first() {
        return Err(SectorError::CapacityMissingCorporation {
            file: table.source.clone(),
            corporation: stock.corporations.get(c as u32).to_string(),
            dwellings: grouping.dwellings[c] as usize,
            more: if missing.len() > 1 {
                format!(" ({} more corporations are missing)", missing.len() - 1)
            } else {
                String::new()
            },
        });
    }
    let unused = table
        .rows
        .iter()
        .filter(|r| stock.corporations.find(&r.corporation).is_none())
        .count();
    if unused > 0 {
        notes.push(format!(
            "{unused} rows of the capacity table name corporations that are not in the stock; they are ignored"
        ));
    }
    if grouping.units_split > 0 {
        notes.push(format!(
            "{} complexes have dwellings of more than one corporation; each is counted with the corporation of its first dwelling",
            grouping.units_split
        ));
    }
    let maintenance = scenario
        .sector
        .maintenance_eur_per_dwelling_year
        .unwrap_or(DEFAULT_MAINTENANCE_EUR_PER_DWELLING_YEAR);
    let defaulted = (0..n_corp)
        .filter(|&c| by_name[stock.corporations.get(c as u32)].reserve == Reserve::Default)
        .count();
    if defaulted > 0 {
        if scenario.sector.maintenance_eur_per_dwelling_year.is_some() {
            assumptions.push(format!("{defaulted} corporations without a reserve or maintenance figure: reserve = {RESERVE_YEARS} years × €{maintenance:.0} per dwelling and year (the scenario's sector.maintenance_eur_per_dwelling_year)"));
        } else {
            assumptions.push(format!("ASSUMPTION (illustrative): {defaulted} corporations without a reserve or maintenance figure: reserve = {RESERVE_YEARS} years × €{maintenance:.0} per dwelling and year, heatpath's default; give reserve_eur or maintenance_eur_per_dwelling_year, or set [sector] maintenance_eur_per_dwelling_year"));
        }
    }
    if table
        .rows
        .iter()
        .any(|r| matches!(r.capacity, Capacity::PerYear(_)))
    {
        assumptions.push(format!(
            "capacities given per year count for each of the {n_years} planning years"
        ));
    }
    if scenario.budget_eur.iter().any(Option::is_some)
        || scenario.capacity_dwellings.iter().any(Option::is_some)
    {
        notes.push("the scenario's yearly budgets and capacity are whole-stock figures and do not apply to the corporations' tasks; their money is the capacity table's".into());
    }

    // Each corporation's task, in parallel (largest first, for load balance); the observer
    // hears each corporation done, from this thread.
    let t = Instant::now();
    let task_scenario = task_scenario(scenario, stock.len() as f64);
    let mut order: Vec<usize> = (0..n_corp).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(grouping.dwellings[c]));
    let total = n_corp as u64;
    observer.observe(&Progress {
        stage: SOLVING,
        done: 0,
        total,
    });
    let (done, finished) = mpsc::channel::<()>();
    let solved: Vec<(usize, Result<Task, pipeline::Error>)> = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            order
                .par_iter()
                .map_with(done, |done, &c| {
                    let task = solve_task(&prepared, &task_scenario, &grouping.units[c], options);
                    // The receiver outlives the senders; a send cannot fail.
                    let _ = done.send(());
                    (c, task)
                })
                .collect()
        });
        for (n, ()) in finished.iter().enumerate() {
            observer.observe(&Progress {
                stage: SOLVING,
                done: n as u64 + 1,
                total,
            });
        }
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    let mut tasks: Vec<Option<Task>> = vec![None; n_corp];
    for (c, result) in solved {
        let task = result.map_err(|source| SectorError::Solve {
            corporation: stock.corporations.get(c as u32).to_string(),
            source: Box::new(source),
        })?;
        tasks[c] = Some(task);
    }
    let tasks: Vec<Task> = tasks.into_iter().flatten().collect();
    let solve_s = t.elapsed().as_secs_f64();

    // The merged plan through the one evaluator, for the sector-wide outcome.
    let t = Instant::now();
    let mut plan = Plan {
        choices: vec![None; prepared.units.len()],
    };
    for task in &tasks {
        for &(u, choice) in &task.choices {
            plan.choices[u] = Some(choice);
        }
    }
    let evaluation = evaluate(
        stock,
        &prepared.units,
        &prepared.baseline,
        &prepared.catalogue,
        scenario,
        // The sector plans each corporation's stock as it is today (it refuses the portfolio
        // and new-build tables, and its parts drop the stock's planned exits).
        &crate::dynamics::StockChanges::default(),
        &plan,
    )
    .map_err(pipeline::Error::from)?;
    let first = &evaluation.trajectory[0];
    let last = evaluation.trajectory.last().unwrap_or(first);
    let outcome = SectorOutcome {
        total_investment_eur: evaluation.total_investment_eur,
        discounted_investment_eur: evaluation.objective_eur,
        avg_heat_demand_before_kwh_m2: first.avg_heat_demand_kwh_m2,
        avg_heat_demand_after_kwh_m2: last.avg_heat_demand_kwh_m2,
        label_a_share_after: last.label_a_or_better_share,
        gas_free_after: last.gas_free_count,
        efg_after: last.efg_count,
    };
    drop(evaluation);
    let short_of_targets = tasks
        .iter()
        .filter(|t| !t.targets_missed.is_empty())
        .count();
    if short_of_targets > 0 {
        notes.push(format!("{short_of_targets} corporations' tasks miss a target even without budget or capacity limits (see task_targets_missed); their task cost is that of the closest plan found"));
    }

    // Money.
    let cost: Vec<f64> = tasks.iter().map(|t| t.cost_eur).collect();
    let mut capacity_eur = vec![0.0; n_corp];
    let mut reserve_eur = vec![0.0; n_corp];
    let mut reserve_basis = vec![""; n_corp];
    for c in 0..n_corp {
        let row = by_name[stock.corporations.get(c as u32)];
        capacity_eur[c] = row.capacity.over(n_years);
        let dwellings = grouping.dwellings[c] as f64;
        (reserve_eur[c], reserve_basis[c]) = match row.reserve {
            Reserve::Given(v) => (v, "given"),
            Reserve::Maintenance(m) => (RESERVE_YEARS * m * dwellings, "maintenance"),
            Reserve::Default => (RESERVE_YEARS * maintenance * dwellings, "default"),
        };
    }
    let available: Vec<f64> = (0..n_corp)
        .map(|c| (capacity_eur[c] - reserve_eur[c]).max(0.0))
        .collect();

    // Pools per level.
    let has_provinces = grouping.province_of_region.iter().all(Option::is_some)
        && !grouping.province_of_region.is_empty();
    let province_of = |c: usize| grouping.province_of_region[grouping.region_of[c]].unwrap_or(0);
    let mut levels: Vec<(Level, Vec<usize>)> = vec![
        (Level::Own, (0..n_corp).collect()),
        (Level::Regional, grouping.region_of.clone()),
    ];
    if has_provinces {
        levels.push((Level::Provincial, (0..n_corp).map(province_of).collect()));
    }
    levels.push((Level::National, vec![0; n_corp]));
    let pool_name = |level: Level, c: usize| -> String {
        match level {
            Level::Own => stock.corporations.get(c as u32).to_string(),
            Level::Regional => stock.regions.get(grouping.region_of[c] as u32).to_string(),
            Level::Provincial => stock.provinces.get(province_of(c) as u32).to_string(),
            Level::National => "national".to_string(),
        }
    };

    let mut corporation_levels: Vec<Vec<CorporationLevel>> = vec![Vec::new(); n_corp];
    let mut summaries = Vec::new();
    for (level, pool_of) in &levels {
        let pooled = pool(&cost, &available, pool_of);
        let mut transfers = Vec::new();
        let (mut reduction, mut dwellings) = (0.0, 0u64);
        for c in 0..n_corp {
            let (r, d) = tasks[c].fundable(available[c] + pooled.transfer[c]);
            reduction += r;
            dwellings += d;
            corporation_levels[c].push(CorporationLevel {
                level: *level,
                transfer_eur: pooled.transfer[c],
                shortfall_eur: pooled.shortfall[c],
                feasible_reduction_kwh: r,
                feasible_dwellings: d,
                feasible_share_reduction: share(r, tasks[c].reduction_kwh),
                feasible_share_dwellings: share(d as f64, tasks[c].dwellings_treated as f64),
            });
            if pooled.transfer[c].abs() > 0.005 {
                transfers.push(Transfer {
                    corporation: stock.corporations.get(c as u32).to_string(),
                    pool: pool_name(*level, c),
                    amount_eur: pooled.transfer[c],
                });
            }
        }
        transfers.sort_by(|a, b| b.amount_eur.abs().total_cmp(&a.amount_eur.abs()));
        let total_cost: f64 = cost.iter().sum();
        let total_shortfall: f64 = pooled.shortfall.iter().sum();
        let total_reduction: f64 = tasks.iter().map(|t| t.reduction_kwh).sum();
        let total_dwellings: u64 = tasks.iter().map(|t| t.dwellings_treated).sum();
        summaries.push(LevelSummary {
            level: *level,
            pools: pool_of
                .iter()
                .map(|&p| p + 1)
                .max()
                .unwrap_or(0)
                .min(n_corp),
            total_cost_eur: total_cost,
            total_available_eur: available.iter().sum(),
            total_shortfall_eur: total_shortfall,
            total_transferred_eur: pooled
                .transfer
                .iter()
                .filter(|&&x| x < 0.0)
                .map(|x| -x)
                .sum(),
            corporations_short: pooled.shortfall.iter().filter(|&&s| s > 0.005).count(),
            feasible_share_cost: if total_cost > 0.0 {
                1.0 - total_shortfall / total_cost
            } else {
                1.0
            },
            feasible_share_reduction: share(reduction, total_reduction),
            feasible_share_dwellings: share(dwellings as f64, total_dwellings as f64),
            transfers,
        });
    }
    // Distinct pools actually used.
    for (summary, (_, pool_of)) in summaries.iter_mut().zip(&levels) {
        let mut used: Vec<usize> = pool_of.clone();
        used.sort_unstable();
        used.dedup();
        summary.pools = used.len();
    }

    let corporation_rows: Vec<CorporationRow> = (0..n_corp)
        .map(|c| {
            let region = grouping.region_of[c];
            CorporationRow {
                corporation: stock.corporations.get(c as u32).to_string(),
                region: stock.regions.get(region as u32).to_string(),
                province: grouping.province_of_region[region]
                    .map(|p| stock.provinces.get(p as u32).to_string())
                    .unwrap_or_default(),
                dwellings: grouping.dwellings[c],
                units: grouping.units[c].len() as u64,
                task_cost_eur: tasks[c].cost_eur,
                task_cost_discounted_eur: tasks[c].discounted_eur,
                task_lower_bound_eur: tasks[c].lower_bound_eur,
                task_reduction_kwh: tasks[c].reduction_kwh,
                task_dwellings_treated: tasks[c].dwellings_treated,
                task_targets_missed: tasks[c].targets_missed.clone(),
                capacity_eur: capacity_eur[c],
                reserve_eur: reserve_eur[c],
                reserve_basis: reserve_basis[c],
                available_eur: available[c],
                reserve_deficit_eur: (reserve_eur[c] - capacity_eur[c]).max(0.0),
                levels: std::mem::take(&mut corporation_levels[c]),
            }
        })
        .collect();

    // Regions.
    let n_regions = stock.regions.len();
    let region_rows: Vec<RegionRow> = (0..n_regions)
        .filter_map(|r| {
            let members: Vec<&CorporationRow> = corporation_rows
                .iter()
                .enumerate()
                .filter(|(c, _)| grouping.region_of[*c] == r)
                .map(|(_, row)| row)
                .collect();
            if members.is_empty() {
                return None;
            }
            let task_reduction: f64 = members.iter().map(|m| m.task_reduction_kwh).sum();
            let task_dwellings: u64 = members.iter().map(|m| m.task_dwellings_treated).sum();
            let levels = levels
                .iter()
                .enumerate()
                .map(|(l, (level, _))| RegionLevel {
                    level: *level,
                    transfer_eur: members.iter().map(|m| m.levels[l].transfer_eur).sum(),
                    shortfall_eur: members.iter().map(|m| m.levels[l].shortfall_eur).sum(),
                    feasible_share_reduction: share(
                        members
                            .iter()
                            .map(|m| m.levels[l].feasible_reduction_kwh)
                            .sum(),
                        task_reduction,
                    ),
                    feasible_share_dwellings: share(
                        members
                            .iter()
                            .map(|m| m.levels[l].feasible_dwellings)
                            .sum::<u64>() as f64,
                        task_dwellings as f64,
                    ),
                })
                .collect();
            Some(RegionRow {
                region: stock.regions.get(r as u32).to_string(),
                province: grouping.province_of_region[r]
                    .map(|p| stock.provinces.get(p as u32).to_string())
                    .unwrap_or_default(),
                corporations: members.len() as u64,
                dwellings: members.iter().map(|m| m.dwellings).sum(),
                task_cost_eur: members.iter().map(|m| m.task_cost_eur).sum(),
                available_eur: members.iter().map(|m| m.available_eur).sum(),
                levels,
            })
        })
        .collect();
    let evaluate_s = t.elapsed().as_secs_f64();

    let definitions = vec![
        "task: the scenario's path and targets applied to each corporation's own stock (relative path on its own baseline average; label-A and gas-free shares of its own dwellings; E/F/G phase-out of its own dwellings), solved at the lowest discounted cost without budget limits".into(),
        "task cost: nominal investment of that plan over the horizon (euros of the years of works)".into(),
        format!("available: investment capacity over the horizon − reserve ({RESERVE_YEARS} years of maintenance, or the reserve given), not below 0"),
        "shortfall: task cost − available money (own, plus transfers at the pooled levels), not below 0".into(),
        "transfers: within each pool (region, province, country) corporations with a surplus give in proportion to their surplus, corporations short receive in proportion to their shortfall, as far as the pool's surplus goes; they sum to zero in each pool".into(),
        "feasible share: the task's works fundable with the money (merit order: lowest cost per kWh/yr of heat-demand reduction first, whole complexes), as a share of the task's heat-demand reduction and of its dwellings treated; not a re-optimisation under the budget, so a lower estimate".into(),
    ];
    let total_s = started.elapsed().as_secs_f64();
    Ok(SectorReport {
        scenario: scenario.source.display().to_string(),
        stock: scenario.stock.display().to_string(),
        capacity_table: table.source.display().to_string(),
        first_year: scenario.first_year,
        last_year: scenario.last_year,
        dwellings: stock.len() as u64,
        corporations: n_corp,
        regions: region_rows.len(),
        provinces: if has_provinces {
            let mut p: Vec<usize> = (0..n_corp).map(province_of).collect();
            p.sort_unstable();
            p.dedup();
            p.len()
        } else {
            0
        },
        definitions,
        assumptions,
        notes,
        levels: summaries,
        corporation_rows,
        region_rows,
        outcome,
        timings: SectorTimings {
            prepare: prepare_s,
            solve: solve_s,
            evaluate: evaluate_s,
            write: 0.0,
            total: total_s,
        },
    })
}
