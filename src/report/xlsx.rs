//! `plan.xlsx`: the plan's figures as a workbook for people who live in Excel.
//!
//! Sheets Summary, Trajectory, Plan, Dwellings, Labels and Targets hold the same figures as the
//! CSV files (numbers as numbers, with € / kWh/m² / % formats), each with a bold frozen header
//! row, an autofilter and column widths that fit the headers.

use std::io::{Seek, Write};

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

use super::Summary;
use crate::label::EnergyLabel;
use crate::pipeline::PlanRun;

/// Excel's last row index (1,048,576 rows, the header included).
const EXCEL_MAX_ROW: u32 = 1_048_575;

/// Number formats used across the sheets.
struct Formats {
    euro: Format,
    euro_cents: Format,
    kwh_m2: Format,
    kwh: Format,
    share: Format,
    count: Format,
    ratio: Format,
    text: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            euro: Format::new().set_num_format("€ #,##0"),
            euro_cents: Format::new().set_num_format("€ #,##0.00"),
            kwh_m2: Format::new().set_num_format("0.0"),
            kwh: Format::new().set_num_format("#,##0"),
            share: Format::new().set_num_format("0.0%"),
            count: Format::new().set_num_format("#,##0"),
            ratio: Format::new().set_num_format("0.0000"),
            text: Format::new(),
        }
    }
}

/// A column of a sheet: header text, width, and the format of its numbers.
struct Column<'f> {
    header: &'static str,
    width: f64,
    format: &'f Format,
}

fn column<'f>(header: &'static str, width: f64, format: &'f Format) -> Column<'f> {
    Column {
        header,
        width,
        format,
    }
}

/// Writes the header row (bold, wrapped, shaded), the column widths, a frozen header pane and an
/// autofilter over `rows` data rows: the house style of every sheet heatpath writes.
pub(crate) fn header_row(
    sheet: &mut Worksheet,
    columns: &[(&str, f64)],
    rows: u32,
) -> Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color("#E8EEF4");
    for (c, (name, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if !columns.is_empty() {
        sheet.autofilter(0, 0, rows.max(1), columns.len() as u16 - 1)?;
    }
    Ok(())
}

/// [`header_row`] for a table of [`Column`]s.
fn table(sheet: &mut Worksheet, columns: &[Column], rows: u32) -> Result<(), XlsxError> {
    let named: Vec<(&str, f64)> = columns.iter().map(|c| (c.header, c.width)).collect();
    // A column's number format belongs to the column: cells written without a format of their
    // own take it. Formatting each cell instead hashed the format once per cell, which was most
    // of the time of an 80,000-row Dwellings sheet.
    for (c, column) in columns.iter().enumerate() {
        sheet.set_column_format(c as u16, column.format)?;
    }
    header_row(sheet, &named, rows)
}

/// A cell value.
enum Cell<'s> {
    Number(f64),
    Text(&'s str),
    Empty,
}

/// Writes one row of a [`table`]: numbers take their column's format.
fn write_row(sheet: &mut Worksheet, row: u32, cells: &[Cell]) -> Result<(), XlsxError> {
    for (c, cell) in cells.iter().enumerate() {
        match cell {
            Cell::Number(v) if v.is_finite() => {
                sheet.write_number(row, c as u16, *v)?;
            }
            Cell::Number(_) | Cell::Empty => {}
            Cell::Text(t) => {
                sheet.write_string(row, c as u16, *t)?;
            }
        }
    }
    Ok(())
}

fn optional(value: Option<f64>) -> Cell<'static> {
    value.map(Cell::Number).unwrap_or(Cell::Empty)
}

