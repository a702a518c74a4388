//! `cargo xtask bench`: builds `haat` and `haat-bench` in release and runs the benchmarks
//! recorded in docs/BENCHMARKS.md. The report goes to stdout and `target/bench/report.md`.
//! Extra arguments are passed to haat-bench (`cargo xtask bench -- --help` lists them).

use std::path::Path;
use std::process::Command;

/// Says which Debian packages the benchmark needs before spending minutes on a build.
fn check_prerequisites() -> crate::Result {
    let mut missing = Vec::new();
    if !(Path::new("/usr/lib/postgresql").exists() || crate::has("initdb")) {
        missing.push("postgresql");
    }
    if !(crate::has("nginx") || Path::new("/usr/sbin/nginx").exists()) {
        missing.push("nginx-light");
    }
    if !crate::has("wrk") {
        missing.push("wrk");
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "missing prerequisites; on Debian/Ubuntu run:\n  apt-get install -y {}",
        missing.join(" ")
    ))
}

pub fn run(args: &[String]) -> crate::Result {
    let passthrough: Vec<&String> = args.iter().filter(|a| a.as_str() != "--").collect();
    let wants_load = !passthrough
        .iter()
        .any(|a| *a == "--no-load" || *a == "--help");
    if wants_load {
        check_prerequisites()?;
    }
    let root = crate::root();
    crate::run(Command::new("cargo").current_dir(&root).args([
        "build",
        "--release",
        "--bin",
        "haat",
        "--bin",
        "haat-bench",
    ]))?;
    let release = root.join("target/release");
    crate::run(
        Command::new(release.join("haat-bench"))
            .current_dir(&root)
            .arg("--haat")
            .arg(release.join("haat"))
            .arg("--out")
            .arg(root.join("target/bench/report.md"))
            .args(passthrough),
    )
}
