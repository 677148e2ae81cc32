//! Outputs: the sector report's data (per level, corporation and region, as plain structures
//! any renderer can use) and its plain files: sector_corporations.csv, sector_regions.csv and
//! sector_summary.json, written atomically with the workbook, charts and page of
//! [`super::report`], and the terminal summary.

use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::pooling::Level;
use super::{report, SectorError};
use crate::evaluate::TargetKind;
use crate::output::OutputDir;

/// A corporation's figures at one level.
#[derive(Debug, Clone, Serialize)]
pub struct CorporationLevel {
    /// Level.
    pub level: Level,
    /// Net transfer (received > 0, given < 0).
    pub transfer_eur: f64,
    /// Shortfall left.
    pub shortfall_eur: f64,
    /// Heat-demand reduction fundable (kWh/yr).
    pub feasible_reduction_kwh: f64,
    /// Dwellings fundable.
    pub feasible_dwellings: u64,
    /// Fundable share of the task's heat-demand reduction.
    pub feasible_share_reduction: f64,
    /// Fundable share of the task's dwellings.
    pub feasible_share_dwellings: f64,
}

/// One corporation.
#[derive(Debug, Clone, Serialize)]
pub struct CorporationRow {
    /// Name.
    pub corporation: String,
    /// Region (where most of its dwellings are).
    pub region: String,
    /// Province (of its region), or empty.
    pub province: String,
    /// Dwellings.
    pub dwellings: u64,
    /// Decision units.
    pub units: u64,
    /// Nominal investment of its task over the horizon.
    pub task_cost_eur: f64,
    /// Discounted investment of its task.
    pub task_cost_discounted_eur: f64,
    /// Lower bound on the discounted cost of its task (penalties for missed targets included).
    pub task_lower_bound_eur: Option<f64>,
    /// Heat-demand reduction of its task (kWh/yr).
    pub task_reduction_kwh: f64,
    /// Dwellings its task treats.
    pub task_dwellings_treated: u64,
    /// The hard targets its task plan misses, as the evaluator finds them (each kind once).
    pub task_targets_missed: Vec<TargetKind>,
    /// Investment capacity over the horizon.
    pub capacity_eur: f64,
    /// Reserve kept.
    pub reserve_eur: f64,
    /// Where the reserve figure comes from.
    pub reserve_basis: &'static str,
    /// Capacity − reserve, not below 0.
    pub available_eur: f64,
    /// Reserve − capacity where the capacity does not cover the reserve.
    pub reserve_deficit_eur: f64,
    /// Figures per level.
    pub levels: Vec<CorporationLevel>,
}

/// A region's (or province's) figures at one level.
#[derive(Debug, Clone, Serialize)]
pub struct RegionLevel {
    /// Level.
    pub level: Level,
    /// Net transfer into the region.
    pub transfer_eur: f64,
    /// Shortfall left in the region.
    pub shortfall_eur: f64,
    /// Fundable share of the region's task reduction.
    pub feasible_share_reduction: f64,
    /// Fundable share of the region's task dwellings.
    pub feasible_share_dwellings: f64,
}

/// One region.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRow {
    /// Name.
    pub region: String,
    /// Province.
    pub province: String,
    /// Corporations.
    pub corporations: u64,
    /// Dwellings.
    pub dwellings: u64,
    /// Task cost.
    pub task_cost_eur: f64,
    /// Available money.
    pub available_eur: f64,
    /// Figures per level.
    pub levels: Vec<RegionLevel>,
}

/// One transfer at a level.
#[derive(Debug, Clone, Serialize)]
pub struct Transfer {
    /// Corporation.
    pub corporation: String,
    /// The pool it belongs to at this level (region, province or "national").
    pub pool: String,
    /// Net amount: received > 0, given < 0.
    pub amount_eur: f64,
}