fn summary_sheet(sheet: &mut Worksheet, f: &Formats, s: &Summary) -> Result<(), XlsxError> {
    sheet.set_name("Summary")?;
    let columns = [
        column("item", 34.0, &f.text),
        column("value", 22.0, &f.text),
    ];
    // Hard targets only: expected outcomes are reported in the Targets sheet, not counted.
    let hard = s.targets.iter().filter(|t| t.hard).count();
    let met = s.targets.iter().filter(|t| t.hard && t.met).count();
    let rows: Vec<(&str, Cell, &Format)> = vec![
        ("scenario", Cell::Text(&s.scenario), &f.text),
        ("stock", Cell::Text(&s.stock), &f.text),
        ("catalogue", Cell::Text(&s.catalogue), &f.text),
        ("solver", Cell::Text(s.solver), &f.text),
        ("status", Cell::Text(s.status), &f.text),
        (
            "all targets met",
            Cell::Text(if s.all_targets_met { "yes" } else { "no" }),
            &f.text,
        ),
        ("enforced targets met", Cell::Number(met as f64), &f.count),
        ("enforced targets", Cell::Number(hard as f64), &f.count),
        (
            "expected outcomes (reported, not enforced)",
            Cell::Number((s.targets.len() - hard) as f64),
            &f.count,
        ),
        ("dwellings", Cell::Number(s.dwellings as f64), &f.count),
        ("decision units", Cell::Number(s.units as f64), &f.count),
        (
            "units treated",
            Cell::Number(s.units_treated as f64),
            &f.count,
        ),
        ("first year", Cell::Number(s.first_year.into()), &f.text),
        ("last year", Cell::Number(s.last_year.into()), &f.text),
        (
            "total investment (€)",
            Cell::Number(s.total_investment_eur),
            &f.euro,
        ),
        ("cost basis", Cell::Text(&s.cost_basis.label), &f.text),
        (
            "discounted investment, objective (€)",
            Cell::Number(s.objective_eur),
            &f.euro,
        ),
        ("lower bound (€)", optional(s.lower_bound_eur), &f.euro),
        ("gap", optional(s.gap), &f.ratio),
        ("LP bound (€)", optional(s.lp_bound_eur), &f.euro),
        (
            "penalty for missed targets (€)",
            optional(s.penalty_eur),
            &f.euro,
        ),
        (
            "average heat demand baseline (kWh/m²)",
            Cell::Number(s.baseline.avg_heat_demand_kwh_m2),
            &f.kwh_m2,
        ),
        (
            "average heat demand last year (kWh/m²)",
            Cell::Number(s.last.avg_heat_demand_kwh_m2),
            &f.kwh_m2,
        ),
        (
            "label A or better, baseline",
            Cell::Number(s.baseline.label_a_or_better_share),
            &f.share,
        ),
        (
            "label A or better, last year",
            Cell::Number(s.last.label_a_or_better_share),
            &f.share,
        ),
        (
            "gas-free dwellings, baseline",
            Cell::Number(s.baseline.gas_free_count as f64),
            &f.count,
        ),
        (
            "gas-free dwellings, last year",
            Cell::Number(s.last.gas_free_count as f64),
            &f.count,
        ),
        (
            "tenants' saving, last year (€/yr)",
            Cell::Number(s.last.tenant_savings_eur),
            &f.euro,
        ),
        (
            "households improved",
            Cell::Number(s.households_improved.count as f64),
            &f.count,
        ),
        (
            "households improved, average saving (€/yr)",
            Cell::Number(s.households_improved.avg_saving_eur_per_year),
            &f.euro,
        ),
        (
            "households improved, definition",
            Cell::Text(&s.households_improved.definition),
            &f.text,
        ),
        (
            "bills, energy use and CO2 on",
            Cell::Text(&s.energy_use_basis.label),
            &f.text,
        ),
        ("path", Cell::Text(&s.path.note), &f.text),
    ];
    table(sheet, &columns, rows.len() as u32)?;
    let mut r = 1u32;
    for (item, value, format) in &rows {
        sheet.write_string(r, 0, *item)?;
        match value {
            Cell::Number(v) if v.is_finite() => {
                sheet.write_number_with_format(r, 1, *v, format)?;
            }
            Cell::Text(t) => {
                sheet.write_string(r, 1, *t)?;
            }
            _ => {}
        }
        r += 1;
    }
    for note in &s.notes {
        sheet.write_string(r, 0, "note")?;
        sheet.write_string(r, 1, note)?;
        r += 1;
    }
    Ok(())
}

