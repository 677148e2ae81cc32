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
}
