//! Reading a stock table from CSV as corporations export it: `,` `;` or tab separated, decimal
//! commas, thousands separators, a UTF-8 BOM, CRLF line ends, Windows-1252 text, Dutch column
//! names and values. Streams the file, so a sector-size table is never held as text.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::columns::{Column, ColumnMapping};
use rayon::prelude::*;

use super::{Dwelling, Stock, StockError};
use crate::label::EnergyLabel;
use crate::typology::{
    default_envelope, default_facade_type, default_roof_type, default_ventilation,
    typical_geometry, ConstructionPeriod, DwellingType, FacadeType, Heating, Position, RoofType,
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

/// Reads a stock table from a CSV file, or from a workbook (`.xlsx`, `.xls`, `.ods`; a sheet
/// other than the first as `file.xlsx#Sheet`).
pub fn read_stock(path: &Path, options: &ReadOptions) -> Result<(Stock, ReadReport), StockError> {
    if super::xlsx::is_workbook(path) {
        return super::xlsx::read_stock_workbook(path, options);
    }
    let file = File::open(path).map_err(|source| StockError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let size = file.metadata().map(|m| m.len()).ok();
    read_stock_sized(file, path, options, size)
}

/// Records are parsed in parallel, a block of about this many bytes at a time.
const BLOCK_BYTES: usize = 32 << 20;

/// Reads until `buffer` holds at least `want` bytes or the input ends; true at the end.
fn fill<R: Read>(input: &mut R, buffer: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buffer.len() < want {
        let before = buffer.len();
        input
            .by_ref()
            .take((want - before) as u64)
            .read_to_end(buffer)?;
        if buffer.len() == before {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Positions just after each record end (a newline outside quotes) in `bytes`, counting quotes
/// from the start of `bytes`, which must itself be a record start. Quote-free text, the usual
/// case, is cut with a SIMD search for the last newline.
fn last_record_end(bytes: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', bytes).is_none() {
        return memchr::memrchr(b'\n', bytes).map(|i| i + 1);
    }
    let mut quoted = false;
    let mut last = None;
    for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
        if bytes[i] == b'"' {
            quoted = !quoted;
        } else if !quoted {
            last = Some(i + 1);
        }
    }
    last
}

/// The first record end at or after `from` (with quote parity counted from 0).
fn next_record_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quoted = false;
    for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
        if bytes[i] == b'"' {
            quoted = !quoted;
        } else if !quoted && i >= from {
            return Some(i + 1);
        }
    }
    None
}

/// Splits `bytes` (whole records) into about `parts` runs of whole records.
fn split_records(bytes: &[u8], parts: usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    let quote_free = memchr::memchr(b'"', bytes).is_none();
    for k in 1..parts {
        let target = (bytes.len() * k / parts).max(start);
        let end = if quote_free {
            memchr::memchr(b'\n', &bytes[target..]).map(|i| target + i + 1)
        } else {
            next_record_end(bytes, target)
        };
        match end {
            Some(end) if end > start && end < bytes.len() => {
                ranges.push(start..end);
                start = end;
            }
            _ => break,
        }
    }
    ranges.push(start..bytes.len());
    ranges
}

/// A name cell of one row: absent, equal to the same column in the previous row of its chunk,
/// or a new text.
#[derive(Default)]
enum NameCell {
    #[default]
    Absent,
    Same,
    New(String),
}

/// A row's complex, corporation, region, municipality and province, as written.
type RowNames<'r> = [Option<Cow<'r, str>>; 5];

/// Turns a row's names into cells, remembering the previous row's names of the chunk.
#[derive(Default)]
struct NameTracker {
    previous: [Option<String>; 5],
}

impl NameTracker {
    fn cells(&mut self, names: RowNames) -> [NameCell; 5] {
        let mut out: [NameCell; 5] = Default::default();
        for (k, name) in names.into_iter().enumerate() {
            out[k] = match name {
                None => {
                    self.previous[k] = None;
                    NameCell::Absent
                }
                Some(name) if self.previous[k].as_deref() == Some(name.as_ref()) => NameCell::Same,
                Some(name) => {
                    let name = name.into_owned();
                    self.previous[k] = Some(name.clone());
                    NameCell::New(name)
                }
            };
        }
        out
    }
}

