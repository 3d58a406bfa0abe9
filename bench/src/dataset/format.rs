//! Tables on disk: Parquet files through arrow-rs, and CSV files through
//! the `csv` crate, with the same columns and the same values.
//!
//! In Parquet, ticks, lots, nanoseconds and ids are unsigned or signed
//! integers of the width the market uses, strings of a fixed vocabulary
//! are dictionary-encoded (`Dictionary(UInt8, Utf8)` in Arrow), pages are
//! compressed with Snappy, and the Arrow schema is stored in the file so
//! that Arrow readers see the same types. In CSV the same columns come in
//! the same order under a header row, integers in decimal, booleans as
//! `true` or `false`, and a null as an empty field.
//!
//! Readers check the columns against the table's schema and every value
//! against its column's type, and name the file, the row and the column of
//! the first value that does not fit.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::UInt8Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Int64Array, StringArray, UInt8Array,
    UInt16Array, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowLeafColumn, ArrowRowGroupWriterFactory,
    compute_leaves,
};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;

use super::table::{ColumnType, Columns, Schema, Values, code_of};

/// The table file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    /// Apache Parquet.
    Parquet,
    /// Comma-separated values with a header row.
    Csv,
}

impl TableFormat {
    /// Returns the file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Parquet => "parquet",
            TableFormat::Csv => "csv",
        }
    }

    /// Returns the format's name in `metadata.json` and on the command line.
    pub fn name(self) -> &'static str {
        self.extension()
    }
}

/// A table file that could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be created, written, opened or read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The file's columns are not the table's.
    #[error("{}: expected the columns {expected}, found {found}", path.display())]
    Columns {
        /// The file.
        path: PathBuf,
        /// The table's columns, comma-separated.
        expected: String,
        /// The file's.
        found: String,
    },
    /// A value does not fit its column.
    #[error("{}: {location}, column `{column}`: expected {expected}, found `{found}`", path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// Where in the file: `line N` for CSV, `row N` for Parquet.
        location: String,
        /// The column.
        column: String,
        /// What the column holds.
        expected: String,
        /// What was there.
        found: String,
    },
}

fn io(path: &Path, e: impl std::fmt::Display) -> TableError {
    TableError::Io { path: path.to_owned(), message: e.to_string() }
}

/// Rows per Parquet row group: large enough for good compression, small
/// enough that the writer's buffer stays a few tens of megabytes.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// A table being written, one batch at a time.
pub enum TableWriter {
    /// To a Parquet file.
    Parquet {
        /// The file.
        path: PathBuf,
        /// The table.
        schema: Schema,
        /// The writer.
        writer: Box<ParallelParquet>,
    },
    /// To a CSV file.
    Csv {
        /// The file.
        path: PathBuf,
        /// The table.
        schema: Schema,
        /// The writer.
        writer: Box<csv::Writer<BufWriter<File>>>,
    },
}

/// Returns the Arrow schema of a table.
pub fn arrow_schema(schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .columns
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ColumnType::U64 => DataType::UInt64,
                ColumnType::I64 => DataType::Int64,
                ColumnType::U32 => DataType::UInt32,
                ColumnType::U16 => DataType::UInt16,
                ColumnType::Bool => DataType::Boolean,
                ColumnType::Dict(_) => {
                    DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8))
                }
                ColumnType::Text => DataType::Utf8,
            };
            Field::new(c.name, ty, c.nullable)
        })
        .collect();
    Arc::new(arrow_schema::Schema::new(fields))
}

