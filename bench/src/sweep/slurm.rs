//! Slurm batch scripts for a sweep: a job array with one shard per task,
//! and a merge job that runs once every task has succeeded.
//!
//! `surveil sweep SPEC --out DIR --slurm` writes `DIR/slurm/sweep.sbatch`
//! (the array), `DIR/slurm/merge.sbatch` and `DIR/slurm/submit.sh`, which
//! submits the array and then the merge with `--dependency=afterok` on it.
//! Task K runs `surveil sweep SPEC --shard K/N --out DIR/shards/K`; the
//! merge writes the results into `DIR`. Paths in the scripts are absolute,
//! so they run from any working directory on a cluster whose nodes share
//! the file system; the `#SBATCH` resource lines are meant to be edited.

use std::path::{Path, PathBuf};

/// What the scripts run.
#[derive(Clone, Debug)]
pub struct SlurmJob {
    /// The `surveil` binary, absolute.
    pub surveil: PathBuf,
    /// The spec file, absolute.
    pub spec: PathBuf,
    /// The sweep's output directory, absolute.
    pub out: PathBuf,
    /// Array tasks, one shard each.
    pub tasks: usize,
    /// Cores (and sweep workers) per task.
    pub cpus_per_task: usize,
}

/// The scripts, by file name under `DIR/slurm`.
pub fn scripts(job: &SlurmJob) -> Vec<(&'static str, String)> {
    let surveil = quote(&job.surveil);
    let spec = quote(&job.spec);
    let out = quote(&job.out);
    let logs = quote(&job.out.join("slurm").join("logs"));
    let n = job.tasks;
    let shards: Vec<String> =
        (1..=n).map(|k| quote(&job.out.join("shards").join(k.to_string()))).collect();

    let sweep = format!(
        "#!/bin/bash\n\
         # One shard of the sweep per array task. Edit the resource lines to\n\
         # suit the cluster: cores per task (the sweep runs that many cells at\n\
         # once), memory per core (one running cell each; a longer or larger\n\
         # market needs more), the time limit for one shard, and the\n\
         # partition or account if the cluster asks for one.\n\
         #SBATCH --job-name=surveil-sweep\n\
         #SBATCH --array=1-{n}\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --mem-per-cpu=1G\n\
         #SBATCH --time=02:00:00\n\
         #SBATCH --output={logs}/shard-%a.out\n\
         ##SBATCH --partition=PARTITION\n\
         ##SBATCH --account=ACCOUNT\n\
         set -euo pipefail\n\
         exec {surveil} sweep {spec} --shard \"$SLURM_ARRAY_TASK_ID/{n}\" \\\n    \
         --out {out}/shards/\"$SLURM_ARRAY_TASK_ID\" --workers \"${{SLURM_CPUS_PER_TASK:-1}}\"\n",
        cpus = job.cpus_per_task,
    );
    let merge = format!(
        "#!/bin/bash\n\
         # Merges the shards once every array task has succeeded.\n\
         #SBATCH --job-name=surveil-merge\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --mem=2G\n\
         #SBATCH --time=00:30:00\n\
         #SBATCH --output={logs}/merge.out\n\
         set -euo pipefail\n\
         exec {surveil} merge {} --out {out}\n",
        shards.join(" "),
    );
    let submit = format!(
        "#!/bin/bash\n\
         # Submits the sweep's job array and the merge that waits for it;\n\
         # prints the two job ids.\n\
         set -euo pipefail\n\
         mkdir -p {logs}\n\
         array=$(sbatch --parsable {dir}/sweep.sbatch)\n\
         array=${{array%%;*}}\n\
         merge=$(sbatch --parsable --dependency=afterok:\"$array\" {dir}/merge.sbatch)\n\
         echo \"$array ${{merge%%;*}}\"\n",
        dir = quote(&job.out.join("slurm")),
    );
    vec![("sweep.sbatch", sweep), ("merge.sbatch", merge), ("submit.sh", submit)]
}

/// Quotes a path for the shell.
fn quote(path: &Path) -> String {
    let text = path.display().to_string();
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_array_has_one_task_per_shard_and_the_merge_names_every_shard() {
        let job = SlurmJob {
            surveil: PathBuf::from("/opt/surveil"),
            spec: PathBuf::from("/home/a b/sweep.toml"),
            out: PathBuf::from("/scratch/out"),
            tasks: 4,
            cpus_per_task: 2,
        };
        let scripts = scripts(&job);
        let sweep = &scripts[0].1;
        assert!(sweep.contains("#SBATCH --array=1-4"), "{sweep}");
        assert!(sweep.contains("--shard \"$SLURM_ARRAY_TASK_ID/4\""), "{sweep}");
        assert!(sweep.contains("'/home/a b/sweep.toml'"), "{sweep}");
        let merge = &scripts[1].1;
        assert!(merge.contains("/scratch/out/shards/1 ") && merge.contains("shards/4 --out"));
        assert!(scripts[2].1.contains("--dependency=afterok"));
    }
}
