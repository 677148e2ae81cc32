//! A stock that moves: complexes sold or demolished leave every yearly figure from their year
//! on, new-build projects join in theirs. The shipped example (`scenario_portfolio.toml`: a
//! commitment, an exclusion, a `not_before`, a sale, a demolition and two new-build projects) is
//! planned, and every yearly figure of `trajectory.csv` is recomputed by hand from the dwelling
//! rows of `plan_dwellings.csv`, which say each dwelling's state before and after its works and
//! its years in the stock.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::{heatpath, manifest, read_csv};

/// The example's scenario in `dir`, with its tables where they are and `extra` appended.
fn example_in(dir: &Path, extra: &str) -> PathBuf {
    let sample = |file: &str| format!("{:?}", manifest(&format!("datasets/sample/{file}")));
    let text = std::fs::read_to_string(manifest("datasets/sample/scenario_portfolio.toml"))
        .unwrap()
        .replace("\"stock.csv\"", &sample("stock.csv"))
        .replace("\"portfolio.csv\"", &sample("portfolio.csv"))
        .replace("\"new_build.csv\"", &sample("new_build.csv"));
    let path = dir.join("scenario.toml");
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    path
}

fn run(scenario: &Path, out: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "plan",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    all.extend_from_slice(args);
    heatpath(&all)
}

/// One dwelling row of `plan_dwellings.csv`, as the figures need it.
struct Row {
    unit: String,
    area: f64,
    works: Option<u16>,
    cost: f64,
    before: (f64, String, bool),
    after: (f64, String, bool),
    from: Option<u16>,
    until: Option<u16>,
}

fn rows(out: &Path) -> Vec<Row> {
    let state = |r: &HashMap<String, String>, when: &str| {
        (
            r[&format!("heat_demand_{when}_kwh_m2")].parse().unwrap(),
            r[&format!("label_{when}")].clone(),
            r[&format!("gas_free_{when}")] == "true",
        )
    };
    let year = |text: &str| (!text.is_empty()).then(|| text.parse::<u16>().unwrap());
    read_csv(&out.join("plan_dwellings.csv"))
        .iter()
        .map(|r| Row {
            unit: r["unit_id"].clone(),
            area: r["floor_area_m2"].parse().unwrap(),
            works: year(&r["year"]),
            cost: r["cost_eur"].parse().unwrap(),
            before: state(r, "before"),
            after: state(r, "after"),
            from: year(&r["in_stock_from"]),
            until: year(&r["in_stock_until"]),
        })
        .collect()
}

