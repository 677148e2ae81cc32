//! Sector feasibility: per-corporation tasks against capacity, with regional, provincial and
//! national solidarity.

use crate::common::{self, heatpath_in};

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use proptest::prelude::*;

use heatpath::catalogue::Catalogue;
use heatpath::generate::{generate, GenerateOptions};
use heatpath::optimise::executor::sector_solvers;
use heatpath::optimise::{Silent, Solver};
use heatpath::pipeline::{prepare_from, solve_portfolio};
use heatpath::sector::{
    analyse, pool, synthetic_capacity, Capacity, CapacityTable, Level, Reserve, SectorOptions,
    SectorReport,
};
use heatpath::stock::{ReadReport, Stock};
use heatpath::TargetKind;

const DWELLINGS: usize = 3_000;
const CORPORATIONS: usize = 6;
const REGIONS: usize = 3;
// 12 since the NTA 8800 model and the generator's published registered values raised the small
// sector's task (seed 11 left no corporation with a surplus; see the commit).
const SEED: u64 = 12;

fn read_report() -> ReadReport {
    ReadReport {
        separator: ',',
        decimal_comma: false,
        encoding: "UTF-8",
        ..ReadReport::default()
    }
}

fn stock() -> Stock {
    let s = common::scenario("");
    generate(
        &GenerateOptions {
            dwellings: DWELLINGS,
            corporations: CORPORATIONS,
            regions: Some(REGIONS),
            seed: SEED,
        },
        &s.model,
        &s.energy,
    )
    .expect("valid options")
}

/// The sector report of the small stock with `table` (the synthetic one when `None`).
fn report_with(table: Option<CapacityTable>) -> SectorReport {
    report_under(common::scenario(""), table)
}

/// The sector report of the small stock under `scenario` with `table` (the synthetic one when
/// `None`).
fn report_under(scenario: heatpath::Scenario, table: Option<CapacityTable>) -> SectorReport {
    let stock = stock();
    let table = table.unwrap_or_else(|| synthetic_capacity(&stock, SEED, scenario.n_years()));
    let prepared = prepare_from(
        scenario,
        stock,
        read_report(),
        Catalogue::default(),
        Instant::now(),
        None,
    )
    .expect("prepared");
    analyse(prepared, &table, &SectorOptions::default(), Instant::now()).expect("analysed")
}

