//! Detectors in any language: an external program fed a dataset's public
//! events as JSON Lines on its standard input, its alerts read as JSON
//! Lines from its standard output, and scored like a built-in detector.
//!
//! The protocol is documented in `docs/detector-protocol.md`. Each event is
//! one JSON object on one line, with the columns of the dataset's `events`
//! table as fields and null fields left out; the end of the stream is the
//! end of standard input. Each alert is one JSON object on one line:
//! `{"time_ns": 123, "kind": "micro_burst", "key": 7, "score": 0.9}`, with
//! `account` in place of `key` for an account.
//!
//! Events are written and alerts read on threads of their own, so neither
//! pipe can fill up and stall the other however long the stream. The run
//! never hangs: a program that is still running when the timeout passes is
//! killed, and one that prints a line that is not an alert is killed at
//! once; either way the error names the line and what was wrong. Only
//! public events reach the program: the ground truth stays in the
//! harness.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use serde::Deserialize;
use surveil_detectors::{AbuseKind, Alert, Detector, Entity};
use surveil_reports::{Calibration, RunReport};
use surveil_sim::{AccountId, Event, InstrumentSpec, KeyId, Nanos};

use crate::dataset::events::{self, EVENTS};
use crate::dataset::table::{ColumnType, Columns, Values};
use crate::dataset::{Dataset, DatasetError};
use crate::pipeline::{DetectorRun, RunOutput};
use crate::run::{FLOORS, assemble, floor_seed, requested_episodes};
use crate::stats::StreamStats;
use crate::timeline::Timeline;

/// How to run an external detector.
#[derive(Clone, Debug)]
pub struct ExternalDetector {
    /// The command line, run by the system shell (`sh -c` on Unix).
    pub command: String,
    /// The name it is scored under.
    pub name: String,
    /// The kinds it is scored on; when empty, the kinds its alerts name,
    /// or every kind the scenario injects if it raised none.
    pub kinds: Vec<AbuseKind>,
    /// How long it may run, from start to exit.
    pub timeout: Duration,
}

/// Why an external detector's run failed.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// The program could not be started.
    #[error("cannot start the detector `{command}`: {message}")]
    Start {
        /// The command line.
        command: String,
        /// What the system said.
        message: String,
    },
    /// A line of its output is not an alert.
    #[error("the detector's output, line {line}: {problem}; the line was `{text}`")]
    Malformed {
        /// The 1-based line of its standard output.
        line: u64,
        /// What was wrong, and what was expected.
        problem: String,
        /// The line, cut to 200 characters.
        text: String,
    },
    /// It did not exit within the timeout.
    #[error(
        "the detector did not exit within {seconds} s and was killed; {sent} of {total} event \
         lines had been written to its standard input, and it had written {lines} lines of output"
    )]
    Timeout {
        /// The timeout in seconds.
        seconds: f64,
        /// Event lines written in full to its standard input; how many
        /// of them it read cannot be seen from outside.
        sent: u64,
        /// Events in the dataset.
        total: u64,
        /// Lines it printed.
        lines: u64,
    },
    /// It exited with a failure status.
    #[error(
        "the detector exited with {status}; {sent} of {total} event lines had been written to its \
         standard input, and it had written {lines} lines of output"
    )]
    Failed {
        /// Its exit status.
        status: String,
        /// Event lines written in full to its standard input; how many
        /// of them it read cannot be seen from outside.
        sent: u64,
        /// Events in the dataset.
        total: u64,
        /// Lines it printed.
        lines: u64,
    },
    /// It exited successfully without reading all its input.
    #[error(
        "the detector closed its standard input when {sent} of {total} event lines had been \
         written to it; it must read to the end of the stream"
    )]
    StoppedReading {
        /// Event lines written in full to its standard input.
        sent: u64,
        /// Events in the dataset.
        total: u64,
    },
    /// Its output could not be read.
    #[error("cannot read the detector's output: {0}")]
    Output(String),
    /// The dataset could not be read.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
}

