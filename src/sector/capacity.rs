//! The corporations' capacity table: per corporation its investment capacity (over the planning
//! horizon, or per year) and the reserve it must keep (given directly, or five years of
//! maintenance per dwelling).
//!
//! Read as the stock reader reads: `,` `;` or tab separated (the most frequent in the header),
//! decimal commas with `;` and tab, thousands separators, a UTF-8 BOM, CRLF, Windows-1252 text,
//! Dutch column names, and `#` comment lines. Columns other than those below are ignored.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use super::SectorError;
use crate::stock::{normalise_header, parse_decimal, Stock};

/// Years of maintenance a corporation keeps in reserve (Duurzaam prestatiemodel: "voldoende
/// middelen ... om nog voor minimaal vijf jaar zijn bezit ... in stand te houden").
pub const RESERVE_YEARS: f64 = 5.0;

/// A column of the capacity table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityColumn {
    /// Corporation name, as in the stock's `corporation` column.
    Corporation,
    /// Investment capacity over the whole planning horizon (euros).
    CapacityEur,
    /// Investment capacity per planning year (euros), instead of the horizon figure.
    CapacityEurPerYear,
    /// Reserve to keep (euros).
    ReserveEur,
    /// Maintenance per dwelling and year (euros), for a reserve of five years of it.
    MaintenanceEurPerDwellingYear,
}

impl CapacityColumn {
    /// Every column.
    pub const ALL: [CapacityColumn; 5] = [
        CapacityColumn::Corporation,
        CapacityColumn::CapacityEur,
        CapacityColumn::CapacityEurPerYear,
        CapacityColumn::ReserveEur,
        CapacityColumn::MaintenanceEurPerDwellingYear,
    ];

    /// Canonical name.
    pub fn name(self) -> &'static str {
        match self {
            CapacityColumn::Corporation => "corporation",
            CapacityColumn::CapacityEur => "investment_capacity_eur",
            CapacityColumn::CapacityEurPerYear => "investment_capacity_eur_per_year",
            CapacityColumn::ReserveEur => "reserve_eur",
            CapacityColumn::MaintenanceEurPerDwellingYear => "maintenance_eur_per_dwelling_year",
        }
    }

    /// Accepted Dutch and other spellings (Dutch first).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            CapacityColumn::Corporation => &[
                "corporatie",
                "woningcorporatie",
                "toegelaten_instelling",
                "ti",
                "organisatie",
            ],
            CapacityColumn::CapacityEur => &[
                "investeringsruimte_eur",
                "investeringsruimte",
                "investeringscapaciteit_eur",
                "investeringscapaciteit",
                "investment_capacity",
                "capacity_eur",
            ],
            CapacityColumn::CapacityEurPerYear => &[
                "investeringsruimte_eur_per_jaar",
                "investeringsruimte_per_jaar",
                "investeringscapaciteit_eur_per_jaar",
                "investment_capacity_per_year",
                "capacity_eur_per_year",
            ],
            CapacityColumn::ReserveEur => &[
                "reserve_eur",
                "reserve",
                "instandhoudingsreserve_eur",
                "instandhoudingsreserve",
                "instandhouding_eur",
            ],
            CapacityColumn::MaintenanceEurPerDwellingYear => &[
                "onderhoud_eur_per_vhe_jaar",
                "onderhoud_per_vhe_jaar",
                "onderhoudskosten_eur_per_vhe_jaar",
                "onderhoud_eur_per_woning_jaar",
                "maintenance_eur_per_dwelling",
            ],
        }
    }

    fn of_header(cell: &str) -> Option<CapacityColumn> {
        let key = normalise_header(cell);
        CapacityColumn::ALL.into_iter().find(|c| {
            normalise_header(c.name()) == key
                || c.aliases().iter().any(|a| normalise_header(a) == key)
        })
    }
}

/// A corporation's investment capacity as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Capacity {
    /// Over the whole planning horizon.
    Horizon(f64),
    /// Per planning year.
    PerYear(f64),
}

