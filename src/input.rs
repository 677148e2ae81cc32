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