impl TableWriter {
    /// Creates the file of `schema` in `dir`, named after the table.
    ///
    /// # Errors
    ///
    /// Returns an error when the file cannot be created.
    pub fn create(
        dir: &Path,
        schema: Schema,
        format: TableFormat,
    ) -> Result<TableWriter, TableError> {
        let path = dir.join(format!("{}.{}", schema.name, format.extension()));
        let file =
            BufWriter::with_capacity(1 << 20, File::create(&path).map_err(|e| io(&path, e))?);
        Ok(match format {
            TableFormat::Parquet => {
                let arrow = arrow_schema(&schema);
                let mut props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_statistics_enabled(EnabledStatistics::Chunk)
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
                // Parquet's own dictionary pages go only to the columns of
                // a fixed vocabulary, which arrive dictionary-encoded; for
                // integers, hashing every value costs more time than the
                // pages it saves are worth after compression.
                props = props.set_dictionary_enabled(false);
                for c in schema.columns {
                    if matches!(c.ty, ColumnType::Dict(_)) {
                        props = props.set_column_dictionary_enabled(ColumnPath::from(c.name), true);
                    }
                }
                let writer = ArrowWriter::try_new(file, Arc::clone(&arrow), Some(props.build()))
                    .map_err(|e| io(&path, e))?;
                let (file, factory) = writer.into_serialized_writer().map_err(|e| io(&path, e))?;
                let writer = ParallelParquet {
                    file,
                    factory,
                    arrow,
                    group: None,
                    groups: 0,
                    rows_in_group: 0,
                };
                TableWriter::Parquet { path, schema, writer: Box::new(writer) }
            }
            TableFormat::Csv => {
                let mut writer = csv::Writer::from_writer(file);
                writer
                    .write_record(schema.columns.iter().map(|c| c.name))
                    .map_err(|e| io(&path, e))?;
                TableWriter::Csv { path, schema, writer: Box::new(writer) }
            }
        })
    }

    /// Appends a batch of rows.
    ///
    /// # Errors
    ///
    /// Returns an error when the file cannot be written.
    pub fn write(&mut self, batch: Columns) -> Result<(), TableError> {
        match self {
            TableWriter::Parquet { path, schema, writer } => {
                let arrays = to_arrow(schema, batch);
                writer.write(arrays).map_err(|e| io(path, e))
            }
            TableWriter::Csv { path, schema, writer } => {
                write_csv(writer, schema, &batch).map_err(|e| io(path, e))
            }
        }
    }

    /// Finishes the file.
    ///
    /// # Errors
    ///
    /// Returns an error when the file cannot be written.
    pub fn finish(self) -> Result<(), TableError> {
        match self {
            TableWriter::Parquet { path, writer, .. } => {
                let file = writer.finish().map_err(|e| io(&path, e))?;
                finish_file(&path, file)
            }
            TableWriter::Csv { path, writer, .. } => {
                let file = writer.into_inner().map_err(|e| io(&path, e))?;
                finish_file(&path, file)
            }
        }
    }
}

/// Threads that encode the columns of a Parquet row group side by side.
const ENCODERS: usize = 2;

/// The columns given to one encoder thread, by their index in the schema,
/// with their leaves sent to it batch by batch.
type Encoder = (
    std::thread::JoinHandle<Result<Vec<(usize, ArrowColumnChunk)>, ParquetError>>,
    crossbeam_channel::Sender<Vec<ArrowLeafColumn>>,
);

/// A Parquet file whose row groups have their columns encoded on several
/// threads at once; the file is the one [`ArrowWriter`] would write, the
/// Arrow schema included.
pub struct ParallelParquet {
    file: SerializedFileWriter<BufWriter<File>>,
    factory: ArrowRowGroupWriterFactory,
    arrow: SchemaRef,
    /// The encoders of the open row group.
    group: Option<Vec<Encoder>>,
    groups: usize,
    rows_in_group: usize,
}

impl ParallelParquet {
    fn write(&mut self, arrays: Vec<ArrayRef>) -> Result<(), ParquetError> {
        let rows = arrays.first().map_or(0, |a| a.len());
        if rows == 0 {
            return Ok(());
        }
        if self.group.is_none() {
            self.group = Some(self.start_group()?);
        }
        let mut shares: Vec<Vec<ArrowLeafColumn>> = (0..ENCODERS).map(|_| Vec::new()).collect();
        for (i, (array, field)) in arrays.iter().zip(self.arrow.fields()).enumerate() {
            shares[i % ENCODERS].extend(compute_leaves(field, array)?);
        }
        let encoders = self.group.as_ref().map_or(&[][..], |g| &g[..]);
        for ((_, tx), share) in encoders.iter().zip(shares) {
            // An encoder stops early only on an error, which closing the
            // group returns.
            let _ = tx.send(share);
        }
        self.rows_in_group += rows;
        if self.rows_in_group >= ROW_GROUP_ROWS {
            self.close_group()?;
        }
        Ok(())
    }

