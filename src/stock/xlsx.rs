//! Stock tables as Excel workbooks (`.xlsx`, `.xlsm`, `.xls`, `.ods`), read with calamine.
//!
//! The first sheet (or the one named with `file.xlsx#Sheet`) is turned into CSV records, one per
//! sheet row, and read by the CSV reader: the same columns, Dutch names, defaults, validation and
//! messages. Messages name the workbook and sheet as `file.xlsx[Sheet]` and the sheet's row
//! number where the CSV reader names a line.

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, DataRef, Reader};

use super::reader::{read_stock_from, ReadOptions};
use super::report::ReadReport;
use super::{Stock, StockError};

/// File extensions read as workbooks.
pub const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether `path` names a workbook (by its extension, before any `#Sheet`).
pub fn is_workbook(path: &Path) -> bool {
    let (file, _) = split_sheet(path);
    file.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| WORKBOOK_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// `stock.xlsx#Woningen` → (`stock.xlsx`, Some(`Woningen`)). The file ends at the first `#`
/// after which the path so far names a workbook, so that a sheet name may hold `#` itself
/// (`stock.xlsx#Blok #2`).
fn split_sheet(path: &Path) -> (PathBuf, Option<String>) {
    let text = path.to_string_lossy();
    let is_workbook_name = |file: &str| {
        Path::new(file)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| WORKBOOK_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
    };
    for (i, _) in text.match_indices('#') {
        let (file, sheet) = (&text[..i], &text[i + 1..]);
        if !sheet.is_empty() && is_workbook_name(file) {
            return (PathBuf::from(file), Some(sheet.to_string()));
        }
    }
    (path.to_path_buf(), None)
}

/// The file a stock path names: a workbook path without its `#Sheet`, any other path as it is.
pub fn workbook_file(path: &Path) -> PathBuf {
    split_sheet(path).0
}

/// Days from 0001-01-01 (proleptic Gregorian) to a (year, month, day): Howard Hinnant's
/// `civil_from_days`, inverted here to turn Excel's day numbers into dates.
fn date_of_excel_serial(serial: f64) -> Option<(i64, u32, u32)> {
    if !serial.is_finite() || !(1.0..3_000_000.0).contains(&serial) {
        return None;
    }
    // Excel's day 0 is 1899-12-30 (its 1900 leap-year bug included); 25,569 days to 1970-01-01.
    let z = serial.floor() as i64 - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some((year, month, day))
}

/// A cell as the CSV reader would see it typed in a file: numbers in full precision with a
/// decimal point, dates as `YYYY-MM-DD` (a year column reads their year), text as is (line
/// breaks as spaces). Error cells are refused before this.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        // A line break inside a cell would shift the CSV reader's line numbers off the rows.
        DataRef::String(s) => s.replace(['\r', '\n'], " "),
        DataRef::SharedString(s) => s.replace(['\r', '\n'], " "),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float_text(*f),
        DataRef::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        DataRef::DateTime(d) if d.is_datetime() => match date_of_excel_serial(d.as_f64()) {
            Some((y, m, day)) => format!("{y:04}-{m:02}-{day:02}"),
            None => float_text(d.as_f64()),
        },
        DataRef::DateTime(d) => float_text(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("{e}"),
    }
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// The same for the other workbook formats (`.xls`, `.ods`), read whole by calamine.
fn data_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => cell_text(&DataRef::SharedString(s)),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => cell_text(&DataRef::DateTime(*d)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e}"),
    }
}

/// Bytes of memory a sheet's cells may take: a quarter of what the run may use (the stock,
/// model and options need the rest), at most 4 GB.
fn cell_budget_bytes() -> Result<u64, StockError> {
    let available = crate::memory::available()
        .map_err(|e| StockError::Workbook {
            file: PathBuf::from(crate::memory::LIMIT_VARIABLE),
            message: e.to_string(),
        })?
        .unwrap_or(16 << 30);
    Ok((available / 4).min(4 << 30))
}

/// One sheet as sparse cells: (row, column, text), in sheet order, and the error cell if any.
struct SheetCells {
    cells: Vec<(u32, u32, String)>,
    error: Option<(u32, u32, String)>,
    merged_filled: u64,
}

/// Estimated bytes of a cell in memory (its text, position and the CSV built from it).
const CELL_OVERHEAD_BYTES: u64 = 48;

fn too_large(file: &Path, sheet: &str, budget: u64) -> StockError {
    StockError::Workbook {
        file: file.to_path_buf(),
        message: format!(
            "sheet `{sheet}` holds more cells than the {} of memory a workbook may take here (a sheet whose cells lie far apart, or a compressed file that expands enormously); keep only the table on the sheet, or save it as CSV",
            crate::memory::human_bytes(budget)
        ),
    }
}

