//! Reading a stock table from CSV as corporations export it: `,` `;` or tab separated, decimal
//! commas, thousands separators, a UTF-8 BOM, CRLF line ends, Windows-1252 text, Dutch column
//! names and values. Streams the file, so a sector-size table is never held as text.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::columns::{Column, ColumnMapping};
use rayon::prelude::*;

use super::records;
use super::report::{LabelConflict, Notes, ReadReport};
use super::{Dwelling, Stock, StockError};
use crate::label::EnergyLabel;
use crate::typology::{
    default_facade_type, default_roof_type, default_ventilation, is_key_separator, normalise_key,
    typical_envelope, typical_geometry, ConstructionPeriod, DwellingType, FacadeType, Heating,
    Position, RoofType, Ventilation,
};

/// How to read a stock table.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Header and value spellings.
    pub mapping: ColumnMapping,
    /// Latest accepted construction year (existing stock, plus new build about to be delivered).
    pub max_build_year: u16,
    /// The baseline year: a dwelling built after it is accepted but reported.
    pub baseline_year: u16,
    /// Memory a workbook sheet's cells may take (bytes); `None`: a quarter of what the run may
    /// use, at most 4 GB.
    pub workbook_budget_bytes: Option<u64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mapping: ColumnMapping::builtin(),
            max_build_year: 2035,
            baseline_year: 2026,
            workbook_budget_bytes: None,
        }
    }
}

