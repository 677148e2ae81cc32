//! The `heatpath` binary run as a user runs it: in a working folder (the package root, or a
//! temporary folder of the test's own), with extra environment variables where a test needs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The package root, where `datasets/`, `data/` and `tests/corpus/` are.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the package root.
pub fn manifest(path: &str) -> PathBuf {
    root().join(path)
}

/// A file of the bad-input corpus, `tests/corpus/`.
pub fn corpus(name: &str) -> PathBuf {
    root().join("tests/corpus").join(name)
}

/// The `heatpath` binary cargo built for these tests.
pub fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_heatpath"))
}

/// The binary with `args`, working in `dir`, with the variables of `env` set: to run, or to spawn
/// and stop.
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(exe());
    command.args(args).current_dir(dir);
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

/// Runs the binary with `args` in `dir` with the variables of `env` set, and waits for it.
pub fn heatpath_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env).output().expect("heatpath runs")
}

/// Runs the binary with `args` in `dir` (usually a temporary folder), and waits for it.
pub fn heatpath_in(dir: &Path, args: &[&str]) -> Output {
    heatpath_with(dir, args, &[])
}

/// Runs the binary with `args` in the package root, and waits for it.
pub fn heatpath(args: &[&str]) -> Output {
    heatpath_in(root(), args)
}
