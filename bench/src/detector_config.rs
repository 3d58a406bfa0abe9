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
//! the file's.

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

/// Reads a configuration file into one choice per detector it names, in
/// the order of the file's tables.
///
/// # Errors
///
/// Returns [`ConfigError`] naming the file and line of the first problem.
pub fn read(path: &Path) -> Result<Vec<Choice>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|cause| ConfigError::Read { path: path.to_owned(), cause })?;
    parse(&text, path)
}

/// Parses the text of a configuration file; `path` names it in errors.
///
/// # Errors
///
/// Returns [`ConfigError`] naming the file and line of the first problem.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Choice>, ConfigError> {
    let document = toml_edit::Document::parse(text)
        .map_err(|e| ConfigError::Syntax { path: path.to_owned(), message: e.to_string() })?;
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1)
    };
    let invalid =
        |line, cause| ConfigError::Invalid { path: path.to_owned(), line, cause: Box::new(cause) };

    let mut choices = Vec::new();
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
        for (param, value) in table.iter() {
            let line = line_of(table.get_key_value(param).and_then(|(k, _)| k.span()));
            let number = value
                .as_float()
                .or_else(|| value.as_integer().map(|i| i as f64))
                .ok_or_else(|| ConfigError::Shape {
                    path: path.to_owned(),
                    line,
                    key: format!("{name}.{param}"),
                    expected: "should be a number",
                })?;
            choice.set(spec, param, number, &number.to_string()).map_err(|e| invalid(line, e))?;
        }
        choices.push(choice);
    }
    Ok(choices)
}

/// Merges the file's parameters under the command line's choices: each
/// chosen detector starts from the file's parameters for it and then takes
/// its own. With no choice on the command line, every built-in runs.
pub fn merge(command_line: Vec<Choice>, file: &[Choice]) -> Vec<Choice> {
    let chosen = if command_line.is_empty() {
        surveil_detectors::builtin_names().map(Choice::named).collect()
    } else {
        command_line
    };
    chosen
        .into_iter()
        .map(|mut choice| {
            if let Some(configured) = file.iter().find(|c| c.name == choice.name) {
                let mut params = configured.params.clone();
                params.append(&mut choice.params);
                choice.params = params;
            }
            choice
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_set_parameters_of_their_detectors() {
        let text =
            "[spoof_cancel]\nsize_ratio = 6\nrepeats = 3\n\n[burst_rate]\nwindow_ms = 500.5\n";
        let choices = parse(text, Path::new("d.toml")).unwrap();
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
        let merged = merge(chosen, &file);
        assert_eq!(merged[0].params.get("size_ratio"), Some(&6.0));
        assert_eq!(merged[0].params.get("repeats"), Some(&4.0));
        assert_eq!(merge(Vec::new(), &file).len(), surveil_detectors::builtin_names().count());
    }
}
