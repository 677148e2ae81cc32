//! The plan's four charts, drawn with plotters as SVG (for the HTML report and the output
//! folder) and PNG (for slides): average heat demand against the path, the label distribution per
//! year, spend per year against the budget, and the marginal abatement cost curve.
//!
//! Text is laid out and rasterised with DejaVu Sans, embedded in the binary (`assets/fonts/`,
//! Bitstream Vera licence), so that PNGs look the same on every machine without system fonts.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::label::EnergyLabel;
use crate::pipeline::PlanRun;

/// Chart size in pixels (SVG user units).
pub const SIZE: (u32, u32) = (960, 540);

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) const FAMILY: &str = "sans-serif";

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a constant of the binary: it parses, or no chart could ever be drawn.
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .unwrap_or_else(|_| unreachable!("the embedded DejaVu Sans font parses"));
    });
}

/// The charts heatpath draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Average heat demand per year against the path.
    HeatDemand,
    /// Label distribution per year, stacked.
    Labels,
    /// Spend per year against the budget.
    Spend,
    /// Marginal abatement cost curve.
    Abatement,
    /// Where the average's fall comes from per year: renovation, sales and demolitions, new
    /// build (drawn only when the stock moves).
    ReductionSources,
}

impl ChartKind {
    /// Every chart, in report order.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::HeatDemand,
        ChartKind::Labels,
        ChartKind::Spend,
        ChartKind::Abatement,
        ChartKind::ReductionSources,
    ];

    /// Whether the chart has something to show for `data` (the reduction's sources only when
    /// the stock moves).
    pub fn applies(self, data: &ChartData) -> bool {
        self != ChartKind::ReductionSources || !data.reduction_sources.is_empty()
    }

    /// File stem in the output folder (`chart_<stem>.svg` / `.png`).
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::HeatDemand => "chart_heat_demand",
            ChartKind::Labels => "chart_labels",
            ChartKind::Spend => "chart_spend",
            ChartKind::Abatement => "chart_abatement_cost",
            ChartKind::ReductionSources => "chart_reduction_sources",
        }
    }

    /// Title shown above the chart.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::HeatDemand => "Average heat demand against the path",
            ChartKind::Labels => "Energy labels per year",
            ChartKind::Spend => "Investment per year",
            ChartKind::Abatement => "Marginal abatement cost curve",
            ChartKind::ReductionSources => "Where the fall of the average comes from",
        }
    }
}

/// A chart could not be drawn or written.
#[derive(Debug, thiserror::Error)]
#[error("chart {chart}: {message}")]
pub struct ChartError {
    /// The chart's file stem.
    pub chart: &'static str,
    /// What went wrong.
    pub message: String,
}

/// One step of the abatement cost curve: a reduction and its cost per unit of reduction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbatementStep {
    /// Reduction of the path metric (kWh/yr for floor-area-weighted heat demand).
    pub reduction: f64,
    /// Cost (euros at first-year prices) per unit of reduction.
    pub eur_per_unit: f64,
}

/// What the charts show, taken from a plan run.
#[derive(Debug, Clone)]
pub struct ChartData {
    /// Years, baseline first.
    pub years: Vec<u16>,
    /// The path metric's stock average per year (kWh/m²): Q_H,nd, or EP2 for an EP2 path.
    pub heat_demand_kwh_m2: Vec<f64>,
    /// What that average is, for the axis.
    pub metric_description: &'static str,
    /// What the abatement curve's reduction is, for the axis (the path metric × its weight).
    pub reduction_description: &'static str,
    /// Path value per year where the path applies.
    pub path_kwh_m2: Vec<Option<f64>>,
    /// Dwellings per label per year, A++++ first.
    pub label_counts: Vec<[u64; 11]>,
    /// Investment per year (euros of that year), 0 for the baseline.
    pub spend_eur: Vec<f64>,
    /// Budget per year where given.
    pub budget_eur: Vec<Option<f64>>,
    /// The abatement cost curve, cheapest steps first, aggregated to at most a few hundred bars.
    pub abatement: Vec<AbatementStep>,
    /// The reduction the path asks for by its last year (same unit as the steps).
    pub required_reduction: Option<f64>,
    /// Per planning year, when the stock moves: the fall of the path's average since the
    /// baseline by source.
    pub reduction_sources: Vec<super::ReductionSources>,
}