impl Capacity {
    /// Over a horizon of `n_years`.
    pub fn over(self, n_years: usize) -> f64 {
        match self {
            Capacity::Horizon(v) => v,
            Capacity::PerYear(v) => v * n_years as f64,
        }
    }
}

/// The reserve a corporation keeps, as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reserve {
    /// Euros, given directly.
    Given(f64),
    /// Maintenance per dwelling and year: the reserve is five years of it.
    Maintenance(f64),
    /// Neither given: five years of the scenario's (or the default) maintenance figure.
    Default,
}

/// One corporation's row.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityRow {
    /// Corporation name.
    pub corporation: String,
    /// Line in the file (the header is line 1, comment lines count).
    pub line: u64,
    /// Investment capacity.
    pub capacity: Capacity,
    /// Reserve.
    pub reserve: Reserve,
}

/// A capacity table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CapacityTable {
    /// The file (for messages).
    pub source: PathBuf,
    /// Rows in file order.
    pub rows: Vec<CapacityRow>,
}

impl CapacityTable {
    /// Reads a capacity table from a file.
    pub fn from_file(path: &Path) -> Result<CapacityTable, SectorError> {
        let bytes =
            crate::input::read_table_bytes(path).map_err(|source| SectorError::CapacityIo {
                file: path.to_path_buf(),
                source,
            })?;
        Self::from_bytes(&bytes, path)
    }