/// Reads a stock table from a CSV file, or from a workbook (`.xlsx`, `.xls`, `.ods`; a sheet
/// other than the first as `file.xlsx#Sheet`).
pub fn read_stock(path: &Path, options: &ReadOptions) -> Result<(Stock, ReadReport), StockError> {
    if super::xlsx::is_workbook(path) {
        return super::xlsx::read_stock_workbook(path, options);
    }
    let file = crate::input::open_regular(path).map_err(|source| StockError::Io {
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

/// Refuses NUL bytes by line: binary data, or UTF-16 without a byte-order mark.
fn check_nul(bytes: &[u8], path: &Path, first_line: u64) -> Result<(), StockError> {
    match memchr::memchr(0, bytes) {
        None => Ok(()),
        Some(at) => Err(StockError::Nul {
            file: path.to_path_buf(),
            line: records::line_at(bytes, at, first_line),
        }),
    }
}

/// Rows to look at for the header (title and note lines above it are skipped).
const HEADER_SEARCH_ROWS: usize = 30;

/// The header: the separator, the end of its record in `head`, its line and its cells.
struct Header {
    separator: u8,
    end: usize,
    line: u64,
    record: csv::ByteRecord,
}

/// Finds the header row among the first rows of `head`: the first row, for the separator that
/// reads most columns, that holds every required column (else the row that maps the most
/// columns, else the first non-blank row, whose missing columns are then reported).
fn find_header(head: &[u8], options: &ReadOptions) -> Option<Header> {
    let score = |record: &csv::ByteRecord| -> (usize, usize) {
        let mut required = 0;
        let mut mapped = 0;
        for field in record.iter() {
            let text = String::from_utf8_lossy(field);
            if let Some(column) = options.mapping.column_for(text.trim()) {
                mapped += 1;
                if Column::REQUIRED.contains(&column) {
                    required += 1;
                }
            }
        }
        (required, mapped)
    };
    let mut best: Option<((usize, usize), Header)> = None;
    for separator in [b';', b'\t', b','] {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(head);
        let mut record = csv::ByteRecord::new();
        for _ in 0..HEADER_SEARCH_ROWS {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                _ => break,
            }
            let s = score(&record);
            let end = reader.position().byte() as usize;
            // The line of the header's last byte (its line end), counted from the reader's
            // position after it.
            let line = records::line_at(head, end.saturating_sub(1), 1);
            if s.1 >= 2 && best.as_ref().is_none_or(|(b, _)| s > *b) {
                best = Some((
                    s,
                    Header {
                        separator,
                        end,
                        line,
                        record: record.clone(),
                    },
                ));
            }
            if s.0 == Column::REQUIRED.len() {
                break;
            }
        }
    }
    if let Some((_, header)) = best {
        return Some(header);
    }
    // No row reads as a header: take the first non-blank one, so that the message lists what
    // it holds.
    let separator = detect_separator(head);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if !is_blank(&record) {
            let end = reader.position().byte() as usize;
            return Some(Header {
                separator,
                end,
                line: records::line_at(head, end.saturating_sub(1), 1),
                record,
            });
        }
    }
    None
}

/// Total rows (`Totaal`, `Total`) at the foot of an export: skipped with a note.
fn is_totals_row(fields: &[&[u8]]) -> bool {
    let Some(first) = fields
        .iter()
        .find(|f| !f.iter().all(u8::is_ascii_whitespace))
    else {
        return false;
    };
    // Every row passes here: most first cells are ids, ruled out by their first byte.
    if !matches!(
        first.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'T' | b't' | b'E' | b'e' | b'S' | b's')
    ) {
        return false;
    }
    let text = String::from_utf8_lossy(first);
    key_starts_with(&text, "totaal")
        || key_starts_with(&text, "total")
        || key_starts_with(&text, "eindtotaal")
        || key_equals(&text, "som")
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
    let mut buffer = Vec::new();
    let mut eof = fill(&mut input, &mut buffer, BLOCK_BYTES).map_err(io_error)?;
    let mut utf16 = false;
    if buffer.starts_with(&[0xFF, 0xFE]) || buffer.starts_with(&[0xFE, 0xFF]) {
        // UTF-16 with a byte-order mark (Excel's "Unicode text"): decoded whole; such exports
        // are small, and the memory check has bounded the file.
        if !eof {
            input.read_to_end(&mut buffer).map_err(io_error)?;
            eof = true;
        }
        let (text, _) =
            encoding_rs::Encoding::for_bom(&buffer).unwrap_or((encoding_rs::UTF_16LE, 2));
        let (decoded, _, _) = text.decode(&buffer);
        buffer = decoded.into_owned().into_bytes();
        utf16 = true;
    } else if buffer.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buffer.drain(..3);
    }
    if memchr::memchr(b'\n', &buffer).is_none() && memchr::memchr(b'\r', &buffer).is_some() {
        // Old Mac line ends (CR only): each CR ends a line.
        if !eof {
            input.read_to_end(&mut buffer).map_err(io_error)?;
            eof = true;
        }
        for b in buffer.iter_mut() {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
    }
    check_nul(&buffer, path, 1)?;
    if eof && buffer.iter().all(u8::is_ascii_whitespace) {
        return Err(StockError::Empty {
            file: path.to_path_buf(),
        });
    }
    let head = &buffer[..buffer.len().min(1 << 20)];
    let header = find_header(head, options).ok_or_else(|| StockError::Empty {
        file: path.to_path_buf(),
    })?;
    let separator = header.separator;
    let decimal_comma = separator != b',';
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
    parser.set_header(&header.record)?;
    let mut line = 1 + memchr::memchr_iter(b'\n', &buffer[..header.end]).count() as u64;
    buffer.drain(..header.end);

    let mut stock = Stock {
        source: path.to_path_buf(),
        ..Stock::default()
    };
    let mut lines = Vec::new();
    let mut notes = Notes::default();
    let parts = 4 * rayon::current_num_threads().max(1);
    let mut pools: Vec<Vec<ParsedRow>> = (0..parts).map(|_| Vec::new()).collect();
    loop {
        if !eof {
            let before = buffer.len();
            eof = fill(&mut input, &mut buffer, BLOCK_BYTES).map_err(io_error)?;
            let first_new_line =
                line + memchr::memchr_iter(b'\n', &buffer[..before]).count() as u64;
            check_nul(&buffer[before..], path, first_new_line)?;
        }
        if memchr::memchr(b'"', &buffer).is_some() {
            if let Some(open) = records::scan(&buffer, separator, |_| true) {
                if eof || open.line_breaks > records::MAX_LINE_BREAKS_IN_VALUE {
                    return Err(StockError::UnclosedQuote {
                        file: path.to_path_buf(),
                        line: records::line_at(&buffer, open.offset, line),
                        line_breaks: open.line_breaks,
                    });
                }
            }
        }
        let cut = if eof {
            buffer.len()
        } else {
            match records::last_record_end(&buffer, separator) {
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
            let ranges = records::split_records(block, separator, parts);
            let mut first_lines = Vec::with_capacity(ranges.len());
            let mut next = line;
            for r in &ranges {
                first_lines.push(next);
                next += memchr::memchr_iter(b'\n', &block[r.clone()]).count() as u64;
            }
            line = next;
            let parsed: Vec<Result<Notes, StockError>> = pools
                .par_iter_mut()
                .zip(ranges.par_iter())
                .zip(first_lines.par_iter())
                .map(|((rows, range), &first_line)| {
                    parser.parse_chunk(&block[range.clone()], first_line, rows)
                })
                .collect();
            let first_block = stock.dwellings.is_empty();
            for (result, rows) in parsed.into_iter().zip(pools.iter_mut()) {
                notes.merge(result?);
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
    if !notes.problems.is_empty() || notes.unlisted_problems > 0 {
        return Err(StockError::Cells {
            file: path.to_path_buf(),
            problems: notes.problem_list(),
            unlisted: notes.unlisted_problems,
        });
    }
    if stock.dwellings.is_empty() {
        return Err(StockError::NoRows {
            file: path.to_path_buf(),
        });
    }
    check_unique_ids(&stock, &lines, path, parser.header_of(Column::Id))?;
    let mut report = ReadReport {
        separator: separator as char,
        decimal_comma,
        encoding: if utf16 {
            "UTF-16"
        } else if parser
            .used_windows_1252
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            "Windows-1252"
        } else {
            "UTF-8"
        },
        sheet: None,
        header_line: header.line,
        columns: parser.read_columns(),
        ignored_columns: parser.ignored_columns(),
        ignored_on_purpose: parser.ignored_on_purpose(),
        ..ReadReport::default()
    };
    notes.fill_report(&mut report);
    report.label_conflicts = label_conflicts(&stock, &lines);
    Ok((stock, report))
}

/// Dwellings whose registered label is not the class of their registered EP2.
fn label_conflicts(stock: &Stock, lines: &[u64]) -> Vec<LabelConflict> {
    stock
        .dwellings
        .iter()
        .zip(lines)
        .filter_map(|(d, &line)| {
            let (label, ep2) = (d.registered_label?, d.registered_ep2?);
            let of_ep2 = EnergyLabel::from_ep2(ep2);
            (of_ep2 != label).then(|| LabelConflict {
                id: d.id.clone(),
                line,
                registered_label: label.as_str().to_string(),
                registered_ep2: ep2,
                label_of_ep2: of_ep2.as_str().to_string(),
            })
        })
        .collect()
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

/// Values exports write for "unknown" (`-`, `--`, `n.v.t.`, `onbekend`, `?`): in an optional
/// column they mean an empty cell; in a required one they stay an error.
fn is_placeholder(text: &str) -> bool {
    // Called for every optional cell of every row: decided on the first significant byte for
    // all but the few values that start like a placeholder (numbers never do).
    match text.bytes().find(|b| !is_key_separator(char::from(*b))) {
        // Only dashes, dots and spaces: `-`, `--`, `.`.
        None => true,
        Some(b) if matches!(b.to_ascii_lowercase(), b'n' | b'o' | b'u' | b'?') => {
            const PLACEHOLDERS: [&str; 7] =
                ["nvt", "onbekend", "unknown", "?", "nb", "na", "nietbekend"];
            // ASCII text (the usual case) is normalised into a small buffer and compared as
            // bytes; other text through the general comparison.
            let mut key = [0u8; 16];
            let mut n = 0;
            for b in text.bytes() {
                if is_key_separator(char::from(b)) {
                    continue;
                }
                if !b.is_ascii() || n == key.len() {
                    return PLACEHOLDERS.iter().any(|p| key_equals(text, p));
                }
                key[n] = b.to_ascii_lowercase();
                n += 1;
            }
            PLACEHOLDERS.iter().any(|p| p.as_bytes() == &key[..n])
        }
        Some(_) => false,
    }
}

/// `normalise_key(text) == key`, without allocating.
fn key_equals(text: &str, key: &str) -> bool {
    text.chars()
        .filter(|c| !is_key_separator(*c))
        .flat_map(char::to_lowercase)
        .eq(key.chars())
}

/// `normalise_key(text)` starts with `prefix`, without allocating.
fn key_starts_with(text: &str, prefix: &str) -> bool {
    let mut chars = text
        .chars()
        .filter(|c| !is_key_separator(*c))
        .flat_map(char::to_lowercase);
    prefix.chars().all(|p| chars.next() == Some(p))
}

/// Generic dwelling types an export may hold, with the type they are read as and why.
fn generic_dwelling_type(text: &str) -> Option<(DwellingType, Option<Position>, &'static str)> {
    let key = normalise_key(text);
    Some(match key.as_str() {
        "eengezinswoning" | "egw" | "grondgebondenwoning" | "grondgebonden" | "woning"
        | "eengezins" | "rijwoning" => (
            DwellingType::TerracedMid,
            None,
            "a generic single-family type: read as the commonest, a mid-terrace house; give the type per dwelling, or map the value in a column-mapping file",
        ),
        "seniorenwoning" | "ouderenwoning" | "levensloopbestendigewoning" => (
            DwellingType::TerracedMid,
            None,
            "senior dwellings are mostly single-storey ground-level rows: read as a mid-terrace house; map the value in a column-mapping file where they are flats",
        ),
        "meergezinswoning" | "mgw" => (
            DwellingType::ApartmentOther,
            None,
            "a generic multi-family type: read as an apartment (other access)",
        ),
        "benedenwoning" => (
            DwellingType::ApartmentOther,
            Some(Position::Ground),
            "a ground-floor apartment: read as an apartment on the ground floor",
        ),
        "bovenwoning" => (
            DwellingType::ApartmentOther,
            Some(Position::Top),
            "an upper apartment under the roof: read as an apartment on the top floor",
        ),
        _ => return None,
    })
}

/// Heating described in words (`CV-ketel HR107`, `Combiketel HR`, `Blokverwarming`): the
/// system by its key words, with a note where the reading is a default.
fn heating_by_keywords(text: &str) -> Option<(Heating, Option<&'static str>)> {
    let key = normalise_key(text);
    let has = |word: &str| key.contains(word);
    Some(if has("hybr") {
        (Heating::HybridHeatPump, None)
    } else if has("warmtepomp") || key == "wp" {
        (Heating::HeatPump, None)
    } else if has("stadsverwarming") || has("warmtenet") || has("warmtelevering") {
        (Heating::DistrictHeating, None)
    } else if has("blokverwarming") || has("collectiev") {
        (
            Heating::GasBoiler,
            Some("a collective gas boiler: read as a gas boiler (heatpath models the dwelling's share of it as its own boiler)"),
        )
    } else if has("kachel") && has("elektr") {
        (Heating::Electric, None)
    } else if (has("kachel") && has("gas")) || has("gashaard") {
        (Heating::GasRoomHeater, None)
    } else if has("vr") && (has("ketel") || has("cv")) {
        (
            Heating::GasBoiler,
            Some("an improved-efficiency (VR) boiler: read as a gas boiler, whose modelled efficiency is the HR107's; the registered EP2 calibrates the difference"),
        )
    } else if has("ketel") || has("hr107") || has("hr") || has("cv") || has("combi") {
        (Heating::GasBoiler, None)
    } else {
        return None;
    })
}

/// The year of a date as exports write it (`2014-03-01`, `1-3-2014`, `01/03/2014`).
fn year_of_date(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(['-', '/', '.']).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let year = if parts[0].len() == 4 {
        parts[0]
    } else if parts[2].len() == 4 {
        parts[2]
    } else {
        return None;
    };
    year.parse().ok()
}

/// Excel's cell limit; a longer id would be refused when the workbook is written.
const MAX_ID_CHARS: usize = 32_767;

impl<'a> RowParser<'a> {
    fn decode<'r>(&self, bytes: &'r [u8]) -> Cow<'r, str> {
        self.decode_in(bytes, false)
    }

    /// Decodes a field; `chunk_is_utf8` says the whole run of records it came from was checked.
    // An exception to `unsafe_code = "deny"` (Cargo.toml): a field of a chunk already checked as
    // UTF-8 is not checked again (the reader's hot path); the SAFETY note below says why it holds.
    #[allow(unsafe_code)]
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

    /// Header cells that map to no column (and that the mapping does not ignore on purpose).
    fn ignored_columns(&self) -> Vec<String> {
        self.headers
            .iter()
            .zip(&self.columns)
            .filter(|(h, c)| c.is_none() && !h.is_empty() && !self.options.mapping.is_ignored(h))
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// Header cells the column mapping ignores on purpose.
    fn ignored_on_purpose(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|h| !h.is_empty() && self.options.mapping.is_ignored(h))
            .cloned()
            .collect()
    }

    /// Header cells and the column each was read as.
    fn read_columns(&self) -> Vec<(String, &'static str)> {
        self.headers
            .iter()
            .zip(&self.columns)
            .filter_map(|(h, c)| c.map(|c| (h.clone(), c.name())))
            .collect()
    }

    /// Parses `bytes`, a run of whole records whose first line is `first_line`, into `rows`
    /// (cleared first; its memory is reused from block to block, as fresh pages are dear).
    /// Cells that cannot be read are gathered in the notes, not returned one at a time.
    fn parse_chunk(
        &self,
        bytes: &[u8],
        first_line: u64,
        rows: &mut Vec<ParsedRow>,
    ) -> Result<Notes, StockError> {
        rows.clear();
        let notes = RefCell::new(Notes::default());
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
                        if let Some((dwelling, row_names)) =
                            self.parse_row(&fields, line, chunk_is_utf8, &notes)
                        {
                            rows.push((dwelling, names.cells(row_names), line));
                        }
                    }
                }
                start = end + 1;
                line += 1;
            }
            return Ok(notes.into_inner());
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
            if let Some((dwelling, row_names)) =
                self.parse_row(&record_fields, line, chunk_is_utf8, &notes)
            {
                rows.push((dwelling, names.cells(row_names), line));
            }
        }
        Ok(notes.into_inner())
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
                        found
                            .iter()
                            .map(|h| crate::text::quote(h))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                });
            }
        }
        // A misspelled optional column (`registred_label`) would silently change the result.
        let misspelled: Vec<(String, &'static str)> = self
            .ignored_columns()
            .into_iter()
            .filter_map(|h| {
                let column = self.options.mapping.suggestion(&h)?;
                // Only a column the header does not already have.
                self.position_of[column as usize]
                    .is_none()
                    .then_some((h, column.name()))
            })
            .collect();
        if !misspelled.is_empty() {
            return Err(StockError::MisspelledColumns {
                file: self.file.clone(),
                misspelled,
            });
        }
        Ok(())
    }

    fn header_of(&self, column: Column) -> String {
        self.position_of[column as usize]
            .map(|i| self.headers[i].clone())
            .unwrap_or_else(|| column.name().to_string())
    }

    /// The dwelling of one row, or `None` when the row is a totals row or has cells that
    /// cannot be read (recorded in `notes`).
    fn parse_row<'r>(
        &self,
        fields: &[&'r [u8]],
        line: u64,
        chunk_is_utf8: bool,
        notes: &RefCell<Notes>,
    ) -> Option<(Dwelling, RowNames<'r>)> {
        if is_totals_row(fields) {
            notes.borrow_mut().totals_rows.push(line);
            return None;
        }
        if fields.len() > self.columns.len()
            && fields
                .iter()
                .skip(self.columns.len())
                .any(|f| !f.iter().all(u8::is_ascii_whitespace))
        {
            notes.borrow_mut().problem(
                super::report::ROW,
                &format!("{} fields", fields.len()),
                format!(
                    "the header's {} fields (is a value with a separator in it missing its quotes?)",
                    self.columns.len()
                ),
                line,
            );
            return None;
        }
        let row = Row {
            parser: self,
            fields,
            line,
            chunk_is_utf8,
            notes,
            failed: std::cell::Cell::new(false),
        };
        let parsed = row.into_dwelling();
        parsed
    }
}

