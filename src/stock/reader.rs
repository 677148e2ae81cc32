//! Reading a stock table from CSV as corporations export it: `,` `;` or tab separated, decimal
//! commas, thousands separators, a UTF-8 BOM, CRLF line ends, Windows-1252 text, Dutch column
//! names and values. Streams the file, so a sector-size table is never held as text.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::columns::{Column, ColumnMapping};
use super::{Dwelling, Stock, StockError};
use crate::label::EnergyLabel;
use crate::typology::{
    default_envelope, default_facade_type, default_geometry, default_roof_type,
    default_ventilation, ConstructionPeriod, DwellingType, FacadeType, Heating, Position, RoofType,
    Ventilation,
};

/// How to read a stock table.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Header and value spellings.
    pub mapping: ColumnMapping,
    /// Latest accepted construction year (existing stock, plus new build about to be delivered).
    pub max_build_year: u16,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mapping: ColumnMapping::builtin(),
            max_build_year: 2035,
        }
    }
}

/// What the reader found out about the file, for the user's information.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadReport {
    /// The separator detected.
    pub separator: char,
    /// Numbers were read with decimal commas.
    pub decimal_comma: bool,
    /// `UTF-8`, or `Windows-1252` when some text was not valid UTF-8 and was decoded as such.
    pub encoding: &'static str,
    /// Header cells that map to no column (ignored).
    pub ignored_columns: Vec<String>,
}