/// Bars of the abatement curve at most (neighbouring steps are merged, cost-weighted).
const ABATEMENT_BARS: usize = 240;

/// Each unit's steps along its lower convex cost/effect hull from "nothing": (reduction, € per
/// unit). Dominated packages never appear; a unit's steps come in rising cost per unit.
fn hull_steps(points: &mut [(f64, f64)]) -> Vec<AbatementStep> {
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut steps = Vec::new();
    let (mut r0, mut c0) = (0.0, 0.0);
    loop {
        let next = points
            .iter()
            .filter(|p| p.0 > r0 + 1e-9)
            .map(|p| ((p.1 - c0) / (p.0 - r0), *p))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(b.1 .0.total_cmp(&a.1 .0)));
        let Some((slope, point)) = next else { break };
        steps.push(AbatementStep {
            reduction: point.0 - r0,
            eur_per_unit: slope.max(0.0),
        });
        (r0, c0) = point;
    }
    steps
}

/// The stock's abatement cost curve from the options at first-year prices.
pub fn abatement_curve(run: &PlanRun) -> Vec<AbatementStep> {
    let o = &run.prepared.options;
    let mut steps: Vec<AbatementStep> = Vec::new();
    let mut points = Vec::new();
    for u in 0..o.n_units() {
        points.clear();
        points.extend(
            o.of_unit(u)
                .filter(|&k| o.path_reduction[k] > 0.0)
                .map(|k| (o.path_reduction[k], o.cost_eur(u, k, 0))),
        );
        steps.extend(hull_steps(&mut points));
    }
    steps.sort_by(|a, b| a.eur_per_unit.total_cmp(&b.eur_per_unit));
    let total: f64 = steps.iter().map(|s| s.reduction).sum();
    if steps.len() <= ABATEMENT_BARS || total <= 0.0 {
        return steps;
    }
    let width = total / ABATEMENT_BARS as f64;
    let mut bars = Vec::with_capacity(ABATEMENT_BARS + 1);
    let (mut reduction, mut cost) = (0.0, 0.0);
    for s in steps {
        reduction += s.reduction;
        cost += s.reduction * s.eur_per_unit;
        if reduction >= width {
            bars.push(AbatementStep {
                reduction,
                eur_per_unit: cost / reduction,
            });
            (reduction, cost) = (0.0, 0.0);
        }
    }
    if reduction > 0.0 {
        bars.push(AbatementStep {
            reduction,
            eur_per_unit: cost / reduction,
        });
    }
    bars
}

impl ChartData {
    /// The figures of `run` the charts show.
    pub fn of(run: &PlanRun) -> ChartData {
        let t = &run.evaluation.trajectory;
        let last_path = t.iter().rev().find_map(|r| r.path_target_kwh_m2);
        use crate::scenario::{Averaging, PathMetric};
        let path = &run.prepared.scenario.path;
        let ep2 = path.metric == PathMetric::Ep2;
        let (metric_description, reduction_description) = match (ep2, path.averaging) {
            (false, Averaging::FloorArea) => (
                "kWh/m² (floor-area average Q_H,nd)",
                "cumulative reduction of heat demand (GWh/yr), cheapest steps first",
            ),
            (false, Averaging::Dwelling) => (
                "kWh/m² (average Q_H,nd per dwelling)",
                "cumulative reduction of Σ Q_H,nd per m² (million kWh/m²), cheapest steps first",
            ),
            (true, Averaging::FloorArea) => (
                "kWh/m² (floor-area average EP2)",
                "cumulative reduction of primary energy EP2 (GWh/yr), cheapest steps first",
            ),
            (true, Averaging::Dwelling) => (
                "kWh/m² (average EP2 per dwelling)",
                "cumulative reduction of Σ EP2 per m² (million kWh/m²), cheapest steps first",
            ),
        };
        ChartData {
            years: t.iter().map(|r| r.year).collect(),
            // What the path is compared with (its metric, on the stock it applies to).
            heat_demand_kwh_m2: t.iter().map(|r| r.path_achieved_kwh_m2).collect(),
            metric_description,
            reduction_description,
            path_kwh_m2: t.iter().map(|r| r.path_target_kwh_m2).collect(),
            label_counts: t.iter().map(|r| r.label_counts).collect(),
            spend_eur: t.iter().map(|r| r.spend_eur).collect(),
            budget_eur: t.iter().map(|r| r.budget_eur).collect(),
            abatement: abatement_curve(run),
            // On the last year's stock (the path's stock of that year, as the model's row).
            required_reduction: last_path.map(|p| {
                let last = run
                    .prepared
                    .options
                    .year_totals(t.len().saturating_sub(2))
                    .path;
                (last.path_sum - p * last.path_weight).max(0.0)
            }),
            reduction_sources: super::reduction_sources(run),
        }
    }
}

