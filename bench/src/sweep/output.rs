//! A sweep's results, written from its cell records: the tidy table (one
//! row per cell, detector and kind) as `results.csv` and
//! `results.parquet`, the summary over seeds as `summary.json`, and the
//! HTML report with a chart per swept key.
//!
//! Everything here is a function of the records alone, taken in grid
//! order, so the same cells give the same bytes however they were run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use surveil_reports::Interval;
use surveil_reports::sweep::{FailedCell, SweepAxis, SweepGroup, SweepSummary};

use super::cell::{CellRecord, ScoreRow};
use super::{Manifest, SweepError, write_atomically};

/// The table's file stem.
pub const TABLE: &str = "results";

/// The summary's file name.
pub const SUMMARY: &str = "summary.json";

/// Reads one column's value from a cell and one of its rows.
type Read = fn(&CellRecord, &ScoreRow) -> Value;

/// The columns after the axes, each with how to read it from a row.
const SCORES: [(&str, Read); 15] = [
    ("detector", |_, r| Value::Text(r.detector.clone())),
    ("kind", |_, r| Value::Text(r.kind.clone())),
    ("episodes", |_, r| Value::Count(r.episodes)),
    ("detected", |_, r| Value::Count(r.detected)),
    ("alerts", |_, r| Value::Count(r.alerts)),
    ("precision", |_, r| Value::Real(r.precision)),
    ("recall", |_, r| Value::Real(r.recall)),
    ("f1", |_, r| Value::Real(r.f1)),
    ("delay_p50_ms", |_, r| Value::Real(r.delay_p50_ms)),
    ("delay_p90_ms", |_, r| Value::Real(r.delay_p90_ms)),
    ("false_flags_per_1k_honest", |_, r| Value::Real(Some(r.false_flags_per_1k_honest))),
    ("average_precision", |_, r| Value::Real(r.average_precision)),
    ("events", |c, _| Value::Count(c.events)),
    ("algo_share", |c, _| Value::Real(Some(c.algo_share))),
    ("digest", |c, _| Value::Text(c.digest.clone())),
];

/// One value of the table.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Count(u64),
    Real(Option<f64>),
    Text(String),
}

impl Value {
    fn csv(&self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Real(Some(x)) => x.to_string(),
            Value::Real(None) => String::new(),
            Value::Text(s) => s.clone(),
        }
    }
}

/// The table as columns: names, and one vector of values per column.
struct Table {
    names: Vec<String>,
    columns: Vec<Vec<Value>>,
}

fn table(manifest: &Manifest, records: &[CellRecord]) -> Table {
    let mut names: Vec<String> = vec!["cell".into(), "scenario".into()];
    names.extend(manifest.axes.iter().map(|a| a.key.clone()));
    names.push("seed".into());
    names.extend(SCORES.iter().map(|(n, _)| (*n).to_owned()));
    let mut columns: Vec<Vec<Value>> = vec![Vec::new(); names.len()];
    for record in records.iter().filter(|r| r.error.is_none()) {
        for row in &record.rows {
            let mut values =
                vec![Value::Count(record.cell as u64), Value::Text(record.scenario.clone())];
            for (axis, value) in manifest.axes.iter().zip(&record.values) {
                values.push(if axis.numeric {
                    Value::Real(value.parse().ok())
                } else {
                    Value::Text(value.clone())
                });
            }
            values.push(Value::Count(record.seed));
            values.extend(SCORES.iter().map(|(_, f)| f(record, row)));
            for (column, value) in columns.iter_mut().zip(values) {
                column.push(value);
            }
        }
    }
    Table { names, columns }
}

fn write_csv(path: &Path, table: &Table) -> Result<(), SweepError> {
    let fail = |e: csv::Error| SweepError::Io { message: format!("{}: {e}", path.display()) };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.names).map_err(fail)?;
    let rows = table.columns.first().map_or(0, Vec::len);
    for i in 0..rows {
        writer.write_record(table.columns.iter().map(|c| c[i].csv())).map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| SweepError::Io { message: format!("{}: {e}", path.display()) })?;
    surveil_reports::html::write_atomically(path, &bytes)
        .map_err(|e| SweepError::Io { message: e.to_string() })
}