fn trajectory_sheet(sheet: &mut Worksheet, f: &Formats, run: &PlanRun) -> Result<(), XlsxError> {
    sheet.set_name("Trajectory")?;
    let columns = [
        column("year", 8.0, &f.text),
        column("avg_heat_demand_kwh_m2", 14.0, &f.kwh_m2),
        column("path_target_kwh_m2", 14.0, &f.kwh_m2),
        column("label_a_or_better_share", 14.0, &f.share),
        column("efg_count", 11.0, &f.count),
        column("gas_free_count", 12.0, &f.count),
        column("low_temp_ready_share", 14.0, &f.share),
        column("spend_eur", 16.0, &f.euro),
        column("cumulative_spend_eur", 16.0, &f.euro),
        column("co2_tonnes", 13.0, &f.kwh),
        column("tenant_savings_eur", 15.0, &f.euro),
        column("avg_ep2_kwh_m2", 12.0, &f.kwh_m2),
        column("avg_distance_to_standaard_kwh_m2", 16.0, &f.kwh_m2),
        column("dwellings_treated", 12.0, &f.count),
        column("cumulative_dwellings_treated", 14.0, &f.count),
        column("discounted_spend_eur", 16.0, &f.euro),
        column("budget_eur", 16.0, &f.euro),
        column("households_improved", 12.0, &f.count),
        column("avg_saving_per_improved_household_eur", 16.0, &f.euro),
        column("gas_free_conversions", 12.0, &f.count),
        column("ready_for_sustainable_heat_share", 14.0, &f.share),
        column("direct_co2_kg_m2", 12.0, &f.kwh_m2),
        column("dwellings", 11.0, &f.count),
        column("dwellings_new_build", 12.0, &f.count),
        column("dwellings_removed", 12.0, &f.count),
        column("path_achieved_kwh_m2", 14.0, &f.kwh_m2),
    ];
    let rows = &run.evaluation.trajectory;
    table(sheet, &columns, rows.len() as u32)?;
    for (i, r) in rows.iter().enumerate() {
        write_row(
            sheet,
            i as u32 + 1,
            &[
                Cell::Number(r.year.into()),
                Cell::Number(r.avg_heat_demand_kwh_m2),
                optional(r.path_target_kwh_m2),
                Cell::Number(r.label_a_or_better_share),
                Cell::Number(r.efg_count as f64),
                Cell::Number(r.gas_free_count as f64),
                Cell::Number(r.low_temp_ready_share),
                Cell::Number(r.spend_eur),
                Cell::Number(r.cumulative_spend_eur),
                Cell::Number(r.co2_tonnes),
                Cell::Number(r.tenant_savings_eur),
                Cell::Number(r.avg_ep2_kwh_m2),
                Cell::Number(r.avg_distance_to_standaard_kwh_m2),
                Cell::Number(r.dwellings_treated as f64),
                Cell::Number(r.cumulative_dwellings_treated as f64),
                Cell::Number(r.discounted_spend_eur),
                optional(r.budget_eur),
                Cell::Number(r.households_improved as f64),
                Cell::Number(r.avg_saving_per_improved_household_eur),
                Cell::Number(r.gas_free_conversions as f64),
                Cell::Number(r.ready_for_sustainable_heat_share),
                Cell::Number(r.direct_co2_kg_m2),
                Cell::Number(r.dwellings as f64),
                Cell::Number(r.dwellings_new_build as f64),
                Cell::Number(r.dwellings_removed as f64),
                Cell::Number(r.path_achieved_kwh_m2),
            ],
        )?;
    }
    Ok(())
}