/// One parsed row: the dwelling (names still unresolved), its five name cells and its line.
type ParsedRow = (Dwelling, [NameCell; 5], u64);

/// Reads a stock table from any reader; `path` names it in messages.
pub fn read_stock_from<R: Read>(
    input: R,
    path: &Path,
    options: &ReadOptions,
) -> Result<(Stock, ReadReport), StockError> {
    read_stock_sized(input, path, options, None)
}

/// As [`read_stock_from`]; `size_hint` (the input's size in bytes) lets the dwelling table be
/// allocated once instead of grown by doubling.
fn read_stock_sized<R: Read>(
    mut input: R,
    path: &Path,
    options: &ReadOptions,
    size_hint: Option<u64>,
) -> Result<(Stock, ReadReport), StockError> {
    let io_error = |source| StockError::Io {
        file: path.to_path_buf(),
        source,
    };
    let csv_error = |e: csv::Error, first_line: u64| StockError::Csv {
        file: path.to_path_buf(),
        line: e
            .position()
            .map(|p| first_line + p.line() - 1)
            .unwrap_or(first_line),
        message: e.to_string(),
    };
    let mut buffer = Vec::new();
    let mut eof = fill(&mut input, &mut buffer, BLOCK_BYTES).map_err(io_error)?;
    if buffer.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buffer.drain(..3);
    }
    if eof && buffer.iter().all(u8::is_ascii_whitespace) {
        return Err(StockError::Empty {
            file: path.to_path_buf(),
        });
    }
    let separator = detect_separator(&buffer);
    let decimal_comma = separator != b',';
    let reader_for = |bytes: &[u8]| {
        csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::Cursor::new(bytes.to_vec()))
    };
    let mut parser = RowParser {
        file: path.to_path_buf(),
        decimal_comma,
        options,
        separator,
        used_windows_1252: std::sync::atomic::AtomicBool::new(false),
        headers: Vec::new(),
        columns: Vec::new(),
        position_of: Vec::new(),
    };
    // The header is the first record that is not blank.
    let mut line = 1u64;
    loop {
        let end = match next_record_end(&buffer, 0) {
            Some(end) => end,
            None if eof => buffer.len(),
            None => {
                let want = buffer.len() + BLOCK_BYTES;
                eof = fill(&mut input, &mut buffer, want).map_err(io_error)?;
                continue;
            }
        };
        if end == 0 {
            return Err(StockError::Empty {
                file: path.to_path_buf(),
            });
        }
        let mut record = csv::ByteRecord::new();
        let read = reader_for(&buffer[..end])
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(e, line))?;
        line += memchr::memchr_iter(b'\n', &buffer[..end]).count() as u64;
        buffer.drain(..end);
        if read && !is_blank(&record) {
            parser.set_header(&record)?;
            break;
        }
        if buffer.is_empty() && eof {
            return Err(StockError::Empty {
                file: path.to_path_buf(),
            });
        }
    }
    let ignored_columns = parser.ignored_columns();

    let mut stock = Stock {
        source: path.to_path_buf(),
        ..Stock::default()
    };
    let mut lines = Vec::new();
    let parts = 4 * rayon::current_num_threads().max(1);
    let mut pools: Vec<Vec<ParsedRow>> = (0..parts).map(|_| Vec::new()).collect();
    loop {
        if !eof {
            eof = fill(&mut input, &mut buffer, BLOCK_BYTES).map_err(io_error)?;
        }
        let cut = if eof {
            buffer.len()
        } else {
            match last_record_end(&buffer) {
                Some(cut) => cut,
                None => {
                    // One record longer than a block: read on.
                    let want = buffer.len() + BLOCK_BYTES;
                    eof = fill(&mut input, &mut buffer, want).map_err(io_error)?;
                    continue;
                }
            }
        };
        {
            let block = &buffer[..cut];
            let ranges = split_records(block, parts);
            let mut first_lines = Vec::with_capacity(ranges.len());
            let mut next = line;
            for r in &ranges {
                first_lines.push(next);
                next += memchr::memchr_iter(b'\n', &block[r.clone()]).count() as u64;
            }
            line = next;
            let parsed: Vec<Result<(), StockError>> = pools
                .par_iter_mut()
                .zip(ranges.par_iter())
                .zip(first_lines.par_iter())
                .map(|((rows, range), &first_line)| {
                    parser.parse_chunk(&block[range.clone()], first_line, rows)
                })
                .collect();
            let first_block = stock.dwellings.is_empty();
            for (result, rows) in parsed.into_iter().zip(pools.iter_mut()) {
                result?;
                merge_rows(&mut stock, &mut lines, rows);
            }
            if let (true, Some(size)) = (first_block && !eof && cut > 0, size_hint) {
                let expected =
                    (size as f64 * stock.dwellings.len() as f64 / cut as f64 * 1.02) as usize;
                stock
                    .dwellings
                    .reserve(expected.saturating_sub(stock.dwellings.len()));
                lines.reserve(expected.saturating_sub(lines.len()));
            }
        }
        buffer.drain(..cut);
        if eof && buffer.is_empty() {
            break;
        }
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
        encoding: if parser
            .used_windows_1252
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            "Windows-1252"
        } else {
            "UTF-8"
        },
        ignored_columns,
    };
    Ok((stock, report))
}