    fn start_group(&mut self) -> Result<Vec<Encoder>, ParquetError> {
        let mut writers: Vec<Vec<(usize, ArrowColumnWriter)>> =
            (0..ENCODERS).map(|_| Vec::new()).collect();
        for (i, writer) in self.factory.create_column_writers(self.groups)?.into_iter().enumerate()
        {
            writers[i % ENCODERS].push((i, writer));
        }
        Ok(writers
            .into_iter()
            .map(|mut columns| {
                let (tx, rx) = crossbeam_channel::bounded::<Vec<ArrowLeafColumn>>(2);
                let handle = std::thread::spawn(move || {
                    for leaves in rx {
                        for ((_, writer), leaf) in columns.iter_mut().zip(&leaves) {
                            writer.write(leaf)?;
                        }
                    }
                    columns.into_iter().map(|(i, w)| Ok((i, w.close()?))).collect()
                });
                (handle, tx)
            })
            .collect())
    }

    fn close_group(&mut self) -> Result<(), ParquetError> {
        let Some(encoders) = self.group.take() else { return Ok(()) };
        let mut chunks = Vec::new();
        for (handle, tx) in encoders {
            drop(tx);
            let encoded = handle
                .join()
                .map_err(|_| ParquetError::General("a column encoder panicked".into()))?;
            chunks.extend(encoded?);
        }
        chunks.sort_by_key(|(i, _)| *i);
        let mut group = self.file.next_row_group()?;
        for (_, chunk) in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        self.groups += 1;
        self.rows_in_group = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<BufWriter<File>, ParquetError> {
        self.close_group()?;
        self.file.into_inner()
    }
}

fn finish_file(path: &Path, file: BufWriter<File>) -> Result<(), TableError> {
    let file = file.into_inner().map_err(|e| io(path, e.error()))?;
    file.sync_all().map_err(|e| io(path, e))
}

fn to_arrow(schema: &Schema, batch: Columns) -> Vec<ArrayRef> {
    // A column that may not hold nulls gets no validity buffer, which
    // spares the Parquet writer its definition levels.
    fn dense<T: Default>(v: Vec<Option<T>>) -> impl Iterator<Item = T> {
        v.into_iter().map(Option::unwrap_or_default)
    }
    batch
        .values
        .into_iter()
        .zip(schema.columns)
        .map(|(values, column)| -> ArrayRef {
            let nullable = column.nullable;
            match values {
                Values::U64(v) if !nullable => Arc::new(UInt64Array::from_iter_values(dense(v))),
                Values::U64(v) => Arc::new(UInt64Array::from(v)),
                Values::I64(v) if !nullable => Arc::new(Int64Array::from_iter_values(dense(v))),
                Values::I64(v) => Arc::new(Int64Array::from(v)),
                Values::U32(v) if !nullable => Arc::new(UInt32Array::from_iter_values(dense(v))),
                Values::U32(v) => Arc::new(UInt32Array::from(v)),
                Values::U16(v) if !nullable => Arc::new(UInt16Array::from_iter_values(dense(v))),
                Values::U16(v) => Arc::new(UInt16Array::from(v)),
                Values::Bool(v) => Arc::new(BooleanArray::from(v)),
                Values::Text(v) => Arc::new(StringArray::from(v)),
                Values::Dict(v) => {
                    let ColumnType::Dict(vocabulary) = column.ty else {
                        unreachable!("dictionary values belong to a dictionary column")
                    };
                    let values = Arc::new(StringArray::from(vocabulary.to_vec()));
                    let keys = if nullable {
                        UInt8Array::from(v)
                    } else {
                        UInt8Array::from_iter_values(dense(v))
                    };
                    // Codes come from the vocabulary, so every key is in range.
                    Arc::new(DictionaryArray::<UInt8Type>::new(keys, values))
                }
            }
        })
        .collect()
}

fn write_csv(
    writer: &mut csv::Writer<BufWriter<File>>,
    schema: &Schema,
    batch: &Columns,
) -> Result<(), csv::Error> {
    let mut record = csv::ByteRecord::new();
    let mut buf = Vec::with_capacity(32);
    for row in 0..batch.rows() {
        record.clear();
        for (values, column) in batch.values.iter().zip(schema.columns) {
            buf.clear();
            match values {
                Values::U64(v) => opt(&mut buf, v[row]),
                Values::I64(v) => opt(&mut buf, v[row]),
                Values::U32(v) => opt(&mut buf, v[row]),
                Values::U16(v) => opt(&mut buf, v[row]),
                Values::Bool(v) => opt(&mut buf, v[row]),
                Values::Text(v) => {
                    buf.extend_from_slice(v[row].as_deref().unwrap_or("").as_bytes())
                }
                Values::Dict(v) => {
                    if let (Some(code), ColumnType::Dict(vocabulary)) = (v[row], column.ty) {
                        buf.extend_from_slice(vocabulary[usize::from(code)].as_bytes());
                    }
                }
            }
            record.push_field(&buf);
        }
        writer.write_byte_record(&record)?;
    }
    Ok(())
}

fn opt<T: std::fmt::Display>(buf: &mut Vec<u8>, v: Option<T>) {
    if let Some(v) = v {
        // Writing into a vector cannot fail.
        let _ = write!(buf, "{v}");
    }
}

/// Reads a table file in batches of about `batch_rows` rows, handing each
/// to `each`; stops at the first error, of the file or of `each`.
///
/// # Errors
///
/// Returns an error when the file cannot be read, its columns are not the
/// table's, or a value does not fit its column.
pub fn read_table<E: From<TableError>>(
    path: &Path,
    schema: &Schema,
    format: TableFormat,
    batch_rows: usize,
    each: &mut dyn FnMut(Columns, u64) -> Result<(), E>,
) -> Result<(), E> {
    match format {
        TableFormat::Parquet => read_parquet(path, schema, batch_rows, each),
        TableFormat::Csv => read_csv(path, schema, batch_rows, each),
    }
}

/// Reads a whole table file into one batch.
///
/// # Errors
///
/// As [`read_table`].
pub fn read_all(path: &Path, schema: &Schema, format: TableFormat) -> Result<Columns, TableError> {
    let mut all = schema.empty();
    read_table(path, schema, format, 1 << 16, &mut |batch: Columns, _| {
        for (into, from) in all.values.iter_mut().zip(batch.values) {
            append(into, from);
        }
        Ok::<(), TableError>(())
    })?;
    Ok(all)
}

fn append(into: &mut Values, from: Values) {
    match (into, from) {
        (Values::U64(a), Values::U64(b)) => a.extend(b),
        (Values::I64(a), Values::I64(b)) => a.extend(b),
        (Values::U32(a), Values::U32(b)) => a.extend(b),
        (Values::U16(a), Values::U16(b)) => a.extend(b),
        (Values::Bool(a), Values::Bool(b)) => a.extend(b),
        (Values::Dict(a), Values::Dict(b)) => a.extend(b),
        (Values::Text(a), Values::Text(b)) => a.extend(b),
        _ => unreachable!("batches of one table have the same column types"),
    }
}

fn names(schema: &Schema) -> String {
    schema.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
}

fn expected(ty: ColumnType, nullable: bool) -> String {
    let base = match ty {
        ColumnType::U64 => "an unsigned integer below 2^64".to_owned(),
        ColumnType::I64 => "a signed 64-bit integer".to_owned(),
        ColumnType::U32 => "an unsigned integer below 2^32".to_owned(),
        ColumnType::U16 => "an unsigned integer below 65536".to_owned(),
        ColumnType::Bool => "`true` or `false`".to_owned(),
        ColumnType::Dict(v) => format!("one of {}", v.join(", ")),
        ColumnType::Text => "a string".to_owned(),
    };
    if nullable { format!("{base}, or nothing") } else { base }
}

fn read_csv<E: From<TableError>>(
    path: &Path,
    schema: &Schema,
    batch_rows: usize,
    each: &mut dyn FnMut(Columns, u64) -> Result<(), E>,
) -> Result<(), E> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).from_path(path).map_err(|e| io(path, e))?;
    let header = reader.byte_headers().map_err(|e| io(path, e))?.clone();
    let found: Vec<String> =
        header.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    if found.iter().map(String::as_str).ne(schema.columns.iter().map(|c| c.name)) {
        return Err(TableError::Columns {
            path: path.to_owned(),
            expected: names(schema),
            found: found.join(","),
        }
        .into());
    }

    let mut batch = schema.empty();
    let mut first_row = 0u64;
    let mut rows = 0u64;
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| io(path, e))?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != schema.columns.len() {
            return Err(TableError::Value {
                path: path.to_owned(),
                location: format!("line {line}"),
                column: "*".to_owned(),
                expected: format!("{} fields", schema.columns.len()),
                found: format!("{} fields", record.len()),
            }
            .into());
        }
        for ((field, column), values) in record.iter().zip(schema.columns).zip(&mut batch.values) {
            let bad = || TableError::Value {
                path: path.to_owned(),
                location: format!("line {line}"),
                column: column.name.to_owned(),
                expected: expected(column.ty, column.nullable),
                found: String::from_utf8_lossy(field).into_owned(),
            };
            let text = std::str::from_utf8(field).map_err(|_| bad())?;
            if text.is_empty() && !column.nullable && column.ty != ColumnType::Text {
                return Err(bad().into());
            }
            let null = text.is_empty();
            match values {
                Values::U64(v) => {
                    v.push(if null { None } else { Some(text.parse().map_err(|_| bad())?) })
                }
                Values::I64(v) => {
                    v.push(if null { None } else { Some(text.parse().map_err(|_| bad())?) })
                }
                Values::U32(v) => {
                    v.push(if null { None } else { Some(text.parse().map_err(|_| bad())?) })
                }
                Values::U16(v) => {
                    v.push(if null { None } else { Some(text.parse().map_err(|_| bad())?) })
                }
                Values::Bool(v) => v.push(match text {
                    "" => None,
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => return Err(bad().into()),
                }),
                Values::Text(v) => v.push(Some(text.to_owned())),
                Values::Dict(v) => {
                    let ColumnType::Dict(vocabulary) = column.ty else {
                        unreachable!("dictionary values belong to a dictionary column")
                    };
                    v.push(if null {
                        None
                    } else {
                        Some(code_of(vocabulary, text).ok_or_else(bad)?)
                    });
                }
            }
        }
        rows += 1;
        if batch.rows() >= batch_rows {
            each(std::mem::replace(&mut batch, schema.empty()), first_row)?;
            first_row = rows;
        }
    }
    if batch.rows() > 0 {
        each(batch, first_row)?;
    }
    Ok(())
}