fn plan_sheet(sheet: &mut Worksheet, f: &Formats, run: &PlanRun) -> Result<(), XlsxError> {
    sheet.set_name("Plan")?;
    let p = &run.prepared;
    let columns = [
        column("unit_id", 14.0, &f.text),
        column("dwellings", 10.0, &f.count),
        column("year", 8.0, &f.text),
        column("package", 22.0, &f.text),
        column("measures", 40.0, &f.text),
        column("cost_eur", 14.0, &f.euro),
        column("heat_demand_reduction_kwh", 16.0, &f.kwh),
        column("discounted_cost_eur", 14.0, &f.euro),
        column("cost_per_kwh_eur", 12.0, &f.euro_cents),
        column("label_a_or_better_after", 12.0, &f.count),
        column("gas_free_after", 10.0, &f.count),
        column("efg_after", 10.0, &f.count),
    ];
    let mut units: Vec<(u16, usize)> = run
        .solution
        .plan
        .assigned()
        .map(|(u, c)| (c.year, u))
        .collect();
    units.sort_unstable();
    table(sheet, &columns, units.len() as u32)?;
    for (i, &(_, u)) in units.iter().enumerate() {
        let outcome = &run.evaluation.units[u];
        let Some(choice) = outcome.choice else {
            continue;
        };
        let package = &p.catalogue.packages[choice.package as usize];
        let measures = package.spec.measures();
        let after = |f: &dyn Fn(&crate::performance::Performance) -> bool| {
            p.units
                .members(u)
                .iter()
                .filter(|&&d| f(&run.evaluation.dwellings[d as usize].after))
                .count() as f64
        };
        let per_kwh = (outcome.heat_demand_reduction_kwh > 0.0)
            .then(|| outcome.cost_eur / outcome.heat_demand_reduction_kwh);
        write_row(
            sheet,
            i as u32 + 1,
            &[
                Cell::Text(&p.units.units[u].id),
                Cell::Number(outcome.dwellings.into()),
                Cell::Number(choice.year.into()),
                Cell::Text(package.id()),
                Cell::Text(&measures),
                Cell::Number(outcome.cost_eur),
                Cell::Number(outcome.heat_demand_reduction_kwh),
                Cell::Number(outcome.discounted_cost_eur),
                optional(per_kwh),
                Cell::Number(after(&|a| a.label.is_a_or_better())),
                Cell::Number(after(&|a| a.gas_free)),
                Cell::Number(after(&|a| a.label.is_efg())),
            ],
        )?;
    }
    Ok(())
}

/// Whether the Dwellings sheet fits in Excel's row limit.
pub fn dwellings_fit(run: &PlanRun) -> bool {
    run.prepared.stock.dwellings.len() as u64
        + run.prepared.changes.new_build_dwellings_by(u16::MAX)
        <= u64::from(EXCEL_MAX_ROW)
}

