//! What the reader found out about a stock file: the data report `assess` and `plan` show
//! (columns read and ignored, values mapped by default, placeholders, skipped lines, implausible
//! values accepted), and the grouped list of cells it could not read.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::text::quote;

/// Lines kept per reported group (the first ones in the file).
const LINES_KEPT: usize = 5;
/// Distinct bad (column, value) groups kept per block; more are counted, not listed.
const GROUPS_KEPT: usize = 200;

/// The column name of a problem with a whole row (its width).
pub const ROW: &str = "(row)";

/// A group of cells with the same problem: one column, one value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellProblem {
    /// The column as named in the file's header (or `(row)` for a row-level problem).
    pub column: String,
    /// The value as written (cut to a readable length in messages).
    pub value: String,
    /// What the column accepts.
    pub expected: String,
    /// Number of cells.
    pub count: u64,
    /// The first lines where it occurs.
    pub lines: Vec<u64>,
}

impl CellProblem {
    /// `line 4` or `lines 4, 9, 12 and 7 more`.
    pub fn lines_text(&self) -> String {
        let shown: Vec<String> = self.lines.iter().map(u64::to_string).collect();
        let more = self.count.saturating_sub(self.lines.len() as u64);
        let mut text = format!(
            "{} {}",
            if self.count == 1 { "line" } else { "lines" },
            shown.join(", ")
        );
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    }
}

impl std::fmt::Display for CellProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column == ROW {
            return write!(
                f,
                "{}: the row has {}; expected {}",
                self.lines_text(),
                self.value,
                self.expected
            );
        }
        write!(
            f,
            "{}: column `{}`: value {}: expected {}",
            self.lines_text(),
            self.column,
            quote(&self.value),
            self.expected
        )
    }
}

/// A value the reader mapped by a default rather than read as written (a generic type such as
/// `eengezinswoning`, a heating described in words).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappedValue {
    /// The column as named in the header.
    pub column: String,
    /// The value as written.
    pub value: String,
    /// What it was read as.
    pub read_as: String,
    /// Why, and how to choose otherwise.
    pub note: String,
    /// Number of cells.
    pub count: u64,
}

/// A value accepted but suspicious (a build year after the baseline year, an EP2 of 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Implausible {
    /// The column as named in the header.
    pub column: String,
    /// What is suspicious about it.
    pub what: String,
    /// Number of dwellings.
    pub count: u64,
    /// The first lines.
    pub lines: Vec<u64>,
}

/// A registered label that does not match the class of the registered EP2: the model follows the
/// EP2, so the user's own label counts and heatpath's first figures differ by these dwellings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelConflict {
    /// Dwelling id.
    pub id: String,
    /// Line in the file.
    pub line: u64,
    /// The registered label.
    pub registered_label: String,
    /// The registered EP2 (kWh/m² yr).
    pub registered_ep2: f64,
    /// The label of that EP2, which the model uses.
    pub label_of_ep2: String,
}

/// What the reader found out about the file, for the user's information (the data report).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ReadReport {
    /// The separator detected.
    pub separator: char,
    /// Numbers were read with decimal commas.
    pub decimal_comma: bool,
    /// `UTF-8`, `UTF-16` or `Windows-1252` (when some text was not valid UTF-8).
    pub encoding: &'static str,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// Line of the header row (title or note lines above it are skipped).
    pub header_line: u64,
    /// Header cells and the column each was read as.
    pub columns: Vec<(String, &'static str)>,
    /// Header cells that map to no column (ignored).
    pub ignored_columns: Vec<String>,
    /// Header cells the column-mapping file ignores on purpose.
    pub ignored_on_purpose: Vec<String>,
    /// Totals rows (`Totaal`) skipped, by line.
    pub totals_rows: Vec<u64>,
    /// Placeholders (`-`, `n.v.t.`, `onbekend`) read as unknown, per column.
    pub placeholders: Vec<(String, u64)>,
    /// Values mapped by a default.
    pub mapped_values: Vec<MappedValue>,
    /// Values accepted but suspicious.
    pub implausible: Vec<Implausible>,
    /// Registered labels that contradict the registered EP2.
    pub label_conflicts: Vec<LabelConflict>,
    /// Merged cell regions of a workbook filled with their top-left value.
    pub merged_regions_filled: u64,
}