/// Moves parsed rows into the stock in file order, interning their names.
fn merge_rows(stock: &mut Stock, lines: &mut Vec<u64>, rows: &mut Vec<ParsedRow>) {
    let mut previous: [Option<u32>; 5] = [None; 5];
    stock.dwellings.reserve(rows.len());
    lines.reserve(rows.len());
    for (mut dwelling, names, line) in rows.drain(..) {
        let mut index = [None; 5];
        for (k, cell) in names.into_iter().enumerate() {
            let table = match k {
                0 => &mut stock.complexes,
                1 => &mut stock.corporations,
                2 => &mut stock.regions,
                3 => &mut stock.municipalities,
                _ => &mut stock.provinces,
            };
            index[k] = match cell {
                NameCell::Absent => None,
                NameCell::Same => previous[k],
                NameCell::New(name) => Some(table.intern(&name)),
            };
        }
        previous = index;
        dwelling.complex = index[0];
        dwelling.corporation = index[1];
        dwelling.region = index[2];
        dwelling.municipality = index[3];
        dwelling.province = index[4];
        stock.dwellings.push(dwelling);
        lines.push(line);
    }
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
    let trimmed = text.trim();
    if let Some(value) = simple_decimal(trimmed.as_bytes()) {
        if !(decimal_comma && is_grouped(trimmed, '.')) {
            return Some(value);
        }
    }
    // Still without allocating: plain digits with at most a decimal point.
    if !trimmed.is_empty()
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-'))
        && !(decimal_comma && is_grouped(trimmed, '.'))
    {
        return trimmed.parse::<f64>().ok().filter(|v| v.is_finite());
    }
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

/// `[-]digits[.digits]` with at most 15 significant digits: parsed as mantissa / 10^k, which for
/// such inputs is the correctly rounded value (Clinger's fast path), i.e. exactly what
/// `f64::from_str` gives, at a fraction of the cost.
fn simple_decimal(bytes: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut count = 0;
    let mut decimals: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
            }
            b'.' if decimals.is_none() && i > 0 && i + 1 < digits.len() => {
                decimals = Some(digits.len() - i - 1)
            }
            _ => return None,
        }
    }
    if count > 15 {
        return None;
    }
    let value = mantissa as f64 / POWERS[decimals.unwrap_or(0)];
    Some(if negative { -value } else { value })
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
    separator: u8,
    used_windows_1252: std::sync::atomic::AtomicBool,
    headers: Vec<String>,
    /// Column of each field position.
    columns: Vec<Option<Column>>,
    /// Field position of each column (indexed by `Column as usize`).
    position_of: Vec<Option<usize>>,
}

