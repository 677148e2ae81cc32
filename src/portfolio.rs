//! The corporation's portfolio strategy per complex (`[portfolio] complexes = "portfolio.csv"`):
//! works already committed, complexes not to be touched, and complexes not to be touched before a
//! year. The optimiser plans the rest around them.
//!
//! Read as the stock reader reads: `,` `;` or tab separated (the most frequent in the header),
//! a UTF-8 BOM, CRLF, Windows-1252 text, Dutch column names and action names, and `#` comment
//! lines. Columns: `complex_id`, `action`, `year` (for `commit` and `not_before`), `package` (for
//! `commit`, a package id of the catalogue). Other columns (a remark, a project number) are
//! ignored.
//!
//! A complex may also leave the stock (`sell`, `verkoop`; `demolish`, `sloop`) from a year on:
//! no works from then on, and its dwellings count in no yearly figure from then on
//! ([`crate::dynamics`]). A complex has at most one decision on its works (commit, exclude,
//! not before) and at most one on leaving; works committed in or after the year it leaves are
//! an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::stock::normalise_header;

/// Errors in a portfolio table: each names the file, the line and the value.
#[derive(Debug, thiserror::Error)]
pub enum PortfolioError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No header line.
    #[error("{}: no header line; expected the columns complex_id, action, year, package", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// A required column is missing.
    #[error("{}: no column `{column}` (also accepted: {aliases}); the header has: {found}", file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The column's name.
        column: &'static str,
        /// Accepted names.
        aliases: String,
        /// The header as found.
        found: String,
    },
    /// A cell that cannot be read, or a row that contradicts the stock, the catalogue, the
    /// horizon or another row.
    #[error("{}: line {line}, column `{column}`: value `{value}`: expected {expected}", file.display())]
    Value {
        /// The file.
        file: PathBuf,
        /// Line in the file (1-based).
        line: u64,
        /// The column as written in the header.
        column: String,
        /// The value found.
        value: String,
        /// What is accepted.
        expected: String,
    },
}

/// What the corporation has decided for a complex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Never touched in the plan (`uitsluiten`).
    Exclude,
    /// Takes `package` in `year`, fixed (`vastgelegd`: contracts signed).
    Commit {
        /// Package id of the catalogue.
        package: String,
        /// The year of the works.
        year: u16,
    },
    /// No works before `year` (`niet_voor`).
    NotBefore {
        /// First year works may start.
        year: u16,
    },
    /// Sold from `year` on (`verkoop`): out of the stock from that year.
    Sell {
        /// The first year it is no longer the corporation's.
        year: u16,
    },
    /// Demolished from `year` on (`sloop`): out of the stock from that year.
    Demolish {
        /// The first year it is no longer there.
        year: u16,
    },
}

impl Action {
    /// Name as written in the table and in outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Exclude => "exclude",
            Action::Commit { .. } => "commit",
            Action::NotBefore { .. } => "not_before",
            Action::Sell { .. } => "sell",
            Action::Demolish { .. } => "demolish",
        }
    }

    /// The year the complex leaves the stock, for a sale or demolition.
    pub fn exit_year(&self) -> Option<u16> {
        match self {
            Action::Sell { year } | Action::Demolish { year } => Some(*year),
            _ => None,
        }
    }
}

/// One complex's decision, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Complex id as in the stock's `complex_id` column.
    pub complex_id: String,
    /// What is decided.
    pub action: Action,
    /// Line in the table (for messages).
    pub line: u64,
}

/// The portfolio table: per complex at most one decision on its works and one on leaving.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Portfolio {
    /// The file read.
    pub source: PathBuf,
    /// Decisions in the order of the file.
    pub decisions: Vec<Decision>,
    /// The columns complex_id, action, year and package as the header names them (for
    /// messages).
    pub headers: [String; 4],
}