/// Totals of one level.
#[derive(Debug, Clone, Serialize)]
pub struct LevelSummary {
    /// Level.
    pub level: Level,
    /// Number of pools.
    pub pools: usize,
    /// Total task cost.
    pub total_cost_eur: f64,
    /// Total available.
    pub total_available_eur: f64,
    /// Total shortfall left.
    pub total_shortfall_eur: f64,
    /// Money moved (sum of what is given).
    pub total_transferred_eur: f64,
    /// Corporations short after solidarity.
    pub corporations_short: usize,
    /// 1 − shortfall / cost.
    pub feasible_share_cost: f64,
    /// Fundable share of the task's heat-demand reduction.
    pub feasible_share_reduction: f64,
    /// Fundable share of the task's dwellings.
    pub feasible_share_dwellings: f64,
    /// Transfers (non-zero), largest first.
    pub transfers: Vec<Transfer>,
}

/// What the sum of the corporations' own tasks does to the whole stock (the evaluator's figures
/// of the merged plan).
#[derive(Debug, Clone, Serialize)]
pub struct SectorOutcome {
    /// Total investment by the evaluator (equals the sum of the task costs).
    pub total_investment_eur: f64,
    /// Discounted.
    pub discounted_investment_eur: f64,
    /// Average heat demand before (kWh/m²).
    pub avg_heat_demand_before_kwh_m2: f64,
    /// Average heat demand in the last year.
    pub avg_heat_demand_after_kwh_m2: f64,
    /// Label-A share in the last year.
    pub label_a_share_after: f64,
    /// Gas-free dwellings in the last year.
    pub gas_free_after: u64,
    /// E/F/G dwellings in the last year.
    pub efg_after: u64,
}

/// Seconds per stage.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SectorTimings {
    /// Reading, modelling and building options.
    pub prepare: f64,
    /// Solving every corporation's task.
    pub solve: f64,
    /// Evaluating the merged plan and pooling.
    pub evaluate: f64,
    /// Writing.
    pub write: f64,
    /// Everything.
    pub total: f64,
}

/// The sector report: a plain data structure for the CSV/JSON writers here and for any other
/// report (workbook sheets, charts) to render.
#[derive(Debug, Clone, Serialize)]
pub struct SectorReport {
    /// Scenario file.
    pub scenario: String,
    /// Stock file.
    pub stock: String,
    /// Capacity table.
    pub capacity_table: String,
    /// First planning year.
    pub first_year: u16,
    /// Last planning year.
    pub last_year: u16,
    /// Dwellings.
    pub dwellings: u64,
    /// Corporations.
    pub corporations: usize,
    /// Regions.
    pub regions: usize,
    /// Provinces (0 when the stock has none).
    pub provinces: usize,
    /// How a corporation's share, the shortfall and transfers are defined.
    pub definitions: Vec<String>,
    /// Assumptions in force.
    pub assumptions: Vec<String>,
    /// Remarks.
    pub notes: Vec<String>,
    /// Per level, own first.
    pub levels: Vec<LevelSummary>,
    /// Per corporation, in stock order.
    pub corporation_rows: Vec<CorporationRow>,
    /// Per region, in stock order.
    pub region_rows: Vec<RegionRow>,
    /// The merged own-task plan, evaluated.
    pub outcome: SectorOutcome,
    /// Timings.
    pub timings: SectorTimings,
}

impl SectorReport {
    /// The summary of `level`, if reported.
    pub fn level(&self, level: Level) -> Option<&LevelSummary> {
        self.levels.iter().find(|l| l.level == level)
    }
}

/// Rounds away float dust (and negative zeros) below half a cent.
fn clean(v: f64) -> f64 {
    if v.abs() < 0.005 {
        0.0
    } else {
        v
    }
}

fn money(v: f64) -> String {
    format!("{:.2}", clean(v))
}

fn ratio(v: f64) -> String {
    format!("{v:.6}")
}

