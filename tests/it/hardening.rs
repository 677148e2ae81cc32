//! Hostile and messy input, determinism, atomic output under interruption, memory limits.
//!
//! The bad-input corpus lives in `tests/corpus/`: each file is one way real exports go wrong.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{command, corpus, heatpath, heatpath_in, heatpath_with, manifest, root};

/// Every bad input: exit code 2, one message naming the file (and row, column, value where
/// there is one) and what was expected, and nothing written.
#[test]
fn every_bad_input_in_the_corpus_exits_2_with_one_clear_message_and_writes_nothing() {
    // (file, what the message must say)
    let stocks: &[(&str, &[&str])] = &[
        (
            "missing_column.csv",
            &[
                "missing required column `id`",
                "vhe_nummer",
                "the header has: `woningtype`",
            ],
        ),
        (
            "duplicate_id.csv",
            &[
                ":4:",
                "column `id`",
                "value `A1`",
                "unique dwelling id",
                "line 2",
            ],
        ),
        (
            "zero_floor_area.csv",
            &[
                ":2:",
                "`gebruiksoppervlakte`",
                "value `0`",
                "from 5 to 2000",
            ],
        ),
        (
            "negative_floor_area.csv",
            &[
                ":2:",
                "`gebruiksoppervlakte`",
                "value `-75`",
                "from 5 to 2000",
            ],
        ),
        (
            "nan_floor_area.csv",
            &[":2:", "value `NaN`", "expected a number"],
        ),
        (
            "inf_floor_area.csv",
            &[":2:", "value `inf`", "expected a number"],
        ),
        (
            "absurd_floor_area.csv",
            &[":2:", "value `1e9`", "from 5 to 2000"],
        ),
        (
            "absurd_rc.csv",
            &[":2:", "column `rc_dak`", "value `1000`", "from 0 to 20"],
        ),
        (
            "district_heat_factor_absurd.csv",
            &[
                ":2:",
                "column `primaire energiefactor warmtenet`",
                "value `7`",
                "from 0 to 2",
            ],
        ),
        (
            "unknown_type.csv",
            &[
                ":2:",
                "column `woningtype`",
                "value `kasteel`",
                "tussenwoning",
            ],
        ),
        (
            "unknown_label.csv",
            &[
                ":2:",
                "column `energielabel`",
                "value `H`",
                "an energy label",
            ],
        ),
        (
            "unknown_heating.csv",
            &[
                ":2:",
                "column `verwarming`",
                "value `kolenkachel`",
                "cv-ketel",
            ],
        ),
        (
            "build_year_1200.csv",
            &[":2:", "column `bouwjaar`", "value `1200`", "from 1500"],
        ),
        (
            "build_year_2090.csv",
            &[":2:", "column `bouwjaar`", "value `2090`", "to 2035"],
        ),
        ("empty.csv", &["the file is empty", "expected a header row"]),
        ("header_only.csv", &["a header but no dwelling rows"]),
        ("windows_1252_garbage.csv", &[":2:", "column `woningtype`"]),
        // An unclosed quote would swallow the rows after it into one value.
        ("unclosed_quote.csv", &[":2:", "a quote", "not closed"]),
        // UTF-16 without a byte-order mark: NUL bytes, named by line.
        ("nul_bytes.csv", &[":3:", "NUL byte"]),
        // Ids that differ only by a non-breaking space are one id.
        ("nbsp_ids.csv", &[":3:", "unique dwelling id", "line 2"]),
        (
            "misspelled_columns.csv",
            &[
                "`registred_label` (did you mean `registered_label`?)",
                "`monumnet` (did you mean `monument`?)",
                "ignore",
            ],
        ),
        // Every bad cell at once, grouped by column and value with their lines.
        (
            "many_bad_cells.csv",
            &[
                "6 cells cannot be read",
                "lines 2, 3, 5: column `woningtype`: value `bungalow`",
                "line 3: column `bouwjaar`: value `19x0`",
                "line 3: column `energielabel`: value `H`",
                "line 5: column `gebruiksoppervlakte`: value `-3`",
            ],
        ),
    ];
    let scenarios: &[(&str, &[&str])] = &[
        (
            "first_after_last.toml",
            &[
                "first_after_last.toml",
                "field `last_year`",
                "value `2027`",
                "from first_year (2035)",
            ],
        ),
        (
            "share_above_one.toml",
            &[
                "field `targets.label_a_share`",
                "value `1.5`",
                "a share from 0 to 1",
            ],
        ),
        (
            "rising_path.toml",
            &["field `path.values.2030`", "value `120`", "must not rise"],
        ),
        (
            "empty_package.toml",
            &[
                "empty_package_catalogue.toml",
                "package \"empty\"",
                "at least one measure",
            ],
        ),
        (
            "unknown_level.toml",
            &[
                "unknown_level_catalogue.toml",
                "field `roof`",
                "value `N9`",
                "N2, N3, N3_inside, N4",
            ],
        ),
        (
            "unknown_package.toml",
            &[
                "field `exclude_packages`",
                "value `heat_pump_xxl`",
                "a package id of the catalogue: glazing",
            ],
        ),
        (
            "not_toml.toml",
            &["not_toml.toml", "TOML parse error", "line 2"],
        ),
        (
            "path_key_not_year.toml",
            &["field `path.values.999`", "a year from 2000 to 2100 as key"],
        ),
        (
            "path_key_duplicate.toml",
            &["path.values.", "each year once", "the same year"],
        ),
        (
            "target_after_horizon.toml",
            &[
                "field `targets.label_a_year`",
                "value `2033`",
                "up to last_year (2030)",
            ],
        ),
        (
            "price_year_zero.toml",
            &[
                "price_year_zero_catalogue.toml",
                "price_base_year",
                "value `0`",
                "from 2000 to 2100",
            ],
        ),
        (
            "duplicate_level.toml",
            &[
                "duplicate_level_catalogue.toml",
                "N9",
                "each element level once",
            ],
        ),
        // A stock table given to `plan` (a common first mistake).
        (
            "good.csv",
            &[
                "is a stock table, not a scenario",
                "datasets/sample/scenario.toml",
            ],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(PathBuf, &str, &[&str])> = Vec::new();
    for &(file, expected) in stocks {
        let scenario = dir.path().join(format!("{file}.toml"));
        std::fs::write(&scenario, format!("stock = {:?}\n", corpus(file))).unwrap();
        cases.push((scenario, file, expected));
    }
    for &(file, expected) in scenarios {
        cases.push((corpus(file), file, expected));
    }
    for (scenario, file, expected) in cases {
        let out = dir.path().join("out");
        let output = heatpath(&[
            "plan",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert_eq!(
            stderr.matches("error:").count(),
            1,
            "{file}: one message: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{file}: message lacks {e:?}: {stderr}");
        }
        if file.ends_with(".csv") {
            assert!(
                stderr.contains(file),
                "{file}: the message names the file: {stderr}"
            );
        }
        assert!(!out.exists(), "{file}: nothing written");
    }
    // Nothing but the scenarios written into the working folder either.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".toml"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A Dutch Excel export as they come: Windows-1252, `;` with decimal commas and thousands
/// separators, quoted fields holding the separator, trailing empty columns, blank lines, a
/// header in other case and spacing, empty optional cells.
#[test]
fn a_messy_dutch_export_reads_as_intended() {
    let mut text: Vec<u8> = Vec::new();
    text.extend_from_slice(b"VHE Nummer ; Woningtype;BOUWJAAR; Gebruiksoppervlakte (m2) ;Complex;Gemeente;Rc dak;;\r\n");
    text.extend_from_slice(b"\r\n");
    text.extend_from_slice(
        b"V1;tussenwoning;1965;1.080,5;\"C-1; Noord\";\"'s-Hertogenbosch\";2,5;;\r\n",
    );
    // "Café" and "Zuid – Oost" in Windows-1252: é is 0xE9, the en dash 0x96.
    text.extend_from_slice(b"V2;Hoekwoning;1972;95,25;\"C-1; Noord\";Caf\xe9 \x96 Oost;;;\r\n");
    text.extend_from_slice(b";;;;;;;;\r\n");
    text.extend_from_slice(b"V3;portiekwoning;1958;62;C-2;Zwolle;;;\r\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    std::fs::write(&path, &text).unwrap();
    let (stock, report) =
        heatpath::stock::read_stock(&path, &heatpath::stock::ReadOptions::default()).unwrap();
    assert_eq!(stock.len(), 3);
    assert_eq!(report.separator, ';');
    assert!(report.decimal_comma);
    assert_eq!(report.encoding, "Windows-1252");
    let d = &stock.dwellings;
    assert_eq!(d[0].id, "V1");
    assert!(
        (d[0].floor_area_m2 - 1080.5).abs() < 1e-9,
        "thousands separator and decimal comma"
    );
    assert!((d[1].floor_area_m2 - 95.25).abs() < 1e-9);
    assert_eq!(d[2].build_year, 1958);
    assert_eq!(stock.complexes.get(d[0].complex.unwrap()), "C-1; Noord");
    assert_eq!(
        d[0].complex, d[1].complex,
        "the quoted complex id with a separator is one value"
    );
    let municipality = |i: usize| {
        stock
            .municipalities
            .get(d[i].municipality.unwrap())
            .to_string()
    };
    assert_eq!(municipality(1), "Café – Oost");
    assert_eq!(municipality(0), "'s-Hertogenbosch");
    // The empty Rc cell falls back to the typology, the given one is used.
    assert!((d[0].envelope.roof_rc - 2.5).abs() < 1e-9);
    assert!(d[1].envelope.roof_rc > 0.0);
}

fn without_timings(summary: &[u8]) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_slice(summary).unwrap();
    value.as_object_mut().unwrap().remove("timings_s");
    for row in value["comparison"].as_array_mut().into_iter().flatten() {
        row.as_object_mut().unwrap().remove("solve_s");
    }
    value["lp_stage_seconds"] = serde_json::Value::Null;
    value
}

/// Same inputs, same outputs, byte for byte, whatever the number of threads; only the
/// wall-clock timings in summary.json differ (and are left out of the comparison).
#[test]
fn reruns_give_byte_identical_outputs_whatever_the_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let stock = dir.path().join("stock.csv");
    let generated = heatpath(&[
        "generate",
        "--dwellings",
        "30000",
        "--corporations",
        "3",
        "--seed",
        "9",
        "--out",
        stock.to_str().unwrap(),
    ]);
    assert!(generated.status.success());
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "stock = \"stock.csv\"\n").unwrap();
    for solver in ["decomposition", "greedy", "lp"] {
        let mut outputs = Vec::new();
        for threads in ["1", "2", ""] {
            let out = dir.path().join(format!("out-{solver}-{threads}"));
            let mut env = vec![];
            if !threads.is_empty() {
                env.push(("RAYON_NUM_THREADS", threads));
            }
            let output = heatpath_with(
                root(),
                &[
                    "plan",
                    scenario.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                    "--solver",
                    solver,
                    "-q",
                ],
                &env,
            );
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            outputs.push(out);
        }
        let first = &outputs[0];
        let mut names: Vec<String> = std::fs::read_dir(first)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(names.len() >= 14, "{names:?}");
        for other in &outputs[1..] {
            for name in &names {
                let a = std::fs::read(first.join(name)).unwrap();
                let b = std::fs::read(other.join(name)).unwrap();
                if name == "summary.json" {
                    assert_eq!(
                        without_timings(&a),
                        without_timings(&b),
                        "{solver}: summary.json"
                    );
                } else {
                    assert!(a == b, "{solver}: {name} differs between thread counts");
                }
            }
        }
    }
}

/// An interrupted run, killed at any moment (during reading, solving or writing) or stopped with
/// Ctrl-C, leaves the previous output folder exactly as it was.
#[test]
fn an_interrupted_run_leaves_the_previous_outputs_intact() {
    let dir = tempfile::tempdir().unwrap();
    let stock = dir.path().join("stock.csv");
    let generated = heatpath(&[
        "generate",
        "--dwellings",
        "60000",
        "--corporations",
        "2",
        "--seed",
        "4",
        "--out",
        stock.to_str().unwrap(),
        "-q",
    ]);
    assert!(generated.status.success());
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "stock = \"stock.csv\"\n").unwrap();
    let out = dir.path().join("out");
    // How long the interrupted command (greedy) takes when left alone, into another folder.
    let started = std::time::Instant::now();
    let timing = heatpath(&[
        "plan",
        scenario.to_str().unwrap(),
        "--out",
        dir.path().join("timing").to_str().unwrap(),
        "--solver",
        "greedy",
        "-q",
    ]);
    assert!(timing.status.success());
    let full_run = started.elapsed();
    // A first, complete run; then a different plan (greedy) interrupted at many moments.
    let first = heatpath(&[
        "plan",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(first.status.success());
    let snapshot = |path: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let mut before = snapshot(&out);
    // summary.json holds the run's timings: compare the rest byte for byte, and it without them.
    let strip = |files: &mut Vec<(String, Vec<u8>)>| {
        for f in files.iter_mut().filter(|f| f.0 == "summary.json") {
            f.1 = serde_json::to_vec(&without_timings(&f.1)).unwrap();
        }
    };
    strip(&mut before);
    let mut killed = 0;
    let mut killed_while_writing = 0;
    for step in 1..=12 {
        let delay = full_run.mul_f64(step as f64 / 12.0);
        let mut child = command(
            root(),
            &[
                "plan",
                scenario.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--solver",
                "greedy",
                "-q",
            ],
            &[],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(delay);
        // Whether the run got as far as writing (its staging folder exists) when stopped.
        let writing = std::fs::read_dir(dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".out.")
        });
        if step % 2 == 0 {
            // Ctrl-C. An exception to `unsafe_code = "deny"` (Cargo.toml), in tests only: std
            // can kill a child but not send it SIGINT.
            #[allow(unsafe_code)]
            // SAFETY: kill takes a pid and a signal number and touches no memory of ours.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGINT);
            }
        } else {
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        let mut after = snapshot(&out);
        strip(&mut after);
        let names = |files: &[(String, Vec<u8>)]| -> Vec<String> {
            files.iter().map(|f| f.0.clone()).collect()
        };
        assert_eq!(
            names(&after),
            names(&before),
            "after {delay:?}: the same files"
        );
        if after == before {
            if !status.success() {
                killed += 1;
                killed_while_writing += usize::from(writing);
            }
            continue;
        }
        // Otherwise the new run got as far as swapping its folder in: then that folder is
        // whole (its summary is the greedy one and parses), never a mix.
        let summary = &after.iter().find(|f| f.0 == "summary.json").unwrap().1;
        let summary: serde_json::Value = serde_json::from_slice(summary).unwrap();
        assert_eq!(summary["solver"], "greedy", "after {delay:?}");
        let again = heatpath(&[
            "plan",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert!(again.status.success());
        assert!(snapshot(&out)
            .iter()
            .zip(&before)
            .all(|(a, b)| a.0 == b.0 && (a.0 == "summary.json" || a.1 == b.1)));
    }
    assert!(killed >= 6, "only {killed} runs were interrupted");
    assert!(
        killed_while_writing >= 1,
        "no run was stopped while writing its outputs ({killed} stopped earlier)"
    );
    // A later run into the same folder cleans up what the interrupted ones left behind.
    let last = heatpath(&[
        "plan",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(last.status.success());
    let hidden: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(hidden.is_empty(), "staging folders left: {hidden:?}");
}

#[test]
fn a_stock_too_large_for_memory_is_refused_before_reading() {
    let scenario = manifest("datasets/sample/scenario.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = heatpath_with(
        root(),
        &[
            "plan",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[("HEATPATH_MEMORY_LIMIT", "20000000")],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stock.csv: a stock file of 1 MB needs about"),
        "{stderr}"
    );
    assert!(stderr.contains("but 20 MB is available"), "{stderr}");
    assert!(!out.exists());
}

fn sample_scenario_in(dir: &Path) -> PathBuf {
    std::fs::copy(corpus("good.csv"), dir.join("stock.csv")).unwrap();
    let scenario = dir.join("scenario.toml");
    std::fs::write(&scenario, "stock = \"stock.csv\"\n").unwrap();
    scenario
}

/// A user's folder is never replaced: not their project folder, not `.`, not a file, not a
/// folder holding the inputs; a folder heatpath wrote is replaced whole, and only while nothing
/// else was put into it.
#[test]
fn outputs_never_delete_the_users_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = sample_scenario_in(dir.path());
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes").unwrap();
    let s = scenario.to_str().unwrap();
    for (out, says) in [
        (dir.path().to_str().unwrap(), "holds"),
        (".", "current folder"),
        ("notes.txt", "is a file"),
    ] {
        let output = heatpath_in(dir.path(), &["plan", s, "--out", out, "--quiet"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{out}: {stderr}");
        assert!(
            stderr.contains(says) && stderr.contains("choose a new folder"),
            "{out}: {stderr}"
        );
    }
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
    assert!(scenario.exists() && dir.path().join("stock.csv").exists());

    // A folder of the user's with a file in it.
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("begroting.xlsx"), "budget").unwrap();
    let output = heatpath_in(dir.path(), &["plan", s, "--out", "project", "--quiet"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`begroting.xlsx`"));
    assert_eq!(
        std::fs::read_to_string(project.join("begroting.xlsx")).unwrap(),
        "budget"
    );

    // heatpath's own folder is replaced; --export-mps inside it is refused up front.
    let output = heatpath_in(dir.path(), &["plan", s, "--out", "plan-2027", "--quiet"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("plan-2027/.heatpath-output").exists());
    let output = heatpath_in(
        dir.path(),
        &[
            "plan",
            s,
            "--out",
            "plan-2027",
            "--export-mps",
            "plan-2027/model.mps",
            "--quiet",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("inside the output folder"));
    let output = heatpath_in(dir.path(), &["plan", s, "--out", "plan-2027", "--quiet"]);
    assert!(output.status.success());
    // Once the user adds a file, the folder is theirs too.
    std::fs::write(dir.path().join("plan-2027/opmerkingen.txt"), "keep").unwrap();
    let output = heatpath_in(dir.path(), &["plan", s, "--out", "plan-2027", "--quiet"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("plan-2027/opmerkingen.txt")).unwrap(),
        "keep"
    );

    // `generate` never overwrites a file it did not write; it cleans its own stale temp files.
    std::fs::write(dir.path().join(".gen.csv.tmp-999999999"), "stale").unwrap();
    let output = heatpath_in(
        dir.path(),
        &[
            "generate",
            "--dwellings",
            "10",
            "--out",
            "gen.csv",
            "--quiet",
        ],
    );
    assert!(output.status.success());
    assert!(
        !dir.path().join(".gen.csv.tmp-999999999").exists(),
        "stale temp file removed"
    );
    let output = heatpath_in(
        dir.path(),
        &["generate", "--dwellings", "10", "--out", "notes.txt"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes");
}

/// A solver asked for that cannot plan in the scenario's mode is a usage error found before the
/// stock is read: exit 2, the solver and the mode named, nothing written; `auto` plans it.
#[test]
fn a_solver_that_cannot_plan_the_mode_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(corpus("good.csv"), dir.path().join("stock.csv")).unwrap();
    std::fs::write(
        dir.path().join("scenario.toml"),
        "stock = \"stock.csv\"\nmode = \"max_reduction\"\n[budget]\nevery_year = 50000\n",
    )
    .unwrap();
    for args in [
        vec!["plan", "scenario.toml", "--solver", "lp"],
        vec!["plan", "scenario.toml", "--solver", "decomposition"],
        vec!["plan", "scenario.toml", "--compare", "lp"],
    ] {
        let output = heatpath_in(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("max_reduction") && stderr.contains("solver plans for mode"),
            "{stderr}"
        );
        assert!(!dir.path().join("out").exists());
    }
    let output = heatpath_in(dir.path(), &["plan", "scenario.toml", "-q"]);
    assert!(output.status.success(), "{output:?}");
}

/// Usage errors exit 2 before any work, and absurd numbers never panic.
#[test]
fn usage_errors_exit_2_and_numbers_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = sample_scenario_in(dir.path());
    let s = scenario.to_str().unwrap();
    for args in [
        vec!["plan", s, "--time-limit", "1e300"],
        vec!["plan", s, "--time-limit", "1e19"],
        vec!["plan", s, "--time-limit", "0"],
        vec!["plan", s, "--time-limit", "NaN"],
        vec!["plan", s, "--milp"],
        vec!["generate", "--dwellings", "0", "--out", "x.csv"],
        vec!["generate", "--dwellings", "99999999999", "--out", "x.csv"],
        vec![
            "generate",
            "--dwellings",
            "5",
            "--corporations",
            "9",
            "--out",
            "x.csv",
        ],
    ] {
        let output = heatpath_in(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert!(!dir.path().join("out").exists() && !dir.path().join("x.csv").exists());
    // An unreadable memory limit is refused, not ignored.
    let output = heatpath_with(
        dir.path(),
        &["assess", "stock.csv"],
        &[("HEATPATH_MEMORY_LIMIT", "lots")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("HEATPATH_MEMORY_LIMIT"));
}

/// Devices, pipes and folders named as inputs are refused by name, never read.
#[test]
fn non_regular_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let output = heatpath(&["assess", "/dev/zero"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("/dev/zero: cannot read: is not a regular file"));
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, "stock = \"/dev/zero\"\n").unwrap();
    let output = heatpath(&[
        "plan",
        scenario.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let output = heatpath(&[
        "plan",
        "/dev/zero",
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let fifo = dir.path().join("pipe.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let output = heatpath(&["assess", fifo.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("not a regular file"));
    }
}

/// Files that used to misread in silence now read as written.
#[test]
fn line_ends_encodings_and_quotes_read_as_written() {
    let read = |name: &str| {
        heatpath::stock::read_stock(&corpus(name), &heatpath::stock::ReadOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert_eq!(read("cr_only.csv").0.len(), 2);
    let (stock, report) = read("utf16_bom.csv");
    assert_eq!((stock.len(), report.encoding), (2, "UTF-16"));
    let (stock, _) = read("quote_in_cell.csv");
    assert_eq!(stock.len(), 2);
    assert_eq!(stock.municipalities.get(0), "Den \"Haag");
}

/// A 10 MB cell is quoted short in the message, not echoed whole.
#[test]
fn messages_quote_long_values_short() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let cell = "x".repeat(10 << 20);
    std::fs::write(
        &path,
        format!("id;woningtype;bouwjaar;oppervlakte\nA1;{cell};1970;80\n"),
    )
    .unwrap();
    let output = heatpath(&["assess", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stderr.len() < 2_000, "{} bytes", output.stderr.len());
    assert!(String::from_utf8_lossy(&output.stderr).contains("characters in all"));
}

/// A workbook whose cells claim the whole sheet (a stray cell at XFD1048576) is read without a
/// dense range; one beyond the memory allowed is refused by name, not allocated.
#[test]
fn workbooks_are_bounded_before_they_expand() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in ["id", "woningtype", "bouwjaar", "oppervlakte"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "A1").unwrap();
    sheet.write_string(1, 1, "tussenwoning").unwrap();
    sheet.write_number(1, 2, 1970.0).unwrap();
    sheet.write_number(1, 3, 80.0).unwrap();
    sheet.write_string(1_048_575, 16_383, "stray").unwrap();
    workbook.save(&path).unwrap();
    // The stray cell is far below the table: its row is read as a row with a missing id.
    let output = heatpath(&["assess", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("1048576"), "{stderr}");
    let options = heatpath::stock::ReadOptions {
        workbook_budget_bytes: Some(200),
        ..heatpath::stock::ReadOptions::default()
    };
    let err = heatpath::stock::read_stock(&path, &options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("more cells than"), "{err}");
}

/// The realistic Dutch ERP export in `datasets/examples/` (Windows-1252, `;`, decimal commas,
/// Dutch values, title lines, a totals row) reads without a mapping file, and its workbook twin
/// (a notes sheet first, merged complex cells, Excel dates) reads the same dwellings.
#[test]
fn the_example_erp_export_and_its_workbook_read_alike() {
    let root = manifest("datasets/examples");
    let options = heatpath::stock::ReadOptions::default();
    let (csv, csv_report) =
        heatpath::stock::read_stock(&root.join("dutch_export_erp.csv"), &options).unwrap();
    let (xlsx, xlsx_report) =
        heatpath::stock::read_stock(&root.join("dutch_export_erp.xlsx"), &options).unwrap();
    assert_eq!(csv.len(), 44);
    assert_eq!(csv.complexes.len(), 6);
    assert_eq!(csv_report.encoding, "Windows-1252");
    assert_eq!(csv_report.header_line, 4);
    assert_eq!(csv_report.totals_rows.len(), 1);
    assert_eq!(xlsx_report.sheet.as_deref(), Some("Woningen"));
    assert_eq!(xlsx_report.merged_regions_filled, 6);
    for (a, b) in csv.dwellings.iter().zip(&xlsx.dwellings) {
        assert_eq!(a.id, b.id);
        assert_eq!(
            csv.complexes.get(a.complex.unwrap()),
            xlsx.complexes.get(b.complex.unwrap()),
            "merged complex cells belong to every row"
        );
        assert_eq!(
            (a.dwelling_type, a.heating, a.build_year),
            (b.dwelling_type, b.heating, b.build_year)
        );
        assert_eq!(a.boiler_install_year, b.boiler_install_year, "{}", a.id);
        assert!((a.floor_area_m2 - b.floor_area_m2).abs() < 1e-9);
    }
    assert_eq!(csv_report.label_conflicts.len(), 2);
    // The data report in `assess` says what was mapped and skipped.
    let output = heatpath(&[
        "assess",
        root.join("dutch_export_erp.csv").to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for e in [
        "Data report",
        "totals rows skipped",
        "`Blokverwarming` read as gas_boiler",
        "registered label contradicts the registered EP2 in 2 dwellings",
    ] {
        assert!(stdout.contains(e), "{e}: {stdout}");
    }
}

/// Text cells that Excel would run as formulas are neutralised in the CSV outputs.
#[test]
fn csv_outputs_do_not_carry_formulas() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stock.csv"),
        "id;woningtype;bouwjaar;oppervlakte;complex\n=HYPERLINK(\"http://x\");tussenwoning;1950;80;@C1\nA2;tussenwoning;1950;80;@C1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("s.toml"), "stock = \"stock.csv\"\n").unwrap();
    let output = heatpath_in(dir.path(), &["plan", "s.toml", "--out", "o", "--quiet"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dwellings = std::fs::read_to_string(dir.path().join("o/plan_dwellings.csv")).unwrap();
    assert!(dwellings.contains("'=HYPERLINK"), "{dwellings}");
    assert!(!dwellings
        .lines()
        .any(|l| l.starts_with('=') || l.starts_with("\"=")));
}
