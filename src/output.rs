//! Atomic output: files and folders appear whole or not at all.
//!
//! A single file is written beside its destination under a temporary name and renamed over it.
//! An output folder is staged as a sibling folder and swapped in when every file is written: on
//! Linux with `renameat2(RENAME_EXCHANGE)`, so that at no moment is the folder missing or half
//! new; elsewhere by two renames. A run that fails or is interrupted leaves the previous folder
//! as it was (an interrupted run may leave its hidden staging folder behind, which the next run
//! into the same folder removes).
//!
//! Nothing of the user's is ever replaced: an output folder is replaced only when it is empty or
//! heatpath wrote it (it holds the [`OUTPUT_MARKER`] file listing what heatpath wrote, and
//! nothing else), and never when it holds the working folder or an input of the run
//! ([`check_destination`], called before any work).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The file heatpath writes into every output folder it makes: the names of the files it wrote,
/// one a line. A folder without it (or with files it does not list) is the user's, and is never
/// replaced.
pub const OUTPUT_MARKER: &str = ".heatpath-output";

/// Why an output folder may not be written.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    /// The path names a file (or something else that is not a folder).
    #[error("{}: is a file, not a folder; heatpath writes its outputs into a folder of their own: choose a new folder such as {}", path.display(), suggestion.display())]
    NotAFolder {
        /// The path given.
        path: PathBuf,
        /// A folder to use instead.
        suggestion: PathBuf,
    },
    /// The folder holds files heatpath did not write.
    #[error("{}: holds files heatpath did not write ({examples}); heatpath replaces only an empty folder or one it wrote itself, so as never to delete your files: choose a new folder such as {}", path.display(), suggestion.display())]
    NotOurs {
        /// The folder.
        path: PathBuf,
        /// Some of the files in it.
        examples: String,
        /// A folder to use instead.
        suggestion: PathBuf,
    },
    /// The folder is the working folder or holds it.
    #[error("{}: is the current folder or holds it; heatpath replaces its output folder as a whole: choose a new folder such as {}", path.display(), suggestion.display())]
    HoldsWorkingFolder {
        /// The folder.
        path: PathBuf,
        /// A folder to use instead.
        suggestion: PathBuf,
    },
    /// The folder holds an input of the run.
    #[error("{}: holds {}, an input of this run; heatpath replaces its output folder as a whole: choose a new folder such as {}", path.display(), input.display(), suggestion.display())]
    HoldsInput {
        /// The folder.
        path: PathBuf,
        /// The input inside it.
        input: PathBuf,
        /// A folder to use instead.
        suggestion: PathBuf,
    },
    /// A file the user asked for (e.g. `--export-mps`) lies inside the output folder, which the
    /// swap would replace.
    #[error("{}: lies inside the output folder {}, which is replaced as a whole when the run succeeds: write it outside, e.g. beside the output folder", file.display(), folder.display())]
    FileInside {
        /// The file.
        file: PathBuf,
        /// The output folder.
        folder: PathBuf,
    },
}

/// `path` made absolute and resolved as far as it exists (a folder that does not exist yet keeps
/// its last components as given).
fn resolved(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // Resolve the longest existing prefix, then append the rest.
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = fs::canonicalize(existing) {
            let mut out = canonical;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return normalise_dots(&out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return normalise_dots(&absolute),
        }
    }
}