/// Writes sector_corporations.csv.
pub fn write_corporations_csv<W: Write>(out: W, report: &SectorReport) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "corporation",
        "region",
        "province",
        "dwellings",
        "units",
        "task_cost_eur",
        "task_cost_discounted_eur",
        "task_reduction_kwh",
        "task_dwellings_treated",
        "task_targets_missed",
        "capacity_eur",
        "reserve_eur",
        "reserve_basis",
        "available_eur",
        "reserve_deficit_eur",
    ]
    .map(String::from)
    .to_vec();
    push_level_header(&mut header, report, "transfer_eur");
    w.write_record(&header)?;
    for c in &report.corporation_rows {
        let mut row = vec![
            crate::text::csv_safe(&c.corporation).into_owned(),
            crate::text::csv_safe(&c.region).into_owned(),
            c.province.clone(),
            c.dwellings.to_string(),
            c.units.to_string(),
            money(c.task_cost_eur),
            money(c.task_cost_discounted_eur),
            format!("{:.1}", c.task_reduction_kwh),
            c.task_dwellings_treated.to_string(),
            c.task_targets_missed
                .iter()
                .map(|k| k.key())
                .collect::<Vec<_>>()
                .join(" "),
            money(c.capacity_eur),
            money(c.reserve_eur),
            c.reserve_basis.to_string(),
            money(c.available_eur),
            money(c.reserve_deficit_eur),
        ];
        for l in &c.levels {
            push_level_cells(
                &mut row,
                l.level,
                [l.transfer_eur, l.shortfall_eur],
                [l.feasible_share_reduction, l.feasible_share_dwellings],
            );
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// The per-level columns of the corporation and region tables, in the order
/// [`push_level_cells`] fills them: a transfer (`{level}_{transfer}`, none at the corporation's
/// own level), the shortfall left and the two fundable shares.
fn push_level_header(header: &mut Vec<String>, report: &SectorReport, transfer: &str) {
    for l in &report.levels {
        let name = l.level.as_str();
        if l.level != Level::Own {
            header.push(format!("{name}_{transfer}"));
        }
        header.push(format!("{name}_shortfall_eur"));
        header.push(format!("{name}_feasible_share_reduction"));
        header.push(format!("{name}_feasible_share_dwellings"));
    }
}

/// One level's cells of a corporation or region row, under [`push_level_header`]'s columns:
/// `[transfer, shortfall]` in euros, `[reduction, dwellings]` fundable shares.
fn push_level_cells(row: &mut Vec<String>, level: Level, eur: [f64; 2], shares: [f64; 2]) {
    if level != Level::Own {
        row.push(money(eur[0]));
    }
    row.push(money(eur[1]));
    row.push(ratio(shares[0]));
    row.push(ratio(shares[1]));
}

/// Writes sector_regions.csv.
pub fn write_regions_csv<W: Write>(out: W, report: &SectorReport) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "region",
        "province",
        "corporations",
        "dwellings",
        "task_cost_eur",
        "available_eur",
    ]
    .map(String::from)
    .to_vec();
    push_level_header(&mut header, report, "transfer_in_eur");
    w.write_record(&header)?;
    for r in &report.region_rows {
        let mut row = vec![
            crate::text::csv_safe(&r.region).into_owned(),
            r.province.clone(),
            r.corporations.to_string(),
            r.dwellings.to_string(),
            money(r.task_cost_eur),
            money(r.available_eur),
        ];
        for l in &r.levels {
            push_level_cells(
                &mut row,
                l.level,
                [l.transfer_eur, l.shortfall_eur],
                [l.feasible_share_reduction, l.feasible_share_dwellings],
            );
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// The summary written as sector_summary.json: everything but the per-corporation and
/// per-region rows (those are in the CSV files).
#[derive(Serialize)]
struct SummaryJson<'a> {
    scenario: &'a str,
    stock: &'a str,
    capacity_table: &'a str,
    first_year: u16,
    last_year: u16,
    dwellings: u64,
    corporations: usize,
    regions: usize,
    provinces: usize,
    definitions: &'a [String],
    assumptions: &'a [String],
    notes: &'a [String],
    levels: &'a [LevelSummary],
    outcome_of_own_tasks: &'a SectorOutcome,
    timings: SectorTimings,
}

/// Writes the three sector files into `out` atomically (all or none).
pub fn write_outputs(report: &mut SectorReport, out: &Path) -> Result<(), SectorError> {
    let t = Instant::now();
    let write_error = |source| SectorError::Write {
        path: out.to_path_buf(),
        source,
    };
    let dir = OutputDir::create(out).map_err(write_error)?;
    dir.write("sector_corporations.csv", |w| {
        write_corporations_csv(w, report)
    })
    .map_err(write_error)?;
    dir.write("sector_regions.csv", |w| write_regions_csv(w, report))
        .map_err(write_error)?;
    dir.write("sector.xlsx", |w| {
        report::write_workbook(w, report).map_err(io::Error::other)
    })
    .map_err(write_error)?;
    let mut charts = Vec::new();
    for chart in report::SectorChart::ALL {
        let svg = report::svg(chart, report).map_err(|e| write_error(io::Error::other(e)))?;
        dir.write(&format!("{}.svg", chart.file_stem()), |w| {
            w.write_all(svg.as_bytes())
        })
        .map_err(write_error)?;
        report::png(
            chart,
            report,
            &dir.staged_path(&format!("{}.png", chart.file_stem())),
        )
        .map_err(|e| write_error(io::Error::other(e)))?;
        charts.push((chart, svg));
    }
    let page = report::html(report, &charts);
    dir.write("sector_report.html", |w| w.write_all(page.as_bytes()))
        .map_err(write_error)?;
    report.timings.write = t.elapsed().as_secs_f64();
    report.timings.total += report.timings.write;
    let summary = SummaryJson {
        scenario: &report.scenario,
        stock: &report.stock,
        capacity_table: &report.capacity_table,
        first_year: report.first_year,
        last_year: report.last_year,
        dwellings: report.dwellings,
        corporations: report.corporations,
        regions: report.regions,
        provinces: report.provinces,
        definitions: &report.definitions,
        assumptions: &report.assumptions,
        notes: &report.notes,
        levels: &report.levels,
        outcome_of_own_tasks: &report.outcome,
        timings: report.timings,
    };
    dir.write("sector_summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &summary).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })
    .map_err(write_error)?;
    dir.commit().map_err(write_error)
}

/// A short aligned summary for the terminal.
pub fn text_summary(report: &SectorReport, out: &str) -> String {
    let m = |v: f64| format!("€ {:.1} M", clean(v / 1e6 * 200.0) / 200.0);
    let mut s = format!(
        "Sector: {} dwellings of {} corporations in {} regions, {}–{}\n",
        report.dwellings, report.corporations, report.regions, report.first_year, report.last_year
    );
    s.push_str(&format!(
        "  {:<11} {:>16} {:>16} {:>16} {:>8} {:>10} {:>10} {:>10}\n",
        "level",
        "task cost",
        "shortfall",
        "transferred",
        "short",
        "feas.cost",
        "feas.kWh",
        "feas.dw"
    ));
    for l in &report.levels {
        s.push_str(&format!(
            "  {:<11} {:>16} {:>16} {:>16} {:>8} {:>9.1}% {:>9.1}% {:>9.1}%\n",
            l.level.as_str(),
            m(l.total_cost_eur),
            m(l.total_shortfall_eur),
            m(l.total_transferred_eur),
            l.corporations_short,
            100.0 * l.feasible_share_cost,
            100.0 * l.feasible_share_reduction,
            100.0 * l.feasible_share_dwellings,
        ));
    }
    if let Some(own) = report.level(Level::Own) {
        s.push_str(&format!(
            "  available money {} (capacity − reserve); short = corporations with a shortfall left\n",
            m(own.total_available_eur)
        ));
    }
    let mut regions: Vec<&RegionRow> = report.region_rows.iter().collect();
    let regional = report
        .levels
        .iter()
        .position(|l| l.level == Level::Regional);
    if let Some(l) = regional {
        regions.sort_by(|a, b| {
            b.levels[l]
                .shortfall_eur
                .total_cmp(&a.levels[l].shortfall_eur)
        });
        let short: Vec<&&RegionRow> = regions
            .iter()
            .filter(|r| r.levels[l].shortfall_eur > 0.005)
            .take(5)
            .collect();
        if !short.is_empty() {
            s.push_str("Largest regional shortfalls (after regional solidarity):\n");
            for r in short {
                s.push_str(&format!(
                    "  {:<24} {:>16}\n",
                    r.region,
                    m(r.levels[l].shortfall_eur)
                ));
            }
        }
    }
    for a in &report.assumptions {
        s.push_str(&format!("Assumption: {a}\n"));
    }
    for n in &report.notes {
        s.push_str(&format!("Note: {n}\n"));
    }
    s.push_str(&format!(
        "Outputs in {out}/ ({:.2} s)\n",
        report.timings.total
    ));
    s
}