struct Row<'p, 'a, 'r, 'f, 'n> {
    parser: &'p RowParser<'a>,
    fields: &'f [&'r [u8]],
    line: u64,
    chunk_is_utf8: bool,
    notes: &'n RefCell<Notes>,
    failed: std::cell::Cell<bool>,
}

impl<'r> Row<'_, '_, 'r, '_, '_> {
    /// The trimmed text of `column` in this row, with its field position; `None` when the
    /// column is absent or the cell empty, or holds a placeholder in an optional column (which
    /// is counted for the data report).
    fn cell(&self, column: Column) -> Option<(usize, Cow<'r, str>)> {
        self.cell_counted(column, true)
    }

    /// Whether the cell holds a value, without counting placeholders again.
    fn has_value(&self, column: Column) -> bool {
        self.cell_counted(column, false).is_some()
    }

    fn cell_counted(&self, column: Column, count: bool) -> Option<(usize, Cow<'r, str>)> {
        let position = self.parser.position_of[column as usize]?;
        let bytes: &'r [u8] = self.fields.get(position)?;
        // Non-ASCII ends may be non-breaking spaces (U+00A0), which `trim` removes too.
        let needs_trim = bytes
            .first()
            .is_some_and(|b| b.is_ascii_whitespace() || !b.is_ascii())
            || bytes
                .last()
                .is_some_and(|b| b.is_ascii_whitespace() || !b.is_ascii());
        let text = match self.parser.decode_in(bytes, self.chunk_is_utf8) {
            Cow::Borrowed(t) if needs_trim => Cow::Borrowed(t.trim()),
            Cow::Owned(t) if needs_trim => Cow::Owned(t.trim().to_string()),
            text => text,
        };
        if text.is_empty() {
            return None;
        }
        if !Column::REQUIRED.contains(&column) && text.len() <= 12 && is_placeholder(&text) {
            if count {
                self.notes
                    .borrow_mut()
                    .placeholder(&self.parser.headers[position]);
            }
            return None;
        }
        Some((position, text))
    }