/// Reads a stock table from a CSV file.
pub fn read_stock(path: &Path, options: &ReadOptions) -> Result<(Stock, ReadReport), StockError> {
    let file = File::open(path).map_err(|source| StockError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    read_stock_from(file, path, options)
}

/// Reads a stock table from any reader; `path` names it in messages.
pub fn read_stock_from<R: Read>(
    input: R,
    path: &Path,
    options: &ReadOptions,
) -> Result<(Stock, ReadReport), StockError> {
    let io_error = |source| StockError::Io {
        file: path.to_path_buf(),
        source,
    };
    let mut input = BufReader::with_capacity(1 << 20, input);
    let head = input.fill_buf().map_err(io_error)?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input.consume(3);
    }
    let head = input.fill_buf().map_err(io_error)?;
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(StockError::Empty {
            file: path.to_path_buf(),
        });
    }
    let separator = detect_separator(head);
    let decimal_comma = separator != b',';
    let mut csv_reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);

    let mut parser = RowParser {
        file: path.to_path_buf(),
        decimal_comma,
        options,
        used_windows_1252: false,
        headers: Vec::new(),
        columns: Vec::new(),
    };
    let mut record = csv::ByteRecord::new();
    let csv_error = |e: csv::Error| StockError::Csv {
        file: path.to_path_buf(),
        line: e.position().map(|p| p.line()).unwrap_or(0),
        message: e.to_string(),
    };
    // The header is the first row that is not blank.
    loop {
        if !csv_reader
            .read_byte_record(&mut record)
            .map_err(csv_error)?
        {
            return Err(StockError::Empty {
                file: path.to_path_buf(),
            });
        }
        if !is_blank(&record) {
            break;
        }
    }
    let ignored_columns = parser.set_header(&record)?;

    let mut stock = Stock {
        source: path.to_path_buf(),
        ..Stock::default()
    };
    let mut lines = Vec::new();
    while csv_reader
        .read_byte_record(&mut record)
        .map_err(csv_error)?
    {
        if is_blank(&record) {
            continue;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let dwelling = parser.parse_row(&record, line, &mut stock)?;
        stock.dwellings.push(dwelling);
        lines.push(line);
    }
    if stock.dwellings.is_empty() {
        return Err(StockError::NoRows {
            file: path.to_path_buf(),
        });
    }
    check_unique_ids(&stock, &lines, path, parser.header_of(Column::Id))?;
    let report = ReadReport {
        separator: separator as char,
        decimal_comma,
        encoding: if parser.used_windows_1252 {
            "Windows-1252"
        } else {
            "UTF-8"
        },
        ignored_columns,
    };
    Ok((stock, report))
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// The separator of the header line: the most frequent of `;`, tab and `,` outside quotes
/// (`;` wins ties, as Dutch Excel writes it).
fn detect_separator(head: &[u8]) -> u8 {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in &head[..line_end] {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b',' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b';', b'\t', b','];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(2);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// Parses a number as Dutch and English exports write it: `12,5` and `12.5`, `1.234,5` and
/// `1,234.5`, spaces as thousands separators. With `decimal_comma`, a lone comma is the decimal
/// mark and dots in groups of three are thousands separators; otherwise the reverse. Rejects NaN
/// and infinities.
pub fn parse_decimal(text: &str, decimal_comma: bool) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_'))
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let has_comma = cleaned.contains(',');
    let has_dot = cleaned.contains('.');
    let normalised = match (has_comma, has_dot) {
        (true, true) => {
            let last_comma = cleaned.rfind(',')?;
            let last_dot = cleaned.rfind('.')?;
            if last_comma > last_dot {
                cleaned.replace('.', "").replace(',', ".")
            } else {
                cleaned.replace(',', "")
            }
        }
        (true, false) => {
            if !decimal_comma && is_grouped(&cleaned, ',') {
                cleaned.replace(',', "")
            } else if cleaned.matches(',').count() == 1 {
                cleaned.replace(',', ".")
            } else if is_grouped(&cleaned, ',') {
                cleaned.replace(',', "")
            } else {
                return None;
            }
        }
        (false, true) => {
            if decimal_comma && is_grouped(&cleaned, '.') {
                cleaned.replace('.', "")
            } else {
                cleaned
            }
        }
        (false, false) => cleaned,
    };
    if !normalised
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    normalised.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `1.234` or `12.345.678` (digits in groups of three after a first group of one to three).
fn is_grouped(text: &str, mark: char) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let mut groups = digits.split(mark);
    let first = groups.next().unwrap_or("");
    let mut rest = groups.peekable();
    rest.peek().is_some()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_bool(text: &str) -> Option<bool> {
    match crate::typology::normalise_key(text).as_str() {
        "1" | "true" | "yes" | "y" | "ja" | "j" | "x" | "waar" | "wel" => Some(true),
        "0" | "false" | "no" | "n" | "nee" | "onwaar" | "niet" | "geen" => Some(false),
        _ => None,
    }
}

/// Window U-value for a glazing description (Hestia's glazing levels; double glass as in the
/// RVO example).
fn glazing_u(text: &str) -> Option<f64> {
    let key = crate::typology::normalise_key(text);
    let u = match key.as_str() {
        "single" | "enkel" | "enkelglas" | "enkelvoudig" => 5.8,
        "double" | "dubbel" | "dubbelglas" | "dubbelvoudig" => 2.9,
        "hr" | "hrglas" | "hr+" | "hr+glas" => 1.6,
        "hr++" | "hr++glas" | "hrpp" => 1.2,
        "triple" | "triple glass" | "tripleglas" | "drievoudig" | "hr+++" | "hr+++glas" => 0.8,
        _ => return None,
    };
    Some(u)
}

struct RowParser<'a> {
    file: PathBuf,
    decimal_comma: bool,
    options: &'a ReadOptions,
    used_windows_1252: bool,
    headers: Vec<String>,
    /// Column of each field position.
    columns: Vec<Option<Column>>,
}

/// The cells of one row, by column, as text.
#[derive(Default)]
struct Cells<'r> {
    by_column: Vec<Option<(usize, Cow<'r, str>)>>,
}

impl<'a> RowParser<'a> {
    fn decode<'r>(&mut self, bytes: &'r [u8]) -> Cow<'r, str> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                // Dutch Excel saves CSV as Windows-1252 (é in "Café", ë in "Zeeën", ² in "m²").
                self.used_windows_1252 = true;
                let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
                text
            }
        }
    }

    fn set_header(&mut self, record: &csv::ByteRecord) -> Result<Vec<String>, StockError> {
        let mut ignored = Vec::new();
        for field in record.iter() {
            let header = self.decode(field).trim().to_string();
            let column = if header.is_empty() {
                None
            } else {
                self.options.mapping.column_for(&header)
            };
            if let Some(column) = column {
                if let Some(first) = self.columns.iter().position(|c| *c == Some(column)) {
                    return Err(StockError::DuplicateColumn {
                        file: self.file.clone(),
                        column: column.name(),
                        first: self.headers[first].clone(),
                        second: header,
                    });
                }
            } else if !header.is_empty() {
                ignored.push(header.clone());
            }
            self.headers.push(header);
            self.columns.push(column);
        }
        for column in Column::REQUIRED {
            if !self.columns.contains(&Some(column)) {
                let found: Vec<&str> = self
                    .headers
                    .iter()
                    .filter(|h| !h.is_empty())
                    .map(String::as_str)
                    .collect();
                return Err(StockError::MissingColumn {
                    file: self.file.clone(),
                    column: column.name(),
                    aliases: column
                        .aliases()
                        .iter()
                        .take(3)
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    found: if found.is_empty() {
                        "(nothing)".to_string()
                    } else {
                        found.join(", ")
                    },
                });
            }
        }
        Ok(ignored)
    }

    fn header_of(&self, column: Column) -> String {
        self.columns
            .iter()
            .position(|c| *c == Some(column))
            .map(|i| self.headers[i].clone())
            .unwrap_or_else(|| column.name().to_string())
    }

    fn parse_row(
        &mut self,
        record: &csv::ByteRecord,
        line: u64,
        stock: &mut Stock,
    ) -> Result<Dwelling, StockError> {
        if record.len() > self.columns.len()
            && record
                .iter()
                .skip(self.columns.len())
                .any(|f| !f.iter().all(u8::is_ascii_whitespace))
        {
            return Err(StockError::RowWidth {
                file: self.file.clone(),
                line,
                fields: record.len(),
                header_fields: self.columns.len(),
            });
        }
        let mut cells = Cells {
            by_column: vec![None; Column::ALL.len()],
        };
        for (position, field) in record.iter().enumerate().take(self.columns.len()) {
            if let Some(column) = self.columns[position] {
                let text = self.decode(field);
                if !text.trim().is_empty() {
                    cells.by_column[column as usize] = Some((position, text));
                }
            }
        }
        let row = Row {
            parser: self,
            cells,
            line,
        };
        row.into_dwelling(stock)
    }
}

