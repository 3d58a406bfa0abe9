//! Detector parameters from a TOML file.
//!
//! The file holds one table per detector, named after it, with the
//! parameters to set:
//!
//! ```toml
//! [spoof_cancel]
//! size_ratio = 6
//! repeats = 3
//!
//! [burst_rate]
//! window_ms = 500
//! ```
//!
//! Every name and value is checked against the registry; an unknown
//! detector or parameter, or a value that is not a number in range, is
//! refused with the file, the line and what is allowed. The file sets
//! parameters; which detectors run is still chosen by `--detectors` (all
//! the built-ins when it is absent), and a parameter given there overrides
//! the file's. Names are checked as the file is read, values once merged
//! with the command line's, so that a value the command line replaces is
//! never judged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use surveil_detectors::{Choice, RegistryError, registry};

/// Why a detector configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read detector configuration {path}: {cause}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why, in the message itself rather than as its source, so that
        /// it is printed once.
        cause: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with the line and column.
        message: String,
    },
    /// A table or value is not what a detector takes.
    #[error("{path}, line {line}: {cause}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line of the offending table or key, from 1.
        line: usize,
        /// What is wrong, in the message itself.
        cause: Box<RegistryError>,
    },
    /// Something other than a table of numbers.
    #[error("{path}, line {line}: `{key}` {expected}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The key.
        key: String,
        /// What was expected.
        expected: &'static str,
    },
}

/// A configuration file as read: per detector it names, in the order of
/// its tables, the parameters it sets, each with the line it is set on.
/// The names are checked; the values are checked by [`merge`].
#[derive(Clone, Debug)]
pub struct ConfigFile {
    path: PathBuf,
    detectors: Vec<Configured>,
}

/// One table of a configuration file.
#[derive(Clone, Debug)]
struct Configured {
    spec: &'static registry::DetectorSpec,
    choice: Choice,
    lines: BTreeMap<String, usize>,
}

impl ConfigFile {
    /// Returns the file's choices, one per table, values as written.
    pub fn choices(&self) -> impl Iterator<Item = &Choice> {
        self.detectors.iter().map(|d| &d.choice)
    }
}

/// Reads a configuration file.
///
/// # Errors
///
/// Returns [`ConfigError`] naming the file and line of the first problem.
pub fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|cause| ConfigError::Read { path: path.to_owned(), cause })?;
    parse(&text, path)
}

/// Parses the text of a configuration file; `path` names it in errors.
///
/// # Errors
///
/// Returns [`ConfigError`] naming the file and line of the first problem.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let document = toml_edit::Document::parse(text)
        .map_err(|e| ConfigError::Syntax { path: path.to_owned(), message: e.to_string() })?;
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1)
    };
    let invalid =
        |line, cause| ConfigError::Invalid { path: path.to_owned(), line, cause: Box::new(cause) };

    let mut detectors = Vec::new();
    for (name, item) in document.as_table().iter() {
        let key_line = line_of(document.as_table().get_key_value(name).and_then(|(k, _)| k.span()));
        let Some(table) = item.as_table_like() else {
            return Err(ConfigError::Shape {
                path: path.to_owned(),
                line: key_line,
                key: name.to_owned(),
                expected: "should be a table of parameters, such as [spoof_cancel]",
            });
        };
        let spec = registry::spec(name).map_err(|e| invalid(key_line, e))?;
        let mut choice = Choice::named(name);
        let mut lines = BTreeMap::new();
        for (param, value) in table.iter() {
            let line = line_of(table.get_key_value(param).and_then(|(k, _)| k.span()));
            spec.param(param).map_err(|e| invalid(line, e))?;
            let number = value
                .as_float()
                .or_else(|| value.as_integer().map(|i| i as f64))
                .ok_or_else(|| ConfigError::Shape {
                    path: path.to_owned(),
                    line,
                    key: format!("{name}.{param}"),
                    expected: "should be a number",
                })?;
            choice.params.insert(param.to_owned(), number);
            lines.insert(param.to_owned(), line);
        }
        detectors.push(Configured { spec, choice, lines });
    }
    Ok(ConfigFile { path: path.to_owned(), detectors })
}