impl<'a> RowParser<'a> {
    fn decode<'r>(&self, bytes: &'r [u8]) -> Cow<'r, str> {
        self.decode_in(bytes, false)
    }

    /// Decodes a field; `chunk_is_utf8` says the whole run of records it came from was checked.
    fn decode_in<'r>(&self, bytes: &'r [u8], chunk_is_utf8: bool) -> Cow<'r, str> {
        if chunk_is_utf8 {
            // SAFETY: the field is a part of a valid UTF-8 chunk cut only at ASCII bytes
            // (separators, quotes, line ends), and UTF-8 never has an ASCII byte inside a
            // multi-byte character, so the part is valid UTF-8 too.
            return Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                // Dutch Excel saves CSV as Windows-1252 (é in "Café", ë in "Zeeën", ² in "m²").
                self.used_windows_1252
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
                text
            }
        }
    }

    /// Header cells that map to no column.
    fn ignored_columns(&self) -> Vec<String> {
        self.headers
            .iter()
            .zip(&self.columns)
            .filter(|(h, c)| c.is_none() && !h.is_empty())
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// Parses a run of whole records whose first line is `first_line`.
    /// Parses `bytes` into `rows` (cleared first; its memory is reused from block to block, as
    /// fresh pages are dear).
    fn parse_chunk(
        &self,
        bytes: &[u8],
        first_line: u64,
        rows: &mut Vec<ParsedRow>,
    ) -> Result<(), StockError> {
        rows.clear();
        let chunk_is_utf8 = std::str::from_utf8(bytes).is_ok();
        let mut names = NameTracker::default();
        let mut fields: Vec<&[u8]> = Vec::with_capacity(self.columns.len() + 4);
        if memchr::memchr(b'"', bytes).is_none() {
            // Without quotes a record is a line and a field what lies between separators: split
            // with SIMD searches instead of the general CSV state machine.
            let mut start = 0;
            let mut line = first_line;
            while start < bytes.len() {
                let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                let mut text = &bytes[start..end];
                if text.last() == Some(&b'\r') {
                    text = &text[..text.len() - 1];
                }
                if !text.iter().all(u8::is_ascii_whitespace) {
                    fields.clear();
                    let mut field_start = 0;
                    for i in memchr::memchr_iter(self.separator, text) {
                        fields.push(&text[field_start..i]);
                        field_start = i + 1;
                    }
                    fields.push(&text[field_start..]);
                    // A row of empty cells (`;;;;`, as Excel leaves them) is blank too.
                    if !fields.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                        let (dwelling, row_names) = self.parse_row(&fields, line, chunk_is_utf8)?;
                        rows.push((dwelling, names.cells(row_names), line));
                    }
                }
                start = end + 1;
                line += 1;
            }
            return Ok(());
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    return Err(StockError::Csv {
                        file: self.file.clone(),
                        line: e
                            .position()
                            .map(|p| first_line + p.line() - 1)
                            .unwrap_or(first_line),
                        message: e.to_string(),
                    })
                }
            }
            if is_blank(&record) {
                continue;
            }
            let line = first_line + record.position().map(|p| p.line()).unwrap_or(1) - 1;
            let record_fields: Vec<&[u8]> = record.iter().collect();
            let (dwelling, row_names) = self.parse_row(&record_fields, line, chunk_is_utf8)?;
            rows.push((dwelling, names.cells(row_names), line));
        }
        Ok(())
    }

    fn set_header(&mut self, record: &csv::ByteRecord) -> Result<(), StockError> {
        self.position_of = vec![None; Column::ALL.len()];
        for (position, field) in record.iter().enumerate() {
            let header = self.decode(field).trim().to_string();
            let column = if header.is_empty() {
                None
            } else {
                self.options.mapping.column_for(&header)
            };
            if let Some(column) = column {
                if let Some(first) = self.position_of[column as usize] {
                    return Err(StockError::DuplicateColumn {
                        file: self.file.clone(),
                        column: column.name(),
                        first: self.headers[first].clone(),
                        second: header,
                    });
                }
                self.position_of[column as usize] = Some(position);
            }
            self.headers.push(header);
            self.columns.push(column);
        }
        for column in Column::REQUIRED {
            if self.position_of[column as usize].is_none() {
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
        Ok(())
    }

    fn header_of(&self, column: Column) -> String {
        self.position_of[column as usize]
            .map(|i| self.headers[i].clone())
            .unwrap_or_else(|| column.name().to_string())
    }

    fn parse_row<'r>(
        &self,
        fields: &[&'r [u8]],
        line: u64,
        chunk_is_utf8: bool,
    ) -> Result<(Dwelling, RowNames<'r>), StockError> {
        if fields.len() > self.columns.len()
            && fields
                .iter()
                .skip(self.columns.len())
                .any(|f| !f.iter().all(u8::is_ascii_whitespace))
        {
            return Err(StockError::RowWidth {
                file: self.file.clone(),
                line,
                fields: fields.len(),
                header_fields: self.columns.len(),
            });
        }
        Row {
            parser: self,
            fields,
            line,
            chunk_is_utf8,
        }
        .into_dwelling()
    }
}

struct Row<'p, 'a, 'r, 'f> {
    parser: &'p RowParser<'a>,
    fields: &'f [&'r [u8]],
    line: u64,
    chunk_is_utf8: bool,
}

