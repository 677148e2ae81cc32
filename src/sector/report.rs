//! The sector analysis for people: `sector.xlsx` (Levels, Corporations, Regions, Transfers),
//! two charts (shortfall by region, feasible share per level) as SVG and PNG, and a
//! self-contained `sector_report.html`.

use std::fmt::Write as _;
use std::io::{Seek, Write};
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::{Level, SectorReport};
use crate::report::charts::{legend, register_font, ChartError, FAMILY};
use crate::report::html::{escape, STYLE};
use crate::report::text::{euros, grouped, percent};
use crate::report::xlsx::header_row;

/// Writes `sector.xlsx`.
pub fn write_workbook<W: Write + Seek + Send>(
    out: W,
    report: &SectorReport,
) -> Result<(), XlsxError> {
    let euro = Format::new().set_num_format("€ #,##0");
    let share = Format::new().set_num_format("0.0%");
    let count = Format::new().set_num_format("#,##0");
    let mut workbook = Workbook::new();
    workbook.set_zip_compression_level(1);
    // A fixed creation time: same inputs, same bytes.
    let created = ExcelDateTime::from_ymd(report.first_year.saturating_sub(1), 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("heatpath sector feasibility")
            .set_creation_datetime(&created),
    );

    let sheet = workbook.add_worksheet().set_name("Levels")?;
    let columns = [
        ("level", 12.0),
        ("pools", 8.0),
        ("total_cost_eur", 16.0),
        ("total_available_eur", 16.0),
        ("total_shortfall_eur", 16.0),
        ("total_transferred_eur", 16.0),
        ("corporations_short", 12.0),
        ("feasible_share_cost", 12.0),
        ("feasible_share_reduction", 12.0),
        ("feasible_share_dwellings", 12.0),
    ];
    header_row(sheet, &columns, report.levels.len() as u32)?;
    for (i, l) in report.levels.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, l.level.as_str())?;
        sheet.write_number_with_format(r, 1, l.pools as f64, &count)?;
        sheet.write_number_with_format(r, 2, l.total_cost_eur, &euro)?;
        sheet.write_number_with_format(r, 3, l.total_available_eur, &euro)?;
        sheet.write_number_with_format(r, 4, l.total_shortfall_eur, &euro)?;
        sheet.write_number_with_format(r, 5, l.total_transferred_eur, &euro)?;
        sheet.write_number_with_format(r, 6, l.corporations_short as f64, &count)?;
        sheet.write_number_with_format(r, 7, l.feasible_share_cost, &share)?;
        sheet.write_number_with_format(r, 8, l.feasible_share_reduction, &share)?;
        sheet.write_number_with_format(r, 9, l.feasible_share_dwellings, &share)?;
    }

    let levels: Vec<Level> = report.levels.iter().map(|l| l.level).collect();
    let sheet = workbook.add_worksheet().set_name("Corporations")?;
    let mut names: Vec<String> = [
        "corporation",
        "region",
        "province",
        "dwellings",
        "task_cost_eur",
        "capacity_eur",
        "reserve_eur",
        "available_eur",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for l in &levels {
        names.push(format!("{}_shortfall_eur", l.as_str()));
        names.push(format!("{}_transfer_eur", l.as_str()));
    }
    let columns: Vec<(&str, f64)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), if i < 3 { 18.0 } else { 15.0 }))
        .collect();
    header_row(sheet, &columns, report.corporation_rows.len() as u32)?;
    for (i, c) in report.corporation_rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &c.corporation)?;
        sheet.write_string(r, 1, &c.region)?;
        sheet.write_string(r, 2, &c.province)?;
        sheet.write_number_with_format(r, 3, c.dwellings as f64, &count)?;
        sheet.write_number_with_format(r, 4, c.task_cost_eur, &euro)?;
        sheet.write_number_with_format(r, 5, c.capacity_eur, &euro)?;
        sheet.write_number_with_format(r, 6, c.reserve_eur, &euro)?;
        sheet.write_number_with_format(r, 7, c.available_eur, &euro)?;
        for (j, l) in c.levels.iter().enumerate() {
            sheet.write_number_with_format(r, 8 + 2 * j as u16, l.shortfall_eur, &euro)?;
            sheet.write_number_with_format(r, 9 + 2 * j as u16, l.transfer_eur, &euro)?;
        }
    }

    let sheet = workbook.add_worksheet().set_name("Regions")?;
    let mut names: Vec<String> = [
        "region",
        "province",
        "corporations",
        "dwellings",
        "task_cost_eur",
        "available_eur",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for l in &levels {
        names.push(format!("{}_shortfall_eur", l.as_str()));
        names.push(format!("{}_feasible_share_reduction", l.as_str()));
    }
    let columns: Vec<(&str, f64)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), if i < 2 { 18.0 } else { 15.0 }))
        .collect();
    header_row(sheet, &columns, report.region_rows.len() as u32)?;
    for (i, g) in report.region_rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &g.region)?;
        sheet.write_string(r, 1, &g.province)?;
        sheet.write_number_with_format(r, 2, g.corporations as f64, &count)?;
        sheet.write_number_with_format(r, 3, g.dwellings as f64, &count)?;
        sheet.write_number_with_format(r, 4, g.task_cost_eur, &euro)?;
        sheet.write_number_with_format(r, 5, g.available_eur, &euro)?;
        for (j, l) in g.levels.iter().enumerate() {
            sheet.write_number_with_format(r, 6 + 2 * j as u16, l.shortfall_eur, &euro)?;
            sheet.write_number_with_format(
                r,
                7 + 2 * j as u16,
                l.feasible_share_reduction,
                &share,
            )?;
        }
    }

    let sheet = workbook.add_worksheet().set_name("Transfers")?;
    let columns = [
        ("level", 12.0),
        ("pool", 20.0),
        ("corporation", 22.0),
        ("amount_eur", 16.0),
    ];
    let transfers: usize = report.levels.iter().map(|l| l.transfers.len()).sum();
    header_row(sheet, &columns, transfers as u32)?;
    let mut r = 1u32;
    for l in &report.levels {
        for t in &l.transfers {
            sheet.write_string(r, 0, l.level.as_str())?;
            sheet.write_string(r, 1, &t.pool)?;
            sheet.write_string(r, 2, &t.corporation)?;
            sheet.write_number_with_format(r, 3, t.amount_eur, &euro)?;
            r += 1;
        }
    }
    workbook.save_to_writer(out)
}