/// Merges the file's parameters under the command line's choices: each
/// chosen detector starts from the file's parameters for it and then takes
/// its own. With no choice on the command line, every built-in runs.
///
/// Every value of the file that the command line does not replace is
/// checked against its range, those of detectors that do not run too,
/// since the file is wrong whichever detectors a run chooses. The command
/// line's own values were checked as they were parsed.
///
/// # Errors
///
/// Returns [`ConfigError::Invalid`] naming the file and line of the first
/// value out of range.
pub fn merge(command_line: Vec<Choice>, file: &ConfigFile) -> Result<Vec<Choice>, ConfigError> {
    for configured in &file.detectors {
        let name = &configured.choice.name;
        let replaced = command_line.iter().find(|c| c.name == *name);
        for (param, &value) in &configured.choice.params {
            if replaced.is_some_and(|c| c.params.contains_key(param)) {
                continue;
            }
            Choice::named(name.as_str())
                .set(configured.spec, param, value, &value.to_string())
                .map_err(|cause| ConfigError::Invalid {
                    path: file.path.clone(),
                    line: configured.lines.get(param).copied().unwrap_or(1),
                    cause: Box::new(cause),
                })?;
        }
    }

    let chosen = if command_line.is_empty() {
        surveil_detectors::builtin_names().map(Choice::named).collect()
    } else {
        command_line
    };
    Ok(chosen
        .into_iter()
        .map(|mut choice| {
            if let Some(configured) = file.choices().find(|c| c.name == choice.name) {
                let mut params = configured.params.clone();
                params.append(&mut choice.params);
                choice.params = params;
            }
            choice
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_set_parameters_of_their_detectors() {
        let text =
            "[spoof_cancel]\nsize_ratio = 6\nrepeats = 3\n\n[burst_rate]\nwindow_ms = 500.5\n";
        let file = parse(text, Path::new("d.toml")).unwrap();
        let choices: Vec<&Choice> = file.choices().collect();
        assert_eq!(choices.len(), 2);
        assert_eq!(choices[0].params.get("repeats"), Some(&3.0));
        assert_eq!(choices[1].params.get("window_ms"), Some(&500.5));
    }

    #[test]
    fn an_unknown_parameter_names_file_line_and_the_allowed_ones() {
        let text = "[spoof_cancel]\nsize_ratio = 6\nratio = 0.9\n";
        let message = parse(text, Path::new("d.toml")).unwrap_err().to_string();
        assert!(message.starts_with("d.toml, line 3:"), "{message}");
        assert!(message.contains("size_ratio"), "{message}");
    }

    #[test]
    fn an_unknown_parameter_is_named_before_its_value_is_judged() {
        let text = "[spoof_cancel]\nratio = \"abc\"\n";
        let message = parse(text, Path::new("d.toml")).unwrap_err().to_string();
        assert!(message.starts_with("d.toml, line 2:"), "{message}");
        assert!(message.contains("has no parameter `ratio`"), "{message}");
    }

    #[test]
    fn an_unknown_detector_or_a_string_value_is_refused() {
        let message = parse("[spoofer]\nx = 1\n", Path::new("d.toml")).unwrap_err().to_string();
        assert!(message.contains("line 1") && message.contains("spoof_cancel"), "{message}");
        let message = parse("[burst_rate]\n\nwindow_ms = \"fast\"\n", Path::new("d.toml"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("line 3") && message.contains("number"), "{message}");
        assert!(parse("[burst_rate\n", Path::new("d.toml")).is_err());
    }

    #[test]
    fn the_command_line_overrides_the_file() {
        let file =
            parse("[spoof_cancel]\nsize_ratio = 6\nrepeats = 3\n", Path::new("d.toml")).unwrap();
        let chosen = vec![Choice::parse("spoof_cancel:repeats=4").unwrap()];
        let merged = merge(chosen, &file).unwrap();
        assert_eq!(merged[0].params.get("size_ratio"), Some(&6.0));
        assert_eq!(merged[0].params.get("repeats"), Some(&4.0));
        let every = merge(Vec::new(), &file).unwrap();
        assert_eq!(every.len(), surveil_detectors::builtin_names().count());
    }

    #[test]
    fn a_value_out_of_range_in_the_file_is_refused_unless_the_command_line_replaces_it() {
        let file = parse("[burst_rate]\n\nmin_messages = 0\n", Path::new("d.toml")).unwrap();
        let chosen = vec![Choice::parse("burst_rate:min_messages=5").unwrap()];
        let merged = merge(chosen, &file).unwrap();
        assert_eq!(merged[0].params.get("min_messages"), Some(&5.0));

        for chosen in [vec![], vec![Choice::parse("burst_rate:window_ms=500").unwrap()]] {
            let message = merge(chosen, &file).unwrap_err().to_string();
            assert!(message.starts_with("d.toml, line 3:"), "{message}");
            assert!(message.contains("`min_messages`"), "{message}");
        }
    }
}