/// What one external run produced, beside the floors it was run with.
#[derive(Debug)]
pub struct ExternalRun {
    /// The external detector's alerts, and the floors', as the scorer
    /// takes them: the external one first.
    pub detectors: Vec<DetectorRun>,
    /// Counts over the public stream.
    pub stats: StreamStats,
    /// The market over time, for the report's charts.
    pub timeline: Timeline,
    /// Wall-clock time spent reading the dataset and feeding the floors.
    pub read: Duration,
}

/// One line of a detector's output.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertLine {
    time_ns: u64,
    kind: String,
    #[serde(default)]
    account: Option<u32>,
    #[serde(default)]
    key: Option<u32>,
    score: f64,
}

/// Parses one line of a detector's output into an alert.
///
/// # Errors
///
/// Says what is wrong with the line and what was expected.
pub fn parse_alert(line: &str) -> Result<Alert, String> {
    let parsed: AlertLine = serde_json::from_str(line).map_err(|e| {
        format!("expected a JSON object with time_ns, kind, account or key, and score ({e})")
    })?;
    let kind: AbuseKind = parsed.kind.parse()?;
    let entity = match (parsed.account, parsed.key) {
        (Some(a), None) => Entity::Account(AccountId(a)),
        (None, Some(k)) => Entity::Key(KeyId(k)),
        (Some(_), Some(_)) => {
            return Err("an alert names an account or a key, not both".to_owned());
        }
        (None, None) => {
            return Err("an alert names an `account` or a `key`; this has neither".to_owned());
        }
    };
    Ok(Alert { time: Nanos(parsed.time_ns), kind, entity, score: parsed.score })
}

/// Writes a batch of the `events` table as JSON Lines: one object per row,
/// the columns as fields, nulls left out.
pub fn write_json_lines(columns: &Columns, out: &mut Vec<u8>) {
    for row in 0..columns.rows() {
        out.push(b'{');
        let mut first = true;
        for (values, column) in columns.values.iter().zip(EVENTS.columns) {
            if values.is_null(row) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'"');
            out.extend_from_slice(column.name.as_bytes());
            out.extend_from_slice(b"\":");
            // Writing into a vector cannot fail.
            let _ = match values {
                Values::U64(v) => write!(out, "{}", v[row].unwrap_or_default()),
                Values::I64(v) => write!(out, "{}", v[row].unwrap_or_default()),
                Values::U32(v) => write!(out, "{}", v[row].unwrap_or_default()),
                Values::U16(v) => write!(out, "{}", v[row].unwrap_or_default()),
                Values::Bool(v) => write!(out, "{}", v[row].unwrap_or_default()),
                Values::Dict(v) => match column.ty {
                    // Vocabulary strings are plain lowercase words: no
                    // escaping is needed.
                    ColumnType::Dict(words) => {
                        write!(out, "\"{}\"", words[usize::from(v[row].unwrap_or_default())])
                    }
                    _ => Ok(()),
                },
                Values::Text(v) => {
                    let text = v[row].as_deref().unwrap_or_default();
                    serde_json::to_writer(&mut *out, text)
                        .map_err(|_| std::io::ErrorKind::Other.into())
                }
            };
        }
        out.extend_from_slice(b"}\n");
    }
}