impl ReadReport {
    /// The data report as text lines (for the terminal and the report page).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut read = format!(
            "read with `{}` as separator, decimal {}, {}",
            match self.separator {
                '\t' => "tab".to_string(),
                c => c.to_string(),
            },
            if self.decimal_comma {
                "commas"
            } else {
                "points"
            },
            self.encoding
        );
        if let Some(sheet) = &self.sheet {
            read.push_str(&format!(", sheet `{sheet}`"));
        }
        if self.header_line > 1 {
            read.push_str(&format!(
                "; header on line {} (the lines above skipped)",
                self.header_line
            ));
        }
        out.push(read);
        if !self.columns.is_empty() {
            out.push(format!(
                "columns read: {}",
                self.columns
                    .iter()
                    .map(|(h, c)| {
                        if crate::stock::normalise_header(h) == crate::stock::normalise_header(c) {
                            h.clone()
                        } else {
                            format!("{h} → {c}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.ignored_columns.is_empty() {
            out.push(format!(
                "columns ignored (not heatpath columns): {}",
                self.ignored_columns.join(", ")
            ));
        }
        if !self.ignored_on_purpose.is_empty() {
            out.push(format!(
                "columns ignored by the column mapping: {}",
                self.ignored_on_purpose.join(", ")
            ));
        }
        if self.merged_regions_filled > 0 {
            out.push(format!(
                "merged cells: {} merged region{} filled with {} top-left value",
                self.merged_regions_filled,
                if self.merged_regions_filled == 1 {
                    ""
                } else {
                    "s"
                },
                if self.merged_regions_filled == 1 {
                    "its"
                } else {
                    "their"
                }
            ));
        }
        if !self.totals_rows.is_empty() {
            out.push(format!(
                "totals rows skipped: line {}",
                self.totals_rows
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (column, count) in &self.placeholders {
            out.push(format!(
                "{column}: {count} placeholder{} (-, n.v.t., onbekend) read as unknown (typology default)",
                if *count == 1 { "" } else { "s" }
            ));
        }
        for m in &self.mapped_values {
            out.push(format!(
                "{}: {} read as {} in {} row{} ({})",
                m.column,
                if m.value.starts_with('(') {
                    m.value.trim_matches(['(', ')']).to_string()
                } else {
                    quote(&m.value)
                },
                m.read_as,
                m.count,
                if m.count == 1 { "" } else { "s" },
                m.note
            ));
        }
        for i in &self.implausible {
            out.push(format!(
                "{}: {} in {} row{} (line {}), accepted; check them",
                i.column,
                i.what,
                i.count,
                if i.count == 1 { "" } else { "s" },
                i.lines
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.label_conflicts.is_empty() {
            let first = &self.label_conflicts[0];
            out.push(format!(
                "registered label contradicts the registered EP2 in {} dwelling{}: the model follows the EP2 (e.g. {} on line {}: label {}, EP2 {:.1} is label {})",
                self.label_conflicts.len(),
                if self.label_conflicts.len() == 1 { "" } else { "s" },
                first.id,
                first.line,
                first.registered_label,
                first.registered_ep2,
                first.label_of_ep2
            ));
        }
        out
    }
}

/// Notes gathered while parsing one block of rows (in parallel), merged in file order.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    /// Cell problems by (column, value, expected).
    pub problems: BTreeMap<(String, String, String), (u64, Vec<u64>)>,
    /// Problems not listed because too many distinct ones were found.
    pub unlisted_problems: u64,
    /// Placeholder counts per column.
    pub placeholders: BTreeMap<String, u64>,
    /// Mapped values by (column, value, read as) with their note.
    pub mapped: BTreeMap<(String, String, String), (String, u64)>,
    /// Totals rows skipped.
    pub totals_rows: Vec<u64>,
    /// Implausible values by (column, what).
    pub implausible: BTreeMap<(String, String), (u64, Vec<u64>)>,
}

fn push_line(entry: &mut (u64, Vec<u64>), line: u64) {
    entry.0 += 1;
    if entry.1.len() < LINES_KEPT {
        entry.1.push(line);
    }
}

impl Notes {
    /// Records a cell that cannot be read.
    pub fn problem(&mut self, column: &str, value: &str, expected: String, line: u64) {
        // Values are kept short: a 10 MB cell must not be held once per row.
        let value: String = value.chars().take(crate::text::QUOTE_CHARS + 1).collect();
        let key = (column.to_string(), value, expected);
        if let Some(entry) = self.problems.get_mut(&key) {
            push_line(entry, line);
        } else if self.problems.len() < GROUPS_KEPT {
            self.problems.insert(key, (1, vec![line]));
        } else {
            self.unlisted_problems += 1;
        }
    }

    /// Records a placeholder read as unknown.
    pub fn placeholder(&mut self, column: &str) {
        *self.placeholders.entry(column.to_string()).or_default() += 1;
    }

    /// Records a value mapped by a default.
    pub fn mapped(&mut self, column: &str, value: &str, read_as: &str, note: &str) {
        let key = (column.to_string(), value.to_string(), read_as.to_string());
        self.mapped
            .entry(key)
            .or_insert_with(|| (note.to_string(), 0))
            .1 += 1;
    }

    /// Records an implausible value accepted.
    pub fn implausible(&mut self, column: &str, what: &str, line: u64) {
        let entry = self
            .implausible
            .entry((column.to_string(), what.to_string()))
            .or_default();
        push_line(entry, line);
    }

    /// Adds the notes of a later block.
    pub fn merge(&mut self, other: Notes) {
        for (key, (count, lines)) in other.problems {
            if let Some(entry) = self.problems.get_mut(&key) {
                entry.0 += count;
                let room = LINES_KEPT.saturating_sub(entry.1.len());
                entry.1.extend(lines.into_iter().take(room));
            } else if self.problems.len() < GROUPS_KEPT {
                self.problems.insert(key, (count, lines));
            } else {
                self.unlisted_problems += count;
            }
        }
        self.unlisted_problems += other.unlisted_problems;
        for (k, v) in other.placeholders {
            *self.placeholders.entry(k).or_default() += v;
        }
        for (k, (note, v)) in other.mapped {
            self.mapped.entry(k).or_insert_with(|| (note, 0)).1 += v;
        }
        self.totals_rows.extend(other.totals_rows);
        for (key, (count, lines)) in other.implausible {
            let entry = self.implausible.entry(key).or_default();
            entry.0 += count;
            let room = LINES_KEPT.saturating_sub(entry.1.len());
            entry.1.extend(lines.into_iter().take(room));
        }
    }

    /// The cell problems, first line first.
    pub fn problem_list(&self) -> Vec<CellProblem> {
        let mut list: Vec<CellProblem> = self
            .problems
            .iter()
            .map(|((column, value, expected), (count, lines))| CellProblem {
                column: column.clone(),
                value: value.clone(),
                expected: expected.clone(),
                count: *count,
                lines: lines.clone(),
            })
            .collect();
        list.sort_by_key(|p| p.lines.first().copied().unwrap_or(0));
        list
    }

    /// Moves the report items into `report`.
    pub fn fill_report(self, report: &mut ReadReport) {
        report.placeholders = self.placeholders.into_iter().collect();
        report.mapped_values = self
            .mapped
            .into_iter()
            .map(|((column, value, read_as), (note, count))| MappedValue {
                column,
                value,
                read_as,
                note,
                count,
            })
            .collect();
        report.totals_rows = self.totals_rows;
        report.implausible = self
            .implausible
            .into_iter()
            .map(|((column, what), (count, lines))| Implausible {
                column,
                what,
                count,
                lines,
            })
            .collect();
    }
}