    /// As [`CapacityTable::from_file`], from the file's bytes (`path` names it in errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<CapacityTable, SectorError> {
        let text = crate::input::table_text(bytes);
        let file = || path.to_path_buf();
        // Skip leading comment and blank lines to find the header.
        let header_line = text
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .ok_or_else(|| SectorError::CapacityEmpty { file: file() })?;
        let separator = detect_separator(header_line);
        let decimal_comma = separator != b',';
        let mut header: Option<(Vec<String>, Vec<Option<CapacityColumn>>)> = None;
        let mut rows: Vec<CapacityRow> = Vec::new();
        // Line of each corporation's row, for the duplicate check (linear, not quadratic).
        let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        // One record per line (a capacity table has no line breaks inside values), so that line
        // numbers are exact; blank and `#` comment lines are skipped.
        for (index, text_line) in text.lines().enumerate() {
            let line = index as u64 + 1;
            if text_line.trim().is_empty() || text_line.trim_start().starts_with('#') {
                continue;
            }
            let record = csv::ReaderBuilder::new()
                .delimiter(separator)
                .has_headers(false)
                .flexible(true)
                .from_reader(text_line.as_bytes())
                .records()
                .next()
                .unwrap_or_else(|| Ok(csv::StringRecord::new()))
                .map_err(|e| SectorError::CapacityCsv {
                    file: file(),
                    line,
                    message: e.to_string(),
                })?;
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let Some((names, columns)) = &header else {
                let names: Vec<String> = record.iter().map(|s| s.trim().to_string()).collect();
                let columns: Vec<Option<CapacityColumn>> =
                    names.iter().map(|n| CapacityColumn::of_header(n)).collect();
                for (i, c) in columns.iter().enumerate() {
                    if let Some(c) = c {
                        if let Some(j) = columns[..i].iter().position(|d| d == &Some(*c)) {
                            return Err(SectorError::CapacityDuplicateColumn {
                                file: file(),
                                column: c.name(),
                                first: names[j].clone(),
                                second: names[i].clone(),
                            });
                        }
                    }
                }
                // A misspelled column (`reserv_eur`) would be dropped and change the result.
                let known: Vec<String> = CapacityColumn::ALL
                    .iter()
                    .flat_map(|c| std::iter::once(c.name()).chain(c.aliases().iter().copied()))
                    .map(crate::stock::normalise_header)
                    .collect();
                let misspelled: Vec<String> = names
                    .iter()
                    .zip(&columns)
                    .filter(|(n, c)| c.is_none() && !n.is_empty())
                    .filter_map(|(n, _)| {
                        let key = crate::stock::normalise_header(n);
                        let near =
                            crate::text::did_you_mean(&key, known.iter().map(String::as_str))?;
                        let column = CapacityColumn::of_header(near)?;
                        (!columns.contains(&Some(column)))
                            .then(|| format!("`{n}` (did you mean `{}`?)", column.name()))
                    })
                    .collect();
                if !misspelled.is_empty() {
                    return Err(SectorError::CapacityValue {
                        file: file(),
                        line,
                        column: "header".into(),
                        value: misspelled.join(", "),
                        expected: "heatpath capacity columns; rename the misspelled ones (a column dropped silently would change the result)".into(),
                    });
                }
                let has = |c: CapacityColumn| columns.contains(&Some(c));
                let missing = if !has(CapacityColumn::Corporation) {
                    Some(CapacityColumn::Corporation)
                } else if !has(CapacityColumn::CapacityEur)
                    && !has(CapacityColumn::CapacityEurPerYear)
                {
                    Some(CapacityColumn::CapacityEur)
                } else {
                    None
                };
                if let Some(column) = missing {
                    let mut aliases: Vec<&str> = column.aliases().to_vec();
                    if column == CapacityColumn::CapacityEur {
                        aliases.push(CapacityColumn::CapacityEurPerYear.name());
                        aliases.extend(CapacityColumn::CapacityEurPerYear.aliases());
                    }
                    return Err(SectorError::CapacityMissingColumn {
                        file: file(),
                        column: column.name(),
                        aliases: aliases.join(", "),
                        found: names.join(", "),
                    });
                }
                header = Some((names, columns));
                continue;
            };
            let cell = |c: CapacityColumn| -> Option<(&str, &str)> {
                let i = columns.iter().position(|d| d == &Some(c))?;
                let value = record.get(i).unwrap_or("").trim();
                (!value.is_empty()).then_some((names[i].as_str(), value))
            };
            let value_error =
                |column: &str, value: &str, expected: &str| SectorError::CapacityValue {
                    file: file(),
                    line,
                    column: column.to_string(),
                    value: value.to_string(),
                    expected: expected.to_string(),
                };
            let euros = |c: CapacityColumn, high: f64| -> Result<Option<f64>, SectorError> {
                let Some((column, value)) = cell(c) else {
                    return Ok(None);
                };
                let cleaned = value.trim_start_matches('€').trim();
                match parse_decimal(cleaned, decimal_comma) {
                    Some(v) if (0.0..=high).contains(&v) => Ok(Some(v)),
                    _ => Err(value_error(
                        column,
                        value,
                        &format!("an amount in euros from 0 to {high:.0}"),
                    )),
                }
            };
            let corporation = match cell(CapacityColumn::Corporation) {
                Some((_, v)) => v.to_string(),
                None => {
                    let column = columns
                        .iter()
                        .position(|d| d == &Some(CapacityColumn::Corporation))
                        .map_or("corporation", |i| names[i].as_str());
                    return Err(value_error(column, "", "a corporation name"));
                }
            };
            if let Some(first_line) = seen.get(&corporation) {
                let column = columns
                    .iter()
                    .position(|d| d == &Some(CapacityColumn::Corporation))
                    .map_or("corporation", |i| names[i].as_str());
                return Err(value_error(
                    column,
                    &corporation,
                    &format!("one row per corporation, but line {first_line} has it too"),
                ));
            }
            seen.insert(corporation.clone(), line);
            const MAX_EUR: f64 = 1e12;
            let horizon = euros(CapacityColumn::CapacityEur, MAX_EUR)?;
            let per_year = euros(CapacityColumn::CapacityEurPerYear, MAX_EUR)?;
            let capacity = match (horizon, per_year) {
                (Some(v), None) => Capacity::Horizon(v),
                (None, Some(v)) => Capacity::PerYear(v),
                (None, None) => {
                    return Err(value_error(
                        CapacityColumn::CapacityEur.name(),
                        "",
                        "an investment capacity: over the horizon or per year",
                    ))
                }
                (Some(_), Some(_)) => {
                    let (column, value) =
                        cell(CapacityColumn::CapacityEurPerYear).unwrap_or(("", ""));
                    return Err(value_error(
                        column,
                        value,
                        "either the capacity over the horizon or per year, not both",
                    ));
                }
            };
            let reserve = match (
                euros(CapacityColumn::ReserveEur, MAX_EUR)?,
                euros(CapacityColumn::MaintenanceEurPerDwellingYear, 100_000.0)?,
            ) {
                (Some(v), _) => Reserve::Given(v),
                (None, Some(m)) => Reserve::Maintenance(m),
                (None, None) => Reserve::Default,
            };
            rows.push(CapacityRow {
                corporation,
                line,
                capacity,
                reserve,
            });
        }
        if header.is_none() {
            return Err(SectorError::CapacityEmpty { file: file() });
        }
        Ok(CapacityTable {
            source: path.to_path_buf(),
            rows,
        })
    }
}

