//! Memory sizes: parsing `2GiB`-style flags, and the default share of the
//! machine that the indicator run's memory pool may use.

/// Parses a size such as `2GiB`, `512MiB`, `1.5G` or `1000` (bytes).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 2GiB, 512MiB)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown size unit {other:?} in {s:?}")),
    };
    Ok((n * mult) as usize)
}

/// The machine's memory in bytes (`MemTotal` of /proc/meminfo), if known.
pub fn machine_memory() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The indicator run's default memory pool: half the machine (12 GiB on the
/// 24 GiB machine the project is sized for), 2 GiB when the machine's memory
/// cannot be read. The pool bounds what the SQL may hold; DataFusion counts
/// more than it uses (eight national quarters peak at 3.9 GB resident under
/// this default, while a 4 GiB pool makes the two large DISTINCTs spill and
/// the run take half as long again: docs/benchmarks.md).
pub fn default_memory_limit() -> usize {
    machine_memory().map_or(2 << 30, |m| m / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_their_units() {
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5g").unwrap(), 3 << 29);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("2 parsecs").is_err());
        assert!(parse_size("GiB").is_err());
    }

    #[test]
    fn the_default_is_half_the_machine() {
        if let Some(m) = machine_memory() {
            assert_eq!(default_memory_limit(), m / 2);
        }
    }
}
