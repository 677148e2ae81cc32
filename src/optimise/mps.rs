//! Free-format MPS export of [`LpModel`], so that any LP or MILP solver solves the identical
//! problem. Numbers are written in Rust's shortest round-trip form, so nothing is lost.

use std::io::{self, Write};

use super::model::{LpModel, Sense};

/// Writes `model` as free MPS. With `integer`, choice columns are marked integer (binary by
/// their bounds); otherwise the file is the LP relaxation.
pub fn write_mps<W: Write>(
    out: &mut W,
    model: &LpModel,
    name: &str,
    integer: bool,
) -> io::Result<()> {
    writeln!(out, "NAME {name}")?;
    writeln!(out, "ROWS")?;
    writeln!(out, " N obj")?;
    for row in &model.rows {
        let sense = match row.sense {
            Sense::Le => 'L',
            Sense::Ge => 'G',
        };
        writeln!(out, " {sense} {}", row.name)?;
    }
    // Column-major entries.
    let mut by_column: Vec<Vec<(usize, f64)>> = vec![Vec::new(); model.columns.len()];
    for (r, row) in model.rows.iter().enumerate() {
        for &(c, a) in &row.entries {
            by_column[c].push((r, a));
        }
    }
    writeln!(out, "COLUMNS")?;
    let mut in_integer_block = false;
    for (c, column) in model.columns.iter().enumerate() {
        let integer_column = integer && column.integer;
        if integer_column != in_integer_block {
            let marker = if integer_column { "INTORG" } else { "INTEND" };
            writeln!(out, "    MARKER 'MARKER' '{marker}'")?;
            in_integer_block = integer_column;
        }
        if column.cost != 0.0 {
            writeln!(out, "    {} obj {}", column.name, column.cost)?;
        }
        for &(r, a) in &by_column[c] {
            writeln!(out, "    {} {} {}", column.name, model.rows[r].name, a)?;
        }
        if column.cost == 0.0 && by_column[c].is_empty() {
            // A column in no row still has to be declared.
            writeln!(out, "    {} obj 0", column.name)?;
        }
    }
    if in_integer_block {
        writeln!(out, "    MARKER 'MARKER' 'INTEND'")?;
    }
    writeln!(out, "RHS")?;
    for row in &model.rows {
        if row.rhs != 0.0 {
            writeln!(out, "    rhs {} {}", row.name, row.rhs)?;
        }
    }
    writeln!(out, "BOUNDS")?;
    for column in &model.columns {
        if column.upper.is_finite() {
            writeln!(out, " UP bnd {} {}", column.name, column.upper)?;
        }
    }
    writeln!(out, "ENDATA")?;
    Ok(())
}

/// A model read back from MPS (as written by [`write_mps`]): used by tests to solve the exported
/// file independently of the in-memory model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedMps {
    /// Column names in order of appearance.
    pub columns: Vec<String>,
    /// Objective coefficient per column.
    pub cost: Vec<f64>,
    /// Upper bound per column (infinite when absent).
    pub upper: Vec<f64>,
    /// Rows.
    pub rows: Vec<ParsedRow>,
}

/// A row read from MPS: (name, sense `L`/`G`/`E`, rhs, (column, coefficient) entries).
pub type ParsedRow = (String, char, f64, Vec<(usize, f64)>);

/// Reads a free MPS file with the sections [`write_mps`] writes (N/L/G/E rows, COLUMNS with
/// markers, RHS, UP/LO/FX/BV bounds). Returns a message naming the line on malformed input.
pub fn parse_mps(text: &str) -> Result<ParsedMps, String> {
    use std::collections::HashMap;
    let mut parsed = ParsedMps::default();
    let mut row_index: HashMap<String, usize> = HashMap::new();
    let mut column_index: HashMap<String, usize> = HashMap::new();
    let mut objective_row = String::new();
    let mut section = "";
    for (number, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() || line.starts_with('*') {
            continue;
        }
        if !line.starts_with(' ') {
            section = match fields[0] {
                "NAME" => "NAME",
                "ROWS" => "ROWS",
                "COLUMNS" => "COLUMNS",
                "RHS" => "RHS",
                "BOUNDS" => "BOUNDS",
                "ENDATA" => break,
                other => return Err(format!("line {}: unknown section {other}", number + 1)),
            };
            continue;
        }
        let bad = || format!("line {}: cannot read `{}`", number + 1, line.trim());
        let number_at = |i: usize| -> Result<f64, String> {
            fields.get(i).and_then(|f| f.parse().ok()).ok_or_else(bad)
        };
        match section {
            "ROWS" => {
                let (sense, name) = (fields[0], fields.get(1).ok_or_else(bad)?.to_string());
                if sense == "N" {
                    objective_row = name;
                } else {
                    let s = sense.chars().next().ok_or_else(bad)?;
                    row_index.insert(name.clone(), parsed.rows.len());
                    parsed.rows.push((name, s, 0.0, Vec::new()));
                }
            }
            "COLUMNS" => {
                if fields.get(1) == Some(&"'MARKER'") {
                    continue;
                }
                let name = fields[0];
                let c = *column_index.entry(name.to_string()).or_insert_with(|| {
                    parsed.columns.push(name.to_string());
                    parsed.cost.push(0.0);
                    parsed.upper.push(f64::INFINITY);
                    parsed.columns.len() - 1
                });
                let mut i = 1;
                while i < fields.len() {
                    let row = fields[i];
                    let value = number_at(i + 1)?;
                    if row == objective_row {
                        parsed.cost[c] = value;
                    } else {
                        let r = *row_index.get(row).ok_or_else(bad)?;
                        parsed.rows[r].3.push((c, value));
                    }
                    i += 2;
                }
            }
            "RHS" => {
                let mut i = 1;
                while i < fields.len() {
                    let r = *row_index.get(fields[i]).ok_or_else(bad)?;
                    parsed.rows[r].2 = number_at(i + 1)?;
                    i += 2;
                }
            }
            "BOUNDS" => {
                let c = *column_index
                    .get(*fields.get(2).ok_or_else(bad)?)
                    .ok_or_else(bad)?;
                match fields[0] {
                    "UP" => parsed.upper[c] = number_at(3)?,
                    "BV" => parsed.upper[c] = 1.0,
                    "FX" => parsed.upper[c] = number_at(3)?,
                    "LO" | "PL" | "MI" => {}
                    _ => return Err(bad()),
                }
            }
            _ => {}
        }
    }
    Ok(parsed)
}