/// Scores an external detector on a dataset written by `surveil
/// generate`, beside the null and random floors, exactly as `surveil run`
/// scores the built-in detectors on the same scenario and seed.
///
/// # Errors
///
/// Returns an error when the dataset cannot be read, and when the
/// detector fails (see [`run`]).
#[allow(clippy::disallowed_methods, reason = "the run's wall time is part of its report")]
pub fn score_dataset(
    dir: &std::path::Path,
    detector: &ExternalDetector,
    progress: &ProgressBar,
) -> Result<RunReport, ExternalError> {
    let started = Instant::now();
    let dataset = Dataset::open(dir)?;
    let loaded = dataset.loaded()?;
    let seed = dataset.metadata.seed;
    let kinds: Vec<AbuseKind> = requested_episodes(&loaded).iter().map(|&(k, _)| k).collect();
    let floors = FLOORS
        .iter()
        .map(|n| surveil_detectors::builtin(n, &kinds, floor_seed(seed)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ExternalError::Output(e.to_string()))?;
    // The labels are read first, so that a malformed table is refused
    // before the detector runs; they never reach it.
    let truth = dataset.truth()?;
    let instruments: Vec<InstrumentSpec> =
        loaded.config.instruments.iter().map(|i| i.spec.clone()).collect();
    tracing::info!(dataset = %dir.display(), command = %detector.command, "external detector starts");
    let ran =
        run(&dataset, detector, floors, &instruments, loaded.config.duration, &kinds, progress)?;

    let output = RunOutput {
        stats: ran.stats,
        timeline: ran.timeline,
        digest: dataset.metadata.digest.clone(),
        truth,
        detectors: ran.detectors,
        sim_busy: ran.read,
        wall: started.elapsed(),
        peak_memory_bytes: crate::memory::peak_resident_bytes(),
    };
    let mut report = assemble(&loaded, seed, &output);
    let c = &dataset.metadata.calibration;
    report.calibration =
        Calibration { runs: c.runs, met: c.met, retail_size_multiplier: c.retail_size_multiplier };
    Ok(report)
}

/// How often the harness looks at the running program.
const POLL: Duration = Duration::from_millis(5);

/// How long to wait for output threads once the program has exited, in
/// case a process it started still holds its pipes open.
const DRAIN: Duration = Duration::from_secs(2);

/// Runs an external detector over a dataset's public events, with the null
/// and random floors (`floors`, already built) fed the same events.
///
/// # Errors
///
/// Returns an error when the program cannot be started, prints a line
/// that is not an alert, fails, stops reading, or outlives the timeout,
/// and when the dataset cannot be read.
#[allow(clippy::disallowed_methods, reason = "the detector's cost and its timeout are wall time")]
pub fn run(
    dataset: &Dataset,
    detector: &ExternalDetector,
    floors: Vec<Box<dyn Detector>>,
    instruments: &[InstrumentSpec],
    duration: Nanos,
    scenario_kinds: &[AbuseKind],
    progress: &ProgressBar,
) -> Result<ExternalRun, ExternalError> {
    let total = dataset.metadata.events;
    progress.set_length(total);
    let started = Instant::now();
    let mut child = spawn(&detector.command)?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();

    let sent = Arc::new(AtomicU64::new(0));
    let lines = Arc::new(AtomicU64::new(0));
    let malformed = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(2);

    let reader = {
        let (lines, malformed, done) =
            (Arc::clone(&lines), Arc::clone(&malformed), done_tx.clone());
        std::thread::spawn(move || {
            let result = read_alerts(stdout, &lines);
            if result.is_err() {
                malformed.store(true, Ordering::SeqCst);
            }
            let _ = done.send(());
            result
        })
    };
    let writer = {
        let (dataset, sent, done) = (dataset.clone(), Arc::clone(&sent), done_tx);
        let instruments = instruments.to_vec();
        let progress = progress.clone();
        std::thread::spawn(move || {
            let result = feed(&dataset, stdin, floors, &instruments, duration, &sent, &progress);
            let _ = done.send(());
            result
        })
    };

    // Wait for the program to exit, the timeout to pass, or its output to
    // go wrong, whichever comes first.
    let deadline = started + detector.timeout;
    let mut timed_out = false;
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().map_err(|e| ExternalError::Output(e.to_string()))? {
            break status;
        }
        if malformed.load(Ordering::SeqCst) {
            kill(&mut child);
        } else if Instant::now() >= deadline {
            timed_out = true;
            kill(&mut child);
        }
        let _ = done_rx.recv_timeout(POLL);
    };
    let busy = started.elapsed();
    // Whatever the program left running, such as a process it started in
    // the background, ends with it: it is of no use to a finished run, and
    // would hold the pipes open.
    kill(&mut child);

    let read = join_within(reader, DRAIN);
    let fed = join_within(writer, DRAIN);
    let counts = (sent.load(Ordering::SeqCst), lines.load(Ordering::SeqCst));

    let alerts = match read {
        Some(Err(e)) => return Err(e),
        _ if timed_out => {
            return Err(ExternalError::Timeout {
                seconds: detector.timeout.as_secs_f64(),
                sent: counts.0,
                total,
                lines: counts.1,
            });
        }
        _ if !status.success() => {
            return Err(ExternalError::Failed {
                status: status.to_string(),
                sent: counts.0,
                total,
                lines: counts.1,
            });
        }
        Some(Ok(alerts)) => alerts,
        None => {
            return Err(ExternalError::Output("its output was still open after it exited".into()));
        }
    };
    let fed = match fed {
        Some(Ok(fed)) => fed,
        Some(Err(Feed::Dataset(e))) => return Err(e.into()),
        Some(Err(Feed::Pipe)) | None => {
            return Err(ExternalError::StoppedReading { sent: counts.0, total });
        }
    };

    let mut alerts = alerts;
    alerts.sort_by(Alert::total_cmp);
    let kinds: Vec<AbuseKind> = if detector.kinds.is_empty() {
        let named: Vec<AbuseKind> =
            AbuseKind::ALL.into_iter().filter(|k| alerts.iter().any(|a| a.kind == *k)).collect();
        if named.is_empty() { scenario_kinds.to_vec() } else { named }
    } else {
        detector.kinds.clone()
    };
    tracing::info!(alerts = alerts.len(), wall_s = busy.as_secs_f64(), "external detector ends");
    let mut detectors = vec![DetectorRun {
        name: detector.name.clone(),
        kinds,
        alerts,
        busy,
        // The program's latency per event cannot be seen from outside.
        p99_event_ns: 0.0,
    }];
    detectors.extend(fed.floors);
    Ok(ExternalRun { detectors, stats: fed.stats, timeline: fed.timeline, read: fed.read })
}