impl<'r> Row<'_, '_, 'r, '_> {
    /// The trimmed text of `column` in this row, with its field position; `None` when the
    /// column is absent or the cell empty.
    fn cell(&self, column: Column) -> Option<(usize, Cow<'r, str>)> {
        let position = self.parser.position_of[column as usize]?;
        let bytes: &'r [u8] = self.fields.get(position)?;
        let needs_trim = bytes.first().is_some_and(u8::is_ascii_whitespace)
            || bytes.last().is_some_and(u8::is_ascii_whitespace);
        let text = match self.parser.decode_in(bytes, self.chunk_is_utf8) {
            Cow::Borrowed(t) if needs_trim => Cow::Borrowed(t.trim()),
            Cow::Owned(t) if needs_trim => Cow::Owned(t.trim().to_string()),
            text => text,
        };
        (!text.is_empty()).then_some((position, text))
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
        let position = self.parser.position_of[column as usize].unwrap_or(0);
        self.error(
            position,
            "",
            format!("a value ({}); this column is required", column.unit()),
        )
    }

    fn text(&self, column: Column) -> Option<Cow<'r, str>> {
        self.cell(column).map(|(_, t)| t)
    }

    fn number(&self, column: Column, low: f64, high: f64) -> Result<Option<f64>, StockError> {
        let Some((pos, text)) = self.cell(column) else {
            return Ok(None);
        };
        let expected = || format!("a number from {low} to {high} ({})", column.unit());
        let value = parse_decimal(&text, self.parser.decimal_comma)
            .ok_or_else(|| self.error(pos, &text, expected()))?;
        if !(low..=high).contains(&value) {
            return Err(self.error(pos, &text, expected()));
        }
        Ok(Some(value))
    }

    fn year(&self, column: Column, low: u16, high: u16) -> Result<Option<u16>, StockError> {
        let Some((pos, text)) = self.cell(column) else {
            return Ok(None);
        };
        let expected = || format!("a whole year from {low} to {high}");
        // Excel turns years into `1965,0` or `1965.0`; accept those, not `1965,5`.
        let value = parse_decimal(&text, self.parser.decimal_comma)
            .filter(|v| v.fract() == 0.0)
            .ok_or_else(|| self.error(pos, &text, expected()))?;
        if value < low as f64 || value > high as f64 {
            return Err(self.error(pos, &text, expected()));
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
            .value_alias(column, &text)
            .unwrap_or(&text);
        lookup
            .parse::<T>()
            .map(Some)
            .map_err(|e| self.error(pos, &text, format!("one of: {}", e.expected)))
    }

    fn boolean(&self, column: Column) -> Result<Option<bool>, StockError> {
        let Some((pos, text)) = self.cell(column) else {
            return Ok(None);
        };
        parse_bool(&text)
            .map(Some)
            .ok_or_else(|| self.error(pos, &text, "yes or no (1/0, ja/nee, true/false)"))
    }

    fn into_dwelling(self) -> Result<(Dwelling, RowNames<'r>), StockError> {
        let max_year = self.parser.options.max_build_year;
        let id = self
            .text(Column::Id)
            .ok_or_else(|| self.missing(Column::Id))?
            .into_owned();
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

        let mut geometry = typical_geometry(dwelling_type, build_year, floor_area_m2, position);
        let area_limit = 20.0 * floor_area_m2;
        if let Some(v) = self.number(Column::RoofAreaM2, 0.0, area_limit)? {
            geometry.roof_m2 = v;
        }
        if let Some(v) = self.number(Column::FacadeAreaM2, 0.0, area_limit)? {
            geometry.facade_gross_m2 = v;
            if self.cell(Column::WindowAreaM2).is_none() {
                // Keep the typology's window share of the facade.
                let default = typical_geometry(dwelling_type, build_year, floor_area_m2, position);
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
                    &text,
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
            envelope.window_u = glazing_u(&text).ok_or_else(|| {
                self.error(
                    pos,
                    &text,
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
                    &text,
                    "an energy label: A++++, A+++, A++, A+, A, B, C, D, E, F or G",
                )
            })?),
        };

        let names = [
            self.text(Column::ComplexId),
            self.text(Column::Corporation),
            self.text(Column::Region),
            self.text(Column::Municipality),
            self.text(Column::Province),
        ];
        let dwelling = Dwelling {
            complex: None,
            corporation: None,
            region: None,
            municipality: None,
            province: None,
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
        };
        Ok((dwelling, names))
    }
}

