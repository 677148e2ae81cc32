//! How much memory a run may use: the least of what the machine has available, what the
//! process may address (`ulimit -v`), its control group's limit (containers), and the user's
//! `HEATPATH_MEMORY_LIMIT`. Large inputs are refused before reading rather than killed midway.

/// The environment variable with the user's limit, in bytes (`2000000000`, or with a unit:
/// `2GB`, `1500MB`, `2GiB`).
pub const LIMIT_VARIABLE: &str = "HEATPATH_MEMORY_LIMIT";

/// A limit the user set that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{LIMIT_VARIABLE}: value {}: expected a number of bytes, e.g. 2000000000 or 2GB", crate::text::quote(.value))]
pub struct LimitError {
    /// The value as set.
    pub value: String,
}

/// Parses a byte count with an optional unit (B, KB, MB, GB, KiB, MiB, GiB; case-insensitive).
fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (1.0..1e19).contains(&bytes).then_some(bytes as u64)
}

fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn meminfo_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The control group's remaining memory (cgroup v2 `memory.max`, or v1's limit).
fn cgroup_available() -> Option<u64> {
    let v2 = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .map(|max| max.saturating_sub(read_number("/sys/fs/cgroup/memory.current").unwrap_or(0)));
    v2.or_else(|| {
        let limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes")?;
        // v1 reports "no limit" as a huge number.
        (limit < 1 << 60).then(|| {
            limit.saturating_sub(
                read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes").unwrap_or(0),
            )
        })
    })
}

/// Address space left under `ulimit -v` (the limit less what the process already maps).
#[cfg(unix)]
// An exception to `unsafe_code = "deny"` (Cargo.toml): std cannot read the process's limits, and
// libc's getrlimit only writes into a struct of ours.
#[allow(unsafe_code)]
fn address_space_available() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok();
    let used_kib: u64 = status
        .as_deref()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmSize:")))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some(limit.rlim_cur.saturating_sub(used_kib * 1024))
}

#[cfg(not(unix))]
fn address_space_available() -> Option<u64> {
    None
}

/// Memory heatpath may use, in bytes: the least of the machine's, the process's, the control
/// group's and the user's limits; `None` where none is known (no check then). An unreadable
/// `HEATPATH_MEMORY_LIMIT` is an error, never silently ignored.
pub fn available() -> Result<Option<u64>, LimitError> {
    let user = match std::env::var(LIMIT_VARIABLE) {
        Ok(value) => Some(parse_bytes(&value).ok_or(LimitError { value })?),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(value)) => {
            return Err(LimitError {
                value: value.to_string_lossy().into_owned(),
            })
        }
    };
    Ok([
        user,
        meminfo_available(),
        cgroup_available(),
        address_space_available(),
    ]
    .into_iter()
    .flatten()
    .min())
}

/// Bytes as a person reads them (`1.2 GB`, `35 MB`).
pub fn human_bytes(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else {
        format!("{} MB", bytes.div_ceil(1_000_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_with_units() {
        assert_eq!(parse_bytes("2000000000"), Some(2_000_000_000));
        assert_eq!(parse_bytes("2GB"), Some(2_000_000_000));
        assert_eq!(parse_bytes("1.5 gb"), Some(1_500_000_000));
        assert_eq!(parse_bytes("512MiB"), Some(512 << 20));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("-5"), None);
        assert_eq!(parse_bytes("0"), None);
        assert_eq!(parse_bytes("1e400"), None);
    }
}