/// Fill colour of each label, in the familiar scale from dark green (A++++) to red (G).
pub fn label_colour(label: EnergyLabel) -> RGBColor {
    match label {
        EnergyLabel::A4Plus => RGBColor(0x00, 0x5a, 0x2b),
        EnergyLabel::A3Plus => RGBColor(0x00, 0x73, 0x35),
        EnergyLabel::A2Plus => RGBColor(0x00, 0x8c, 0x3a),
        EnergyLabel::A1Plus => RGBColor(0x1a, 0xa2, 0x3f),
        EnergyLabel::A => RGBColor(0x4c, 0xb8, 0x48),
        EnergyLabel::B => RGBColor(0xa2, 0xcb, 0x3a),
        EnergyLabel::C => RGBColor(0xd7, 0xdf, 0x23),
        EnergyLabel::D => RGBColor(0xff, 0xe1, 0x00),
        EnergyLabel::E => RGBColor(0xfb, 0xb0, 0x34),
        EnergyLabel::F => RGBColor(0xf1, 0x6b, 0x22),
        EnergyLabel::G => RGBColor(0xe3, 0x1d, 0x23),
    }
}

const BLUE: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const BUDGET: RGBColor = RGBColor(0xc0, 0x39, 0x2b);

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws a chart's legend in the house style at `position`.
pub(crate) fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, 15))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()
}

fn draw<DB: DrawingBackend>(
    kind: ChartKind,
    root: &DrawingArea<DB, Shift>,
    d: &ChartData,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let root = root.titled(kind.title(), (FAMILY, 24))?;
    match kind {
        ChartKind::HeatDemand => heat_demand(&root, d)?,
        ChartKind::Labels => labels(&root, d)?,
        ChartKind::Spend => spend(&root, d)?,
        ChartKind::Abatement => abatement(&root, d)?,
        ChartKind::ReductionSources => reduction_sources(&root, d)?,
    }
    root.present()
}

fn year_range(d: &ChartData) -> std::ops::Range<f64> {
    let first = *d.years.first().unwrap_or(&2026) as f64;
    let last = *d.years.last().unwrap_or(&2035) as f64;
    (first - 0.6)..(last + 0.6)
}

