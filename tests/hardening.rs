//! Hostile and messy input, determinism, atomic output under interruption, memory limits.
//!
//! The bad-input corpus lives in `tests/corpus/`: each file is one way real exports go wrong.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn heatpath_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_heatpath"));
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("heatpath runs")
}

fn heatpath(args: &[&str]) -> Output {
    heatpath_with(args, &[])
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

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
                "the header has: woningtype",
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_heatpath"))
            .args([
                "plan",
                scenario.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--solver",
                "greedy",
                "-q",
            ])
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
            // Ctrl-C.
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
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample/scenario.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = heatpath_with(
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
