pub fn run(_args: &[String]) -> crate::Result {
    Err("benchmarks: see docs/BENCHMARKS.md".into())
}