fn heat_demand<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> DrawResult<DB> {
    let values = d
        .heat_demand_kwh_m2
        .iter()
        .chain(d.path_kwh_m2.iter().flatten());
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let (low, high) = if low <= high { (low, high) } else { (0.0, 1.0) };
    let margin = ((high - low) * 0.15).max(1.0);
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(year_range(d), (low - margin).max(0.0)..(high + margin))?;
    chart
        .configure_mesh()
        .x_labels(d.years.len())
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_desc(d.metric_description)
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 15))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    let plan: Vec<(f64, f64)> = d
        .years
        .iter()
        .zip(&d.heat_demand_kwh_m2)
        .map(|(&y, &v)| (y as f64, v))
        .collect();
    chart
        .draw_series(LineSeries::new(plan.iter().copied(), BLUE.stroke_width(3)))?
        .label("plan")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], BLUE.stroke_width(3)));
    chart.draw_series(plan.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))?;
    let path: Vec<(f64, f64)> = d
        .years
        .iter()
        .zip(&d.path_kwh_m2)
        .filter_map(|(&y, v)| v.map(|v| (y as f64, v)))
        .collect();
    if !path.is_empty() {
        chart
            .draw_series(DashedLineSeries::new(
                path.iter().copied(),
                10,
                6,
                GREY.stroke_width(2),
            ))?
            .label("path")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], GREY.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn labels<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> DrawResult<DB> {
    let (chart_area, legend_area) = root.split_horizontally(SIZE.0 - 110);
    let mut chart = ChartBuilder::on(&chart_area)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(year_range(d), 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_labels(d.years.len())
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_label_formatter(&|y| format!("{:.0} %", y))
        .y_desc("share of dwellings")
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 15))
        .disable_x_mesh()
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    for (&year, counts) in d.years.iter().zip(&d.label_counts) {
        let total: u64 = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let x = year as f64;
        // G at the bottom, the greens on top, as on the label itself read upwards.
        let mut bottom = 0.0;
        for (i, label) in EnergyLabel::ALL.iter().enumerate().rev() {
            let share = counts[i] as f64 / total as f64 * 100.0;
            if share <= 0.0 {
                continue;
            }
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.36, bottom), (x + 0.36, bottom + share)],
                label_colour(*label).filled(),
            )))?;
            bottom += share;
        }
    }
    for (i, label) in EnergyLabel::ALL.iter().enumerate() {
        let y = 60 + i as i32 * 30;
        legend_area.draw(&Rectangle::new(
            [(8, y), (30, y + 20)],
            label_colour(*label).filled(),
        ))?;
        legend_area.draw(&Text::new(
            label.as_str(),
            (38, y + 2),
            (FAMILY, 15).into_font(),
        ))?;
    }
    Ok(())
}

fn spend<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> DrawResult<DB> {
    let million = 1e6;
    let high = d
        .spend_eur
        .iter()
        .copied()
        .chain(d.budget_eur.iter().flatten().copied())
        .fold(0.0, f64::max)
        / million;
    let high = if high > 0.0 { high * 1.15 } else { 1.0 };
    let planning = |i: usize| i > 0;
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(year_range(d), 0.0..high)?;
    chart
        .configure_mesh()
        .x_labels(d.years.len())
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_desc("€ million (prices of the year)")
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 15))
        .disable_x_mesh()
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    chart
        .draw_series(
            d.years
                .iter()
                .zip(&d.spend_eur)
                .enumerate()
                .filter(|(i, _)| planning(*i))
                .map(|(_, (&y, &s))| {
                    let x = y as f64;
                    Rectangle::new([(x - 0.36, 0.0), (x + 0.36, s / million)], BLUE.filled())
                }),
        )?
        .label("investment")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], BLUE.filled()));
    let budget: Vec<(f64, f64)> = d
        .years
        .iter()
        .zip(&d.budget_eur)
        .filter_map(|(&y, b)| b.map(|b| (y as f64, b / million)))
        .collect();
    if !budget.is_empty() {
        chart
            .draw_series(budget.iter().map(|&(x, b)| {
                PathElement::new([(x - 0.45, b), (x + 0.45, b)], BUDGET.stroke_width(3))
            }))?
            .label("budget")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], BUDGET.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Stacked bars per year: each source's share of the fall since the baseline, a negative share
