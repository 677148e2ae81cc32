//! Stock tables as Excel workbooks (`.xlsx`, `.xlsm`, `.xls`, `.ods`), read with calamine.
//!
//! The first sheet (or the one named with `file.xlsx#Sheet`) is turned into CSV records, one per
//! sheet row, and read by the CSV reader: the same columns, Dutch names, defaults, validation and
//! messages. Messages name the workbook and sheet as `file.xlsx[Sheet]` and the sheet's row
//! number where the CSV reader names a line.

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};

use super::reader::{read_stock_from, ReadOptions, ReadReport};
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

/// A cell as the CSV reader would see it typed in a file: numbers in full precision with a
/// decimal point, text as is (line breaks as spaces). Error cells are refused before this.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        // A line break inside a cell would shift the CSV reader's line numbers off the rows.
        Data::String(s) => s.replace(['\r', '\n'], " "),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Data::DateTime(d) => format!("{}", d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e}"),
    }
}

/// Reads a stock table from the first sheet of a workbook, or from `file.xlsx#Sheet`.
pub fn read_stock_workbook(
    path: &Path,
    options: &ReadOptions,
) -> Result<(Stock, ReadReport), StockError> {
    let (file, sheet) = split_sheet(path);
    let workbook_error = |message: String| StockError::Workbook {
        file: file.clone(),
        message,
    };
    let mut workbook = open_workbook_auto(&file).map_err(|e| match e {
        calamine::Error::Io(source) => StockError::Io {
            file: file.clone(),
            source,
        },
        other => workbook_error(format!("not a readable workbook: {other}")),
    })?;
    let names = workbook.sheet_names();
    let sheet = match sheet {
        Some(name) if names.contains(&name) => name,
        Some(name) => {
            return Err(workbook_error(format!(
                "no sheet `{name}`; the workbook has: {}",
                names.join(", ")
            )))
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| workbook_error("the workbook has no sheets".into()))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| workbook_error(format!("sheet `{sheet}`: {e}")))?;
    // Blank lines for the rows above the used range, so that the reader's line numbers are the
    // sheet's row numbers.
    let first_row = range.start().map(|(row, _)| row).unwrap_or(0);
    let mut csv_bytes = vec![b'\n'; first_row as usize];
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b',')
            .flexible(true)
            .from_writer(&mut csv_bytes);
        let header: Vec<String> = range
            .rows()
            .next()
            .map(|r| r.iter().map(cell_text).collect())
            .unwrap_or_default();
        for (i, row) in range.rows().enumerate() {
            if let Some((c, Data::Error(e))) = row
                .iter()
                .enumerate()
                .find(|(_, d)| matches!(d, Data::Error(_)))
            {
                return Err(StockError::Value {
                    file: PathBuf::from(format!("{}[{sheet}]", file.display())),
                    line: u64::from(first_row) + i as u64 + 1,
                    column: header
                        .get(c)
                        .filter(|h| !h.is_empty())
                        .cloned()
                        .unwrap_or_else(|| format!("column {}", c + 1)),
                    value: e.to_string(),
                    expected: "a value, not an Excel error (fix the formula, or paste the sheet as values)".into(),
                });
            }
            let record: Vec<String> = row.iter().map(cell_text).collect();
            writer
                .write_record(&record)
                .map_err(|e| workbook_error(e.to_string()))?;
        }
        writer.flush().map_err(|source| StockError::Io {
            file: file.clone(),
            source,
        })?;
    }
    let shown = PathBuf::from(format!("{}[{sheet}]", file.display()));
    let (mut stock, report) = read_stock_from(std::io::Cursor::new(csv_bytes), &shown, options)?;
    stock.source = path.to_path_buf();
    Ok((stock, report))
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
        assert_eq!(cell_text(&Data::Float(101.3)), "101.3");
        assert_eq!(cell_text(&Data::Float(1963.0)), "1963");
        assert_eq!(cell_text(&Data::Float(1e-7)), "0.0000001");
        assert_eq!(cell_text(&Data::Int(42)), "42");
    }
}