    /// Records a cell that cannot be read; the row is then dropped.
    fn problem(&self, position: usize, value: &str, expected: impl Into<String>) {
        self.failed.set(true);
        self.notes.borrow_mut().problem(
            &self.parser.headers[position],
            value,
            expected.into(),
            self.line,
        );
    }

    fn missing(&self, column: Column) {
        let position = self.parser.position_of[column as usize].unwrap_or(0);
        self.problem(
            position,
            "",
            format!("a value ({}); this column is required", column.unit()),
        );
    }

    fn text(&self, column: Column) -> Option<Cow<'r, str>> {
        self.cell(column).map(|(_, t)| t)
    }

    fn number(&self, column: Column, low: f64, high: f64) -> Option<f64> {
        let (pos, text) = self.cell(column)?;
        let value =
            parse_decimal(&text, self.parser.decimal_comma).filter(|v| (low..=high).contains(v));
        if value.is_none() {
            self.problem(
                pos,
                &text,
                format!("a number from {low} to {high} ({})", column.unit()),
            );
        }
        value
    }

    fn year(&self, column: Column, low: u16, high: u16) -> Option<u16> {
        let (pos, text) = self.cell(column)?;
        // Excel turns years into `1965,0` or `1965.0`; accept those, not `1965,5`. A date
        // (`2014-03-01`, an Excel date cell) is read as its year.
        let value = parse_decimal(&text, self.parser.decimal_comma)
            .filter(|v| v.fract() == 0.0)
            .or_else(|| {
                let year = year_of_date(&text)?;
                self.notes.borrow_mut().mapped(
                    &self.parser.headers[pos],
                    "(dates)",
                    "their year",
                    "a date in a year column is read as its year",
                );
                Some(year)
            })
            .filter(|v| *v >= low as f64 && *v <= high as f64);
        if value.is_none() {
            self.problem(pos, &text, format!("a whole year from {low} to {high}"));
        }
        value.map(|v| v as u16)
    }

    fn category<T: std::str::FromStr<Err = crate::typology::ParseCategoryError>>(
        &self,
        column: Column,
    ) -> Option<T> {
        let (pos, text) = self.cell(column)?;
        let lookup = self
            .parser
            .options
            .mapping
            .value_alias(column, &text)
            .unwrap_or(&text);
        match lookup.parse::<T>() {
            Ok(value) => Some(value),
            Err(e) => {
                self.problem(pos, &text, format!("one of: {}", e.expected));
                None
            }
        }
    }

    /// The planned exit: a year (or date) and sale or demolition, both or neither.
    fn planned_exit(&self) -> Option<(u16, crate::dynamics::ExitKind)> {
        use crate::dynamics::ExitKind;
        let year = self.year(Column::PlannedExitYear, 1990, 2200);
        let kind = self.cell(Column::PlannedExit).and_then(|(pos, text)| {
            let kind = match normalise_key(&text).as_str() {
                "sloop" | "slopen" | "demolish" | "demolition" | "demolished"
                | "sloopnieuwbouw" => Some(ExitKind::Demolished),
                "verkoop" | "verkopen" | "sell" | "sale" | "sold" | "uitponden" => {
                    Some(ExitKind::Sold)
                }
                _ => None,
            };
            if kind.is_none() {
                self.problem(pos, &text, "sell or demolish (verkoop, sloop)");
            }
            kind
        });
        match (year, kind) {
            (Some(year), Some(kind)) => Some((year, kind)),
            (Some(_), None) => {
                if let Some(pos) = self.parser.position_of[Column::PlannedExitYear as usize] {
                    self.notes.borrow_mut().implausible(
                        &self.parser.headers[pos],
                        "a planned exit year without how the dwelling leaves (planned_exit: verkoop or sloop); read as staying",
                        self.line,
                    );
                }
                None
            }
            _ => None,
        }
    }

    fn boolean(&self, column: Column) -> Option<bool> {
        let (pos, text) = self.cell(column)?;
        let value = parse_bool(&text);
        if value.is_none() {
            self.problem(pos, &text, "yes or no (1/0, ja/nee, true/false)");
        }
        value
    }

    /// The dwelling type, with the position a generic type implies (`bovenwoning`: top floor).
    fn dwelling_type(&self) -> Option<(DwellingType, Option<Position>)> {
        let Some((pos, text)) = self.cell(Column::DwellingType) else {
            self.missing(Column::DwellingType);
            return None;
        };
        if self
            .parser
            .options
            .mapping
            .value_alias(Column::DwellingType, &text)
            .is_none()
        {
            if let Some((t, position, note)) = generic_dwelling_type(&text) {
                self.notes
                    .borrow_mut()
                    .mapped(&self.parser.headers[pos], &text, t.as_str(), note);
                return Some((t, position));
            }
        }
        self.category(Column::DwellingType).map(|t| (t, None))
    }

    /// The heating system, read by its key words where the text is not a known name.
    fn heating(&self) -> Option<Heating> {
        let (pos, text) = self.cell(Column::Heating)?;
        let mapped = self
            .parser
            .options
            .mapping
            .value_alias(Column::Heating, &text);
        if let Ok(h) = mapped.unwrap_or(&text).parse::<Heating>() {
            return Some(h);
        }
        if mapped.is_none() {
            if let Some((h, note)) = heating_by_keywords(&text) {
                if let Some(note) = note {
                    self.notes.borrow_mut().mapped(
                        &self.parser.headers[pos],
                        &text,
                        h.as_str(),
                        note,
                    );
                }
                return Some(h);
            }
        }
        self.category(Column::Heating)
    }

    fn label(&self) -> Option<EnergyLabel> {
        let (pos, text) = self.cell(Column::RegisteredLabel)?;
        let key = normalise_key(&text);
        if matches!(key.as_str(), "geenlabel" | "geen" | "nolabel" | "none") {
            self.notes
                .borrow_mut()
                .placeholder(&self.parser.headers[pos]);
            return None;
        }
        match text.parse::<EnergyLabel>() {
            Ok(label) => Some(label),
            Err(_) => {
                self.problem(
                    pos,
                    &text,
                    "an energy label: A++++, A+++, A++, A+, A, B, C, D, E, F or G (or empty, `-`, `geen label` for none)",
                );
                None
            }
        }
    }

    fn into_dwelling(self) -> Option<(Dwelling, RowNames<'r>)> {
        let max_year = self.parser.options.max_build_year;
        let id = match self.cell(Column::Id) {
            None => {
                self.missing(Column::Id);
                None
            }
            Some((pos, text)) if text.chars().count() > MAX_ID_CHARS => {
                self.problem(
                    pos,
                    &text,
                    "an id of at most 32,767 characters (Excel's limit)",
                );
                None
            }
            Some((_, text)) => Some(text.into_owned()),
        };
        let kind = self.dwelling_type();
        let build_year = self.year(Column::BuildYear, 1500, max_year);
        if build_year.is_none() && !self.has_value(Column::BuildYear) {
            self.missing(Column::BuildYear);
        }
        let floor_area_m2 = self.number(Column::FloorAreaM2, 5.0, 2000.0);
        if floor_area_m2.is_none() && !self.has_value(Column::FloorAreaM2) {
            self.missing(Column::FloorAreaM2);
        }
        let position: Option<Position> = self.category(Column::Position);
        let (
            Some(id),
            Some((dwelling_type, implied_position)),
            Some(build_year),
            Some(floor_area_m2),
        ) = (id, kind, build_year, floor_area_m2)
        else {
            // Read the other cells too, so that every problem of the row is reported at once.
            self.check_optional_cells();
            return None;
        };
        let position = position.or(implied_position);
        let period = ConstructionPeriod::of_year(build_year);
        if build_year > self.parser.options.baseline_year {
            if let Some(pos) = self.parser.position_of[Column::BuildYear as usize] {
                self.notes.borrow_mut().implausible(
                    &self.parser.headers[pos],
                    &format!(
                        "a build year after the baseline year {}",
                        self.parser.options.baseline_year
                    ),
                    self.line,
                );
            }
        }

        let mut geometry = typical_geometry(dwelling_type, build_year, floor_area_m2, position);
        let area_limit = 20.0 * floor_area_m2;
        if let Some(v) = self.number(Column::RoofAreaM2, 0.0, area_limit) {
            geometry.roof_m2 = v;
        }
        if let Some(v) = self.number(Column::FacadeAreaM2, 0.0, area_limit) {
            geometry.facade_gross_m2 = v;
            if !self.has_value(Column::WindowAreaM2) {
                // Keep the typology's window share of the facade.
                let default = typical_geometry(dwelling_type, build_year, floor_area_m2, position);
                if default.facade_gross_m2 > 0.0 {
                    geometry.window_m2 = v * default.window_m2 / default.facade_gross_m2;
                }
            }
        }
        if let Some(v) = self.number(Column::WindowAreaM2, 0.0, area_limit) {
            geometry.window_m2 = v;
        }
        if let Some(v) = self.number(Column::GroundFloorAreaM2, 0.0, area_limit) {
            geometry.ground_floor_m2 = v;
        }
        if geometry.window_m2 + geometry.door_m2 > geometry.facade_gross_m2 + 1e-9 {
            if let Some((pos, text)) = self.cell_counted(Column::WindowAreaM2, false) {
                self.problem(
                    pos,
                    &text,
                    format!(
                        "a window area no larger than the facade ({:.1} m²)",
                        geometry.facade_gross_m2
                    ),
                );
            }
            geometry.window_m2 = (geometry.facade_gross_m2 - geometry.door_m2).max(0.0);
        }

        let mut envelope = typical_envelope(dwelling_type, build_year, position);
        if let Some(v) = self.number(Column::RoofRc, 0.0, 20.0) {
            envelope.roof_rc = v;
        }
        if let Some(v) = self.number(Column::FacadeRc, 0.0, 20.0) {
            envelope.facade_rc = v;
        }
        if let Some(v) = self.number(Column::FloorRc, 0.0, 20.0) {
            envelope.floor_rc = v;
        }
        if let Some((pos, text)) = self.cell(Column::Glazing) {
            match glazing_u(&text) {
                Some(u) => envelope.window_u = u,
                None => self.problem(
                    pos,
                    &text,
                    "one of: single, double, hr, hr++, triple (enkel, dubbel, hr, hr++, triple)",
                ),
            }
        }
        if let Some(v) = self.number(Column::WindowU, 0.3, 7.0) {
            envelope.window_u = v;
        }
        if let Some(v) = self.number(Column::Qv10, 0.05, 20.0) {
            envelope.qv10_dm3_s_m2 = v;
        }

        let heating = self.heating().unwrap_or(Heating::GasBoiler);
        let ventilation: Ventilation = self
            .category(Column::Ventilation)
            .unwrap_or_else(|| default_ventilation(period));
        let roof_type: RoofType = self
            .category(Column::RoofType)
            .unwrap_or_else(|| default_roof_type(dwelling_type));
        let facade_type: FacadeType = self
            .category(Column::FacadeType)
            .unwrap_or_else(|| default_facade_type(period));
        let district_heating_available = self
            .boolean(Column::DistrictHeatingAvailable)
            .unwrap_or(false)
            || heating == Heating::DistrictHeating;
        let registered_label = self.label();
        let mut boiler_install_year = self.year(Column::BoilerInstallYear, 1950, max_year);
        if let (Some(year), Some(pos)) = (
            boiler_install_year,
            self.parser.position_of[Column::BoilerInstallYear as usize],
        ) {
            // Often the registered build year is the year of completion and the boiler went in
            // the year before; reported, and read as installed in the build year.
            if year < build_year {
                self.notes.borrow_mut().implausible(
                    &self.parser.headers[pos],
                    "a boiler installed before the dwelling was built (read as installed in the build year)",
                    self.line,
                );
                boiler_install_year = Some(build_year);
            }
        }
        let registered_ep2 = self.number(Column::RegisteredEp2, -500.0, 2000.0);
        if registered_ep2.is_some_and(|v| v <= 0.0) {
            if let Some(pos) = self.parser.position_of[Column::RegisteredEp2 as usize] {
                self.notes.borrow_mut().implausible(
                    &self.parser.headers[pos],
                    "an EP2 of 0 or less (possible only with much PV)",
                    self.line,
                );
            }
        }
        let registered_qh_nd = self.number(Column::RegisteredQhNd, 0.0, 1500.0);
        if registered_qh_nd.is_some_and(|v| v == 0.0) {
            if let Some(pos) = self.parser.position_of[Column::RegisteredQhNd as usize] {
                self.notes.borrow_mut().implausible(
                    &self.parser.headers[pos],
                    "a net heat demand of 0",
                    self.line,
                );
            }
        }

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
            monument: self.boolean(Column::Monument).unwrap_or(false),
            geometry,
            envelope,
            heating,
            ventilation,
            boiler_install_year,
            district_heating_available,
            solar_pv_kwp: self.number(Column::SolarPvKwp, 0.0, 100.0).unwrap_or(0.0),
            registered_label,
            registered_ep2,
            registered_qh_nd,
            planned_maintenance_year: self.year(Column::PlannedMaintenanceYear, 1990, 2100),
            low_temperature_radiators: self
                .boolean(Column::LowTemperatureRadiators)
                .unwrap_or(false),
            // A declared factor of a network: NTA 8800 declarations run from 0 (residual heat)
            // to above 1 for gas-fired networks; 2 bounds what a network could declare.
            district_heat_factor: self.number(Column::DistrictHeatFactor, 0.0, 2.0),
            planned_exit: self.planned_exit(),
        };
        (!self.failed.get()).then_some((dwelling, names))
    }

    /// Reads the optional cells of a row whose required cells failed, for their problems only.
    fn check_optional_cells(&self) {
        for column in [
            Column::RoofRc,
            Column::FacadeRc,
            Column::FloorRc,
            Column::WindowU,
            Column::Qv10,
            Column::SolarPvKwp,
        ] {
            let _ = self.number(
                column,
                0.0,
                if column == Column::SolarPvKwp {
                    100.0
                } else {
                    20.0
                },
            );
        }
        let _ = self.heating();
        let _: Option<Ventilation> = self.category(Column::Ventilation);
        let _: Option<RoofType> = self.category(Column::RoofType);
        let _: Option<FacadeType> = self.category(Column::FacadeType);
        let _ = self.boolean(Column::Monument);
        let _ = self.boolean(Column::DistrictHeatingAvailable);
        let _ = self.boolean(Column::LowTemperatureRadiators);
        let _ = self.number(Column::DistrictHeatFactor, 0.0, 2.0);
        let _ = self.label();
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
            typical_envelope(DwellingType::TerracedMid, 1970, None)
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

    #[test]
    fn title_lines_above_the_header_are_skipped() {
        let text = "Woningbestand De Vaart, peildatum 1-1-2026\r\nBron: ERP; export\r\n\r\nVHE;Woningtype;Bouwjaar;Oppervlakte\r\n1;tussenwoning;1970;80\r\nTotaal;;;80\r\n";
        let (stock, report) = read(text).unwrap();
        assert_eq!(stock.len(), 1);
        assert_eq!(report.header_line, 4);
        assert_eq!(report.totals_rows, vec![6]);
        assert_eq!(report.separator, ';');
    }

    #[test]
    fn every_bad_cell_is_reported_at_once_grouped() {
        let text = "id;woningtype;bouwjaar;gebruiksoppervlakte;energielabel\n1;bungalow;1980;60;A\n2;bungalow;19x0;60;H\n3;flat;1980;60;A\n4;bungalow;1980;-1;A\n";
        let err = read(text).unwrap_err();
        let StockError::Cells { problems, .. } = &err else {
            panic!("{err}")
        };
        let bungalow = problems.iter().find(|p| p.value == "bungalow").unwrap();
        assert_eq!((bungalow.count, bungalow.lines.clone()), (3, vec![2, 3, 5]));
        let message = err.to_string();
        assert!(message.contains("6 cells cannot be read"), "{message}");
        assert!(
            message.contains("line 3: column `bouwjaar`: value `19x0`"),
            "{message}"
        );
        assert!(
            message.contains("line 3: column `energielabel`: value `H`"),
            "{message}"
        );
        assert!(
            message.contains("line 5: column `gebruiksoppervlakte`: value `-1`"),
            "{message}"
        );
    }

    #[test]
    fn placeholders_read_as_unknown_in_optional_columns_only() {
        let text = "id;woningtype;bouwjaar;oppervlakte;verwarming;energielabel;bouwjaar_ketel\n1;flat;1980;60;onbekend;Geen label;n.v.t.\n2;flat;1980;60;-;-;--\n";
        let (stock, report) = read(text).unwrap();
        assert_eq!(stock.dwellings[0].heating, Heating::GasBoiler);
        assert_eq!(stock.dwellings[0].registered_label, None);
        assert_eq!(stock.dwellings[1].boiler_install_year, None);
        assert_eq!(report.placeholders.iter().map(|p| p.1).sum::<u64>(), 6);
        let err = read("id;woningtype;bouwjaar;oppervlakte\n1;flat;n.v.t.;60\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("value `n.v.t.`: expected a whole year"),
            "{err}"
        );
    }

    #[test]
    fn export_values_are_read_as_corporations_write_them() {
        let text = "id;woningtype;bouwjaar;oppervlakte;verwarming;ventilatie;bouwjaar_ketel\n\
                    1;eengezinswoning;1970;80;CV-ketel HR107;Balansventilatie WTW;01-03-2014\n\
                    2;bovenwoning;1930;60;Gaskachels;Natuurlijke ventilatie;2010\n\
                    3;2-onder-1-kapwoning;1975;110;Blokverwarming;natuurlijk;2012-05-01\n\
                    4;portiekflat;1965;60;Hybride warmtepomp;natuurlijk;\n\
                    5;galerijflat;1985;60;Stadsverwarming;natuurlijk;\n\
                    6;vrijstaande woning;1990;130;Combiketel HR;natuurlijk;\n";
        let (stock, report) = read(text).unwrap();
        let d = &stock.dwellings;
        assert_eq!(d[0].dwelling_type, DwellingType::TerracedMid);
        assert_eq!(d[0].heating, Heating::GasBoiler);
        assert_eq!(d[0].ventilation, Ventilation::BalancedHeatRecovery);
        assert_eq!(d[0].boiler_install_year, Some(2014));
        assert_eq!(
            (d[1].dwelling_type, d[1].position),
            (DwellingType::ApartmentOther, Some(Position::Top))
        );
        assert_eq!(d[1].heating, Heating::GasRoomHeater);
        assert!(!d[1].heating.is_gas_free());
        assert_eq!(d[2].dwelling_type, DwellingType::SemiDetached);
        assert_eq!(d[2].heating, Heating::GasBoiler);
        assert_eq!(d[3].heating, Heating::HybridHeatPump);
        assert_eq!(d[4].heating, Heating::DistrictHeating);
        assert_eq!(d[5].heating, Heating::GasBoiler);
        let mapped: Vec<&str> = report
            .mapped_values
            .iter()
            .map(|m| m.value.as_str())
            .collect();
        assert!(
            mapped.contains(&"eengezinswoning") && mapped.contains(&"Blokverwarming"),
            "{mapped:?}"
        );
    }

    #[test]
    fn quotes_that_would_misread_silently_are_handled() {
        // An unclosed quote swallowing the rest of the file.
        let err = read("id;woningtype;bouwjaar;oppervlakte\n\"1;flat;1980;60\n2;flat;1980;60\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("stock.csv:2: a quote"), "{err}");
        // A literal quote inside an unquoted cell: the rows around it read as written.
        let text = format!(
            "id;woningtype;bouwjaar;oppervlakte;gemeente\n{}9;flat;1980;60;7\" plaats\n{}",
            "1;flat;1980;60;x\n".repeat(3),
            "10;flat;1980;60;y\n"
        );
        let text = text
            .replacen("1;flat", "a;flat", 1)
            .replacen("1;flat", "b;flat", 1)
            .replacen("1;flat", "c;flat", 1);
        let (stock, _) = read(&text).unwrap();
        assert_eq!(stock.len(), 5);
        assert_eq!(
            stock
                .municipalities
                .get(stock.dwellings[3].municipality.unwrap()),
            "7\" plaats"
        );
    }

    #[test]
    fn line_ends_encodings_and_invisible_characters() {
        // CR-only line ends (old Mac exports).
        let (stock, _) =
            read("id;woningtype;bouwjaar;oppervlakte\r1;flat;1980;60\r2;flat;1981;61\r").unwrap();
        assert_eq!(stock.len(), 2);
        // UTF-16 with a byte-order mark.
        let text = "id;woningtype;bouwjaar;oppervlakte\r\n1;flat;1980;60\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let (stock, report) =
            read_stock_from(&bytes[..], Path::new("s.csv"), &ReadOptions::default()).unwrap();
        assert_eq!((stock.len(), report.encoding), (1, "UTF-16"));
        // UTF-16 without one: NUL bytes, refused by line.
        let err =
            read_stock_from(&bytes[2..], Path::new("s.csv"), &ReadOptions::default()).unwrap_err();
        assert!(matches!(err, StockError::Nul { line: 1, .. }), "{err}");
        // Ids that differ only by a non-breaking space are the same id.
        let err = read(
            "id;woningtype;bouwjaar;oppervlakte\n1001;flat;1980;60\n1001\u{a0};flat;1980;60\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("expected a unique dwelling id"), "{err}");
    }

    #[test]
    fn misspelled_columns_are_refused_and_ignored_columns_reported() {
        let err = read(
            "id;woningtype;bouwjaar;oppervlakte;registred_label;monumnet\n1;flat;1980;60;A;ja\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`registred_label` (did you mean `registered_label`?)"),
            "{err}"
        );
        assert!(
            err.contains("`monumnet` (did you mean `monument`?)"),
            "{err}"
        );
        let (_, report) =
            read("id;woningtype;bouwjaar;oppervlakte;huurprijs\n1;flat;1980;60;700\n").unwrap();
        assert_eq!(report.ignored_columns, vec!["huurprijs".to_string()]);
    }

    #[test]
    fn implausible_values_and_contradictions_are_reported_or_refused() {
        let (stock, report) =
            read("id;woningtype;bouwjaar;oppervlakte;bouwjaar_ketel\n1;flat;1990;60;1985\n")
                .unwrap();
        assert_eq!(stock.dwellings[0].boiler_install_year, Some(1990));
        assert!(report.implausible[0]
            .what
            .contains("before the dwelling was built"));
        let (_, report) = read("id;woningtype;bouwjaar;oppervlakte;ep2;energielabel\n1;flat;2030;60;0;A\n2;flat;1980;60;231;A\n").unwrap();
        assert_eq!(report.implausible.len(), 2, "{:?}", report.implausible);
        // EP2 0 is A++++, not the registered A; 231 is C.
        assert_eq!(report.label_conflicts.len(), 2);
        assert_eq!(report.label_conflicts[1].label_of_ep2, "C");
        let long = "x".repeat(40_000);
        let err = read(&format!(
            "id;woningtype;bouwjaar;oppervlakte\n{long};flat;1980;60\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("at most 32,767 characters") && err.len() < 400,
            "{}",
            err.len()
        );
    }
}