#[test]
fn every_yearly_figure_is_taken_on_that_years_stock() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = example_in(dir.path(), "");
    let out = dir.path().join("out");
    let output = run(&scenario, &out, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = rows(&out);
    // The tables' own figures: 5,000 dwellings; C001-0069 (47) sold in 2028, C001-0077 (24)
    // demolished in 2029; De Horst (24) completed in 2029, Kade Noord (36) in 2031.
    assert_eq!(rows.len(), 5000 + 24 + 36);
    let count = |unit: &str| rows.iter().filter(|r| r.unit == unit).count();
    assert_eq!((count("C001-0069"), count("C001-0077")), (47, 24));
    assert_eq!((count("De Horst"), count("Kade Noord")), (24, 36));
    for r in &rows {
        match r.unit.as_str() {
            "C001-0069" => assert_eq!((r.from, r.until), (None, Some(2027))),
            "C001-0077" => assert_eq!((r.from, r.until), (None, Some(2028))),
            "De Horst" => assert_eq!((r.from, r.until, r.works), (Some(2029), None, None)),
            "Kade Noord" => assert_eq!((r.from, r.until, r.works), (Some(2031), None, None)),
            _ => assert_eq!((r.from, r.until), (None, None), "{}", r.unit),
        }
        // No works in or after the year a dwelling leaves.
        if let (Some(works), Some(until)) = (r.works, r.until) {
            assert!(
                works <= until,
                "{}: works in {works}, gone after {until}",
                r.unit
            );
        }
    }
    // The new builds are what the code asks: gas-free, A+++ or better; De Horst at its own
    // BENG 1 figure.
    for r in rows.iter().filter(|r| r.from.is_some()) {
        assert!(r.before.2 && matches!(r.before.1.as_str(), "A+++" | "A++++"));
    }
    let horst = rows.iter().find(|r| r.unit == "De Horst").unwrap();
    assert!((horst.before.0 - 38.5).abs() < 1e-3, "{}", horst.before.0);

    let trajectory = read_csv(&out.join("trajectory.csv"));
    let literal = [
        (2026, 5000, 0, 0),
        (2027, 5000, 0, 0),
        (2028, 4953, 0, 47),
        (2029, 4953, 24, 71),
        (2030, 4953, 24, 71),
        (2031, 4989, 60, 71),
        (2035, 4989, 60, 71),
    ];
    let row_of = |year: u16| {
        trajectory
            .iter()
            .find(|t| t["year"] == year.to_string())
            .unwrap()
    };
    for (year, dwellings, new_build, removed) in literal {
        let t = row_of(year);
        assert_eq!(
            (
                t["dwellings"].as_str(),
                t["dwellings_new_build"].as_str(),
                t["dwellings_removed"].as_str()
            ),
            (
                dwellings.to_string().as_str(),
                new_build.to_string().as_str(),
                removed.to_string().as_str()
            ),
            "{year}"
        );
    }
    let baseline_average = {
        let existing = rows.iter().filter(|r| r.from.is_none());
        let (sum, area) = existing.fold((0.0, 0.0), |(s, a), r| {
            (s + r.area * r.before.0, a + r.area)
        });
        sum / area
    };
    for year in 2026..=2035u16 {
        let t = row_of(year);
        let get = |column: &str| -> f64 { t[column].parse().unwrap() };
        // The dwellings in the stock that year, each in its state of that year (the baseline
        // row, 2026, is before any works).
        let in_stock: Vec<&Row> = rows
            .iter()
            .filter(|r| r.from.is_none_or(|from| from <= year))
            .filter(|r| r.until.is_none_or(|until| year <= until))
            .collect();
        let done = |r: &Row| year > 2026 && r.works.is_some_and(|w| w <= year);
        fn state(r: &Row, done: bool) -> &(f64, String, bool) {
            if done {
                &r.after
            } else {
                &r.before
            }
        }
        let now = |r: &Row| state(r, done(r)).clone();
        let n = in_stock.len() as f64;
        assert_eq!(get("dwellings"), n, "{year}");
        let (sum, area) = in_stock
            .iter()
            .fold((0.0, 0.0), |(s, a), r| (s + r.area * now(r).0, a + r.area));
        let average = sum / area;
        assert!(
            (get("avg_heat_demand_kwh_m2") - average).abs() < 2e-3,
            "{year}: average {} against {average} by hand",
            get("avg_heat_demand_kwh_m2")
        );
        // The path applies to the whole stock of each year (the example's `stock = "whole"`).
        assert!(
            (get("path_achieved_kwh_m2") - average).abs() < 2e-3,
            "{year}"
        );
        if year > 2026 {
            let target = baseline_average * (1.0 - 0.02 * f64::from(year - 2026));
            assert!(
                (get("path_target_kwh_m2") - target).abs() < 2e-3,
                "{year}: path target {} against {target}",
                get("path_target_kwh_m2")
            );
        }
        let label_a = in_stock
            .iter()
            .filter(|r| matches!(now(r).1.as_str(), "A++++" | "A+++" | "A++" | "A+" | "A"))
            .count() as f64;
        assert!(
            (get("label_a_or_better_share") - label_a / n).abs() < 1e-6,
            "{year}: label A share"
        );
        let efg = in_stock
            .iter()
            .filter(|r| matches!(now(r).1.as_str(), "E" | "F" | "G"))
            .count() as f64;
        assert_eq!(get("efg_count"), efg, "{year}: E/F/G");
        let gas_free = in_stock.iter().filter(|r| now(r).2).count() as f64;
        assert_eq!(get("gas_free_count"), gas_free, "{year}: gas-free");
        // Conversions: existing dwellings with gas made gas-free, still in the stock.
        let conversions = in_stock
            .iter()
            .filter(|r| r.from.is_none() && done(r) && !r.before.2 && r.after.2)
            .count() as f64;
        assert_eq!(
            get("gas_free_conversions"),
            conversions,
            "{year}: conversions"
        );
        // Spending is the year's works, whatever leaves the stock later.
        let spend: f64 = rows
            .iter()
            .filter(|r| year > 2026 && r.works == Some(year))
            .map(|r| r.cost)
            .sum();
        assert!(
            (get("spend_eur") - spend).abs() < 0.01 * rows.len() as f64,
            "{year}: spend {} against {spend}",
            get("spend_eur")
        );
    }
    // The E/F/G rule and the path as the summary judges them, on the same rows.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for target in summary["targets"].as_array().unwrap() {
        let year = target["year"].as_u64().unwrap() as u16;
        let t = row_of(year);
        match target["name"].as_str().unwrap() {
            "efg_phase_out" => {
                assert_eq!(
                    target["achieved"].as_f64().unwrap().to_string(),
                    t["efg_count"]
                )
            }
            "heat_demand_path" => {
                let achieved: f64 = t["path_achieved_kwh_m2"].parse().unwrap();
                assert!((target["achieved"].as_f64().unwrap() - achieved).abs() < 1e-3);
            }
            _ => {}
        }
    }
}