fn check_unique_ids(
    stock: &Stock,
    lines: &[u64],
    path: &Path,
    id_header: String,
) -> Result<(), StockError> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    // Sort (hash, index) pairs rather than the ids themselves: 16 bytes a dwelling and no string
    // comparisons but between equal hashes.
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut keys: Vec<(u64, u32)> = stock
        .dwellings
        .iter()
        .enumerate()
        .map(|(i, d)| (hasher.hash_one(d.id.as_str()), i as u32))
        .collect();
    keys.sort_unstable();
    let mut duplicate: Option<(usize, usize)> = None;
    let mut start = 0;
    while start < keys.len() {
        let mut end = start + 1;
        while end < keys.len() && keys[end].0 == keys[start].0 {
            end += 1;
        }
        for a in start..end {
            for b in a + 1..end {
                let (i, j) = (keys[a].1 as usize, keys[b].1 as usize);
                if stock.dwellings[i].id == stock.dwellings[j].id {
                    let pair = (i.min(j), i.max(j));
                    if duplicate.is_none_or(|d| pair.1 < d.1) {
                        duplicate = Some(pair);
                    }
                }
            }
        }
        start = end;
    }
    if let Some((first, second)) = duplicate {
        return Err(StockError::DuplicateId {
            file: path.to_path_buf(),
            line: lines[second],
            column: id_header,
            id: stock.dwellings[second].id.clone(),
            first_line: lines[first],
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
    fn the_fast_decimal_path_agrees_with_the_standard_parser() {
        for text in [
            "0",
            "12",
            "-3.5",
            "114.9",
            "0.000001",
            "123456789012345",
            "99999.99999",
            "1.1",
            "0.1",
            "7.30",
            "2035",
        ] {
            assert_eq!(
                simple_decimal(text.as_bytes()),
                text.parse::<f64>().ok(),
                "{text}"
            );
        }
        for text in [
            "",
            "-",
            "1.",
            ".5",
            "1.2.3",
            "1e5",
            "12a",
            "1234567890123456",
        ] {
            assert_eq!(simple_decimal(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn quoted_and_unquoted_chunks_read_the_same() {
        let plain = "id;dwelling_type;build_year;floor_area_m2\n1;flat;1980;60\n2;flat;1981;61,5\n";
        let quoted = "id;dwelling_type;build_year;floor_area_m2\n\"1\";flat;1980;60\n2;\"flat\";1981;\"61,5\"\n";
        assert_eq!(
            read(plain).unwrap().0.dwellings,
            read(quoted).unwrap().0.dwellings
        );
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