/// Streams an `.xlsx` sheet's cells without building a dense range (a stray cell at XFD1048576
/// would make one of 17 billion cells), within `budget` bytes, and fills merged regions with
/// their top-left value (a complex id merged over its rows belongs to each row).
fn xlsx_cells(
    workbook: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>,
    file: &Path,
    sheet: &str,
    budget: u64,
) -> Result<SheetCells, StockError> {
    let workbook_error = |message: String| StockError::Workbook {
        file: file.to_path_buf(),
        message,
    };
    let mut cells = Vec::new();
    let mut error = None;
    let mut bytes = 0u64;
    {
        let mut reader = workbook
            .worksheet_cells_reader(sheet)
            .map_err(|e| workbook_error(format!("sheet `{sheet}`: {e}")))?;
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| workbook_error(format!("sheet `{sheet}`: {e}")))?
        {
            let (row, col) = cell.get_position();
            let value = cell.get_value();
            if matches!(value, DataRef::Empty) {
                continue;
            }
            if let DataRef::Error(e) = value {
                error.get_or_insert((row, col, e.to_string()));
            }
            let text = cell_text(value);
            if text.is_empty() {
                continue;
            }
            bytes += CELL_OVERHEAD_BYTES + text.len() as u64;
            if bytes > budget {
                return Err(too_large(file, sheet, budget));
            }
            cells.push((row, col, text));
        }
    }
    let mut merged_filled = 0;
    if let Ok(regions) = workbook.merge_cells_by_sheet_name(sheet) {
        let mut filled = Vec::new();
        let index: std::collections::HashMap<(u32, u32), usize> = cells
            .iter()
            .enumerate()
            .map(|(i, (r, c, _))| ((*r, *c), i))
            .collect();
        for region in regions {
            let Some(&top_left) = index.get(&region.start) else {
                continue;
            };
            let text = &cells[top_left].2;
            let area = u64::from(region.end.0 - region.start.0 + 1)
                * u64::from(region.end.1 - region.start.1 + 1);
            bytes += area * (CELL_OVERHEAD_BYTES + text.len() as u64);
            if bytes > budget {
                return Err(too_large(file, sheet, budget));
            }
            merged_filled += 1;
            for row in region.start.0..=region.end.0 {
                for col in region.start.1..=region.end.1 {
                    if (row, col) != region.start && !index.contains_key(&(row, col)) {
                        filled.push((row, col, text.clone()));
                    }
                }
            }
        }
        cells.extend(filled);
    }
    cells.sort_unstable_by_key(|(r, c, _)| (*r, *c));
    Ok(SheetCells {
        cells,
        error,
        merged_filled,
    })
}

/// Any other workbook's sheet as sparse cells (calamine reads these whole).
fn range_cells(
    workbook: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
    file: &Path,
    sheet: &str,
    budget: u64,
) -> Result<SheetCells, StockError> {
    let range = workbook
        .worksheet_range(sheet)
        .map_err(|e| StockError::Workbook {
            file: file.to_path_buf(),
            message: format!("sheet `{sheet}`: {e}"),
        })?;
    if range.get_size().0 as u64 * range.get_size().1 as u64 * 32 > budget {
        return Err(too_large(file, sheet, budget));
    }
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut cells = Vec::new();
    let mut error = None;
    for (r, row) in range.rows().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let position = (first_row + r as u32, first_col + c as u32);
            if let Data::Error(e) = value {
                error.get_or_insert((position.0, position.1, e.to_string()));
            }
            let text = data_text(value);
            if !text.is_empty() {
                cells.push((position.0, position.1, text));
            }
        }
    }
    Ok(SheetCells {
        cells,
        error,
        merged_filled: 0,
    })
}

/// The sheet's cells as CSV, one record per sheet row, so that the reader's line numbers are
/// the sheet's row numbers.
fn sheet_csv(cells: &[(u32, u32, String)]) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::new();
    let mut next_row = 0u32;
    let mut i = 0;
    while i < cells.len() {
        let row = cells[i].0;
        out.resize(out.len() + (row - next_row) as usize, b'\n');
        let mut record: Vec<&str> = Vec::new();
        while i < cells.len() && cells[i].0 == row {
            let (_, col, text) = &cells[i];
            while record.len() < *col as usize {
                record.push("");
            }
            record.push(text);
            i += 1;
        }
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b',')
            .flexible(true)
            .from_writer(&mut out);
        writer.write_record(&record)?;
        writer.flush()?;
        drop(writer);
        next_row = row + 1;
    }
    Ok(out)
}

/// Largest small table (portfolio, new build) read from a workbook, in bytes of cell text.
const SMALL_TABLE_BYTES: u64 = 64 << 20;

/// The sheets of a small table's workbook (the one named with `file.xlsx#Sheet`, else every
/// sheet in order), each as `(name, CSV bytes)` with one record per sheet row, so that line
/// numbers are row numbers. The caller reads the first sheet that holds its table (a notes sheet
/// first is passed over).
pub fn small_table_sheets(path: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let (file, sheet) = split_sheet(path);
    crate::input::open_regular(&file)?;
    let mut workbook = open_workbook_auto(&file).map_err(|e| match e {
        calamine::Error::Io(source) => source,
        other => std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not a readable workbook: {other}"),
        ),
    })?;
    let names = workbook.sheet_names();
    let wanted: Vec<String> = match sheet {
        Some(name) if names.contains(&name) => vec![name],
        Some(name) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no sheet `{name}`; the workbook has: {}", names.join(", ")),
            ))
        }
        None => names,
    };
    wanted
        .into_iter()
        .map(|name| {
            let cells = range_cells(&mut workbook, &file, &name, SMALL_TABLE_BYTES)
                .map_err(std::io::Error::other)?;
            let csv = sheet_csv(&cells.cells).map_err(std::io::Error::other)?;
            Ok((name, csv))
        })
        .collect()
}

