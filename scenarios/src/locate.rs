//! Finds where a field sits in a TOML source, so that every error about a
//! scenario can name the line and the field.

use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

/// One key of the document: its dotted path, and the byte ranges of the key
/// and of its value.
#[derive(Clone, Debug)]
struct Entry {
    path: String,
    key: Range<usize>,
    value: Range<usize>,
}

/// A map from field paths (`retail.accounts`, `instrument[1].symbol`) to
/// positions in one TOML source.
#[derive(Clone, Debug, Default)]
pub(crate) struct Locator {
    entries: Vec<Entry>,
}

impl Locator {
    /// Indexes every key of `source`; a source that does not parse gives an
    /// empty index (the parse error itself carries a position).
    pub(crate) fn new(source: &str) -> Locator {
        let mut entries = Vec::new();
        if let Ok(doc) = Document::parse(source)
            && let Some(root) = doc.as_item().as_table()
        {
            walk_table(root, "", &mut entries);
        }
        Locator { entries }
    }

    /// Returns the byte offset of a field's value, if the field is written
    /// in the source.
    pub(crate) fn offset_of(&self, path: &str) -> Option<usize> {
        self.entries.iter().find(|e| e.path == path).map(|e| e.value.start)
    }

    /// Returns the path of the innermost field whose key or value covers
    /// `offset`.
    pub(crate) fn path_at(&self, offset: usize) -> Option<&str> {
        self.entries
            .iter()
            .filter(|e| e.key.contains(&offset) || e.value.contains(&offset))
            .min_by_key(|e| (e.value.len() + e.key.len(), std::cmp::Reverse(e.path.len())))
            .map(|e| e.path.as_str())
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

fn walk_table(table: &Table, prefix: &str, out: &mut Vec<Entry>) {
    for (name, _) in table.iter() {
        let Some((key, item)) = table.get_key_value(name) else { continue };
        let path = join(prefix, name);
        let key_span = key.span().unwrap_or(0..0);
        walk_item(item, &path, key_span, out);
    }
}

fn walk_item(item: &Item, path: &str, key_span: Range<usize>, out: &mut Vec<Entry>) {
    match item {
        Item::Table(t) => {
            out.push(Entry {
                path: path.to_owned(),
                key: key_span,
                value: t.span().unwrap_or(0..0),
            });
            walk_table(t, path, out);
        }
        Item::ArrayOfTables(array) => {
            for (i, t) in array.iter().enumerate() {
                let elem = format!("{path}[{i}]");
                let span = t.span().unwrap_or(0..0);
                out.push(Entry { path: elem.clone(), key: span.clone(), value: span });
                walk_table(t, &elem, out);
            }
        }
        Item::Value(v) => walk_value(v, path, key_span, out),
        Item::None => {}
    }
}

fn walk_value(value: &Value, path: &str, key_span: Range<usize>, out: &mut Vec<Entry>) {
    out.push(Entry { path: path.to_owned(), key: key_span, value: value.span().unwrap_or(0..0) });
    match value {
        Value::InlineTable(t) => {
            for (name, _) in t.iter() {
                if let Some((key, Item::Value(v))) = t.get_key_value(name) {
                    walk_value(v, &join(path, name), key.span().unwrap_or(0..0), out);
                }
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                let span = v.span().unwrap_or(0..0);
                walk_value(v, &format!("{path}[{i}]"), span, out);
            }
        }
        _ => {}
    }
}

/// Names the key written on the line at `offset`, under the nearest table
/// header above it: the fallback for a source the span index could not
/// read (a number too large for any integer, say).
pub(crate) fn key_on_line(source: &str, offset: usize) -> Option<String> {
    let before = &source[..offset.min(source.len())];
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = source[start..].lines().next()?;
    let key = line.split_once('=')?.0.trim();
    let header = before[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim());
    Some(match header {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_owned(),
    })
}

/// Converts a byte offset to a 1-based line and column.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "name = \"x\"\n\n[retail]\naccounts = 5\n\n[[instrument]]\nsymbol = \"A\"\n\n[[instrument]]\nsymbol = \"B\"\n";

    #[test]
    fn finds_nested_and_array_fields() {
        let loc = Locator::new(SRC);
        assert_eq!(line_col(SRC, loc.offset_of("retail.accounts").unwrap()).0, 4);
        assert_eq!(line_col(SRC, loc.offset_of("instrument[1].symbol").unwrap()).0, 10);
        assert_eq!(loc.offset_of("retail.missing"), None);
    }

    #[test]
    fn names_the_key_on_a_line_without_the_index() {
        let src = "name = \"x\"\n[retail]\naccounts = 99999999999999999999\n";
        let offset = src.find("999").unwrap();
        assert_eq!(key_on_line(src, offset).as_deref(), Some("retail.accounts"));
        assert_eq!(key_on_line("[retail\n", 2), None);
    }

    #[test]
    fn maps_an_offset_back_to_the_innermost_field() {
        let loc = Locator::new(SRC);
        let offset = SRC.find("5").unwrap();
        assert_eq!(loc.path_at(offset), Some("retail.accounts"));
        let offset = SRC.find("\"B\"").unwrap();
        assert_eq!(loc.path_at(offset), Some("instrument[1].symbol"));
    }
}