fn spawn(command: &str) -> Result<Child, ExternalError> {
    let mut cmd = if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so that a kill reaches whatever the shell
        // started.
        cmd.process_group(0);
    }
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
    cmd.spawn()
        .map_err(|e| ExternalError::Start { command: command.to_owned(), message: e.to_string() })
}

/// Kills the program and every process of its group; a group that has no
/// process left is no error.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

/// Waits for a thread for at most `limit`; `None` if it is still running.
#[allow(clippy::disallowed_methods, reason = "a bounded wait is wall time")]
fn join_within<T>(handle: std::thread::JoinHandle<T>, limit: Duration) -> Option<T> {
    let until = Instant::now() + limit;
    while !handle.is_finished() {
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(POLL);
    }
    handle.join().ok()
}

fn read_alerts(
    stdout: Option<ChildStdout>,
    lines: &AtomicU64,
) -> Result<Vec<Alert>, ExternalError> {
    let Some(stdout) = stdout else { return Ok(Vec::new()) };
    let mut alerts = Vec::new();
    let mut reader = BufReader::new(stdout);
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n =
            reader.read_until(b'\n', &mut buf).map_err(|e| ExternalError::Output(e.to_string()))?;
        if n == 0 {
            return Ok(alerts);
        }
        line += 1;
        lines.store(line, Ordering::SeqCst);
        let malformed = |problem: String| {
            let text = String::from_utf8_lossy(&buf).trim_end().chars().take(200).collect();
            ExternalError::Malformed { line, problem, text }
        };
        let text = std::str::from_utf8(&buf).map_err(|_| malformed("not UTF-8".into()))?.trim();
        if text.is_empty() {
            continue;
        }
        let alert = parse_alert(text).map_err(malformed)?;
        tracing::debug!(line, kind = %alert.kind, entity = %alert.entity, "external alert");
        alerts.push(alert);
    }
}

/// What feeding the program produced.
struct Fed {
    floors: Vec<DetectorRun>,
    stats: StreamStats,
    timeline: Timeline,
    read: Duration,
}

/// Why feeding stopped early.
enum Feed {
    /// The dataset could not be read.
    Dataset(DatasetError),
    /// The program's standard input closed.
    Pipe,
}