fn read_parquet<E: From<TableError>>(
    path: &Path,
    schema: &Schema,
    batch_rows: usize,
    each: &mut dyn FnMut(Columns, u64) -> Result<(), E>,
) -> Result<(), E> {
    let file = File::open(path).map_err(|e| io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| io(path, e))?;
    let found: Vec<&str> = builder.schema().fields().iter().map(|f| f.name().as_str()).collect();
    if found.iter().copied().ne(schema.columns.iter().map(|c| c.name)) {
        return Err(TableError::Columns {
            path: path.to_owned(),
            expected: names(schema),
            found: found.join(","),
        }
        .into());
    }
    let reader = builder.with_batch_size(batch_rows).build().map_err(|e| io(path, e))?;

    let mut first_row = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| io(path, e))?;
        let mut columns = Vec::with_capacity(schema.columns.len());
        for (array, column) in batch.columns().iter().zip(schema.columns) {
            let bad = |row: usize, found: String| TableError::Value {
                path: path.to_owned(),
                location: format!("row {}", first_row + row as u64 + 1),
                column: column.name.to_owned(),
                expected: expected(column.ty, column.nullable),
                found,
            };
            let wrong_type = || bad(0, format!("a column of type {}", array.data_type()));
            if !column.nullable && column.ty != ColumnType::Text && array.null_count() > 0 {
                let row = (0..array.len()).find(|&i| array.is_null(i)).unwrap_or(0);
                return Err(bad(row, "null".to_owned()).into());
            }
            let any = array.as_any();
            let values = match column.ty {
                ColumnType::U64 => Values::U64(
                    any.downcast_ref::<UInt64Array>().ok_or_else(wrong_type)?.iter().collect(),
                ),
                ColumnType::I64 => Values::I64(
                    any.downcast_ref::<Int64Array>().ok_or_else(wrong_type)?.iter().collect(),
                ),
                ColumnType::U32 => Values::U32(
                    any.downcast_ref::<UInt32Array>().ok_or_else(wrong_type)?.iter().collect(),
                ),
                ColumnType::U16 => Values::U16(
                    any.downcast_ref::<UInt16Array>().ok_or_else(wrong_type)?.iter().collect(),
                ),
                ColumnType::Bool => Values::Bool(
                    any.downcast_ref::<BooleanArray>().ok_or_else(wrong_type)?.iter().collect(),
                ),
                ColumnType::Text => Values::Text(
                    any.downcast_ref::<StringArray>()
                        .ok_or_else(wrong_type)?
                        .iter()
                        .map(|s| Some(s.unwrap_or_default().to_owned()))
                        .collect(),
                ),
                ColumnType::Dict(vocabulary) => Values::Dict(
                    dictionary_codes(any, vocabulary).map_err(|(row, found)| match row {
                        Some(row) => bad(row, found),
                        None => wrong_type(),
                    })?,
                ),
            };
            columns.push(values);
        }
        let columns = Columns { values: columns };
        let rows = columns.rows() as u64;
        each(columns, first_row)?;
        first_row += rows;
    }
    Ok(())
}

