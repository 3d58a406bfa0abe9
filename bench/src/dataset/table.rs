//! Tables as the dataset writes them: a fixed list of typed columns, the
//! same in every format, and batches of column values.
//!
//! A [`Schema`] names each column with its type, unit and meaning; the
//! writers, the readers and the dataset card all work from it, so the
//! columns a reader expects are exactly those a writer wrote and those the
//! card describes. Values travel in [`Columns`]: one vector per column, a
//! `None` for a null. Strings of a small fixed vocabulary (kinds, sides,
//! regions, clients) are held as indices into the column's dictionary and
//! written as dictionary-encoded strings.

/// The type of a column's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// An unsigned 64-bit integer.
    U64,
    /// A signed 64-bit integer.
    I64,
    /// An unsigned 32-bit integer.
    U32,
    /// An unsigned 16-bit integer.
    U16,
    /// A boolean.
    Bool,
    /// A string from a fixed vocabulary, dictionary-encoded.
    Dict(&'static [&'static str]),
    /// A free-form string.
    Text,
}

impl ColumnType {
    /// Returns the type as the dataset card names it.
    pub fn describe(self) -> String {
        match self {
            ColumnType::U64 => "uint64".to_owned(),
            ColumnType::I64 => "int64".to_owned(),
            ColumnType::U32 => "uint32".to_owned(),
            ColumnType::U16 => "uint16".to_owned(),
            ColumnType::Bool => "bool".to_owned(),
            ColumnType::Dict(_) => "string (dictionary)".to_owned(),
            ColumnType::Text => "string".to_owned(),
        }
    }
}

/// One column of a table.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Its name, the same in every format.
    pub name: &'static str,
    /// The type of its values.
    pub ty: ColumnType,
    /// Whether it may hold nulls.
    pub nullable: bool,
    /// The unit of its values, empty when they have none.
    pub unit: &'static str,
    /// What a value means.
    pub meaning: &'static str,
}

/// The columns of one table, in order.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    /// The table's name, which is also its file's stem.
    pub name: &'static str,
    /// What one row is.
    pub row: &'static str,
    /// Its columns.
    pub columns: &'static [Column],
}

impl Schema {
    /// Returns an empty batch of this table's columns.
    pub fn empty(&self) -> Columns {
        Columns { values: self.columns.iter().map(|c| Values::empty(c.ty)).collect() }
    }
}

/// The values of one column in a batch.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// For [`ColumnType::U64`].
    U64(Vec<Option<u64>>),
    /// For [`ColumnType::I64`].
    I64(Vec<Option<i64>>),
    /// For [`ColumnType::U32`].
    U32(Vec<Option<u32>>),
    /// For [`ColumnType::U16`].
    U16(Vec<Option<u16>>),
    /// For [`ColumnType::Bool`].
    Bool(Vec<Option<bool>>),
    /// For [`ColumnType::Dict`]: indices into the column's vocabulary.
    Dict(Vec<Option<u8>>),
    /// For [`ColumnType::Text`].
    Text(Vec<Option<String>>),
}

impl Values {
    /// Returns an empty vector for a column of type `ty`.
    pub fn empty(ty: ColumnType) -> Values {
        match ty {
            ColumnType::U64 => Values::U64(Vec::new()),
            ColumnType::I64 => Values::I64(Vec::new()),
            ColumnType::U32 => Values::U32(Vec::new()),
            ColumnType::U16 => Values::U16(Vec::new()),
            ColumnType::Bool => Values::Bool(Vec::new()),
            ColumnType::Dict(_) => Values::Dict(Vec::new()),
            ColumnType::Text => Values::Text(Vec::new()),
        }
    }

    /// Returns the number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::U64(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::U16(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Dict(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    /// Tells whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tells whether row `i` holds a null.
    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Values::U64(v) => v[i].is_none(),
            Values::I64(v) => v[i].is_none(),
            Values::U32(v) => v[i].is_none(),
            Values::U16(v) => v[i].is_none(),
            Values::Bool(v) => v[i].is_none(),
            Values::Dict(v) => v[i].is_none(),
            Values::Text(v) => v[i].is_none(),
        }
    }
}

/// A batch of rows of one table, column by column.
#[derive(Clone, Debug, PartialEq)]
pub struct Columns {
    /// One entry per column of the schema, all of the same length.
    pub values: Vec<Values>,
}

impl Columns {
    /// Returns the number of rows.
    pub fn rows(&self) -> usize {
        self.values.first().map_or(0, Values::len)
    }
}

/// Typed access to the columns of a batch, for code that builds or reads
/// one table and knows its schema.
macro_rules! column_access {
    ($($name:ident, $getter:ident, $variant:ident, $ty:ty;)*) => {
        impl Columns {
            $(
                /// Returns column `i` as a vector of this type.
                ///
                /// # Panics
                ///
                /// Panics if the column has another type: a mismatch
                /// between a table's schema and the code that fills it.
                pub fn $name(&mut self, i: usize) -> &mut Vec<Option<$ty>> {
                    match &mut self.values[i] {
                        Values::$variant(v) => v,
                        other => panic!("column {i} is {other:?}, not {}", stringify!($variant)),
                    }
                }

                /// Returns the value of column `column` in row `row`.
                ///
                /// # Panics
                ///
                /// Panics if the column has another type, or the row is
                /// out of range.
                pub fn $getter(&self, column: usize, row: usize) -> Option<$ty> {
                    match &self.values[column] {
                        Values::$variant(v) => v[row],
                        other => {
                            panic!("column {column} is {other:?}, not {}", stringify!($variant))
                        }
                    }
                }
            )*
        }
    };
}

column_access! {
    u64s, u64_at, U64, u64;
    i64s, i64_at, I64, i64;
    u32s, u32_at, U32, u32;
    u16s, u16_at, U16, u16;
    bools, bool_at, Bool, bool;
    dicts, dict_at, Dict, u8;
}

impl Columns {
    /// Returns column `i` as a vector of strings.
    ///
    /// # Panics
    ///
    /// Panics if the column is not a text column.
    pub fn texts(&mut self, i: usize) -> &mut Vec<Option<String>> {
        match &mut self.values[i] {
            Values::Text(v) => v,
            other => panic!("column {i} is {other:?}, not Text"),
        }
    }

    /// Returns the string in column `column`, row `row`.
    ///
    /// # Panics
    ///
    /// Panics if the column is not a text column, or the row is out of
    /// range.
    pub fn text_at(&self, column: usize, row: usize) -> Option<&str> {
        match &self.values[column] {
            Values::Text(v) => v[row].as_deref(),
            other => panic!("column {column} is {other:?}, not Text"),
        }
    }
}

/// Returns the index of `value` in a column's vocabulary.
pub fn code_of(vocabulary: &[&str], value: &str) -> Option<u8> {
    vocabulary.iter().position(|v| *v == value).and_then(|i| u8::try_from(i).ok())
}