/// The separator of the header line: the most frequent of `;`, tab and `,` outside quotes
/// (`;` wins ties, as Dutch Excel writes it).
fn detect_separator(header: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in header.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b',' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(2);
    if counts[best] == 0 {
        b','
    } else {
        [b';', b'\t', b','][best]
    }
}

/// Maintenance per dwelling and year of the synthetic table's corporations, before noise
/// (ILLUSTRATIVE order of magnitude, not a published figure).
pub const SYNTHETIC_MAINTENANCE_EUR_PER_DWELLING_YEAR: f64 = 2_200.0;

/// Investment room per dwelling and year above the reserve, before the regional and corporation
/// factors (ILLUSTRATIVE; chosen so that the generated sector as a whole can pay for its
/// illustrative task while some regions fall short).
pub const SYNTHETIC_ROOM_EUR_PER_DWELLING_YEAR: f64 = 380.0;

/// A SYNTHETIC capacity table for a (generated) stock: every corporation gets a yearly
/// investment capacity of five years of maintenance spread over the horizon plus a room per
/// dwelling that depends on its region (a factor from 0.3 to 1.9, so that some regions fall short
/// and others have a surplus) and on the corporation (log-normal noise). Reproducible from
/// `seed`; for tests and demonstrations only, not an estimate of any real corporation.
pub fn synthetic_capacity(stock: &Stock, seed: u64, horizon_years: usize) -> CapacityTable {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EC7_0C4A_9AC1_7E55);
    let region_factor: Vec<f64> = (0..stock.regions.len().max(1))
        .map(|_| rng.random_range(0.3..1.9))
        .collect();
    let corporation_noise = LogNormal::new(0.0, 0.35).expect("valid log-normal");
    let maintenance_noise = LogNormal::new(0.0, 0.1).expect("valid log-normal");
    let mut dwellings = vec![0usize; stock.corporations.len()];
    let mut region = vec![None; stock.corporations.len()];
    for d in &stock.dwellings {
        if let Some(c) = d.corporation {
            dwellings[c as usize] += 1;
            if region[c as usize].is_none() {
                region[c as usize] = d.region;
            }
        }
    }
    let rows = stock
        .corporations
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let n = dwellings[c] as f64;
            let maintenance = (SYNTHETIC_MAINTENANCE_EUR_PER_DWELLING_YEAR
                * maintenance_noise.sample(&mut rng)
                / 10.0)
                .round()
                * 10.0;
            let factor = region[c].map_or(1.0, |r| region_factor[r as usize])
                * corporation_noise.sample(&mut rng);
            let reserve = RESERVE_YEARS * maintenance * n;
            let per_year = (reserve / horizon_years as f64
                + SYNTHETIC_ROOM_EUR_PER_DWELLING_YEAR * factor * n)
                / 1000.0;
            CapacityRow {
                corporation: name.to_string(),
                line: c as u64 + 2,
                capacity: Capacity::PerYear(per_year.round() * 1000.0),
                reserve: Reserve::Maintenance(maintenance),
            }
        })
        .collect();
    CapacityTable {
        source: "synthetic".into(),
        rows,
    }
}