struct Row<'p, 'a, 'r> {
    parser: &'p RowParser<'a>,
    cells: Cells<'r>,
    line: u64,
}

impl Row<'_, '_, '_> {
    fn cell(&self, column: Column) -> Option<(usize, &str)> {
        self.cells.by_column[column as usize]
            .as_ref()
            .map(|(pos, text)| (*pos, text.trim()))
    }

    fn error(&self, position: usize, value: &str, expected: impl Into<String>) -> StockError {
        StockError::Value {
            file: self.parser.file.clone(),
            line: self.line,
            column: self.parser.headers[position].clone(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    fn missing(&self, column: Column) -> StockError {
        let position = self
            .parser
            .columns
            .iter()
            .position(|c| *c == Some(column))
            .unwrap_or(0);
        self.error(
            position,
            "",
            format!("a value ({}); this column is required", column.unit()),
        )
    }

    fn text(&self, column: Column) -> Option<&str> {
        self.cell(column).map(|(_, t)| t)
    }

    fn number(&self, column: Column, low: f64, high: f64) -> Result<Option<f64>, StockError> {
        let Some((pos, text)) = self.cell(column) else {
            return Ok(None);
        };
        let expected = || format!("a number from {low} to {high} ({})", column.unit());
        let value = parse_decimal(text, self.parser.decimal_comma)
            .ok_or_else(|| self.error(pos, text, expected()))?;
        if !(low..=high).contains(&value) {
            return Err(self.error(pos, text, expected()));
        }
        Ok(Some(value))
    }

    fn year(&self, column: Column, low: u16, high: u16) -> Result<Option<u16>, StockError> {
        let Some((pos, text)) = self.cell(column) else {
            return Ok(None);
        };
        let expected = || format!("a whole year from {low} to {high}");
        // Excel turns years into `1965,0` or `1965.0`; accept those, not `1965,5`.
        let value = parse_decimal(text, self.parser.decimal_comma)
            .filter(|v| v.fract() == 0.0)
            .ok_or_else(|| self.error(pos, text, expected()))?;
        if value < low as f64 || value > high as f64 {
            return Err(self.error(pos, text, expected()));
        }
        Ok(Some(value as u16))
    }

    fn category<T: std::str::FromStr<Err = crate::typology::ParseCategoryError>>(
        &self,
        column: Column,
    ) -> Result<Option<T>, StockError> {
        let Some((pos, text)) = self.cell(column) else {
            return Ok(None);
        };
        let lookup = self
            .parser
            .options
            .mapping
            .value_alias(column, text)
            .unwrap_or(text);
        lookup
            .parse::<T>()
            .map(Some)
            .map_err(|e| self.error(pos, text, format!("one of: {}", e.expected)))
    }

    fn boolean(&self, column: Column) -> Result<Option<bool>, StockError> {
        let Some((pos, text)) = self.cell(column) else {
            return Ok(None);
        };
        parse_bool(text)
            .map(Some)
            .ok_or_else(|| self.error(pos, text, "yes or no (1/0, ja/nee, true/false)"))
    }

    fn into_dwelling(self, stock: &mut Stock) -> Result<Dwelling, StockError> {
        let max_year = self.parser.options.max_build_year;
        let id = self
            .text(Column::Id)
            .ok_or_else(|| self.missing(Column::Id))?
            .to_string();
        let dwelling_type: DwellingType = self
            .category(Column::DwellingType)?
            .ok_or_else(|| self.missing(Column::DwellingType))?;
        let build_year = self
            .year(Column::BuildYear, 1500, max_year)?
            .ok_or_else(|| self.missing(Column::BuildYear))?;
        let floor_area_m2 = self
            .number(Column::FloorAreaM2, 5.0, 2000.0)?
            .ok_or_else(|| self.missing(Column::FloorAreaM2))?;
        let period = ConstructionPeriod::of_year(build_year);
        let position: Option<Position> = self.category(Column::Position)?;

        let mut geometry = default_geometry(dwelling_type, floor_area_m2, position);
        let area_limit = 20.0 * floor_area_m2;
        if let Some(v) = self.number(Column::RoofAreaM2, 0.0, area_limit)? {
            geometry.roof_m2 = v;
        }
        if let Some(v) = self.number(Column::FacadeAreaM2, 0.0, area_limit)? {
            geometry.facade_gross_m2 = v;
            if self.cell(Column::WindowAreaM2).is_none() {
                // Keep the typology's window share of the facade.
                let default = default_geometry(dwelling_type, floor_area_m2, position);
                if default.facade_gross_m2 > 0.0 {
                    geometry.window_m2 = v * default.window_m2 / default.facade_gross_m2;
                }
            }
        }
        if let Some(v) = self.number(Column::WindowAreaM2, 0.0, area_limit)? {
            geometry.window_m2 = v;
        }
        if let Some(v) = self.number(Column::GroundFloorAreaM2, 0.0, area_limit)? {
            geometry.ground_floor_m2 = v;
        }
        if geometry.window_m2 + geometry.door_m2 > geometry.facade_gross_m2 + 1e-9 {
            if let Some((pos, text)) = self.cell(Column::WindowAreaM2) {
                return Err(self.error(
                    pos,
                    text,
                    format!(
                        "a window area no larger than the facade ({:.1} m²)",
                        geometry.facade_gross_m2
                    ),
                ));
            }
            geometry.window_m2 = (geometry.facade_gross_m2 - geometry.door_m2).max(0.0);
        }

        let mut envelope = default_envelope(period);
        if let Some(v) = self.number(Column::RoofRc, 0.0, 20.0)? {
            envelope.roof_rc = v;
        }
        if let Some(v) = self.number(Column::FacadeRc, 0.0, 20.0)? {
            envelope.facade_rc = v;
        }
        if let Some(v) = self.number(Column::FloorRc, 0.0, 20.0)? {
            envelope.floor_rc = v;
        }
        if let Some((pos, text)) = self.cell(Column::Glazing) {
            envelope.window_u = glazing_u(text).ok_or_else(|| {
                self.error(
                    pos,
                    text,
                    "one of: single, double, hr, hr++, triple (enkel, dubbel, hr, hr++, triple)",
                )
            })?;
        }
        if let Some(v) = self.number(Column::WindowU, 0.3, 7.0)? {
            envelope.window_u = v;
        }
        if let Some(v) = self.number(Column::Qv10, 0.05, 20.0)? {
            envelope.qv10_dm3_s_m2 = v;
        }

        let heating: Heating = self
            .category(Column::Heating)?
            .unwrap_or(Heating::GasBoiler);
        let ventilation: Ventilation = self
            .category(Column::Ventilation)?
            .unwrap_or_else(|| default_ventilation(period));
        let roof_type: RoofType = self
            .category(Column::RoofType)?
            .unwrap_or_else(|| default_roof_type(dwelling_type));
        let facade_type: FacadeType = self
            .category(Column::FacadeType)?
            .unwrap_or_else(|| default_facade_type(period));
        let district_heating_available = self
            .boolean(Column::DistrictHeatingAvailable)?
            .unwrap_or(false)
            || heating == Heating::DistrictHeating;

        let registered_label = match self.cell(Column::RegisteredLabel) {
            None => None,
            Some((pos, text)) => Some(text.parse::<EnergyLabel>().map_err(|_| {
                self.error(
                    pos,
                    text,
                    "an energy label: A++++, A+++, A++, A+, A, B, C, D, E, F or G",
                )
            })?),
        };

        let intern = |names: &mut super::Names, text: Option<&str>| text.map(|t| names.intern(t));
        Ok(Dwelling {
            complex: intern(&mut stock.complexes, self.text(Column::ComplexId)),
            corporation: intern(&mut stock.corporations, self.text(Column::Corporation)),
            region: intern(&mut stock.regions, self.text(Column::Region)),
            municipality: intern(&mut stock.municipalities, self.text(Column::Municipality)),
            province: intern(&mut stock.provinces, self.text(Column::Province)),
            id,
            dwelling_type,
            build_year,
            floor_area_m2,
            position,
            roof_type,
            facade_type,
            monument: self.boolean(Column::Monument)?.unwrap_or(false),
            geometry,
            envelope,
            heating,
            ventilation,
            boiler_install_year: self.year(Column::BoilerInstallYear, 1950, max_year)?,
            district_heating_available,
            solar_pv_kwp: self.number(Column::SolarPvKwp, 0.0, 100.0)?.unwrap_or(0.0),
            registered_label,
            registered_ep2: self.number(Column::RegisteredEp2, -500.0, 2000.0)?,
            registered_qh_nd: self.number(Column::RegisteredQhNd, 0.0, 1500.0)?,
            planned_maintenance_year: self.year(Column::PlannedMaintenanceYear, 1990, 2100)?,
        })
    }
}

fn check_unique_ids(
    stock: &Stock,
    lines: &[u64],
    path: &Path,
    id_header: String,
) -> Result<(), StockError> {
    let mut order: Vec<usize> = (0..stock.dwellings.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        stock.dwellings[a]
            .id
            .cmp(&stock.dwellings[b].id)
            .then(a.cmp(&b))
    });
    let duplicate = order
        .windows(2)
        .filter(|w| stock.dwellings[w[0]].id == stock.dwellings[w[1]].id)
        .min_by_key(|w| lines[w[1]]);
    if let Some(w) = duplicate {
        return Err(StockError::DuplicateId {
            file: path.to_path_buf(),
            line: lines[w[1]],
            column: id_header,
            id: stock.dwellings[w[1]].id.clone(),
            first_line: lines[w[0]],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Stock, ReadReport), StockError> {
        read_stock_from(
            text.as_bytes(),
            Path::new("stock.csv"),
            &ReadOptions::default(),
        )
    }

    #[test]
    fn numbers_in_dutch_and_english_notation() {
        assert_eq!(parse_decimal("12,5", true), Some(12.5));
        assert_eq!(parse_decimal("12.5", true), Some(12.5));
        assert_eq!(parse_decimal("1.234,5", true), Some(1234.5));
        assert_eq!(parse_decimal("1.234", true), Some(1234.0));
        assert_eq!(parse_decimal("1,234.5", false), Some(1234.5));
        assert_eq!(parse_decimal("1,234", false), Some(1234.0));
        assert_eq!(parse_decimal("12,5", false), Some(12.5));
        assert_eq!(parse_decimal("1 234,5", true), Some(1234.5));
        assert_eq!(parse_decimal("−3,5", true), Some(-3.5));
        assert_eq!(parse_decimal("1e3", false), Some(1000.0));
        assert_eq!(parse_decimal("NaN", false), None);
        assert_eq!(parse_decimal("inf", false), None);
        assert_eq!(parse_decimal("12 m2", false), None);
        assert_eq!(parse_decimal("", false), None);
        assert_eq!(parse_decimal("1,2,3", true), None);
    }

    #[test]
    fn separators_are_detected() {
        assert_eq!(detect_separator(b"id;type;year\n1;2;3"), b';');
        assert_eq!(detect_separator(b"id,type,year\n"), b',');
        assert_eq!(detect_separator(b"id\ttype\tyear"), b'\t');
        assert_eq!(detect_separator(b"\"a,b\";c;d"), b';');
    }

    #[test]
    fn minimal_english_table_gets_typology_defaults() {
        let (stock, report) =
            read("id,dwelling_type,build_year,floor_area_m2\nd1,terraced_mid,1970,114.9\n")
                .unwrap();
        assert_eq!(report.separator, ',');
        let d = &stock.dwellings[0];
        assert_eq!(d.dwelling_type, DwellingType::TerracedMid);
        assert_eq!(
            d.envelope,
            default_envelope(ConstructionPeriod::From1965To1974)
        );
        assert_eq!(d.heating, Heating::GasBoiler);
        assert_eq!(d.complex, None);
    }

    #[test]
    fn dutch_export_with_bom_crlf_and_decimal_commas() {
        let text = "\u{feff}VHE nummer;Woningtype;Bouwjaar;Gebruiksoppervlakte (m²);Complex;Energielabel;Rc gevel;Verwarming\r\n\
                    1001;Tussenwoning;1968;85,5;C12;c;1,3;stadsverwarming\r\n\
                    1002;portiekwoning;1972;1.062,0;C12;A+;;CV-ketel\r\n";
        let (stock, report) = read(text).unwrap();
        assert_eq!(report.separator, ';');
        assert!(report.decimal_comma);
        let d = &stock.dwellings;
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].id, "1001");
        assert_eq!(d[0].floor_area_m2, 85.5);
        assert_eq!(d[0].envelope.facade_rc, 1.3);
        assert_eq!(d[0].registered_label, Some(EnergyLabel::C));
        assert!(d[0].district_heating_available);
        assert_eq!(d[1].floor_area_m2, 1062.0);
        assert_eq!(d[1].registered_label, Some(EnergyLabel::A1Plus));
        assert_eq!(d[0].complex, d[1].complex);
        assert_eq!(stock.complexes.get(d[0].complex.unwrap()), "C12");
    }

    #[test]
    fn windows_1252_text_is_decoded() {
        let mut bytes =
            b"id;dwelling_type;build_year;floor_area_m2;gemeente\n1;flat;1980;60;Caf".to_vec();
        bytes.push(0xE9); // é in Windows-1252
        bytes.extend_from_slice(b"stad\n");
        let (stock, report) =
            read_stock_from(&bytes[..], Path::new("s.csv"), &ReadOptions::default()).unwrap();
        assert_eq!(report.encoding, "Windows-1252");
        assert_eq!(stock.municipalities.get(0), "Caféstad");
    }

    #[test]
    fn blank_lines_and_trailing_empty_columns_are_ignored() {
        let text = "id;dwelling_type;build_year;floor_area_m2;;\n\n1;flat;1980;60;;\n;;;;;\n2;flat;1981;61;;\n";
        let (stock, _) = read(text).unwrap();
        assert_eq!(stock.len(), 2);
    }

    #[test]
    fn bad_values_name_file_line_column_value_and_expectation() {
        let text =
            "id;woningtype;bouwjaar;gebruiksoppervlakte\n1;flat;1980;60\n2;bungalow;1980;60\n";
        let err = read(text).unwrap_err().to_string();
        assert!(
            err.starts_with("stock.csv:3: column `woningtype`: value `bungalow`: expected one of:"),
            "{err}"
        );

        let err = read("id,dwelling_type,build_year,floor_area_m2\n1,flat,1200,60\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("stock.csv:2: column `build_year`: value `1200`: expected a whole year from 1500 to 2035"), "{err}");

        let err = read("id,dwelling_type,build_year,floor_area_m2\n1,flat,1980,-4\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("value `-4`: expected a number from 5 to 2000"),
            "{err}"
        );

        let err = read("id,dwelling_type,build_year,floor_area_m2\n1,flat,1980,\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("column `floor_area_m2`: value ``: expected a value"),
            "{err}"
        );

        let err = read("id,dwelling_type,build_year,floor_area_m2,roof_rc\n1,flat,1980,60,1000\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("column `roof_rc`: value `1000`"), "{err}");

        let err =
            read("id,dwelling_type,build_year,floor_area_m2,energielabel\n1,flat,1980,60,H\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("value `H`: expected an energy label"), "{err}");
    }

    #[test]
    fn structural_problems_are_reported() {
        assert!(matches!(read(""), Err(StockError::Empty { .. })));
        assert!(matches!(
            read("id,dwelling_type,build_year,floor_area_m2\n"),
            Err(StockError::NoRows { .. })
        ));
        let err = read("id,dwelling_type,floor_area_m2\n1,flat,60\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing required column `build_year`"),
            "{err}"
        );
        assert!(err.contains("bouwjaar"), "{err}");
        let err = read("id,dwelling_type,build_year,floor_area_m2\na,flat,1980,60\nb,flat,1980,60\na,flat,1980,60\n").unwrap_err().to_string();
        assert!(err.contains("stock.csv:4: column `id`: value `a`: expected a unique dwelling id, but line 2 has it too"), "{err}");
        let err = read("id,bouwjaar,build_year,dwelling_type,floor_area_m2\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`bouwjaar` and `build_year` both mean `build_year`"),
            "{err}"
        );
        let err = read("id,dwelling_type,build_year,floor_area_m2\n1,flat,1980,60,7\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("stock.csv:2: the row has 5 fields but the header has 4"),
            "{err}"
        );
    }

    #[test]
    fn quoted_fields_with_separators_inside() {
        let text = "id;dwelling_type;build_year;floor_area_m2;gemeente\n\"1;a\";flat;1980;\"60,5\";\"Bergen; NH\"\n";
        let (stock, _) = read(text).unwrap();
        assert_eq!(stock.dwellings[0].id, "1;a");
        assert_eq!(stock.dwellings[0].floor_area_m2, 60.5);
        assert_eq!(stock.municipalities.get(0), "Bergen; NH");
    }
}