/// The sector charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorChart {
    /// Shortfall per region, own means against regional pooling.
    ShortfallByRegion,
    /// Feasible share of the task per level.
    FeasibleShare,
}

impl SectorChart {
    /// Both charts.
    pub const ALL: [SectorChart; 2] = [SectorChart::ShortfallByRegion, SectorChart::FeasibleShare];

    /// File stem.
    pub fn file_stem(self) -> &'static str {
        match self {
            SectorChart::ShortfallByRegion => "chart_shortfall_by_region",
            SectorChart::FeasibleShare => "chart_feasible_share",
        }
    }

    fn title(self) -> &'static str {
        match self {
            SectorChart::ShortfallByRegion => "Shortfall per region",
            SectorChart::FeasibleShare => "Feasible share of the task per level of solidarity",
        }
    }

    fn size(self, report: &SectorReport) -> (u32, u32) {
        match self {
            SectorChart::ShortfallByRegion => {
                (960, (160 + 22 * report.region_rows.len() as u32).max(400))
            }
            SectorChart::FeasibleShare => (960, 480),
        }
    }
}

const OWN: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const REGIONAL: RGBColor = RGBColor(0xf3, 0x9c, 0x12);
const SHARE_COLOURS: [RGBColor; 3] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0x4c, 0xb8, 0x48),
    RGBColor(0x8e, 0x44, 0xad),
];

/// Reads one feasible share off a level.
type ShareOf = fn(&super::LevelSummary) -> f64;

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn level_share(report: &SectorReport, level: Level) -> Option<&super::LevelSummary> {
    report.levels.iter().find(|l| l.level == level)
}