/// (dwellings better than average sold, say) below the axis.
fn reduction_sources<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &ChartData,
) -> DrawResult<DB> {
    let parts = |r: &super::ReductionSources| {
        [
            (r.renovation_kwh_m2, BLUE),
            (r.sales_and_demolitions_kwh_m2, RGBColor(0xd9, 0x5f, 0x02)),
            (r.new_build_kwh_m2, RGBColor(0x1b, 0x9e, 0x77)),
        ]
    };
    let (mut low, mut high) = (0.0f64, 0.0f64);
    for r in &d.reduction_sources {
        let sum = |positive: bool| {
            parts(r)
                .iter()
                .map(|p| p.0)
                .filter(|v| (*v > 0.0) == positive)
                .sum::<f64>()
        };
        high = high.max(sum(true));
        low = low.min(sum(false));
    }
    let span = (high - low).max(1.0);
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(year_range(d), (low - 0.05 * span)..(high + 0.15 * span))?;
    chart
        .configure_mesh()
        .x_labels(d.years.len())
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_desc(format!(
            "fall since {} (kWh/m²)",
            d.years.first().unwrap_or(&2026)
        ))
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 15))
        .disable_x_mesh()
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    let names = ["renovation", "sales and demolitions", "new build"];
    for (i, name) in names.iter().enumerate() {
        let colour = parts(&d.reduction_sources[0])[i].1;
        chart
            .draw_series(d.reduction_sources.iter().map(|r| {
                let x = f64::from(r.year);
                let p = parts(r);
                let value = p[i].0;
                // Stack on the parts before it of the same sign.
                let base: f64 = p[..i]
                    .iter()
                    .map(|q| q.0)
                    .filter(|v| (*v > 0.0) == (value > 0.0))
                    .sum();
                Rectangle::new(
                    [(x - 0.36, base), (x + 0.36, base + value)],
                    colour.filled(),
                )
            }))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn abatement<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> DrawResult<DB> {
    // kWh/yr → GWh/yr on the x axis; € per kWh/yr on the y axis.
    let giga = 1e6;
    let total: f64 = d.abatement.iter().map(|s| s.reduction).sum::<f64>() / giga;
    let x_high = total
        .max(d.required_reduction.unwrap_or(0.0) / giga)
        .max(1e-9)
        * 1.03;
    // The dearest few per cent of the reduction would flatten the rest: the axis stops at the
    // cost per unit reached at 97 % of the curve, and taller bars are cut at the top.
    let mut cumulative = 0.0;
    let mut y_high = 0.0;
    for s in &d.abatement {
        cumulative += s.reduction / giga;
        y_high = s.eur_per_unit;
        if cumulative >= 0.97 * total {
            break;
        }
    }
    let y_high = if y_high > 0.0 { y_high * 1.15 } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_high, 0.0..y_high)?;
    chart
        .configure_mesh()
        .x_desc(d.reduction_description)
        .y_desc("€ per kWh/yr of reduction")
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 15))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    let mut x = 0.0;
    let bars: Vec<Rectangle<(f64, f64)>> = d
        .abatement
        .iter()
        .map(|s| {
            let width = s.reduction / giga;
            let bar = Rectangle::new(
                [(x, 0.0), (x + width, s.eur_per_unit.min(y_high))],
                BLUE.mix(0.8).filled(),
            );
            x += width;
            bar
        })
        .collect();
    chart.draw_series(bars)?;
    if let Some(required) = d.required_reduction {
        let r = required / giga;
        chart
            .draw_series(DashedLineSeries::new(
                [(r, 0.0), (r, y_high)],
                8,
                5,
                BUDGET.stroke_width(2),
            ))?
            .label(format!("the path needs {r:.1} by its last year"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], BUDGET.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// Draws `kind` as SVG text.
pub fn svg(kind: ChartKind, data: &ChartData) -> Result<String, ChartError> {
    register_font();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw(kind, &root, data).map_err(|e| ChartError {
            chart: kind.file_stem(),
            message: e.to_string(),
        })?;
    }
    Ok(text)
}

/// Draws `kind` as a PNG file at `path`.
pub fn png(kind: ChartKind, data: &ChartData, path: &Path) -> Result<(), ChartError> {
    register_font();
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(kind, &root, data).map_err(|e| ChartError {
        chart: kind.file_stem(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_steps_skip_dominated_packages_and_rise_in_cost_per_unit() {
        // (reduction, cost): the second package lies above the line from the first to the
        // third, so no one should take it: the hull goes (0,0) → (10,100) → (30,450).
        let mut points = vec![(10.0, 100.0), (20.0, 400.0), (30.0, 450.0)];
        let steps = hull_steps(&mut points);
        assert_eq!(steps.len(), 2, "{steps:?}");
        assert!((steps[0].reduction - 10.0).abs() < 1e-9);
        assert!((steps[0].eur_per_unit - 10.0).abs() < 1e-9);
        assert!((steps[1].reduction - 20.0).abs() < 1e-9);
        assert!((steps[1].eur_per_unit - 17.5).abs() < 1e-9);
        let mut points = vec![(10.0, 50.0), (30.0, 450.0)];
        let steps = hull_steps(&mut points);
        assert_eq!(steps.len(), 2);
        assert!((steps[0].eur_per_unit - 5.0).abs() < 1e-9);
        assert!((steps[1].eur_per_unit - 20.0).abs() < 1e-9);
    }
}