/// An EP2 path no catalogue can follow (9 % of the baseline a year) is missed by the tasks: the
/// miss is the EP2 path's, not the heat-demand path's (as the sector once labelled every path).
#[test]
fn a_task_missing_an_ep2_path_names_the_ep2_path() {
    let scenario = common::scenario(
        "[path]\nkind = \"relative\"\nmetric = \"ep2\"\nreduction_per_year = 0.09\n",
    );
    let r = report_under(scenario, None);
    let missed: Vec<TargetKind> = r
        .corporation_rows
        .iter()
        .flat_map(|c| c.task_targets_missed.iter().copied())
        .collect();
    assert!(missed.contains(&TargetKind::Ep2Path), "{missed:?}");
    assert!(!missed.contains(&TargetKind::HeatDemandPath), "{missed:?}");
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_small_sector_has_short_and_surplus_corporations_in_three_regions() {
    let r = report_with(None);
    assert_eq!(r.corporations, CORPORATIONS);
    assert!(r.regions >= 2, "{} regions", r.regions);
    let own = r.level(Level::Own).unwrap();
    assert!(own.total_shortfall_eur > 0.0, "no corporation is short");
    assert!(
        r.corporation_rows
            .iter()
            .any(|c| c.available_eur > c.task_cost_eur),
        "no corporation has a surplus: {:?}",
        r.corporation_rows
            .iter()
            .map(|c| (c.available_eur.round(), c.task_cost_eur.round()))
            .collect::<Vec<_>>()
    );
    let levels: Vec<Level> = r.levels.iter().map(|l| l.level).collect();
    assert_eq!(
        levels,
        [
            Level::Own,
            Level::Regional,
            Level::Provincial,
            Level::National
        ]
    );
}

#[test]
fn pooling_never_increases_the_total_shortfall() {
    let r = report_with(None);
    let shortfall: Vec<f64> = r.levels.iter().map(|l| l.total_shortfall_eur).collect();
    for pair in shortfall.windows(2) {
        assert!(pair[1] <= pair[0] + 1e-6, "{shortfall:?}");
    }
    // Nor any corporation's, nor the feasible shares the other way.
    for c in &r.corporation_rows {
        for pair in c.levels.windows(2) {
            if pair[0].level == Level::Own {
                assert!(pair[1].shortfall_eur <= pair[0].shortfall_eur + 1e-6);
            }
        }
    }
    // National: the pool's shortfall is max(0, Σ cost − Σ available).
    let national = r.level(Level::National).unwrap();
    assert!(close(
        national.total_shortfall_eur,
        (national.total_cost_eur - national.total_available_eur).max(0.0)
    ));
    // Own: the sum of max(0, cost − available).
    let own: f64 = r
        .corporation_rows
        .iter()
        .map(|c| (c.task_cost_eur - c.available_eur).max(0.0))
        .sum();
    assert!(close(r.level(Level::Own).unwrap().total_shortfall_eur, own));
}

#[test]
fn transfers_sum_to_zero_within_each_pool() {
    let r = report_with(None);
    for (l, level) in r.levels.iter().enumerate() {
        let mut by_pool: HashMap<String, (f64, f64)> = HashMap::new();
        for c in &r.corporation_rows {
            let pool = match level.level {
                Level::Own => c.corporation.clone(),
                Level::Regional => c.region.clone(),
                Level::Provincial => c.province.clone(),
                Level::National => "national".into(),
            };
            let entry = by_pool.entry(pool).or_default();
            entry.0 += c.levels[l].transfer_eur;
            entry.1 += c.levels[l].transfer_eur.abs();
        }
        for (pool, (sum, moved)) in by_pool {
            assert!(
                sum.abs() <= 1e-9 * moved.max(1.0),
                "{:?} pool {pool}: transfers sum to {sum}",
                level.level
            );
        }
        // The transfers list holds the same money.
        let listed: f64 = level.transfers.iter().map(|t| t.amount_eur).sum();
        assert!(listed.abs() <= 1e-6 * level.total_transferred_eur.max(1.0));
    }
    let national = r.level(Level::National).unwrap();
    assert!(national.total_transferred_eur > 0.0);
}

#[test]
fn a_corporation_with_ample_capacity_has_no_shortfall() {
    let scenario = common::scenario("");
    let stock = stock();
    let mut table = synthetic_capacity(&stock, SEED, scenario.n_years());
    // Make the first corporation's capacity ample; leave the others short of money.
    for (i, row) in table.rows.iter_mut().enumerate() {
        row.capacity = Capacity::Horizon(if i == 0 { 1e12 } else { 0.0 });
        row.reserve = Reserve::Given(0.0);
    }
    let r = report_with(Some(table));
    let rich = &r.corporation_rows[0];
    for l in &rich.levels {
        assert_eq!(l.shortfall_eur, 0.0, "{:?}", l.level);
        assert!(l.transfer_eur <= 0.0, "the rich corporation receives");
        assert_eq!(l.feasible_share_reduction, 1.0);
        assert_eq!(l.feasible_share_dwellings, 1.0);
    }
    // The others have nothing of their own: short by their whole task, fundable nothing.
    for c in &r.corporation_rows[1..] {
        assert!(close(c.levels[0].shortfall_eur, c.task_cost_eur.max(0.0)));
    }
    // Nationally the rich one pays for everyone.
    let national = r.level(Level::National).unwrap();
    assert_eq!(national.total_shortfall_eur, 0.0);
    assert_eq!(national.corporations_short, 0);
    assert!(close(
        -rich.levels.last().unwrap().transfer_eur,
        r.corporation_rows[1..]
            .iter()
            .map(|c| c.task_cost_eur.max(0.0))
            .sum()
    ));
}

#[test]
fn a_reserve_larger_than_the_capacity_leaves_nothing_available() {
    let scenario = common::scenario("");
    let stock = stock();
    let mut table = synthetic_capacity(&stock, SEED, scenario.n_years());
    table.rows[0].capacity = Capacity::Horizon(1_000.0);
    table.rows[0].reserve = Reserve::Given(5_000.0);
    let r = report_with(Some(table));
    let c = &r.corporation_rows[0];
    assert_eq!(c.available_eur, 0.0);
    assert_eq!(c.reserve_deficit_eur, 4_000.0);
    assert_eq!(c.reserve_basis, "given");
}

#[test]
fn totals_equal_the_sum_of_the_corporation_rows() {
    let r = report_with(None);
    for (l, level) in r.levels.iter().enumerate() {
        let rows = &r.corporation_rows;
        assert!(close(
            level.total_cost_eur,
            rows.iter().map(|c| c.task_cost_eur).sum()
        ));
        assert!(close(
            level.total_available_eur,
            rows.iter().map(|c| c.available_eur).sum()
        ));
        assert!(close(
            level.total_shortfall_eur,
            rows.iter().map(|c| c.levels[l].shortfall_eur).sum()
        ));
        assert!(close(
            level.total_transferred_eur,
            rows.iter()
                .map(|c| (-c.levels[l].transfer_eur).max(0.0))
                .sum()
        ));
        // Regions add up to the same.
        assert!(close(
            level.total_shortfall_eur,
            r.region_rows
                .iter()
                .map(|g| g.levels[l].shortfall_eur)
                .sum()
        ));
        assert!(close(
            level.total_cost_eur,
            r.region_rows.iter().map(|g| g.task_cost_eur).sum()
        ));
        let feasible: f64 = rows
            .iter()
            .map(|c| c.levels[l].feasible_reduction_kwh)
            .sum();
        let task: f64 = rows.iter().map(|c| c.task_reduction_kwh).sum();
        assert!(close(
            level.feasible_share_reduction,
            (feasible / task).min(1.0)
        ));
    }
    assert_eq!(
        r.dwellings,
        r.corporation_rows.iter().map(|c| c.dwellings).sum::<u64>()
    );
    // The evaluator, run on the merged plan, finds the same total cost.
    assert!(close(
        r.outcome.total_investment_eur,
        r.corporation_rows.iter().map(|c| c.task_cost_eur).sum()
    ));
}

#[test]
fn a_corporations_task_is_the_plan_of_its_own_stock() {
    // With HR++ glazing the only package, the task misses a readiness target (which the sector's
    // own count of targets once ignored) and the E/F/G rule in every year from 2028.
    let exclude: Vec<String> = Catalogue::default()
        .packages
        .iter()
        .filter(|p| p.id() != "glazing")
        .map(|p| format!("\"{}\"", p.id()))
        .collect();
    let text = format!(
        "exclude_packages = [{}]\n[targets]\nready_share = 1.0\n",
        exclude.join(", ")
    );
    let scenario = || common::scenario(&text);
    let r = report_under(scenario(), None);
    let full = stock();
    let corporation = 1u32;
    let mut own = full.clone();
    own.dwellings.retain(|d| d.corporation == Some(corporation));
    let prepared = prepare_from(
        scenario(),
        own,
        read_report(),
        Catalogue::default(),
        Instant::now(),
        None,
    )
    .unwrap();
    // As the sector solves it: its solvers through the pipeline, judged by the evaluator.
    let solvers = sector_solvers(prepared.scenario.mode);
    let solvers: Vec<&dyn Solver> = solvers.iter().map(Box::as_ref).collect();
    let run = solve_portfolio(prepared, &solvers, &[], None, &mut Silent).unwrap();
    let row = &r.corporation_rows[corporation as usize];
    assert!(
        close(run.evaluation.total_investment_eur, row.task_cost_eur),
        "alone {} vs in the sector {}",
        run.evaluation.total_investment_eur,
        row.task_cost_eur
    );
    // The targets missed are the evaluator's, each kind once.
    let mut missed: Vec<TargetKind> = Vec::new();
    for t in run.evaluation.targets.iter().filter(|t| t.hard && !t.met) {
        if !missed.contains(&t.kind) {
            missed.push(t.kind);
        }
    }
    for kind in [TargetKind::ReadyForSustainableHeat, TargetKind::EfgPhaseOut] {
        assert!(missed.contains(&kind), "{missed:?}");
    }
    assert_eq!(row.task_targets_missed, missed);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn pooling_invariants(
        members in prop::collection::vec((0.0f64..1e6, 0.0f64..1e6, 0usize..4), 1..30)
    ) {
        let cost: Vec<f64> = members.iter().map(|m| m.0).collect();
        let available: Vec<f64> = members.iter().map(|m| m.1).collect();
        let pools: Vec<usize> = members.iter().map(|m| m.2).collect();
        let own: Vec<usize> = (0..members.len()).collect();
        let alone = pool(&cost, &available, &own);
        let pooled = pool(&cost, &available, &pools);
        let national = pool(&cost, &available, &vec![0; members.len()]);
        let total = |p: &heatpath::sector::Pooled| p.shortfall.iter().sum::<f64>();
        prop_assert!(total(&pooled) <= total(&alone) + 1e-6);
        prop_assert!(total(&national) <= total(&pooled) + 1e-6);
        prop_assert!(alone.transfer.iter().all(|&t| t == 0.0));
        for p in 0..4 {
            let members: Vec<usize> = (0..cost.len()).filter(|&i| pools[i] == p).collect();
            let sum: f64 = members.iter().map(|&i| pooled.transfer[i]).sum();
            prop_assert!(sum.abs() <= 1e-6, "pool {} transfers sum to {}", p, sum);
            let short: f64 = members.iter().map(|&i| pooled.shortfall[i]).sum();
            let expected = (members.iter().map(|&i| cost[i] - available[i]).sum::<f64>()).max(0.0);
            prop_assert!((short - expected).abs() <= 1e-6 * expected.max(1.0));
        }
        for i in 0..cost.len() {
            // Nobody gives more than its surplus, nobody ends worse than alone.
            prop_assert!(pooled.shortfall[i] <= alone.shortfall[i] + 1e-9);
            prop_assert!(-pooled.transfer[i] <= (available[i] - cost[i]).max(0.0) + 1e-9);
            prop_assert!(pooled.transfer[i] <= (cost[i] - available[i]).max(0.0) + 1e-9);
        }
    }
}

// The binary end to end.

fn generate_files(dir: &Path) {
    let out = heatpath_in(
        dir,
        &[
            "generate",
            "--dwellings",
            "3000",
            "--corporations",
            "6",
            "--regions",
            "3",
            "--seed",
            "11",
            "--out",
            "stock.csv",
            "--capacity",
            "capacity.csv",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        dir.join("scenario.toml"),
        "stock = \"stock.csv\"\n[sector]\ncapacity = \"capacity.csv\"\n",
    )
    .unwrap();
}

#[test]
fn sector_on_the_command_line_writes_the_three_files() {
    let dir = tempfile::tempdir().unwrap();
    generate_files(dir.path());
    let capacity = std::fs::read_to_string(dir.path().join("capacity.csv")).unwrap();
    assert!(capacity.starts_with("# SYNTHETIC"), "{capacity}");
    let out = heatpath_in(dir.path(), &["sector", "scenario.toml", "--out", "result"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for word in ["own", "regional", "provincial", "national", "shortfall"] {
        assert!(text.contains(word), "{text}");
    }
    let result = dir.path().join("result");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(result.join("sector_summary.json")).unwrap())
            .unwrap();
    let levels = summary["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 4);
    assert_eq!(levels[0]["level"], "own");
    assert_eq!(levels[3]["level"], "national");
    let mut corporations = csv::Reader::from_path(result.join("sector_corporations.csv")).unwrap();
    let header = corporations.headers().unwrap().clone();
    let shortfall = header
        .iter()
        .position(|h| h == "own_shortfall_eur")
        .unwrap();
    let rows: Vec<csv::StringRecord> = corporations.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    let sum: f64 = rows
        .iter()
        .map(|r| r[shortfall].parse::<f64>().unwrap())
        .sum();
    let total = levels[0]["total_shortfall_eur"].as_f64().unwrap();
    assert!(
        (sum - total).abs() <= 0.01 * rows.len() as f64,
        "{sum} vs {total}"
    );
    let regions = std::fs::read_to_string(result.join("sector_regions.csv")).unwrap();
    assert!(regions.starts_with(
        "region,province,corporations,dwellings,task_cost_eur,available_eur,own_shortfall_eur"
    ));
    assert_eq!(
        regions.lines().count(),
        1 + summary["regions"].as_u64().unwrap() as usize
    );

    // The workbook holds the same shortfalls, the charts exist, the page is self-contained.
    use calamine::{open_workbook, DataType, Reader, Xlsx};
    let mut workbook: Xlsx<_> = open_workbook(result.join("sector.xlsx")).unwrap();
    let sheet = workbook.worksheet_range("Corporations").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let column = header
        .iter()
        .position(|h| h == "own_shortfall_eur")
        .unwrap();
    let from_sheet: f64 = sheet
        .rows()
        .skip(1)
        .map(|r| r[column].as_f64().unwrap())
        .sum();
    assert!(
        (from_sheet - total).abs() <= 1e-6 * total.max(1.0),
        "{from_sheet} vs {total}"
    );
    assert_eq!(
        workbook.sheet_names(),
        ["Levels", "Corporations", "Regions", "Transfers"]
    );
    for stem in ["chart_shortfall_by_region", "chart_feasible_share"] {
        let png = std::fs::read(result.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        assert!(std::fs::read_to_string(result.join(format!("{stem}.svg")))
            .unwrap()
            .contains("<svg"));
    }
    let html = std::fs::read_to_string(result.join("sector_report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("<h2>Levels of solidarity</h2>") && html.contains("<h2>Regions</h2>"));
    let lower = html.to_ascii_lowercase();
    for reference in ["<script", "<link", "<img", "src=", "href=", "url("] {
        assert!(
            !lower.contains(reference),
            "sector_report.html contains {reference}"
        );
    }
}

#[test]
fn a_bad_capacity_file_exits_2_names_file_row_column_value_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    generate_files(dir.path());
    std::fs::write(
        dir.path().join("bad.csv"),
        "corporatie;investeringsruimte_eur;reserve_eur\nCorporatie 001;12,5 miljoen;\n",
    )
    .unwrap();
    let out = heatpath_in(
        dir.path(),
        &[
            "sector",
            "scenario.toml",
            "--capacity",
            "bad.csv",
            "--out",
            "result",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:2: column `investeringsruimte_eur`: value `12,5 miljoen`: expected an amount in euros"),
        "{err}"
    );
    assert!(!dir.path().join("result").exists());

    // A corporation of the stock without a row.
    std::fs::write(
        dir.path().join("short.csv"),
        "corporation,investment_capacity_eur\nCorporatie 001,1000000\n",
    )
    .unwrap();
    let out = heatpath_in(
        dir.path(),
        &[
            "sector",
            "scenario.toml",
            "--capacity",
            "short.csv",
            "--out",
            "result",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("short.csv: no row for corporation `Corporatie 002`")
            && err.contains("4 more"),
        "{err}"
    );
    assert!(!dir.path().join("result").exists());

    // No capacity table at all.
    std::fs::write(dir.path().join("plain.toml"), "stock = \"stock.csv\"\n").unwrap();
    let out = heatpath_in(dir.path(), &["sector", "plain.toml", "--out", "result"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no capacity table"));
}

#[test]
fn the_readme_documents_the_capacity_columns() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for column in heatpath::sector::capacity::CapacityColumn::ALL {
        assert!(
            readme.contains(&format!("`{}`", column.name())),
            "README lacks the capacity column `{}`",
            column.name()
        );
    }
    assert!(readme.contains("heatpath sector SCENARIO"));
}

#[test]
fn a_stock_without_regions_is_refused_by_name() {
    let scenario = common::scenario("");
    let mut stock = stock();
    let table = synthetic_capacity(&stock, SEED, scenario.n_years());
    for d in stock.dwellings.iter_mut().skip(10) {
        d.region = None;
    }
    let prepared = prepare_from(
        scenario,
        stock,
        read_report(),
        Catalogue::default(),
        Instant::now(),
        None,
    )
    .unwrap();
    let err = analyse(prepared, &table, &SectorOptions::default(), Instant::now()).unwrap_err();
    assert!(err.is_input_error());
    let text = err.to_string();
    assert!(
        text.contains("column `region`")
            && text.contains("VHE0000011")
            && text.contains("2989 more"),
        "{text}"
    );
}
