//! `report.html`: one self-contained page (inline CSS and SVG, nothing fetched) for a board
//! meeting: the verdict first, then the charts, the trajectory, the plan per year and the
//! assumptions. It prints on A4 without the screen's colours bleeding into the tables.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::charts::ChartKind;
use super::text::{euros, grouped, percent};
use super::Summary;
use crate::evaluate::TargetKind;
use crate::pipeline::PlanRun;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) const STYLE: &str = r#"
:root { --ink:#1d2733; --muted:#5b6675; --line:#d9dee5; --ok:#1e7b34; --miss:#b3261e; --accent:#1f5fa8; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       max-width: 1040px; margin: 2rem auto; padding: 0 1.25rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem; }
.sub { color: var(--muted); margin-top: 0; }
.verdict { border-left: 6px solid var(--ok); background: #eef7f0; padding: .9rem 1.2rem; margin: 1.2rem 0; }
.verdict.missed { border-color: var(--miss); background: #fbeeed; }
.verdict p { margin: .3rem 0; }
.verdict .headline { font-size: 1.2rem; font-weight: bold; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .8rem; margin: 1rem 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.kpi .value { font-size: 1.3rem; font-weight: bold; }
.kpi .label { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .6rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .45rem; text-align: right; }
th { background: #f1f4f8; }
td { white-space: nowrap; }
th:first-child, td:first-child, td.text { text-align: left; }
td.text { white-space: normal; }
tr.missed td { color: var(--miss); font-weight: bold; }
figure { margin: 1.2rem 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .85rem; }
.note { color: var(--muted); font-size: .85rem; }
ul.notes li { margin: .2rem 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table, .verdict, .kpis { page-break-inside: avoid; break-inside: avoid; }
  .verdict { background: none; }
  th { background: none; }
  @page { size: A4; margin: 15mm; }
}
"#;

/// An SVG document as an inline element: the XML prologue dropped and a role added (plotters
/// writes a view box, and the page's CSS scales the element to the column).
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let (w, h) = super::charts::SIZE;
    body.replacen(
        &format!("width=\"{w}\" height=\"{h}\""),
        &format!("width=\"{w}\" height=\"{h}\" role=\"img\""),
        1,
    )
}

fn target_value(value: f64, unit: &str) -> String {
    match unit {
        "share" => percent(value),
        "eur" => euros(value),
        "dwellings" => grouped(value),
        "kWh/m2" => format!("{value:.1} kWh/m²"),
        other => format!("{value:.3} {other}"),
    }
}

/// Works of one year: units, dwellings, investment, and (units, dwellings) per package.
type YearWorks<'a> = (u64, u64, f64, BTreeMap<&'a str, (u64, u64)>);

/// The report page. `charts` holds each chart's SVG in [`ChartKind::ALL`] order.
pub fn report(run: &PlanRun, s: &Summary, charts: &[(ChartKind, String)]) -> String {
    let mut h = String::with_capacity(256 * 1024);
    let p = &run.prepared;
    let title = format!(
        "Renovation plan {}–{}: {}",
        s.first_year,
        s.last_year,
        p.scenario
            .stock
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        h,
        "<p class=\"sub\">{} dwellings in {} decision units · scenario <code>{}</code> · solver {} ({}) · heatpath {}</p>",
        grouped(s.dwellings as f64),
        grouped(s.units as f64),
        escape(&s.scenario),
        s.solver,
        s.status,
        s.heatpath_version
    );

    // Verdict.
    // Only hard targets count as met or missed; expected outcomes are stated apart below.
    let hard = s.targets.iter().filter(|t| t.hard).count();
    let met = s.targets.iter().filter(|t| t.hard && t.met).count();
    let class = if s.all_targets_met {
        "verdict"
    } else {
        "verdict missed"
    };
    let _ = writeln!(h, "<section class=\"{class}\">");
    if s.all_targets_met {
        let _ = writeln!(
            h,
            "<p class=\"headline\">All {hard} enforced targets met, for {} of investment ({}).</p>",
            euros(s.total_investment_eur),
            s.cost_basis.label
        );
    } else {
        let _ = writeln!(
            h,
            "<p class=\"headline\">{met} of {hard} enforced targets met: {} missed, with {} of investment ({}).</p>",
            s.missed.len(),
            euros(s.total_investment_eur),
            s.cost_basis.label
        );
        let _ = writeln!(h, "<ul>");
        for t in &s.missed {
            let _ = writeln!(
                h,
                "<li>{} {}: target {}, achieved {}, short by {}</li>",
                t.kind.name(),
                t.year,
                target_value(t.target, t.unit),
                target_value(t.achieved, t.unit),
                target_value(t.shortfall, t.unit)
            );
        }
        let _ = writeln!(h, "</ul>");
        if let Some(relief) = &s.budget_relief {
            relief_html(&mut h, relief);
        }
    }
    let hi = &s.households_improved;
    let _ = writeln!(
        h,
        "<p>{} households get a markedly lower energy use ({}), saving {} a year on average on their energy bill ({}).</p>",
        grouped(hi.count as f64),
        hi.definition,
        euros(hi.avg_saving_eur_per_year),
        s.energy_use_basis.label
    );
    let expected: Vec<String> = s
        .targets
        .iter()
        .filter(|t| !t.hard)
        .map(|t| {
            format!(
                "{} {}: expected {}, the plan gives {}",
                t.kind.name(),
                t.year,
                target_value(t.target, t.unit),
                target_value(t.achieved, t.unit)
            )
        })
        .collect();
    if !expected.is_empty() {
        let _ = writeln!(
            h,
            "<p>Expected outcomes, reported but not enforced: {}.</p>",
            expected.join("; ")
        );
    }
    let treated: u64 = run
        .evaluation
        .trajectory
        .last()
        .map(|r| r.cumulative_dwellings_treated)
        .unwrap_or(0);
    let _ = writeln!(
        h,
        "<p>{} dwellings in {} units are treated; the investment discounted to {} is {}.</p>",
        grouped(treated as f64),
        grouped(s.units_treated as f64),
        s.first_year,
        euros(s.objective_eur)
    );
    // What the corporation decided beforehand shapes the plan (and often its misses): said
    // here, not only among the notes.
    if let Some(portfolio) = s.notes.iter().find(|n| n.starts_with("portfolio table ")) {
        let _ = writeln!(h, "<p>The plan follows the {}.</p>", escape(portfolio));
    }
    match (s.lower_bound_eur, s.gap) {
        (Some(_), Some(_)) if s.status == "optimal" => {
            let _ = writeln!(
                h,
                "<p>This plan is optimal: no plan meeting the same targets costs less (proven by the solver).</p>"
            );
        }
        (Some(_), Some(gap)) if s.penalty_eur.is_some_and(|p| p > 0.0) => {
            // The bound carries the penalties that weigh the missed targets: never shown as
            // euros, which would read as a cost.
            let _ = writeln!(
                h,
                "<p>Gap to the lower bound: {:.2} %. The bound is the LP relaxation on discounted cost plus the penalties that weigh missed targets (weights, not costs): no plan misses less for less.</p>",
                100.0 * gap
            );
        }
        (Some(bound), Some(gap)) => {
            let _ = writeln!(
                h,
                "<p>No plan meeting the same targets can cost less than {} (discounted; the {}): the gap to this lower bound is {:.2} %.</p>",
                euros(bound),
                s.bound_name(),
                100.0 * gap
            );
        }
        (Some(bound), None) => {
            let _ = writeln!(
                h,
                "<p>The solver's lower bound is {} (discounted).</p>",
                euros(bound)
            );
        }
        _ => {
            let _ = writeln!(
                h,
                "<p>The {} solver gives no lower bound: run with <code>--solver lp</code> or <code>--solver decomposition</code> for the distance to the optimum.</p>",
                s.solver
            );
        }
    }
    let _ = writeln!(h, "</section>");

    // Key figures.
    let b = &s.baseline;
    let l = &s.last;
    let _ = writeln!(h, "<div class=\"kpis\">");
    for (label, value) in [
        (
            format!("average heat demand {}→{}", b.year, l.year),
            format!(
                "{:.1} → {:.1} kWh/m²",
                b.avg_heat_demand_kwh_m2, l.avg_heat_demand_kwh_m2
            ),
        ),
        (
            "label A or better".into(),
            format!(
                "{} → {}",
                percent(b.label_a_or_better_share),
                percent(l.label_a_or_better_share)
            ),
        ),
        (
            "gas-free dwellings".into(),
            format!(
                "{} → {}",
                grouped(b.gas_free_count as f64),
                grouped(l.gas_free_count as f64)
            ),
        ),
        (
            "E/F/G dwellings".into(),
            format!(
                "{} → {}",
                grouped(b.efg_count as f64),
                grouped(l.efg_count as f64)
            ),
        ),
        (
            format!("tenants' energy bills, saving per year in {}", l.year),
            euros(l.tenant_savings_eur),
        ),
        (
            "CO2 per year".into(),
            format!("{} → {} t", grouped(b.co2_tonnes), grouped(l.co2_tonnes)),
        ),
    ] {
        let _ = writeln!(
            h,
            "<div class=\"kpi\"><div class=\"value\">{}</div><div class=\"label\">{}</div></div>",
            escape(&value),
            escape(&label)
        );
    }
    let _ = writeln!(h, "</div>");

    if let Some(r) = s.reduction_sources.last() {
        let _ = writeln!(
            h,
            "<p>The stock moves: {} dwellings in {} against {} in {} ({} new build, {} sold or demolished). Of the fall of the path's average by {}: {:.1} kWh/m² from renovation, {:.1} from sales and demolitions, {:.1} from new build.</p>",
            grouped(s.last.dwellings as f64),
            s.last.year,
            grouped(s.baseline.dwellings as f64),
            s.baseline.year,
            grouped(s.last.dwellings_new_build as f64),
            grouped(s.last.dwellings_removed as f64),
            r.year,
            r.renovation_kwh_m2,
            r.sales_and_demolitions_kwh_m2,
            r.new_build_kwh_m2
        );
    }
    // Charts.
    let _ = writeln!(h, "<h2>Charts</h2>");
    for (kind, svg) in charts {
        let caption = match kind {
            ChartKind::HeatDemand => "Floor-area average net heat demand (Q_H,nd) per year, plan against the reduction path.",
            ChartKind::Labels => "Share of dwellings per energy label, baseline and every planning year.",
            ChartKind::Spend => "Investment per year in prices of that year, against the budget where one is set.",
            ChartKind::Abatement => "Every unit's steps along its cost/effect hull at first-year prices, cheapest € per kWh/yr first; the dashed line is the reduction the path needs by its last year.",
            ChartKind::ReductionSources => "How far the path's average lies below the baseline's each year, by source: the plan's works (renovation), the dwellings sold or demolished, and the new builds (the portfolio and new-build tables; each year's stock without works against the baseline's).",
        };
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            kind.file_stem(),
            inline_svg(svg),
            escape(caption)
        );
    }

    // Targets.
    let _ = writeln!(h, "<h2>Targets</h2>");
    let _ = writeln!(
        h,
        "<table><thead><tr><th>target</th><th>year</th><th>target value</th><th>achieved</th><th>met</th><th>shortfall</th></tr></thead><tbody>"
    );
    for t in &s.targets {
        let _ = writeln!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if t.met { "" } else { " class=\"missed\"" },
            t.kind.name(),
            t.year,
            target_value(t.target, t.unit),
            target_value(t.achieved, t.unit),
            if t.met { "yes" } else { "no" },
            if t.met {
                String::new()
            } else {
                target_value(t.shortfall, t.unit)
            }
        );
    }
    let _ = writeln!(h, "</tbody></table>");

    // Trajectory.
    let _ = writeln!(h, "<h2>Trajectory</h2>");
    let _ = writeln!(
        h,
        "<table><thead><tr><th>year</th><th>heat demand (kWh/m²)</th><th>EP2 (kWh/m²)</th><th>path, {} (kWh/m²)</th><th>label A or better</th><th>E/F/G</th><th>gas-free</th><th>dwellings treated</th><th>investment</th><th>budget</th><th>CO2 (t)</th></tr></thead><tbody>",
        match p.scenario.path.metric {
            crate::scenario::PathMetric::HeatDemand => "Q_H,nd",
            crate::scenario::PathMetric::Ep2 => "EP2",
        }
    );
    for r in &run.evaluation.trajectory {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.year,
            r.avg_heat_demand_kwh_m2,
            r.avg_ep2_kwh_m2,
            r.path_target_kwh_m2.map(|v| format!("{v:.1}")).unwrap_or_default(),
            percent(r.label_a_or_better_share),
            grouped(r.efg_count as f64),
            grouped(r.gas_free_count as f64),
            grouped(r.dwellings_treated as f64),
            euros(r.spend_eur),
            r.budget_eur.map(euros).unwrap_or_default(),
            grouped(r.co2_tonnes)
        );
    }
    let _ = writeln!(h, "</tbody></table>");

    // Plan per year.
    let _ = writeln!(h, "<h2>Plan per year</h2>");
    let mut per_year: BTreeMap<u16, YearWorks> = BTreeMap::new();
    for (u, c) in run.solution.plan.assigned() {
        let outcome = &run.evaluation.units[u];
        let entry = per_year.entry(c.year).or_default();
        entry.0 += 1;
        entry.1 += u64::from(outcome.dwellings);
        entry.2 += outcome.cost_eur;
        let package = p.catalogue.packages[c.package as usize].id();
        let e = entry.3.entry(package).or_default();
        e.0 += 1;
        e.1 += u64::from(outcome.dwellings);
    }
    let _ = writeln!(
        h,
        "<table><thead><tr><th>year</th><th>units</th><th>dwellings</th><th>investment</th><th>packages (units / dwellings)</th></tr></thead><tbody>"
    );
    for (year, (units, dwellings, cost, packages)) in &per_year {
        let mut packages: Vec<(&&str, &(u64, u64))> = packages.iter().collect();
        packages.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
        let list: Vec<String> = packages
            .iter()
            .map(|(name, (u, d))| {
                format!(
                    "{} {} / {}",
                    escape(name),
                    grouped(*u as f64),
                    grouped(*d as f64)
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>{year}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            grouped(*units as f64),
            grouped(*dwellings as f64),
            euros(*cost),
            list.join("; ")
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    let _ = writeln!(
        h,
        "<p class=\"note\">The plan per unit is in <code>plan.csv</code> and the Plan sheet of <code>plan.xlsx</code>; per dwelling in <code>plan_dwellings.csv</code>.</p>"
    );

    // Assumptions.
    let sc = &p.scenario;
    let _ = writeln!(h, "<h2>Assumptions</h2>");
    let _ = writeln!(h, "<table><tbody>");
    let rows: Vec<(String, String)> = vec![
        ("measure catalogue".into(), s.catalogue.clone()),
        ("stock".into(), s.stock.clone()),
        ("reduction path".into(), s.path.note.clone()),
        (
            "discount rate / cost escalation".into(),
            format!(
                "{} / {} a year",
                percent(sc.finance.discount_rate),
                percent(sc.finance.cost_escalation)
            ),
        ),
        (
            "energy prices".into(),
            format!(
                "gas € {:.2}/m³, electricity € {:.2}/kWh, district heat € {:.2}/GJ",
                sc.energy.gas_eur_per_m3,
                sc.energy.electricity_eur_per_kwh,
                sc.energy.district_heat_eur_per_gj
            ),
        ),
        (
            "label-A target".into(),
            s.targets
                .iter()
                .find(|t| t.kind == TargetKind::LabelAShare)
                .map(|t| format!("{} in {}", percent(t.target), t.year))
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "gas-free target".into(),
            s.targets
                .iter()
                .find(|t| {
                    matches!(
                        t.kind,
                        TargetKind::GasFreeConversions | TargetKind::GasFreeDwellings
                    )
                })
                .map(|t| {
                    let counted = if t.kind == TargetKind::GasFreeConversions {
                        "conversions of dwellings with gas since the baseline"
                    } else {
                        "gas-free dwellings in the stock"
                    };
                    format!("{} {counted} in {}", grouped(t.target), t.year)
                })
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "budgets".into(),
            if sc.budget_eur.iter().any(Option::is_some) {
                "as set in the scenario (see the trajectory)".into()
            } else {
                "none set".into()
            },
        ),
        (
            "illustrative values".into(),
            "the default path (−2 % of the baseline a year) is illustrative, not the official path; model parameters named as assumptions in the README (installation efficiencies, tap water, district-heat factor, heat-pump costs) are assumptions from the cited sources".into(),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"text\">{}</td></tr>",
            escape(&k),
            escape(&v)
        );
    }
    let _ = writeln!(h, "</tbody></table>");
    if !s.data_report.is_empty() {
        let _ = writeln!(h, "<h2>Data report</h2>\n<ul class=\"notes\">");
        for line in &s.data_report {
            let _ = writeln!(h, "<li>{}</li>", escape(line));
        }
        let _ = writeln!(h, "</ul>");
    }
    if !s.notes.is_empty() {
        let _ = writeln!(h, "<ul class=\"notes\">");
        for n in &s.notes {
            let _ = writeln!(h, "<li>{}</li>", escape(n));
        }
        let _ = writeln!(h, "</ul>");
    }
    let _ = writeln!(h, "</body>\n</html>");
    h
}

/// What more budget or capacity would buy, in the verdict of a plan missing targets.
fn relief_html(h: &mut String, relief: &crate::relief::ResourceRelief) {
    let words = super::ReliefWords::of(relief, 20);
    if !relief.met_with_more.is_empty() {
        let mut what = Vec::new();
        if !words.budget_by_year.is_empty() {
            what.push(format!(
                "{} more budget in total ({})",
                euros(relief.total_extra_budget_eur),
                words.budget_by_year
            ));
        }
        if !words.capacity_by_year.is_empty() {
            what.push(format!(
                "more dwellings treated a year ({})",
                words.capacity_by_year
            ));
        }
        let _ = writeln!(
            h,
            "<p>With {} the plan meets {}.</p>",
            what.join(" and "),
            escape(&words.met)
        );
        let (shown, more) = &words.complexes;
        if !shown.is_empty() {
            let more = if *more > 0 {
                format!(" and {more} more (listed in summary.json)")
            } else {
                String::new()
            };
            let _ = writeln!(h, "<p>It would fund complexes {}{more}.</p>", escape(shown));
        }
    }
    if !relief.missed_at_any_budget.is_empty() {
        let _ = writeln!(
            h,
            "<p>Missed at any budget (the catalogue{} does not reach it): {}.</p>",
            if relief.portfolio_table {
                ", with the portfolio table,"
            } else {
                ""
            },
            escape(&words.missed)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">R&D</a>"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&lt;/a&gt;"
        );
    }

    #[test]
    fn inline_svg_drops_the_prologue() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"960\" height=\"540\"></svg>";
        let inline = inline_svg(svg);
        assert!(inline.starts_with("<svg"));
        assert!(inline.contains("role=\"img\""));
    }
}