/// Writes a capacity table as CSV (`,`-separated, canonical names), after `comment` lines
/// (written with a leading `# `).
pub fn write_capacity_csv<W: Write>(
    out: W,
    table: &CapacityTable,
    comment: &str,
) -> io::Result<()> {
    let mut out = out;
    for line in comment.lines() {
        writeln!(out, "# {line}")?;
    }
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(
        CapacityColumn::ALL
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>(),
    )?;
    let number = |v: f64| format!("{v}");
    for row in &table.rows {
        let (horizon, per_year) = match row.capacity {
            Capacity::Horizon(v) => (number(v), String::new()),
            Capacity::PerYear(v) => (String::new(), number(v)),
        };
        let (reserve, maintenance) = match row.reserve {
            Reserve::Given(v) => (number(v), String::new()),
            Reserve::Maintenance(v) => (String::new(), number(v)),
            Reserve::Default => (String::new(), String::new()),
        };
        writer.write_record([
            row.corporation.as_str(),
            &horizon,
            &per_year,
            &reserve,
            &maintenance,
        ])?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<CapacityTable, SectorError> {
        CapacityTable::from_bytes(text.as_bytes(), Path::new("cap.csv"))
    }

    #[test]
    fn dutch_table_with_bom_comments_and_decimal_commas() {
        let t = read("\u{feff}# synthetisch\r\ncorporatie;investeringsruimte_eur;reserve_eur;onderhoud_eur_per_vhe_jaar\r\nWoonstad;1.250.000,50;;2100\r\nThuis;2000000;500000;\r\nKlein;10;;\r\n").unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].corporation, "Woonstad");
        assert_eq!(t.rows[0].capacity, Capacity::Horizon(1_250_000.5));
        assert_eq!(t.rows[0].reserve, Reserve::Maintenance(2100.0));
        assert_eq!(t.rows[1].reserve, Reserve::Given(500_000.0));
        assert_eq!(t.rows[2].reserve, Reserve::Default);
        assert_eq!(t.rows[0].line, 3);
    }

    #[test]
    fn per_year_capacity_scales_with_the_horizon() {
        let t = read("corporation,investment_capacity_eur_per_year\nA,100\n").unwrap();
        assert_eq!(t.rows[0].capacity.over(9), 900.0);
    }

    #[test]
    fn bad_values_name_file_line_column_value_and_expectation() {
        let err = read("corporatie;investeringsruimte_eur\nA;12x\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "cap.csv:2: column `investeringsruimte_eur`: value `12x`: expected an amount in euros from 0 to 1000000000000"
        );
        let err = read("corporation,investment_capacity_eur\nA,-5\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("cap.csv:2: column `investment_capacity_eur`: value `-5`"));
        let err = read("corporation,investment_capacity_eur\nA,5\nA,6\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cap.csv:3: column `corporation`: value `A`")
                && err.contains("line 2 has it too"),
            "{err}"
        );
        let err = read("corporation,reserve_eur\nA,5\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing column `investment_capacity_eur`"),
            "{err}"
        );
        let err = read("# only a comment\n").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn written_tables_read_back() {
        let table = CapacityTable {
            source: "x".into(),
            rows: vec![
                CapacityRow {
                    corporation: "A, de eerste".into(),
                    line: 3,
                    capacity: Capacity::PerYear(1000.0),
                    reserve: Reserve::Maintenance(2000.0),
                },
                CapacityRow {
                    corporation: "B".into(),
                    line: 4,
                    capacity: Capacity::Horizon(5e6),
                    reserve: Reserve::Given(1e6),
                },
            ],
        };
        let mut bytes = Vec::new();
        write_capacity_csv(&mut bytes, &table, "SYNTHETIC").unwrap();
        let back = CapacityTable::from_bytes(&bytes, Path::new("x")).unwrap();
        assert_eq!(back, table);
    }
}