/// Writes `bytes` to the program's standard input, adding to `sent` each
/// line as the pipe takes its last byte, so that the count is of lines
/// written in full even when the program stops reading halfway through a
/// batch.
fn write_counting_lines(
    stdin: &mut ChildStdin,
    mut bytes: &[u8],
    sent: &AtomicU64,
) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match stdin.write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                let lines = bytes[..n].iter().filter(|&&b| b == b'\n').count();
                sent.fetch_add(lines as u64, Ordering::SeqCst);
                bytes = &bytes[n..];
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[allow(clippy::disallowed_methods, reason = "the floors' cost is wall time")]
fn feed(
    dataset: &Dataset,
    stdin: Option<ChildStdin>,
    mut floors: Vec<Box<dyn Detector>>,
    instruments: &[InstrumentSpec],
    duration: Nanos,
    sent: &AtomicU64,
    progress: &ProgressBar,
) -> Result<Fed, Feed> {
    let started = Instant::now();
    let mut stdin = stdin;
    let mut stats = StreamStats::new(instruments);
    let mut timeline = Timeline::new(instruments, duration);
    let mut alerts: Vec<Vec<Alert>> = floors.iter().map(|_| Vec::new()).collect();
    let mut busy = vec![Duration::ZERO; floors.len()];
    let mut json = Vec::with_capacity(1 << 20);
    let mut pipe_closed = false;

    let result = dataset.read_events(&mut |batch: &[Event]| {
        stats.update(batch);
        timeline.update(batch);
        for ((floor, out), busy) in floors.iter_mut().zip(&mut alerts).zip(&mut busy) {
            let t = Instant::now();
            for event in batch {
                floor.on_event(event, out);
            }
            *busy += t.elapsed();
        }
        if let (Some(stdin), false) = (stdin.as_mut(), pipe_closed) {
            let mut columns = EVENTS.empty();
            events::encode(batch, &mut columns);
            json.clear();
            write_json_lines(&columns, &mut json);
            pipe_closed = write_counting_lines(stdin, &json, sent).is_err();
        }
        progress.inc(batch.len() as u64);
        Ok(())
    });
    result.map_err(Feed::Dataset)?;
    // Closing standard input is the end of the stream.
    drop(stdin.take());
    if pipe_closed {
        return Err(Feed::Pipe);
    }

    let floors = floors
        .into_iter()
        .zip(alerts)
        .zip(busy)
        .map(|((mut floor, mut alerts), mut busy)| {
            let t = Instant::now();
            floor.finish(&mut alerts);
            busy += t.elapsed();
            alerts.sort_by(Alert::total_cmp);
            DetectorRun {
                name: floor.name().to_owned(),
                kinds: floor.kinds().to_vec(),
                alerts,
                busy,
                // The floors cost next to nothing; their latency is not
                // sampled here.
                p99_event_ns: 0.0,
            }
        })
        .collect();
    Ok(Fed { floors, stats, timeline, read: started.elapsed() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_line_parses_into_an_alert() {
        let alert = parse_alert(r#"{"time_ns": 5, "kind": "micro_burst", "key": 7, "score": 0.5}"#);
        assert_eq!(
            alert,
            Ok(Alert {
                time: Nanos(5),
                kind: AbuseKind::MicroBurst,
                entity: Entity::Key(KeyId(7)),
                score: 0.5
            })
        );
    }

    #[test]
    fn malformed_alert_lines_say_what_is_wrong() {
        let cases = [
            (
                r#"{"time_ns": 5, "kind": "wash", "account": 1, "score": 1}"#,
                "unknown abuse kind `wash`",
            ),
            (r#"{"time_ns": 5, "kind": "pump", "score": 1}"#, "has neither"),
            (r#"{"time_ns": 5, "kind": "pump", "account": 1, "key": 2, "score": 1}"#, "not both"),
            (r#"{"time_ns": -5, "kind": "pump", "account": 1, "score": 1}"#, "time_ns"),
            (r#"{"time_ns": 5, "kind": "pump", "account": 1}"#, "missing field `score`"),
            (r#"{"time": 5, "kind": "pump", "account": 1, "score": 1}"#, "unknown field `time`"),
            ("not json", "expected a JSON object"),
        ];
        for (line, expected) in cases {
            let problem = parse_alert(line).unwrap_err();
            assert!(problem.contains(expected), "{line}: {problem}");
        }
    }
}