/// Maps a dictionary-encoded or plain string column onto a vocabulary:
/// the codes, or the row and value that is not in it (no row when the
/// column is of another type).
fn dictionary_codes(
    any: &dyn std::any::Any,
    vocabulary: &[&str],
) -> Result<Vec<Option<u8>>, (Option<usize>, String)> {
    if let Some(dict) = any.downcast_ref::<DictionaryArray<UInt8Type>>() {
        let values = dict.values();
        let strings = values.as_any().downcast_ref::<StringArray>().ok_or((None, String::new()))?;
        let map: Vec<Option<u8>> =
            strings.iter().map(|s| s.and_then(|s| code_of(vocabulary, s))).collect();
        return dict
            .keys()
            .iter()
            .enumerate()
            .map(|(row, key)| match key {
                None => Ok(None),
                Some(k) => map.get(usize::from(k)).copied().flatten().map(Some).ok_or_else(|| {
                    let found = match usize::from(k) {
                        k if k < strings.len() => strings.value(k).to_owned(),
                        k => format!("dictionary key {k} beyond its {} values", strings.len()),
                    };
                    (Some(row), found)
                }),
            })
            .collect();
    }
    if let Some(strings) = any.downcast_ref::<StringArray>() {
        return strings
            .iter()
            .enumerate()
            .map(|(row, s)| match s {
                None => Ok(None),
                Some(s) => {
                    code_of(vocabulary, s).map(Some).ok_or_else(|| (Some(row), s.to_owned()))
                }
            })
            .collect();
    }
    Err((None, String::new()))
}