/// The table's columns: canonical name and accepted spellings (Dutch first).
const COLUMNS: [crate::input::ColumnSpec; 4] = [
    (
        "complex_id",
        &[
            "complex",
            "complexnummer",
            "complex_nummer",
            "complexnr",
            "complexcode",
        ],
    ),
    (
        "action",
        &["actie", "besluit", "strategie", "portefeuillestrategie"],
    ),
    ("year", &["jaar", "uitvoeringsjaar", "vanaf_jaar"]),
    ("package", &["pakket", "maatregelpakket", "maatregel"]),
];

/// Action names accepted, canonical and Dutch.
fn action_kind(text: &str) -> Option<&'static str> {
    match normalise_header(text).as_str() {
        "exclude" | "uitsluiten" | "uitgesloten" | "nietaanpakken" | "ongemoeid" => Some("exclude"),
        "commit" | "committed" | "vastgelegd" | "gecontracteerd" | "toegezegd" => Some("commit"),
        "notbefore" | "nietvoor" | "vanaf" | "nietvoorjaar" => Some("not_before"),
        "sell" | "verkoop" | "verkopen" => Some("sell"),
        "demolish" | "sloop" | "slopen" => Some("demolish"),
        _ => None,
    }
}

impl Portfolio {
    /// Reads the table at `path` (at most 64 MB): CSV, or a workbook's first sheet holding the
    /// table (`file.xlsx#Sheet` names one).
    pub fn from_file(path: &Path) -> Result<Portfolio, PortfolioError> {
        crate::input::read_small_table(
            path,
            |bytes| Self::from_bytes(bytes, path),
            |source| PortfolioError::Io {
                file: path.to_path_buf(),
                source,
            },
        )
    }

