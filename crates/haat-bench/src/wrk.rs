//! Running `wrk -t2 -c<n> -d<s> --latency` and reading its summary: requests per second,
//! the 50% and 99% latency lines, errors, and the CPU time the server's processes used
//! meanwhile.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::procfs;

/// One wrk run against one server.
#[derive(Clone, Debug, Default)]
pub struct WrkRun {
    pub server: String,
    pub connections: u32,
    pub round: usize,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    /// Socket errors (connect, read, write, timeout) plus non-2xx/3xx responses.
    pub errors: u64,
    pub seconds: f64,
    /// CPU seconds (user + system) during the run: the server's own processes (Haat, or
    /// nginx's master and workers), its database (PostgreSQL; none for nginx), wrk, and
    /// everything else on the machine (other tenants of a shared box, the kernel).
    pub cpu: Cpu,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu {
    pub server: f64,
    pub database: f64,
    pub wrk: f64,
    pub other: f64,
}

/// The processes of the server under test.
pub struct Processes<'a> {
    pub server: &'a dyn Fn() -> Vec<u32>,
    pub database: &'a dyn Fn() -> Vec<u32>,
}

/// CPU ticks of each process now.
fn ticks(pids: Vec<u32>) -> HashMap<u32, u64> {
    pids.into_iter()
        .filter_map(|pid| Some((pid, procfs::cpu_ticks(pid)?)))
        .collect()
}

/// Ticks used since `before` by the processes listed now (new ones count from zero).
fn used(before: &HashMap<u32, u64>, now: Vec<u32>) -> u64 {
    ticks(now)
        .into_iter()
        .map(|(pid, t)| t.saturating_sub(before.get(&pid).copied().unwrap_or(0)))
        .sum()
}

/// What wrk loads: a URL, and a Lua script that builds each request when given.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub url: &'a str,
    pub script: Option<&'a Path>,
    /// Extra request headers (`Name: value`), e.g. the `Accept-Encoding` of a browser.
    pub headers: &'a [&'a str],
}

/// Runs wrk for `duration` (with a Lua `script` when given), calling `tick` every
/// 100 ms meanwhile.
pub async fn run(
    wrk: &Path,
    target: Target<'_>,
    connections: u32,
    duration: Duration,
    server: &str,
    processes: &Processes<'_>,
    mut tick: impl FnMut(),
) -> anyhow::Result<WrkRun> {
    let server_before = ticks((processes.server)());
    let database_before = ticks((processes.database)());
    let machine_before = procfs::machine_ticks().unwrap_or_default();
    let child = tokio::process::Command::new(wrk)
        .args(["-t2", &format!("-c{connections}")])
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .args(["--timeout", "10s", "--latency"])
        .args(
            target
                .script
                .map(|s| vec!["-s".as_ref(), s.as_os_str()])
                .unwrap_or_default(),
        )
        .args(target.headers.iter().flat_map(|header| ["-H", header]))
        .arg(target.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start wrk")?;
    let wrk_pid = child.id().unwrap_or(0);
    let mut wrk_ticks = 0;
    let output = child.wait_with_output();
    tokio::pin!(output);
    let mut interval = tokio::time::interval(Duration::from_millis(100));
    let limit = tokio::time::sleep(duration + Duration::from_secs(30));
    tokio::pin!(limit);
    let output = loop {
        tokio::select! {
            output = &mut output => break output.context("waiting for wrk")?,
            _ = interval.tick() => {
                // wrk's own CPU, read while it still exists (at most 100 ms is missed).
                wrk_ticks = procfs::cpu_ticks(wrk_pid).unwrap_or(wrk_ticks);
                tick();
            }
            () = &mut limit => bail!("wrk did not finish within {:?}", duration + Duration::from_secs(30)),
        }
    };
    let server_ticks = used(&server_before, (processes.server)());
    let database_ticks = used(&database_before, (processes.database)());
    let machine_after = procfs::machine_ticks().unwrap_or_default();
    let busy = machine_after.0.saturating_sub(machine_before.0);
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            output.status,
            text,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut run = parse(&text).with_context(|| format!("cannot read wrk's output:\n{text}"))?;
    run.server = server.to_owned();
    run.connections = connections;
    let secs = |ticks: u64| ticks as f64 / 100.0;
    run.cpu = Cpu {
        server: secs(server_ticks),
        database: secs(database_ticks),
        wrk: secs(wrk_ticks),
        other: secs(busy.saturating_sub(server_ticks + database_ticks + wrk_ticks)),
    };
    Ok(run)
}

/// `812.34us`, `5.12ms`, `1.02s`, `1.50m` → milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit {
        "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 60e3,
        "h" => 3_600e3,
        _ => return None,
    };
    Some(number * factor)
}

/// `10.00s` → seconds.
fn seconds(text: &str) -> Option<f64> {
    duration_ms(text.trim_end_matches(',')).map(|ms| ms / 1e3)
}

fn parse(text: &str) -> Option<WrkRun> {
    let mut run = WrkRun::default();
    let mut seen = (false, false, false);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => {
                run.p50_ms = duration_ms(value)?;
                seen.0 = true;
            }
            ["99%", value] => {
                run.p99_ms = duration_ms(value)?;
                seen.1 = true;
            }
            ["Requests/sec:", value] => {
                run.requests_per_sec = value.parse().ok()?;
                seen.2 = true;
            }
            [count, "requests", "in", time, ..] => {
                run.requests = count.parse().ok()?;
                run.seconds = seconds(time)?;
            }
            ["Socket", "errors:", rest @ ..] => {
                run.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                run.errors += count.parse::<u64>().ok()?;
            }
            _ => {}
        }
    }
    (seen == (true, true, true)).then_some(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "Running 10s test @ http://127.0.0.1:40000/sharma-general-store
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    2.01ms  30.00ms   80.00%
    Req/Sec     6.30k   500.00     7.00k    70.00%
  Latency Distribution
     50%  812.00us
     75%    5.80ms
     90%    7.00ms
     99%    1.20s
  125000 requests in 10.00s, 1.50GB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:  12500.50
Transfer/sec:    150.00MB
";

    #[test]
    fn parses_a_summary() {
        let run = parse(OUTPUT).expect("parses");
        assert!((run.p50_ms - 0.812).abs() < 1e-9);
        assert!((run.p99_ms - 1200.0).abs() < 1e-9);
        assert!((run.requests_per_sec - 12500.5).abs() < 1e-9);
        assert_eq!(run.requests, 125_000);
        assert!((run.seconds - 10.0).abs() < 1e-9);
        assert_eq!(run.errors, 10);
    }

    #[test]
    fn refuses_a_summary_without_latencies() {
        assert!(parse("Requests/sec: 10.0").is_none());
    }
}