fn dwellings_sheet(sheet: &mut Worksheet, f: &Formats, run: &PlanRun) -> Result<(), XlsxError> {
    sheet.set_name("Dwellings")?;
    let p = &run.prepared;
    let columns = [
        column("dwelling_id", 14.0, &f.text),
        column("unit_id", 14.0, &f.text),
        column("floor_area_m2", 10.0, &f.kwh_m2),
        column("year", 8.0, &f.text),
        column("package", 20.0, &f.text),
        column("cost_eur", 12.0, &f.euro),
        column("heat_demand_before_kwh_m2", 12.0, &f.kwh_m2),
        column("heat_demand_after_kwh_m2", 12.0, &f.kwh_m2),
        column("ep2_before", 10.0, &f.kwh_m2),
        column("ep2_after", 10.0, &f.kwh_m2),
        column("label_before", 9.0, &f.text),
        column("label_after", 9.0, &f.text),
        column("gas_free_before", 9.0, &f.text),
        column("gas_free_after", 9.0, &f.text),
        column("standaard_kwh_m2", 11.0, &f.kwh_m2),
        column("low_temp_ready_after", 11.0, &f.text),
        column("energy_bill_saving_eur", 12.0, &f.euro),
        column("in_stock_from", 9.0, &f.text),
        column("in_stock_until", 9.0, &f.text),
    ];
    if !dwellings_fit(run) {
        sheet.write_string(
            0,
            0,
            format!(
                "{} dwellings do not fit in one Excel sheet (1,048,575 rows): see plan_dwellings.csv",
                p.stock.dwellings.len() as u64 + p.changes.new_build_dwellings_by(u16::MAX)
            ),
        )?;
        return Ok(());
    }
    let n = p.stock.dwellings.len();
    let new_build = p.changes.new_build_dwellings_by(u16::MAX) as usize;
    table(sheet, &columns, (n + new_build) as u32)?;
    let yes_no = |b: bool| if b { "true" } else { "false" };
    for (i, (d, o)) in p
        .stock
        .dwellings
        .iter()
        .zip(&run.evaluation.dwellings)
        .enumerate()
    {
        let package = o
            .choice
            .map(|c| Cell::Text(p.catalogue.packages[c.package as usize].id()))
            .unwrap_or(Cell::Empty);
        write_row(
            sheet,
            i as u32 + 1,
            &[
                Cell::Text(&d.id),
                Cell::Text(&p.units.units[o.unit as usize].id),
                Cell::Number(d.floor_area_m2),
                optional(o.choice.map(|c| c.year.into())),
                package,
                Cell::Number(o.cost_eur),
                Cell::Number(o.before.qh_nd_kwh_m2),
                Cell::Number(o.after.qh_nd_kwh_m2),
                Cell::Number(o.before.ep2_kwh_m2),
                Cell::Number(o.after.ep2_kwh_m2),
                Cell::Text(o.before.label.as_str()),
                Cell::Text(o.after.label.as_str()),
                Cell::Text(yes_no(o.before.gas_free)),
                Cell::Text(yes_no(o.after.gas_free)),
                Cell::Number(o.before.standaard_kwh_m2),
                Cell::Text(yes_no(o.after.low_temp_ready)),
                Cell::Number(o.before.energy_bill_eur - o.after.energy_bill_eur),
                Cell::Empty,
                optional(
                    p.changes
                        .exit_of(o.unit as usize)
                        .map(|e| f64::from(e.year - 1)),
                ),
            ],
        )?;
    }
    // New builds after the stock's dwellings, as in plan_dwellings.csv.
    let mut row = n as u32;
    for cohort in &p.changes.new_build {
        let d = &cohort.dwelling;
        let q = &cohort.performance;
        for k in 1..=cohort.dwellings {
            row += 1;
            let id = format!("{}-{k}", cohort.project);
            write_row(
                sheet,
                row,
                &[
                    Cell::Text(&id),
                    Cell::Text(&cohort.project),
                    Cell::Number(d.floor_area_m2),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Number(0.0),
                    Cell::Number(q.qh_nd_kwh_m2),
                    Cell::Number(q.qh_nd_kwh_m2),
                    Cell::Number(q.ep2_kwh_m2),
                    Cell::Number(q.ep2_kwh_m2),
                    Cell::Text(q.label.as_str()),
                    Cell::Text(q.label.as_str()),
                    Cell::Text(yes_no(q.gas_free)),
                    Cell::Text(yes_no(q.gas_free)),
                    Cell::Number(q.standaard_kwh_m2),
                    Cell::Text(yes_no(q.low_temp_ready)),
                    Cell::Number(0.0),
                    Cell::Number(cohort.year.into()),
                    Cell::Empty,
                ],
            )?;
        }
    }
    Ok(())
}

