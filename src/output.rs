//! Atomic output: files and folders appear whole or not at all.
//!
//! A single file is written beside its destination under a temporary name and renamed over it.
//! An output folder is staged as a sibling folder and swapped in when every file is written: on
//! Linux with `renameat2(RENAME_EXCHANGE)`, so that at no moment is the folder missing or half
//! new; elsewhere by two renames. A run that fails or is interrupted leaves the previous folder
//! as it was (an interrupted run may leave its hidden staging folder behind, which the next run
//! into the same folder removes).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

fn hidden_sibling(path: &Path, tag: &str) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?
        .to_string_lossy()
        .into_owned();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(parent.join(format!(".{name}.{tag}-{}", std::process::id())))
}

/// Writes `path` atomically: `write` fills a temporary file beside it, which is synced and then
/// renamed over `path`. On error the temporary file is removed and `path` is untouched.
pub fn write_file_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let temp = hidden_sibling(path, "tmp")?;
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&temp)?);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        drop(out);
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// An output folder being written: files go into a staging folder until [`OutputDir::commit`].
/// Dropping it uncommitted removes the staging folder and leaves the destination untouched.
#[derive(Debug)]
pub struct OutputDir {
    destination: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Starts a staging folder for `destination` (which need not exist yet).
    pub fn create(destination: &Path) -> io::Result<OutputDir> {
        if let Some(parent) = destination.parent() {
            if !parent.as_os_str().is_empty() {
                fs::create_dir_all(parent)?;
            }
        }
        remove_stale_staging(destination);
        let staging = hidden_sibling(destination, "staging")?;
        if staging.exists() {
            fs::remove_dir_all(&staging)?;
        }
        fs::create_dir(&staging)?;
        Ok(OutputDir {
            destination: destination.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// The final location.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Writes one file into the staging folder.
    pub fn write(
        &self,
        name: &str,
        write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(self.staging.join(name))?);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()
    }

    /// Writes one file into the staging folder through a plain file handle, for writers that
    /// write at positions (in parallel).
    pub fn write_file(
        &self,
        name: &str,
        write: impl FnOnce(&File) -> io::Result<()>,
    ) -> io::Result<()> {
        let file = File::create(self.staging.join(name))?;
        write(&file)?;
        file.sync_all()
    }

    /// Path of a file in the staging folder, for writers that need a path (e.g. Excel).
    pub fn staged_path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Swaps the staging folder in for the destination.
    pub fn commit(mut self) -> io::Result<()> {
        if self.destination.is_dir() {
            exchange(&self.staging, &self.destination)?;
            // The staging path now holds the previous output.
            fs::remove_dir_all(&self.staging)?;
        } else {
            if self.destination.exists() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a folder", self.destination.display()),
                ));
            }
            fs::rename(&self.staging, &self.destination)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Removes staging folders of earlier runs into the same destination whose process is gone.
fn remove_stale_staging(destination: &Path) {
    let (Some(parent), Some(name)) = (destination.parent(), destination.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.staging-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = file_name.strip_prefix(&prefix) {
            let alive = Path::new("/proc").join(pid).exists();
            if !alive {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings; AT_FDCWD resolves them relative to the
    // working directory, as std's rename does.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        let err = io::Error::last_os_error();
        // Filesystems without RENAME_EXCHANGE: fall back to two renames.
        if matches!(err.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            exchange_by_renames(a, b)
        } else {
            Err(err)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    exchange_by_renames(a, b)
}

fn exchange_by_renames(a: &Path, b: &Path) -> io::Result<()> {
    let aside = hidden_sibling(b, "previous")?;
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_file_replaces_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write_file_atomic(&path, |w| w.write_all(b"first")).unwrap();
        let failed = write_file_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "first");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn output_dir_swaps_in_on_commit_and_keeps_previous_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = OutputDir::create(&out).unwrap();
        first.write("x.txt", |w| w.write_all(b"1")).unwrap();
        first.commit().unwrap();
        assert_eq!(fs::read_to_string(out.join("x.txt")).unwrap(), "1");

        let second = OutputDir::create(&out).unwrap();
        second.write("x.txt", |w| w.write_all(b"2")).unwrap();
        drop(second); // a failed run
        assert_eq!(fs::read_to_string(out.join("x.txt")).unwrap(), "1");

        let third = OutputDir::create(&out).unwrap();
        third.write("y.txt", |w| w.write_all(b"3")).unwrap();
        third.commit().unwrap();
        assert!(!out.join("x.txt").exists());
        assert_eq!(fs::read_to_string(out.join("y.txt")).unwrap(), "3");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }
}