/// The path on the existing stock only: new builds do not help it.
#[test]
fn the_path_can_hold_the_existing_dwellings_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example_in(dir.path(), "")).unwrap();
    let scenario = dir.path().join("existing.toml");
    std::fs::write(
        &scenario,
        text.replace("stock = \"whole\"", "stock = \"existing\""),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run(&scenario, &out, &["--solver", "decomposition"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = rows(&out);
    for t in read_csv(&out.join("trajectory.csv")) {
        let year: u16 = t["year"].parse().unwrap();
        let existing: Vec<&Row> = rows
            .iter()
            .filter(|r| r.from.is_none() && r.until.is_none_or(|until| year <= until))
            .collect();
        let state = |r: &Row| {
            if year > 2026 && r.works.is_some_and(|w| w <= year) {
                r.after.0
            } else {
                r.before.0
            }
        };
        let (sum, area) = existing
            .iter()
            .fold((0.0, 0.0), |(s, a), r| (s + r.area * state(r), a + r.area));
        let achieved: f64 = t["path_achieved_kwh_m2"].parse().unwrap();
        assert!(
            (achieved - sum / area).abs() < 2e-3,
            "{year}: {achieved} against {} by hand",
            sum / area
        );
        if year >= 2031 {
            // New builds (far below the stock's average) are in the whole stock's average.
            let whole: f64 = t["avg_heat_demand_kwh_m2"].parse().unwrap();
            assert!(whole < achieved, "{year}: {whole} !< {achieved}");
        }
    }
}

#[test]
fn a_new_build_table_that_cannot_be_read_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("new_build.csv");
    std::fs::write(
        &table,
        "Project;Opleverjaar;Aantal woningen;Woningtype;GBO;Verwarming\nKade;2031;36;galerijwoning;62;cv-ketel\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(example_in(dir.path(), "")).unwrap();
    let scenario = dir.path().join("bad.toml");
    std::fs::write(
        &scenario,
        text.replace(
            &format!("{:?}", manifest("datasets/sample/new_build.csv")),
            &format!("{table:?}"),
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run(&scenario, &out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("new_build.csv: line 2, column `Verwarming`: value `cv-ketel`"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
}

/// Both tables as workbooks, as an asset manager keeps them: a notes sheet first, Dutch headers,
/// numbers as numbers. The plan is the one the CSV tables give.
#[test]
fn the_tables_may_be_workbooks_with_a_notes_sheet_first() {
    let dir = tempfile::tempdir().unwrap();
    let workbook = |name: &str, csv: &Path| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let notes = book.add_worksheet();
        notes.set_name("Toelichting").unwrap();
        notes
            .write_string(0, 0, "Besluiten van het MT, stand december 2026")
            .unwrap();
        let sheet = book.add_worksheet();
        sheet.set_name("Tabel").unwrap();
        let text = std::fs::read_to_string(csv).unwrap();
        let lines = text.lines().filter(|l| !l.starts_with('#'));
        for (r, line) in lines.enumerate() {
            for (c, value) in line.split(';').enumerate() {
                let number = value.replace(',', ".").parse::<f64>();
                match number {
                    Ok(x) if r > 0 => sheet.write_number(r as u32, c as u16, x).unwrap(),
                    _ => sheet.write_string(r as u32, c as u16, value).unwrap(),
                };
            }
        }
        let path = dir.path().join(name);
        book.save(&path).unwrap();
        path
    };
    let portfolio = workbook(
        "portefeuille.xlsx",
        &manifest("datasets/sample/portfolio.csv"),
    );
    let new_build = workbook("nieuwbouw.xlsx", &manifest("datasets/sample/new_build.csv"));
    let text = std::fs::read_to_string(example_in(dir.path(), "")).unwrap();
    let scenario = dir.path().join("workbooks.toml");
    std::fs::write(
        &scenario,
        text.replace(
            &format!("{:?}", manifest("datasets/sample/portfolio.csv")),
            &format!("{portfolio:?}"),
        )
        .replace(
            &format!("{:?}", manifest("datasets/sample/new_build.csv")),
            &format!("{new_build:?}"),
        ),
    )
    .unwrap();
    let mut outputs = Vec::new();
    for (name, scenario) in [("csv", example_in(dir.path(), "")), ("xlsx", scenario)] {
        let out = dir.path().join(name);
        let output = run(&scenario, &out, &["--solver", "decomposition"]);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        outputs.push((
            std::fs::read_to_string(out.join("plan.csv")).unwrap(),
            std::fs::read_to_string(out.join("trajectory.csv")).unwrap(),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
}

/// The stock file's own planned exits per dwelling (VERA's `beoogdUitExploitatieDatum` and
/// `bestemming`): a complex whose dwellings all leave in one year leaves then; one whose
/// dwellings differ is planned as staying, and the summary says so.
#[test]
fn planned_exits_in_the_stock_file_take_whole_complexes_out() {
    let dir = tempfile::tempdir().unwrap();
    let stock = std::fs::read_to_string(manifest("datasets/sample/stock.csv")).unwrap();
    let mut lines = stock.lines();
    let header = lines.next().unwrap();
    let complex = header.split(',').position(|h| h == "complex_id").unwrap();
    let mut text = format!("{header},Beoogd uit exploitatie datum,Bestemming\n");
    let mut split = 0;
    for line in lines {
        let extra = match line.split(',').nth(complex).unwrap() {
            "C001-0069" => ",2028-01-01,verkoop",
            "C001-0023" if split < 10 => {
                split += 1;
                ",2030,sloop"
            }
            _ => ",,",
        };
        text.push_str(line);
        text.push_str(extra);
        text.push('\n');
    }
    std::fs::write(dir.path().join("stock.csv"), text).unwrap();
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(
        &scenario,
        std::fs::read_to_string(manifest("datasets/sample/scenario.toml")).unwrap(),
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = run(&scenario, &out, &["--solver", "decomposition"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let trajectory = read_csv(&out.join("trajectory.csv"));
    let dwellings: Vec<&str> = trajectory.iter().map(|t| t["dwellings"].as_str()).collect();
    assert_eq!(&dwellings[..3], ["5000", "5000", "4953"]);
    assert_eq!(dwellings.last(), Some(&"4953"));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(
        summary.contains("planned exits (planned_exit_year) differ")
            && summary.contains("C001-0023"),
        "{summary}"
    );
    let sold: Vec<Row> = rows(&out)
        .into_iter()
        .filter(|r| r.unit == "C001-0069")
        .collect();
    assert_eq!(sold.len(), 47);
    assert!(sold
        .iter()
        .all(|r| r.until == Some(2027) && r.works.is_none()));
}
