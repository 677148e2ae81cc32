//! Opening the user's input files: regular files only (a device such as `/dev/zero`, a pipe or a
//! folder named as a stock would hang or exhaust memory), and text files of bounded size.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Largest scenario, catalogue or mapping file read (TOML written by hand is a few KB).
pub const MAX_TEXT_FILE_BYTES: u64 = 16 << 20;

/// Opens `path` for reading when it is a regular file (symbolic links followed).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device or a pipe)"
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("is {kind}; expected a file"),
        ));
    }
    File::open(path)
}

/// Reads a text file of at most [`MAX_TEXT_FILE_BYTES`], as UTF-8 (a UTF-8 BOM dropped).
pub fn read_text(path: &Path) -> io::Result<String> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_TEXT_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TEXT_FILE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is larger than {} MB; expected a small text file (TOML)",
                MAX_TEXT_FILE_BYTES >> 20
            ),
        ));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "holds NUL bytes; expected a text file (TOML, UTF-8)",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is not UTF-8 text (byte {} is not); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Largest small table read whole (a capacity or portfolio table has a row per corporation or
/// complex: 64 MB is far beyond any).
pub const MAX_TABLE_BYTES: u64 = 64 << 20;

/// Reads a small table file whole (at most [`MAX_TABLE_BYTES`]).
pub fn read_table_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?
        .take(MAX_TABLE_BYTES)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A small table's text: UTF-8 without its BOM, else Windows-1252 (as Excel saves CSV; the
/// decoder drops a BOM itself).
pub fn table_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text.trim_start_matches('\u{feff}')),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0,
    }
}

/// A small table's column: canonical name and accepted spellings (Dutch first), matched through
/// [`crate::stock::normalise_header`].
pub type ColumnSpec = (&'static str, &'static [&'static str]);

/// The header cell of each of `columns` (index into `names`), `None` where the header has none.
/// The canonical name wins over an alias and an earlier alias over a later one, so a specific
/// header (`Woningtype`) is not lost to a generic one (`Type`) elsewhere in the row.
pub fn match_columns(names: &[String], columns: &[ColumnSpec]) -> Vec<Option<usize>> {
    let keys: Vec<String> = names
        .iter()
        .map(|n| crate::stock::normalise_header(n))
        .collect();
    columns
        .iter()
        .map(|(name, aliases)| {
            std::iter::once(name)
                .chain(aliases.iter())
                .find_map(|candidate| {
                    let wanted = crate::stock::normalise_header(candidate);
                    keys.iter().position(|k| *k == wanted)
                })
        })
        .collect()
}

/// A row of a small table that is not CSV (an unclosed quote): its line, text and the parser's
/// complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file (1-based).
    pub line: u64,
    /// The line as written.
    pub text: String,
    /// What the CSV parser says.
    pub message: String,
}

/// The records of a small table's text, in file order, as (line, trimmed cells): blank lines,
/// `#` comment lines and rows of empty cells skipped, separated by `,` `;` or tab, whichever is
/// most frequent on the first record (the header). The first record is the header. One record
/// per line: a small table written by hand or by a spreadsheet has no line breaks in cells.
#[derive(Debug, Clone)]
pub struct TableRows<'t> {
    lines: std::iter::Enumerate<std::str::Lines<'t>>,
    separator: Option<u8>,
}

/// The records of `text` (see [`TableRows`]); `text` from [`table_text`].
pub fn table_rows(text: &str) -> TableRows<'_> {
    TableRows {
        lines: text.lines().enumerate(),
        separator: None,
    }
}

impl TableRows<'_> {
    /// The separator, decided on the header (`,` before any record was read).
    pub fn separator(&self) -> u8 {
        self.separator.unwrap_or(b',')
    }

    /// Numbers are written with a decimal comma (Dutch spreadsheets): the separator is not a
    /// comma.
    pub fn decimal_comma(&self) -> bool {
        self.separator() != b','
    }
}

impl Iterator for TableRows<'_> {
    type Item = Result<(u64, Vec<String>), RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        for (index, text_line) in self.lines.by_ref() {
            let line = index as u64 + 1;
            let trimmed = text_line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let separator = *self.separator.get_or_insert_with(|| {
                [b';', b'\t', b',']
                    .into_iter()
                    .max_by_key(|&s| trimmed.bytes().filter(|&b| b == s).count())
                    .unwrap_or(b',')
            });
            let record = csv::ReaderBuilder::new()
                .delimiter(separator)
                .has_headers(false)
                .flexible(true)
                .from_reader(text_line.as_bytes())
                .records()
                .next()
                .unwrap_or_else(|| Ok(csv::StringRecord::new()));
            let record = match record {
                Ok(record) => record,
                Err(e) => {
                    return Some(Err(RowError {
                        line,
                        text: text_line.to_string(),
                        message: e.to_string(),
                    }))
                }
            };
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Some(Ok((
                line,
                record.iter().map(|f| f.trim().to_string()).collect(),
            )));
        }
        None
    }
}

/// Reads a small table (portfolio, new build) from `path`, CSV or a workbook, with `parse` (its
/// reader on CSV bytes): a workbook's sheet named with `file.xlsx#Sheet`, else the first sheet
/// `parse` reads (a notes sheet first is passed over; when none does, the first sheet's error).
/// `io` turns a file that cannot be read into the table's error.
pub fn read_small_table<T, E>(
    path: &Path,
    parse: impl Fn(&[u8]) -> Result<T, E>,
    io: impl Fn(io::Error) -> E,
) -> Result<T, E> {
    if !crate::stock::is_workbook(path) {
        return parse(&read_table_bytes(path).map_err(io)?);
    }
    let mut first_error = None;
    for (_, csv) in crate::stock::small_table_sheets(path).map_err(&io)? {
        match parse(&csv) {
            Ok(table) => return Ok(table),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        io(io::Error::new(
            io::ErrorKind::InvalidData,
            "the workbook has no sheets",
        ))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_folders_are_refused_by_name() {
        let e = open_regular(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = open_regular(Path::new("/tmp")).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
    }

    #[test]
    fn table_rows_skip_comments_and_blank_rows_and_pick_the_separator() {
        let text = "# title\nProject;Aantal woningen;Type\n\n;;\nA;\"1,5\";x\n";
        let mut rows = table_rows(text);
        let (line, header) = rows.next().unwrap().unwrap();
        assert_eq!((line, rows.separator()), (2, b';'));
        assert!(rows.decimal_comma());
        let columns: [ColumnSpec; 3] = [
            ("dwellings", &["aantal_woningen"]),
            ("dwelling_type", &["woningtype", "type"]),
            ("year", &["jaar"]),
        ];
        assert_eq!(match_columns(&header, &columns), [Some(1), Some(2), None]);
        assert_eq!(
            rows.collect::<Vec<_>>(),
            [Ok((5, vec!["A".to_string(), "1,5".into(), "x".into()]))]
        );
    }
}
