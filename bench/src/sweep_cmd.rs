//! `surveil sweep` and `surveil merge` on the command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use surveil_bench::sweep::slurm::{self, SlurmJob};
use surveil_bench::sweep::spec::Spec;
use surveil_bench::sweep::{self, Shard, SweepError, SweepOptions};

use super::{Failure, SweepArgs};

fn failure(e: SweepError) -> Failure {
    if e.is_bad_input() { Failure::BadInput(e.into()) } else { Failure::Run(e.into()) }
}

/// Runs `surveil sweep` and returns what it prints.
#[allow(clippy::disallowed_methods, reason = "the sweep's wall time is its reported throughput")]
pub(super) fn sweep(args: SweepArgs) -> Result<String, Failure> {
    let SweepArgs { spec: path, out, shard, workers, slurm, tasks, cpus_per_task } = args;
    let shard = match shard {
        Some(text) => {
            Shard::parse(&text).map_err(|e| Failure::BadInput(anyhow::anyhow!("--shard: {e}")))?
        }
        None => Shard::WHOLE,
    };
    let spec = Spec::read(&path).map_err(|e| Failure::BadInput(e.into()))?;

    if slurm {
        return write_slurm(&spec, &path, &out, usize::from(tasks), usize::from(cpus_per_task));
    }

    let options = SweepOptions { workers: usize::from(workers), shard };
    let progress = cell_bar();
    let started = Instant::now();
    let outcome = sweep::sweep(&spec, &out, options, &progress).map_err(failure)?;
    let wall = started.elapsed().as_secs_f64();

    let mut text = format!(
        "cells      {} of {} in shard {}/{}: {} run, {} already done, {} failed\n",
        outcome.cells,
        spec.len(),
        shard.index,
        shard.count,
        outcome.ran,
        outcome.skipped,
        outcome.failed.len()
    );
    if outcome.ran > 0 {
        text.push_str(&format!(
            "throughput {:.3} cells per second on {} workers ({:.1} s)\n",
            outcome.ran as f64 / wall.max(1e-9),
            workers,
            wall
        ));
    }
    text.push_str(&format!("results    {}\n", out.display()));
    if let Some(&first) = outcome.failed.first() {
        // The results of the cells that ran are written; the exit code
        // still tells a script that some did not.
        super::write_stdout(&text).map_err(Failure::Run)?;
        return Err(Failure::Run(anyhow::anyhow!(
            "{} cells failed, the first cell {first} ({}); their errors are in {}; \
             run the same command again to retry them",
            outcome.failed.len(),
            spec.describe(&spec.cell(first)),
            out.join("summary.json").display()
        )));
    }
    Ok(text)
}

/// Writes the Slurm scripts of a sweep and returns what to print.
fn write_slurm(
    spec: &Spec,
    path: &Path,
    out: &Path,
    tasks: usize,
    cpus_per_task: usize,
) -> Result<String, Failure> {
    let absolute = |p: &Path| -> Result<PathBuf, Failure> {
        std::path::absolute(p)
            .with_context(|| format!("cannot resolve {}", p.display()))
            .map_err(Failure::Run)
    };
    let job = SlurmJob {
        surveil: std::env::current_exe()
            .context("cannot find the surveil binary")
            .map_err(Failure::Run)?,
        spec: absolute(path)?,
        out: absolute(out)?,
        tasks: tasks.min(spec.len()).max(1),
        cpus_per_task,
    };
    let dir = out.join("slurm");
    std::fs::create_dir_all(dir.join("logs"))
        .with_context(|| format!("cannot create {}", dir.display()))
        .map_err(Failure::Run)?;
    for (name, text) in slurm::scripts(&job) {
        let file = dir.join(name);
        surveil_reports::html::write_atomically(&file, text.as_bytes())
            .map_err(|e| Failure::Run(e.into()))?;
        make_executable(&file).map_err(Failure::Run)?;
    }
    Ok(format!(
        "slurm      {} cells in an array of {} tasks, {} cores each\n\
         scripts    {}/sweep.sbatch, merge.sbatch; edit their #SBATCH lines, then\n\
         submit     {}/submit.sh\n",
        spec.len(),
        job.tasks,
        cpus_per_task,
        dir.display(),
        dir.display()
    ))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Runs `surveil merge` and returns what it prints.
pub(super) fn merge(dirs: &[PathBuf], out: &Path) -> Result<String, Failure> {
    let cells = sweep::merge(dirs, out).map_err(failure)?;
    Ok(format!("merged     {cells} cells from {} directories into {}\n", dirs.len(), out.display()))
}

/// A progress bar counting cells on a terminal, nothing when standard
/// error is not one.
fn cell_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    let style =
        ProgressStyle::with_template("{spinner} cells [{bar:40}] {pos}/{len} done {msg} eta {eta}")
            .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}