fn draw<DB: DrawingBackend>(
    chart: SectorChart,
    root: &DrawingArea<DB, Shift>,
    report: &SectorReport,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let root = root.titled(chart.title(), (FAMILY, 24))?;
    match chart {
        SectorChart::ShortfallByRegion => {
            let own_index = report.levels.iter().position(|l| l.level == Level::Own);
            let regional_index = report
                .levels
                .iter()
                .position(|l| l.level == Level::Regional);
            let value = |g: &super::RegionRow, i: Option<usize>| {
                i.and_then(|i| g.levels.get(i))
                    .map_or(0.0, |l| l.shortfall_eur)
                    / 1e6
            };
            let n = report.region_rows.len();
            let high = report
                .region_rows
                .iter()
                .map(|g| value(g, own_index))
                .fold(0.0, f64::max);
            let high = if high > 0.0 { high * 1.1 } else { 1.0 };
            let names: Vec<String> = report
                .region_rows
                .iter()
                .map(|g| g.region.clone())
                .collect();
            let mut c = ChartBuilder::on(&root)
                .margin(16)
                .x_label_area_size(40)
                .y_label_area_size(150)
                .build_cartesian_2d(0.0..high, -0.5..(n as f64 - 0.5))?;
            c.configure_mesh()
                .y_labels(n)
                .y_label_formatter(&|y| {
                    let i = y.round();
                    if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                        names[i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .x_desc("shortfall (€ million)")
                .label_style((FAMILY, 13))
                .axis_desc_style((FAMILY, 15))
                .disable_y_mesh()
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .draw()?;
            c.draw_series(report.region_rows.iter().enumerate().map(|(i, g)| {
                let y = i as f64;
                Rectangle::new([(0.0, y - 0.4), (value(g, own_index), y)], OWN.filled())
            }))?
            .label("own means")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], OWN.filled()));
            c.draw_series(report.region_rows.iter().enumerate().map(|(i, g)| {
                let y = i as f64;
                Rectangle::new(
                    [(0.0, y), (value(g, regional_index), y + 0.4)],
                    REGIONAL.filled(),
                )
            }))?
            .label("regional solidarity")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], REGIONAL.filled()));
            legend(&mut c, SeriesLabelPosition::LowerRight)?;
        }
        SectorChart::FeasibleShare => {
            let n = report.levels.len();
            let mut c = ChartBuilder::on(&root)
                .margin(16)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..135.0)?;
            let names: Vec<&str> = report.levels.iter().map(|l| l.level.as_str()).collect();
            c.configure_mesh()
                .x_labels(n)
                .x_label_formatter(&|x| {
                    let i = x.round();
                    if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                        names[i as usize].to_string()
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|y| {
                    if *y <= 100.0 {
                        format!("{y:.0} %")
                    } else {
                        String::new()
                    }
                })
                .y_desc("feasible share of the task")
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 15))
                .disable_x_mesh()
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .draw()?;
            let measures: [(&str, ShareOf); 3] = [
                ("by cost", |l| l.feasible_share_cost),
                ("by heat-demand reduction", |l| l.feasible_share_reduction),
                ("by dwellings", |l| l.feasible_share_dwellings),
            ];
            for (m, (name, f)) in measures.iter().enumerate() {
                let colour = SHARE_COLOURS[m];
                let x0 = -0.36 + 0.24 * m as f64;
                c.draw_series(report.levels.iter().enumerate().map(|(i, l)| {
                    let x = i as f64 + x0;
                    Rectangle::new([(x, 0.0), (x + 0.22, 100.0 * f(l))], colour.filled())
                }))?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour.filled())
                });
            }
            legend(&mut c, SeriesLabelPosition::UpperRight)?;
        }
    }
    root.present()
}

/// Draws `chart` as SVG text.
pub fn svg(chart: SectorChart, report: &SectorReport) -> Result<String, ChartError> {
    register_font();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, chart.size(report)).into_drawing_area();
        draw(chart, &root, report).map_err(|e| ChartError {
            chart: chart.file_stem(),
            message: e.to_string(),
        })?;
    }
    Ok(text)
}

/// Draws `chart` as a PNG file.
pub fn png(chart: SectorChart, report: &SectorReport, path: &Path) -> Result<(), ChartError> {
    register_font();
    let root = BitMapBackend::new(path, chart.size(report)).into_drawing_area();
    draw(chart, &root, report).map_err(|e| ChartError {
        chart: chart.file_stem(),
        message: e.to_string(),
    })
}

