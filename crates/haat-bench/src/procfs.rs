//! Memory and CPU of processes, read from `/proc`, and the processes of the embedded
//! PostgreSQL cluster (its postmaster from `postmaster.pid` and the postmaster's
//! children).

use std::path::Path;

/// Resident set size in KiB (`VmRSS`), or `None` if the process is gone.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&status, "VmRSS:")
}

/// Proportional set size in KiB (`Pss`): shared pages divided among the processes that
/// map them, so summing it over PostgreSQL's processes does not count shared buffers
/// once per backend the way summing RSS does.
pub fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    kib_field(&rollup, "Pss:")
}

fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
}

/// (parent pid, user + system CPU time in clock ticks) from `/proc/<pid>/stat`.
fn stat(pid: u32) -> Option<(u32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces or parentheses.
    let after_name = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields after the name start at field 3 (state): ppid is 4, utime 14, stime 15.
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// CPU time (user + system) of `pid` in clock ticks (100 a second on Linux).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    stat(pid).map(|(_, ticks)| ticks)
}

/// (busy, total) clock ticks of the whole machine so far, from the `cpu` line of
/// `/proc/stat`; busy is everything but idle and iowait.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3)? + values.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// The postmaster of the cluster under `<data_dir>/postgres/data` and all its children.
pub fn postgres_pids(data_dir: &Path) -> Vec<u32> {
    let pid_file = data_dir.join("postgres/data/postmaster.pid");
    let Some(postmaster) = std::fs::read_to_string(pid_file)
        .ok()
        .and_then(|text| text.lines().next()?.trim().parse::<u32>().ok())
    else {
        return Vec::new();
    };
    with_children(postmaster)
}

/// `pid` and its direct children.
pub fn with_children(pid: u32) -> Vec<u32> {
    let mut pids = vec![pid];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if stat(child).is_some_and(|(ppid, _)| ppid == pid) {
                pids.push(child);
            }
        }
    }
    pids
}

/// One reading of Haat's and PostgreSQL's memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    pub haat_rss_kib: u64,
    pub postgres_rss_kib: u64,
    pub postgres_pss_kib: u64,
    pub postgres_processes: usize,
}

impl Memory {
    pub fn read(haat_pid: u32, data_dir: &Path) -> Memory {
        let pids = postgres_pids(data_dir);
        Memory {
            haat_rss_kib: rss_kib(haat_pid).unwrap_or(0),
            postgres_rss_kib: pids.iter().filter_map(|&p| rss_kib(p)).sum(),
            postgres_pss_kib: pids.iter().filter_map(|&p| pss_kib(p)).sum(),
            postgres_processes: pids.len(),
        }
    }

    /// The larger of each figure.
    pub fn max(self, other: Memory) -> Memory {
        Memory {
            haat_rss_kib: self.haat_rss_kib.max(other.haat_rss_kib),
            postgres_rss_kib: self.postgres_rss_kib.max(other.postgres_rss_kib),
            postgres_pss_kib: self.postgres_pss_kib.max(other.postgres_pss_kib),
            postgres_processes: self.postgres_processes.max(other.postgres_processes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_process() {
        let me = std::process::id();
        assert!(rss_kib(me).is_some_and(|kib| kib > 0));
        let (ppid, _) = stat(me).expect("our own stat");
        assert!(ppid > 0);
        let (busy, total) = machine_ticks().expect("/proc/stat");
        assert!(busy <= total);
    }
}
