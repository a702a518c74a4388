//! Running the PostgreSQL programs: as the right user, in their own process group, with a
//! clean environment, turning failures into [`Error::Command`] with what they printed.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::run_user::RunUser;
use crate::{Error, PgBinaries};

/// Environment variables that would silently change what the server programs do.
const IGNORED_ENVIRONMENT: [&str; 5] = ["PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGOPTIONS"];

/// How many lines of the server log a failed start reports.
const LOG_TAIL_LINES: usize = 20;

/// Runs programs from one [`PgBinaries`] as one [`RunUser`].
pub(crate) struct PgRunner<'a> {
    pub(crate) binaries: &'a PgBinaries,
    pub(crate) run_user: &'a RunUser,
    /// A directory the run user can enter; root's working directory often is not one.
    pub(crate) working_dir: &'a Path,
}

impl PgRunner<'_> {
    /// Runs `program` and returns its output whatever its exit status.
    pub(crate) fn output<I, S>(&self, program: &str, args: I) -> Result<Output, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let program_path = self.binaries.program(program);
        let mut command = Command::new(&program_path);
        command
            .args(args)
            .current_dir(self.working_dir)
            .stdin(Stdio::null())
            // A Ctrl-C sent to the terminal's process group must reach Haat, which drains
            // and then stops the cluster, rather than kill the server under it.
            .process_group(0);
        for name in IGNORED_ENVIRONMENT {
            command.env_remove(name);
        }
        self.run_user.apply(&mut command);
        command.output().map_err(Error::io("run", program_path))
    }

    /// Runs `program` and fails with its output unless it exits successfully.
    pub(crate) fn run<I, S>(&self, what: &str, program: &str, args: I) -> Result<Output, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = self.output(program, args)?;
        if output.status.success() {
            return Ok(output);
        }
        Err(command_failed(what, &output, None))
    }
}

/// An [`Error::Command`] from a finished program, with the tail of `log_path` appended.
pub(crate) fn command_failed(what: &str, output: &Output, log_path: Option<&Path>) -> Error {
    let mut text = combined_output(output);
    if let Some(log_path) = log_path {
        text.push_str(&format!(
            "\n--- last lines of {} ---\n{}",
            log_path.display(),
            log_tail(log_path, LOG_TAIL_LINES)
        ));
    }
    Error::Command {
        what: what.to_owned(),
        status: output.status.to_string(),
        output: text,
    }
}

fn combined_output(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    [stdout.trim(), stderr.trim()]
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last `count` lines of a log file, or a note saying why there are none.
pub(crate) fn log_tail(log_path: &Path, count: usize) -> String {
    let file = match std::fs::File::open(log_path) {
        Ok(file) => file,
        Err(error) => return format!("(could not read the log: {error})"),
    };
    let mut tail = std::collections::VecDeque::with_capacity(count + 1);
    for line in BufReader::new(file).lines().map_while(Result::ok) {
        tail.push_back(line);
        if tail.len() > count {
            tail.pop_front();
        }
    }
    Vec::from(tail).join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log_path = dir.path().join("postgres.log");
        let lines: Vec<String> = (1..=30).map(|n| format!("line {n}")).collect();
        std::fs::write(&log_path, lines.join("\n")).unwrap();
        let tail = log_tail(&log_path, 3);
        assert_eq!(tail, "line 28\nline 29\nline 30");
        assert!(log_tail(&dir.path().join("missing.log"), 3).starts_with("(could not read"));
    }
}