    /// Reads a table from `bytes` (`path` for messages). Checks each row on its own (actions,
    /// years, one decision per complex); [`Portfolio::check`] checks it against the stock, the
    /// catalogue and the horizon.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Portfolio, PortfolioError> {
        let text = crate::input::table_text(bytes);
        let file = || path.to_path_buf();
        let mut header: Option<(Vec<String>, [Option<usize>; 4])> = None;
        let mut decisions: Vec<Decision> = Vec::new();
        let mut first_line: HashMap<(String, bool), u64> = HashMap::new();
        for row in crate::input::table_rows(&text) {
            let (line, record) = row.map_err(|e| PortfolioError::Value {
                file: file(),
                line: e.line,
                column: "(row)".into(),
                value: e.text,
                expected: format!("a CSV row ({})", e.message),
            })?;
            let Some((names, at)) = &header else {
                let at = crate::input::match_columns(&record, &COLUMNS);
                let at: [Option<usize>; 4] = std::array::from_fn(|c| at[c]);
                for c in [0, 1] {
                    if at[c].is_none() {
                        return Err(PortfolioError::MissingColumn {
                            file: file(),
                            column: COLUMNS[c].0,
                            aliases: COLUMNS[c].1.join(", "),
                            found: record.join(", "),
                        });
                    }
                }
                header = Some((record, at));
                continue;
            };
            let cell = |c: usize| -> (&str, &str) {
                match at[c] {
                    Some(i) => (names[i].as_str(), record.get(i).map_or("", String::as_str)),
                    None => (COLUMNS[c].0, ""),
                }
            };
            let error = |c: usize, value: &str, expected: &str| PortfolioError::Value {
                file: file(),
                line,
                column: cell(c).0.to_string(),
                value: value.to_string(),
                expected: expected.to_string(),
            };
            let (_, complex) = cell(0);
            if complex.is_empty() {
                return Err(error(0, "", "a complex id as in the stock"));
            }
            let (_, action_text) = cell(1);
            let kind = action_kind(action_text).ok_or_else(|| {
                error(
                    1,
                    action_text,
                    "one of exclude (uitsluiten), commit (vastgelegd), not_before (niet_voor), sell (verkoop), demolish (sloop)",
                )
            })?;
            let year = || -> Result<u16, PortfolioError> {
                let (_, text) = cell(2);
                // Spreadsheets may save a year as `2028.0` or `2028,0`.
                let whole = text
                    .strip_suffix(".0")
                    .or_else(|| text.strip_suffix(",0"))
                    .unwrap_or(text);
                whole
                    .parse::<u16>()
                    .ok()
                    .filter(|y| (1900..=2100).contains(y))
                    .ok_or_else(|| error(2, text, "a year (e.g. 2028)"))
            };
            let action = match kind {
                "exclude" => Action::Exclude,
                "commit" => {
                    let (_, package) = cell(3);
                    if package.is_empty() {
                        return Err(error(3, "", "the id of the committed package"));
                    }
                    Action::Commit {
                        package: package.to_string(),
                        year: year()?,
                    }
                }
                "not_before" => Action::NotBefore { year: year()? },
                "sell" => Action::Sell { year: year()? },
                _ => Action::Demolish { year: year()? },
            };
            let key = (complex.to_string(), action.exit_year().is_some());
            if let Some(first) = first_line.insert(key, line) {
                let what = if action.exit_year().is_some() {
                    "one sale or demolition per complex"
                } else {
                    "one decision on a complex's works (commit, exclude or not_before)"
                };
                return Err(error(
                    0,
                    complex,
                    &format!("{what} (line {first} has one for it already)"),
                ));
            }
            decisions.push(Decision {
                complex_id: complex.to_string(),
                action,
                line,
            });
        }
        let Some((names, at)) = header else {
            return Err(PortfolioError::Empty { file: file() });
        };
        let headers = std::array::from_fn(|c| match at[c] {
            Some(i) => names[i].clone(),
            None => COLUMNS[c].0.to_string(),
        });
        Ok(Portfolio {
            source: path.to_path_buf(),
            decisions,
            headers,
        })
    }

    /// Checks the decisions against the stock's complexes (`complex_of`: a complex id's unit
    /// index), the catalogue's package ids and the horizon.
    pub fn check(
        &self,
        complex_of: impl Fn(&str) -> Option<usize>,
        package_of: impl Fn(&str) -> Option<usize>,
        first_year: u16,
        last_year: u16,
    ) -> Result<Vec<(usize, &Decision)>, PortfolioError> {
        let error =
            |d: &Decision, column: usize, value: &str, expected: String| PortfolioError::Value {
                file: self.source.clone(),
                line: d.line,
                column: self.headers[column].clone(),
                value: value.to_string(),
                expected,
            };
        self.decisions
            .iter()
            .map(|d| {
                let unit = complex_of(&d.complex_id).ok_or_else(|| {
                    error(
                        d,
                        0,
                        &d.complex_id,
                        "a complex id of the stock's complex_id column".into(),
                    )
                })?;
                match &d.action {
                    Action::Commit { package, year } => {
                        if package_of(package).is_none() {
                            return Err(error(
                                d,
                                3,
                                package,
                                "a package id of the catalogue (see the Catalogue sheet of plan.xlsx), not one the scenario excludes".into(),
                            ));
                        }
                        if !(first_year..=last_year).contains(year) {
                            return Err(error(
                                d,
                                2,
                                &year.to_string(),
                                format!("a year of the plan, {first_year}–{last_year} (works before the first year are the current state: put them in the stock)"),
                            ));
                        }
                    }
                    Action::Sell { year } | Action::Demolish { year } if *year < first_year => {
                        return Err(error(
                            d,
                            2,
                            &year.to_string(),
                            format!("a year from {first_year}, the plan's first (a complex gone before it is not in the stock: leave it out of the stock file)"),
                        ));
                    }
                    Action::NotBefore { year } if *year > last_year => {
                        return Err(error(
                            d,
                            2,
                            &year.to_string(),
                            format!("a year up to {last_year}, the plan's last (a complex not touched in the plan is `exclude`)"),
                        ));
                    }
                    _ => {}
                }
                // Works in or after the year the complex leaves cannot be.
                let works_year = match &d.action {
                    Action::Commit { year, .. } | Action::NotBefore { year } => Some(*year),
                    _ => None,
                };
                let exit = self.decisions.iter().find_map(|e| {
                    (e.complex_id == d.complex_id)
                        .then(|| e.action.exit_year().map(|y| (y, e)))
                        .flatten()
                });
                if let (Some(works), Some((exit_year, e))) = (works_year, exit) {
                    if works >= exit_year {
                        return Err(error(
                            d,
                            2,
                            &works.to_string(),
                            format!(
                                "a year before {exit_year}, when the complex is {} (line {}); a complex leaving the stock has no works from then on",
                                if matches!(e.action, Action::Sell { .. }) { "sold" } else { "demolished" },
                                e.line
                            ),
                        ));
                    }
                }
                Ok((unit, d))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Portfolio, PortfolioError> {
        Portfolio::from_bytes(text.as_bytes(), Path::new("portfolio.csv"))
    }

    #[test]
    fn dutch_names_semicolons_and_comments_are_read() {
        let p = read("# portefeuillestrategie 2026\nComplex;Actie;Jaar;Pakket;Opmerking\nC1;vastgelegd;2027;envelope_basic;contract getekend\nC2;Uitsluiten;;;monument\nC3;niet voor;2030,0;;\n").unwrap();
        assert_eq!(
            p.decisions
                .iter()
                .map(|d| (d.complex_id.as_str(), d.action.clone(), d.line))
                .collect::<Vec<_>>(),
            [
                (
                    "C1",
                    Action::Commit {
                        package: "envelope_basic".into(),
                        year: 2027
                    },
                    3
                ),
                ("C2", Action::Exclude, 4),
                ("C3", Action::NotBefore { year: 2030 }, 5),
            ]
        );
    }

    #[test]
    fn errors_name_the_line_the_column_and_the_value() {
        let err = read("complex_id,action,year\nC1,commit,2027\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("line 2, column `package`: value ``: expected the id"),
            "{err}"
        );
        let err = read("complex_id,action\nC1,renovate\n").unwrap_err();
        assert!(err
            .to_string()
            .contains("line 2, column `action`: value `renovate`"));
        let err = read("complex_id,action,year\nC1,not_before,next year\n").unwrap_err();
        assert!(err.to_string().contains("column `year`: value `next year`"));
        let err = read("complex_id,action\nC1,exclude\nC1,exclude\n").unwrap_err();
        assert!(err.to_string().contains(
            "line 3, column `complex_id`: value `C1`: expected one decision on a complex's works (commit, exclude or not_before) (line 2"
        ));
        let err = read("complex_id,action,year\nC1,sloop,2030\nC1,verkoop,2031\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("line 3, column `complex_id`: value `C1`: expected one sale or demolition per complex (line 2"),
            "{err}"
        );
        let err = read("actie\nexclude\n").unwrap_err();
        assert!(err.to_string().contains("no column `complex_id`"));
    }

    #[test]
    fn the_check_against_stock_catalogue_and_horizon_names_the_row() {
        let p = read(
            "complex_id,action,year,package\nC1,commit,2040,a\nC2,commit,2028,zz\nC9,exclude,,\n",
        )
        .unwrap();
        let complex_of = |id: &str| ["C1", "C2"].iter().position(|c| *c == id);
        let package_of = |id: &str| ["a"].iter().position(|c| *c == id);
        let err = p.check(complex_of, package_of, 2027, 2035).unwrap_err();
        assert!(
            err.to_string()
                .contains("line 2, column `year`: value `2040`"),
            "{err}"
        );
        let p = read("complex_id,action,year,package\nC2,commit,2028,zz\n").unwrap();
        let err = p.check(complex_of, package_of, 2027, 2035).unwrap_err();
        assert!(
            err.to_string().contains("column `package`: value `zz`"),
            "{err}"
        );
        let p = read("complex_id,action\nC9,exclude\n").unwrap();
        let err = p.check(complex_of, package_of, 2027, 2035).unwrap_err();
        assert!(
            err.to_string().contains("column `complex_id`: value `C9`"),
            "{err}"
        );
        let p = read("complex_id,action,year,package\nC2,commit,2028,a\nC1,exclude,,\n").unwrap();
        let checked = p.check(complex_of, package_of, 2027, 2035).unwrap();
        assert_eq!(checked.iter().map(|c| c.0).collect::<Vec<_>>(), [1, 0]);
    }
}