fn labels_sheet(sheet: &mut Worksheet, f: &Formats, run: &PlanRun) -> Result<(), XlsxError> {
    sheet.set_name("Labels")?;
    const COUNT_HEADERS: [&str; 11] = [
        "A++++", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G",
    ];
    const SHARE_HEADERS: [&str; 11] = [
        "A++++ share",
        "A+++ share",
        "A++ share",
        "A+ share",
        "A share",
        "B share",
        "C share",
        "D share",
        "E share",
        "F share",
        "G share",
    ];
    debug_assert_eq!(EnergyLabel::ALL.len(), COUNT_HEADERS.len());
    let mut columns = vec![column("year", 8.0, &f.text)];
    columns.extend(COUNT_HEADERS.iter().map(|h| column(h, 9.0, &f.count)));
    columns.extend(SHARE_HEADERS.iter().map(|h| column(h, 9.0, &f.share)));
    let rows = &run.evaluation.trajectory;
    table(sheet, &columns, rows.len() as u32)?;
    for (i, r) in rows.iter().enumerate() {
        let total: u64 = r.label_counts.iter().sum();
        let mut cells = vec![Cell::Number(r.year.into())];
        cells.extend(r.label_counts.iter().map(|&c| Cell::Number(c as f64)));
        cells.extend(
            r.label_counts
                .iter()
                .map(|&c| Cell::Number(c as f64 / total.max(1) as f64)),
        );
        write_row(sheet, i as u32 + 1, &cells)?;
    }
    Ok(())
}

fn targets_sheet(sheet: &mut Worksheet, f: &Formats, s: &Summary) -> Result<(), XlsxError> {
    sheet.set_name("Targets")?;
    let columns = [
        column("name", 20.0, &f.text),
        column("year", 8.0, &f.text),
        column("target", 12.0, &f.ratio),
        column("achieved", 12.0, &f.ratio),
        column("met", 8.0, &f.text),
        column("shortfall", 12.0, &f.ratio),
        column("unit", 12.0, &f.text),
    ];
    table(sheet, &columns, s.targets.len() as u32)?;
    for (i, t) in s.targets.iter().enumerate() {
        write_row(
            sheet,
            i as u32 + 1,
            &[
                Cell::Text(t.kind.key()),
                Cell::Number(t.year.into()),
                Cell::Number(t.target),
                Cell::Number(t.achieved),
                Cell::Text(if t.met { "yes" } else { "no" }),
                Cell::Number(t.shortfall),
                Cell::Text(t.unit),
            ],
        )?;
    }
    Ok(())
}

/// Writes `plan.xlsx` for `run` into `out`.
pub fn write_workbook<W: Write + Seek + Send>(
    out: W,
    run: &PlanRun,
    summary: &Summary,
) -> Result<(), XlsxError> {
    let f = Formats::new();
    let mut workbook = Workbook::new();
    // Deflate level 1 (and zmij's float formatting) took the 80,000-dwelling output stage
    // from 2.2 s to 1.2 s against the default level 6.
    workbook.set_zip_compression_level(1);
    // The creation time would otherwise be the clock's: same inputs, same bytes.
    let created = ExcelDateTime::from_ymd(summary.first_year.saturating_sub(1), 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("heatpath renovation plan")
            .set_creation_datetime(&created),
    );
    summary_sheet(workbook.add_worksheet(), &f, summary)?;
    trajectory_sheet(workbook.add_worksheet(), &f, run)?;
    plan_sheet(workbook.add_worksheet(), &f, run)?;
    // A sheet of a dwelling per row is written row by row to a temporary file, not held in
    // memory: 80,000 dwellings are 1.4 million cells.
    dwellings_sheet(workbook.add_worksheet_with_constant_memory()?, &f, run)?;
    labels_sheet(workbook.add_worksheet(), &f, run)?;
    targets_sheet(workbook.add_worksheet(), &f, summary)?;
    workbook.save_to_writer(out)
}