fn write_parquet(path: &Path, table: &Table) -> Result<(), SweepError> {
    let fail =
        |e: &dyn std::fmt::Display| SweepError::Io { message: format!("{}: {e}", path.display()) };
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, column) in table.names.iter().zip(&table.columns) {
        // A column's type is that of its values; an empty table has only
        // text columns, which readers take as well as any.
        let (ty, array): (DataType, ArrayRef) = match column.first() {
            Some(Value::Count(_)) => (
                DataType::UInt64,
                Arc::new(UInt64Array::from_iter(column.iter().map(|v| match v {
                    Value::Count(n) => Some(*n),
                    _ => None,
                }))),
            ),
            Some(Value::Real(_)) => (
                DataType::Float64,
                Arc::new(Float64Array::from_iter(column.iter().map(|v| match v {
                    Value::Real(x) => *x,
                    _ => None,
                }))),
            ),
            _ => (
                DataType::Utf8,
                Arc::new(StringArray::from_iter(column.iter().map(|v| match v {
                    Value::Text(s) => Some(s.as_str()),
                    _ => None,
                }))),
            ),
        };
        fields.push(Field::new(name, ty, true));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).map_err(|e| fail(&e))?;
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(props)).map_err(|e| fail(&e))?;
    writer.write(&batch).map_err(|e| fail(&e))?;
    writer.close().map_err(|e| fail(&e))?;
    surveil_reports::html::write_atomically(path, &bytes)
        .map_err(|e| SweepError::Io { message: e.to_string() })
}

/// Summarises the records: per grid point, detector and kind, the means
/// with 95% intervals over the seeds that ran.
pub fn summarise(manifest: &Manifest, records: &[CellRecord]) -> SweepSummary {
    // Groups keep the order in which the grid first reaches them; the map
    // only finds a group's position.
    let mut groups: Vec<(SweepGroup, Vec<(&CellRecord, &ScoreRow)>)> = Vec::new();
    let mut position: BTreeMap<(&str, &[String], &str, &str), usize> = BTreeMap::new();
    for record in records.iter().filter(|r| r.error.is_none()) {
        for row in &record.rows {
            let key = (
                record.scenario.as_str(),
                record.values.as_slice(),
                row.detector.as_str(),
                row.kind.as_str(),
            );
            match position.get(&key) {
                Some(&i) => groups[i].1.push((record, row)),
                None => {
                    position.insert(key, groups.len());
                    groups.push((
                        SweepGroup {
                            scenario: record.scenario.clone(),
                            values: record.values.clone(),
                            detector: row.detector.clone(),
                            kind: row.kind.clone(),
                            seeds: 0,
                            precision: Interval::default(),
                            recall: Interval::default(),
                            f1: Interval::default(),
                            delay_p50_ms: Interval::default(),
                            false_flags_per_1k_honest: Interval::default(),
                            algo_share: Interval::default(),
                        },
                        vec![(record, row)],
                    ));
                }
            }
        }
    }
    let groups = groups
        .into_iter()
        .map(|(group, members)| {
            let over =
                |f: fn(&ScoreRow) -> Option<f64>| Interval::of(members.iter().map(|(_, r)| f(r)));
            SweepGroup {
                seeds: members.len() as u64,
                precision: over(|r| r.precision),
                recall: over(|r| r.recall),
                f1: over(|r| r.f1),
                delay_p50_ms: over(|r| r.delay_p50_ms),
                false_flags_per_1k_honest: over(|r| Some(r.false_flags_per_1k_honest)),
                algo_share: Interval::of(members.iter().map(|(c, _)| Some(c.algo_share))),
                ..group
            }
        })
        .collect();
    SweepSummary {
        surveil_version: manifest.surveil_version.clone(),
        spec_fingerprint: manifest.spec_fingerprint.clone(),
        cells: records.len() as u64,
        cells_ok: records.iter().filter(|r| r.error.is_none()).count() as u64,
        axes: manifest
            .axes
            .iter()
            .map(|a| SweepAxis { key: a.key.clone(), values: a.values.clone(), numeric: a.numeric })
            .collect(),
        groups,
        failed: records
            .iter()
            .filter_map(|r| {
                r.error.as_ref().map(|e| FailedCell {
                    cell: r.cell as u64,
                    describe: manifest.describe.get(r.cell).cloned().unwrap_or_default(),
                    error: e.clone(),
                })
            })
            .collect(),
    }
}

/// Writes the table, the summary and the report of `records`, which are
/// in grid order, into `out`.
///
/// # Errors
///
/// Fails when a file cannot be written or a chart drawn.
pub fn write_results(
    out: &Path,
    manifest: &Manifest,
    records: &[CellRecord],
) -> Result<(), SweepError> {
    let table = table(manifest, records);
    write_csv(&out.join(format!("{TABLE}.csv")), &table)?;
    write_parquet(&out.join(format!("{TABLE}.parquet")), &table)?;
    let summary = summarise(manifest, records);
    write_atomically(&out.join(SUMMARY), &summary.to_json())?;
    summary.write_report(out).map_err(|e| SweepError::Io { message: e.to_string() })
}