/// Reads a stock table from a workbook: the sheet named with `file.xlsx#Sheet`, else the first
/// sheet that holds the table's header (a notes sheet first is passed over).
pub fn read_stock_workbook(
    path: &Path,
    options: &ReadOptions,
) -> Result<(Stock, ReadReport), StockError> {
    let (file, sheet) = split_sheet(path);
    let workbook_error = |message: String| StockError::Workbook {
        file: file.clone(),
        message,
    };
    crate::input::open_regular(&file).map_err(|source| StockError::Io {
        file: file.clone(),
        source,
    })?;
    let mut workbook = open_workbook_auto(&file).map_err(|e| match e {
        calamine::Error::Io(source) => StockError::Io {
            file: file.clone(),
            source,
        },
        other => workbook_error(format!("not a readable workbook: {other}")),
    })?;
    let names = workbook.sheet_names();
    let candidates: Vec<String> = match sheet {
        Some(name) if names.contains(&name) => vec![name],
        Some(name) => {
            return Err(workbook_error(format!(
                "no sheet `{name}`; the workbook has: {}",
                names.join(", ")
            )))
        }
        None if names.is_empty() => {
            return Err(workbook_error("the workbook has no sheets".into()))
        }
        None => names.clone(),
    };
    let named = candidates.len() == 1 && names.len() > 1 || split_sheet(path).1.is_some();
    let budget = match options.workbook_budget_bytes {
        Some(bytes) => bytes,
        None => cell_budget_bytes()?,
    };
    let mut first_error = None;
    for sheet in &candidates {
        let sheet_cells = match &mut workbook {
            calamine::Sheets::Xlsx(xlsx) => xlsx_cells(xlsx, &file, sheet, budget)?,
            other => range_cells(other, &file, sheet, budget)?,
        };
        let shown = PathBuf::from(format!("{}[{sheet}]", file.display()));
        let csv_bytes = sheet_csv(&sheet_cells.cells).map_err(|e| workbook_error(e.to_string()))?;
        match read_stock_from(std::io::Cursor::new(csv_bytes), &shown, options) {
            Ok((mut stock, mut report)) => {
                if let Some((row, col, value)) = sheet_cells.error {
                    return Err(StockError::Value {
                        file: shown,
                        line: u64::from(row) + 1,
                        column: format!("column {}", col + 1),
                        value,
                        expected: "a value, not an Excel error (fix the formula, or paste the sheet as values)".into(),
                    });
                }
                stock.source = path.to_path_buf();
                report.sheet = Some(sheet.clone());
                report.merged_regions_filled = sheet_cells.merged_filled;
                return Ok((stock, report));
            }
            Err(e @ (StockError::MissingColumn { .. } | StockError::Empty { .. })) if !named => {
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    match first_error {
        Some(_) if candidates.len() > 1 => Err(workbook_error(format!(
            "no sheet holds a stock table with the columns id, dwelling_type, build_year and floor_area_m2 (or Dutch names for them); the workbook has: {}; name the sheet as {}#Sheet",
            names.join(", "),
            file.display()
        ))),
        Some(e) => Err(e),
        None => Err(workbook_error("the workbook has no sheets".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_split_off_workbook_paths_only() {
        assert_eq!(
            split_sheet(Path::new("a/stock.xlsx#Woningen")),
            (PathBuf::from("a/stock.xlsx"), Some("Woningen".into()))
        );
        assert_eq!(
            split_sheet(Path::new("a/stock#1.csv")),
            (PathBuf::from("a/stock#1.csv"), None)
        );
        assert!(is_workbook(Path::new("x.XLSX")));
        assert!(is_workbook(Path::new("x.xlsx#Blad1")));
        assert!(!is_workbook(Path::new("x.csv")));
        assert_eq!(
            split_sheet(Path::new("a/stock.xlsx#Blok #2")),
            (PathBuf::from("a/stock.xlsx"), Some("Blok #2".into()))
        );
    }

    #[test]
    fn numbers_keep_full_precision_without_exponents() {
        assert_eq!(data_text(&Data::Float(101.3)), "101.3");
        assert_eq!(data_text(&Data::Float(1963.0)), "1963");
        assert_eq!(data_text(&Data::Float(1e-7)), "0.0000001");
        assert_eq!(data_text(&Data::Int(42)), "42");
    }

    #[test]
    fn excel_day_numbers_become_dates() {
        assert_eq!(date_of_excel_serial(1.0), Some((1899, 12, 31)));
        assert_eq!(date_of_excel_serial(25_569.0), Some((1970, 1, 1)));
        assert_eq!(date_of_excel_serial(41_699.0), Some((2014, 3, 1)));
        assert_eq!(date_of_excel_serial(f64::NAN), None);
    }
}