/// `sector_report.html`: the verdict per level, the charts, the regions, the corporations that
/// fall short, and the definitions and assumptions.
pub fn html(report: &SectorReport, charts: &[(SectorChart, String)]) -> String {
    let mut h = String::with_capacity(128 * 1024);
    let title = format!(
        "Sector feasibility {}–{}: {} corporations, {} dwellings",
        report.first_year,
        report.last_year,
        report.corporations,
        grouped(report.dwellings as f64)
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
        escape(&title)
    );
    let _ = writeln!(
        h,
        "<p class=\"sub\">scenario <code>{}</code> · capacity table <code>{}</code> · {} regions</p>",
        escape(&report.scenario),
        escape(&report.capacity_table),
        report.regions
    );
    let own = level_share(report, Level::Own);
    let national = level_share(report, Level::National);
    let short = own.is_some_and(|o| o.total_shortfall_eur > 0.5);
    let _ = writeln!(
        h,
        "<section class=\"verdict{}\">",
        if national.is_some_and(|n| n.total_shortfall_eur > 0.5) {
            " missed"
        } else {
            ""
        }
    );
    if let (Some(o), Some(n)) = (own, national) {
        let _ = writeln!(
            h,
            "<p class=\"headline\">The task costs {}; with own means {} fall short by {} in total ({} of the task feasible by heat-demand reduction); with national solidarity the shortfall is {}.</p>",
            euros(o.total_cost_eur),
            if short { format!("{} corporations", o.corporations_short) } else { "no corporations".into() },
            euros(o.total_shortfall_eur),
            percent(o.feasible_share_reduction),
            euros(n.total_shortfall_eur)
        );
    }
    let _ = writeln!(h, "</section>");
    let _ = writeln!(h, "<h2>Levels of solidarity</h2>");
    let _ = writeln!(h, "<table><thead><tr><th>level</th><th>pools</th><th>task cost</th><th>available</th><th>shortfall</th><th>transferred</th><th>corporations short</th><th>feasible by cost</th><th>by reduction</th><th>by dwellings</th></tr></thead><tbody>");
    for l in &report.levels {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.level.as_str(),
            l.pools,
            euros(l.total_cost_eur),
            euros(l.total_available_eur),
            euros(l.total_shortfall_eur),
            euros(l.total_transferred_eur),
            l.corporations_short,
            percent(l.feasible_share_cost),
            percent(l.feasible_share_reduction),
            percent(l.feasible_share_dwellings)
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    let _ = writeln!(h, "<h2>Charts</h2>");
    for (chart, svg) in charts {
        let start = svg.find("<svg").unwrap_or(0);
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n</figure>",
            chart.file_stem(),
            &svg[start..]
        );
    }
    let _ = writeln!(h, "<h2>Regions</h2>");
    let _ = write!(h, "<table><thead><tr><th>region</th><th>province</th><th>corporations</th><th>dwellings</th><th>task cost</th><th>available</th>");
    for l in &report.levels {
        let _ = write!(h, "<th>shortfall, {}</th>", l.level.as_str());
    }
    let _ = writeln!(h, "</tr></thead><tbody>");
    for g in &report.region_rows {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(&g.region),
            escape(&g.province),
            g.corporations,
            grouped(g.dwellings as f64),
            euros(g.task_cost_eur),
            euros(g.available_eur)
        );
        for l in &g.levels {
            let _ = write!(h, "<td>{}</td>", euros(l.shortfall_eur));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</tbody></table>");
    let mut short: Vec<&super::CorporationRow> = report
        .corporation_rows
        .iter()
        .filter(|c| c.levels.first().is_some_and(|l| l.shortfall_eur > 0.5))
        .collect();
    short.sort_by(|a, b| {
        b.levels[0]
            .shortfall_eur
            .total_cmp(&a.levels[0].shortfall_eur)
    });
    let _ = writeln!(
        h,
        "<h2>Corporations short with own means</h2>\n<p class=\"note\">{} corporations; the 30 largest shortfalls below, all in <code>sector_corporations.csv</code> and <code>sector.xlsx</code>.</p>",
        short.len()
    );
    let _ = writeln!(h, "<table><thead><tr><th>corporation</th><th>region</th><th>dwellings</th><th>task cost</th><th>available</th><th>shortfall</th></tr></thead><tbody>");
    for c in short.iter().take(30) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.corporation),
            escape(&c.region),
            grouped(c.dwellings as f64),
            euros(c.task_cost_eur),
            euros(c.available_eur),
            euros(c.levels[0].shortfall_eur)
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    let _ = writeln!(
        h,
        "<h2>Definitions and assumptions</h2>\n<ul class=\"notes\">"
    );
    for line in report
        .definitions
        .iter()
        .chain(&report.assumptions)
        .chain(&report.notes)
    {
        let _ = writeln!(h, "<li>{}</li>", escape(line));
    }
    let _ = writeln!(h, "</ul>\n</body>\n</html>");
    h
}