/// Removes `.` and resolves `..` lexically (for the parts of a path that do not exist yet).
fn normalise_dots(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A folder to suggest instead of `path`: a new `plan-N` folder inside it (or beside it, for a
/// file).
fn suggestion(path: &Path, inside: bool) -> PathBuf {
    let base = if inside {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    for n in 1.. {
        let candidate = base.join(if n == 1 {
            "heatpath-plan".to_string()
        } else {
            format!("heatpath-plan-{n}")
        });
        if !candidate.exists() {
            return candidate;
        }
    }
    unreachable!("some heatpath-plan-N does not exist")
}

/// The files of `folder` heatpath did not write, per its marker (all of them without one).
fn foreign_entries(folder: &Path) -> io::Result<Vec<String>> {
    let listed: Option<Vec<String>> = fs::read_to_string(folder.join(OUTPUT_MARKER))
        .ok()
        .map(|text| text.lines().map(str::to_string).collect());
    let mut foreign = Vec::new();
    for entry in fs::read_dir(folder)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let ours =
            name == OUTPUT_MARKER || listed.as_ref().is_some_and(|names| names.contains(&name));
        if !ours {
            foreign.push(name);
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// Checks, before any work, that `destination` may be (re)placed by an output folder: it does
/// not exist, or it is an empty folder or one heatpath wrote (and nothing was added to it), and
/// it is neither the working folder nor a folder holding it or any of `inputs`.
pub fn check_destination(destination: &Path, inputs: &[&Path]) -> Result<(), DestinationError> {
    let target = resolved(destination);
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) {
        if cwd.starts_with(&target) {
            return Err(DestinationError::HoldsWorkingFolder {
                path: destination.to_path_buf(),
                suggestion: suggestion(destination, true),
            });
        }
    }
    for input in inputs {
        if resolved(input).starts_with(&target) {
            return Err(DestinationError::HoldsInput {
                path: destination.to_path_buf(),
                input: input.to_path_buf(),
                suggestion: suggestion(destination, !destination.is_file()),
            });
        }
    }
    match fs::symlink_metadata(destination) {
        Err(_) => Ok(()),
        Ok(meta) if !meta.is_dir() => Err(DestinationError::NotAFolder {
            path: destination.to_path_buf(),
            suggestion: suggestion(destination, false),
        }),
        Ok(_) => {
            let foreign = foreign_entries(destination).unwrap_or_else(|e| vec![e.to_string()]);
            if foreign.is_empty() {
                Ok(())
            } else {
                let mut examples = foreign
                    .iter()
                    .take(3)
                    .map(|n| crate::text::quote(n))
                    .collect::<Vec<_>>()
                    .join(", ");
                if foreign.len() > 3 {
                    examples.push_str(&format!(" and {} more", foreign.len() - 3));
                }
                Err(DestinationError::NotOurs {
                    path: destination.to_path_buf(),
                    examples,
                    suggestion: suggestion(destination, true),
                })
            }
        }
    }
}

/// Checks that `file` (one the user named, e.g. `--export-mps`) does not lie inside the output
/// folder `folder`, which the swap replaces.
pub fn check_outside(file: &Path, folder: &Path) -> Result<(), DestinationError> {
    if resolved(file).starts_with(resolved(folder)) {
        return Err(DestinationError::FileInside {
            file: file.to_path_buf(),
            folder: folder.to_path_buf(),
        });
    }
    Ok(())
}

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
    remove_stale_siblings(path, "tmp", false);
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
    /// Starts a staging folder for `destination` (which need not exist yet). Refuses a
    /// destination [`check_destination`] refuses (callers should check before any work; this
    /// is the last line of defence).
    pub fn create(destination: &Path) -> io::Result<OutputDir> {
        check_destination(destination, &[]).map_err(io::Error::other)?;
        if let Some(parent) = destination.parent() {
            if !parent.as_os_str().is_empty() {
                fs::create_dir_all(parent)?;
            }
        }
        remove_stale_siblings(destination, "staging", true);
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
        // The marker lists what heatpath wrote, so that a later run replaces this folder only
        // while nothing else was put into it.
        let mut names: Vec<String> = fs::read_dir(&self.staging)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()?;
        names.sort();
        let mut listing = names.join("\n");
        listing.push('\n');
        self.write(OUTPUT_MARKER, |w| w.write_all(listing.as_bytes()))?;
        // Checked again just before the swap: the user may have put a file there meanwhile.
        check_destination(&self.destination, &[]).map_err(io::Error::other)?;
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

/// Removes temporary files (or staging folders) of earlier runs into the same destination whose
/// process is gone (an interrupted `generate` leaves a `.stock.csv.tmp-PID` of 100 MB).
fn remove_stale_siblings(destination: &Path, tag: &str, folders: bool) {
    let (Some(parent), Some(name)) = (destination.parent(), destination.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.{tag}-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = file_name.strip_prefix(&prefix) {
            // Only names heatpath makes (a process id), and only where /proc can tell that
            // the process is gone.
            if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if !Path::new("/proc/self").exists() || Path::new("/proc").join(pid).exists() {
                continue;
            }
            let _ = if folders {
                fs::remove_dir_all(entry.path())
            } else {
                fs::remove_file(entry.path())
            };
        }
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // The documented exception to `unsafe_code = "deny"` (Cargo.toml): std has no atomic exchange
    // of two paths, and the output folder is swapped in whole with it.
    // SAFETY: both paths are valid NUL-terminated strings; AT_FDCWD resolves them relative to the
    // working directory, as std's rename does.
    #[allow(unsafe_code)]
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
