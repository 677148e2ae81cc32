//! The reports people read: the workbook holds the CSVs' figures, the charts exist as SVG and
//! PNG, the HTML page is self-contained, and a stock in a workbook reads as its CSV twin.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use calamine::{open_workbook, Data, DataType, Reader, Xlsx};

use crate::common::{heatpath, manifest};

/// The sample planned once (with a budget, so the spend chart shows it), shared by the tests.
fn sample_outputs() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reports-sample");
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = std::fs::read_to_string(manifest("datasets/sample/scenario.toml"))
            .unwrap()
            .replace(
                "stock = \"stock.csv\"",
                &format!("stock = {:?}", manifest("datasets/sample/stock.csv")),
            );
        let path = dir.join("scenario.toml");
        std::fs::write(
            &path,
            format!("{scenario}\n[budget]\nevery_year = 6000000\n"),
        )
        .unwrap();
        let out = dir.join("out");
        let output = heatpath(&[
            "plan",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        out
    })
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn sheet(out: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut workbook: Xlsx<_> = open_workbook(out.join("plan.xlsx")).unwrap();
    let range = workbook.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

/// A workbook cell equals a CSV field: numbers to the CSV's printed precision, text exactly.
fn same(cell: &Data, field: &str) -> bool {
    match cell {
        Data::Empty => field.is_empty(),
        Data::String(s) => s == field,
        Data::Float(v) => {
            let Ok(f) = field.parse::<f64>() else {
                return false;
            };
            let decimals = field.split('.').nth(1).map_or(0, str::len) as i32;
            (v - f).abs() <= 0.5 * 10f64.powi(-decimals) + 1e-9 * f.abs()
        }
        Data::Int(i) => field.parse::<i64>() == Ok(*i),
        Data::Bool(b) => field == if *b { "true" } else { "false" },
        _ => false,
    }
}

/// Every cell of a sheet against the CSV with the same columns.
fn compare_sheet_with_csv(out: &Path, sheet_name: &str, csv_name: &str) -> usize {
    let rows = sheet(out, sheet_name);
    let (header, csv_rows) = read_csv(&out.join(csv_name));
    let sheet_header: Vec<String> = rows[0]
        .iter()
        .map(|c| c.to_string())
        .take_while(|c| !c.is_empty())
        .collect();
    let column_of: HashMap<&str, usize> = sheet_header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    assert_eq!(rows.len() - 1, csv_rows.len(), "{sheet_name}: rows");
    let mut compared = 0;
    for (c, name) in header.iter().enumerate() {
        let Some(&s) = column_of.get(name.as_str()) else {
            continue;
        };
        for (r, csv_row) in csv_rows.iter().enumerate() {
            let cell = rows[r + 1].get(s).unwrap_or(&Data::Empty);
            assert!(
                same(cell, &csv_row[c]),
                "{sheet_name} row {} column {name}: workbook {cell:?}, {csv_name} {:?}",
                r + 2,
                csv_row[c]
            );
            compared += 1;
        }
    }
    compared
}

#[test]
fn the_workbook_holds_the_same_figures_as_the_csvs() {
    let out = sample_outputs();
    let trajectory = compare_sheet_with_csv(out, "Trajectory", "trajectory.csv");
    assert!(
        trajectory >= 17 * 10,
        "{trajectory} trajectory cells compared"
    );
    let plan = compare_sheet_with_csv(out, "Plan", "plan.csv");
    assert!(plan > 12 * 20, "{plan} plan cells compared");
    let dwellings = compare_sheet_with_csv(out, "Dwellings", "plan_dwellings.csv");
    // The 17 figures of every dwelling, and its years in the stock (in_stock_from, _until).
    assert_eq!(dwellings, 19 * 5000);

    // Labels: counts per year as in trajectory.csv, shares summing to one.
    let labels = sheet(out, "Labels");
    let (header, rows) = read_csv(&out.join("trajectory.csv"));
    for (r, row) in rows.iter().enumerate() {
        let mut shares = 0.0f64;
        for (i, label) in [
            "A++++", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G",
        ]
        .iter()
        .enumerate()
        {
            let c = header
                .iter()
                .position(|h| *h == format!("label_{label}"))
                .unwrap();
            assert!(
                same(&labels[r + 1][1 + i], &row[c]),
                "Labels {label} {}",
                row[0]
            );
            shares += labels[r + 1][12 + i].as_f64().unwrap();
        }
        assert!((shares - 1.0).abs() < 1e-9);
    }

    // Targets and summary against summary.json.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let targets = sheet(out, "Targets");
    let expected = summary["targets"].as_array().unwrap();
    assert_eq!(targets.len() - 1, expected.len());
    for (row, t) in targets[1..].iter().zip(expected) {
        assert_eq!(row[0].to_string(), t["name"].as_str().unwrap());
        assert!((row[3].as_f64().unwrap() - t["achieved"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(row[4] == "yes", t["met"].as_bool().unwrap());
    }
    let items: HashMap<String, Data> = sheet(out, "Summary")[1..]
        .iter()
        .map(|r| (r[0].to_string(), r[1].clone()))
        .collect();
    let objective = items["discounted investment, objective (€)"]
        .as_f64()
        .unwrap();
    assert!((objective - summary["objective_eur"].as_f64().unwrap()).abs() < 1e-6);
    assert_eq!(
        items["solver"].to_string(),
        summary["solver"].as_str().unwrap()
    );
    // The households the letter counts: count, average saving and the definition, as in
    // summary.json; per year in the Trajectory sheet, as in trajectory.csv.
    let improved = &summary["households_improved"];
    assert_eq!(
        items["households improved"].as_f64().unwrap(),
        improved["count"].as_f64().unwrap()
    );
    assert!(
        (items["households improved, average saving (€/yr)"]
            .as_f64()
            .unwrap()
            - improved["avg_saving_eur_per_year"].as_f64().unwrap())
        .abs()
            < 1e-6
    );
    assert_eq!(
        items["households improved, definition"].to_string(),
        improved["definition"].as_str().unwrap()
    );
    let trajectory = sheet(out, "Trajectory");
    let column = |name: &str| {
        trajectory[0]
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("Trajectory has no column {name}"))
    };
    let (count, saving) = (
        column("households_improved"),
        column("avg_saving_per_improved_household_eur"),
    );
    let csv = std::fs::read_to_string(out.join("trajectory.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (row, line) in trajectory[1..].iter().zip(lines) {
        let cells: Vec<&str> = line.split(',').collect();
        let want: f64 = cells[at("households_improved")].parse().unwrap();
        assert_eq!(row[count].as_f64().unwrap(), want);
        let want: f64 = cells[at("avg_saving_per_improved_household_eur")]
            .parse()
            .unwrap();
        assert!((row[saving].as_f64().unwrap() - want).abs() < 0.01);
    }
    let last = trajectory.last().unwrap();
    assert_eq!(
        last[count].as_f64().unwrap(),
        improved["count"].as_f64().unwrap()
    );
}

#[test]
fn the_workbook_has_the_formats_people_expect() {
    // Number formats and frozen headers live in the sheet XML: check them there.
    let out = sample_outputs();
    let file = std::fs::File::open(out.join("plan.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("€ #,##0"), "a euro format");
    assert!(styles.contains("0.0%"), "a percentage format");
    let mut trajectory = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(),
        &mut trajectory,
    )
    .unwrap();
    assert!(trajectory.contains("state=\"frozen\""), "frozen header row");
    assert!(trajectory.contains("<autoFilter"), "autofilter");
    assert!(trajectory.contains("<cols>"), "column widths");
    // The Dwellings sheet (the largest): a number takes its column's format, written once on
    // the column; e.g. the cost in column F carries the same style as the column, not General.
    let largest = (0..zip.len())
        .filter_map(|i| {
            let entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().to_string();
            name.starts_with("xl/worksheets/sheet")
                .then_some((entry.size(), name))
        })
        .max()
        .unwrap()
        .1;
    let mut dwellings = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(&largest).unwrap(), &mut dwellings).unwrap();
    let attribute = |text: &str, from: &str, name: &str| -> Option<String> {
        let at = text.find(from)?;
        let rest = &text[at..text[at..].find('>')? + at];
        let key = format!("{name}=\"");
        let start = rest.find(&key)? + key.len();
        Some(rest[start..start + rest[start..].find('"')?].to_string())
    };
    let cell_style = attribute(&dwellings, "<c r=\"F2\"", "s").expect("F2 has a style");
    let column_style =
        attribute(&dwellings, "<col min=\"6\"", "style").expect("column F has a style");
    assert_eq!(cell_style, column_style);
    assert_ne!(cell_style, "0");
}

#[test]
fn the_charts_are_written_as_svg_and_png() {
    let out = sample_outputs();
    for stem in [
        "chart_heat_demand",
        "chart_labels",
        "chart_spend",
        "chart_abatement_cost",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{stem}.svg");
        let png = std::fs::read(out.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png");
        assert!(png.len() > 10_000, "{stem}.png has content");
    }
    // The label chart uses the label colours; the spend chart shows the budget.
    let labels = std::fs::read_to_string(out.join("chart_labels.svg")).unwrap();
    assert!(labels.to_ascii_uppercase().contains("#E31D23"), "G red");
    assert!(
        labels.to_ascii_uppercase().contains("#005A2B"),
        "A++++ dark green"
    );
    let spend = std::fs::read_to_string(out.join("chart_spend.svg")).unwrap();
    assert!(spend.contains("budget"));
    let macc = std::fs::read_to_string(out.join("chart_abatement_cost.svg")).unwrap();
    assert!(macc.contains("the path needs"));
}

#[test]
fn the_html_report_is_self_contained_and_complete() {
    let out = sample_outputs();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // The verdict comes first.
    let verdict = html.find("class=\"verdict").expect("a verdict");
    let first_chart = html.find("<svg").expect("charts");
    assert!(verdict < first_chart);
    let met = summary["all_targets_met"].as_bool().unwrap();
    assert_eq!(html.contains("targets met, for"), met);
    // Four charts inline, the tables, the assumptions.
    assert_eq!(html.matches("<svg").count(), 4);
    for section in ["Targets", "Trajectory", "Plan per year", "Assumptions"] {
        assert!(html.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    assert!(html.contains("illustrative"));
    assert!(html.contains("@media print"));
    // Nothing fetched from elsewhere: no scripts, stylesheets, images or links by address.
    let lower = html.to_ascii_lowercase();
    for reference in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import",
    ] {
        assert!(
            !lower.contains(reference),
            "report.html contains {reference}"
        );
    }
    let addresses: Vec<&str> = lower
        .match_indices("http")
        .map(|(i, _)| &lower[i..(i + 30).min(lower.len())])
        .filter(|s| !s.starts_with("http://www.w3.org/"))
        .collect();
    assert!(addresses.is_empty(), "{addresses:?}");
    // Every trajectory year is in the table.
    let (_, rows) = read_csv(&out.join("trajectory.csv"));
    for row in rows {
        assert!(
            html.contains(&format!("<tr><td>{}</td>", row[0])),
            "year {}",
            row[0]
        );
    }
}

/// Writes `rows` (header first) into the first sheet of a new workbook: numbers as numbers.
fn write_workbook(path: &Path, sheet: &str, rows: &[Vec<String>], header_row: u32) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (header_row + r as u32, c as u16);
            match value.parse::<f64>() {
                Ok(v) if r > header_row => {
                    ws.write_number(r, c, v).unwrap();
                }
                _ if value.is_empty() => {}
                _ => {
                    ws.write_string(r, c, value).unwrap();
                }
            }
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn a_workbook_stock_reads_the_same_dwellings_as_its_csv_twin() {
    use heatpath::stock::{read_stock, ReadOptions};
    let csv_path = manifest("datasets/sample/stock.csv");
    let (header, rows) = read_csv(&csv_path);
    let dir = tempfile::tempdir().unwrap();
    // Dutch headers, and the table starting on the third row as exports with a title do.
    let dutch: Vec<String> = header
        .iter()
        .map(|h| match h.as_str() {
            "id" => "vhe_nummer".to_string(),
            "build_year" => "bouwjaar".to_string(),
            "floor_area_m2" => "gebruiksoppervlakte".to_string(),
            other => other.to_string(),
        })
        .collect();
    let mut all = vec![dutch];
    all.extend(rows.iter().cloned());
    let xlsx = dir.path().join("bezit.xlsx");
    write_workbook(&xlsx, "Woningen", &all, 2);
    let (from_csv, _) = read_stock(&csv_path, &ReadOptions::default()).unwrap();
    let (from_xlsx, _) = read_stock(&xlsx, &ReadOptions::default()).unwrap();
    assert_eq!(from_csv.dwellings.len(), 5000);
    assert_eq!(from_csv.dwellings, from_xlsx.dwellings);
    assert_eq!(
        from_csv.complexes.iter().collect::<Vec<_>>(),
        from_xlsx.complexes.iter().collect::<Vec<_>>()
    );
    // The sheet can be named.
    let named = PathBuf::from(format!("{}#Woningen", xlsx.display()));
    assert_eq!(
        read_stock(&named, &ReadOptions::default())
            .unwrap()
            .0
            .dwellings
            .len(),
        5000
    );
}

#[test]
fn a_bad_cell_in_a_workbook_names_sheet_row_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    // The table starts on the second row; a cell above the bad row holds a line break. The
    // message must still give the sheet's own row number.
    let rows = vec![
        vec![
            "id",
            "dwelling_type",
            "bouwjaar",
            "floor_area_m2",
            "gemeente",
        ],
        vec!["A1", "terraced_mid", "1965", "80", "Zuid\nOost"],
        vec!["A2", "terraced_mid", "1200", "80", "Zwolle"],
    ]
    .into_iter()
    .map(|r| r.into_iter().map(String::from).collect())
    .collect::<Vec<Vec<String>>>();
    let xlsx = dir.path().join("stock.xlsx");
    write_workbook(&xlsx, "Blad1", &rows, 1);
    let err = heatpath::stock::read_stock(&xlsx, &Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("stock.xlsx[Blad1]:4"), "{err}");
    assert!(err.contains("bouwjaar") && err.contains("1200"), "{err}");
    // Through the CLI: exit code 2, nothing written.
    let out = dir.path().join("out");
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "stock = \"stock.xlsx\"\n").unwrap();
    let output = heatpath(&[
        "plan",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("[Blad1]:4"));
    assert!(!out.exists());
    let missing = heatpath::stock::read_stock(
        Path::new(&format!("{}#Nope", xlsx.display())),
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        missing.contains("no sheet `Nope`") && missing.contains("Blad1"),
        "{missing}"
    );
}
