//! The process's peak memory, as the operating system counts it.
//!
//! On Linux the kernel keeps the high-water mark of the resident set
//! (`VmHWM` in `/proc/self/status`): the most physical memory the process
//! has held at once since it started, whatever allocator it uses. Other
//! systems report nothing here, and the figure is left out rather than
//! guessed.

/// Returns the peak resident memory of this process so far, in bytes, or
/// `None` where the operating system does not report it.
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_high_water_mark(&status)
}

/// Reads the `VmHWM:` line of a `/proc/PID/status` text, which the kernel
/// writes in kibibytes.
fn parse_high_water_mark(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_high_water_mark_is_read_in_kibibytes() {
        let status =
            "Name:\tsurveil\nVmPeak:\t  300000 kB\nVmHWM:\t   45312 kB\nVmRSS:\t 40000 kB\n";
        assert_eq!(parse_high_water_mark(status), Some(45312 * 1024));
        assert_eq!(parse_high_water_mark("Name:\tsurveil\n"), None);
        assert_eq!(parse_high_water_mark("VmHWM:\t lots\n"), None);
    }

    #[test]
    fn this_process_reports_a_peak_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_resident_bytes().is_some_and(|b| b > 0));
        }
    }
}
