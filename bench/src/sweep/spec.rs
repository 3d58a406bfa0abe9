//! The sweep specification: a TOML file that names scenarios, seeds,
//! detectors and a grid of overrides, and the list of cells it expands to.
//!
//! ```toml
//! scenarios = ["small"]          # built-in names, or files relative to this one
//! seeds = "1..5"                 # or a list: [1, 2, 3]
//! detectors = ["spoof_cancel", "burst_rate:window_ms=500"]   # every built-in when omitted
//!
//! [set]                          # applied to every cell
//! duration_s = 120
//!
//! [grid]                         # every combination of these values
//! api_share = [0.1, 0.3, 0.6]
//! abuse.spoofing.stealth = ["easy", "hard"]
//! detectors.spoof_cancel.size_ratio = [4, 6]
//! ```
//!
//! A key of `[set]` or `[grid]` is a dotted path into the scenario's TOML
//! (`abuse.spoofing.stealth`, `instrument.0.tick_size`, a number indexing a
//! list), except under `detectors.`, where it names a detector and one of
//! its parameters. An override is written into the scenario's parsed TOML
//! before the scenario is checked, so every value goes through the
//! scenario's own validation; a cell the scenario refuses is reported with
//! the spec file, the key, the value and the scenario's own message, and
//! nothing runs.
//!
//! The cells come in a fixed order, a pure function of the spec: scenarios
//! in the order written, then the grid's keys in alphabetical order (the
//! first varies slowest, whatever order the file lists them in), then the
//! seeds. The fingerprint is a digest
//! of everything that decides a cell's results, the scenarios' text
//! included, so shards of one spec can be told from shards of another.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use surveil_detectors::{Choice, registry};
use surveil_scenarios::Loaded;
use toml::Value;

use crate::seeds::{MAX_SEEDS, parse_seeds};

/// The most cells one spec may expand to, so that a grid written by
/// mistake (ten lists of ten values) is refused rather than run for years.
pub const MAX_CELLS: usize = 100_000;

/// Why a spec was refused.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct SpecError {
    /// The spec file.
    pub path: PathBuf,
    /// What is wrong, naming the key and what was expected.
    pub message: String,
}

/// One swept key with the values it takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// The dotted key as the spec writes it.
    pub key: String,
    /// Its values, as the spec writes them (TOML), in order.
    pub values: Vec<String>,
    /// Whether every value is a number, so that tables and charts can
    /// treat the axis as numeric.
    pub numeric: bool,
}

/// A parsed sweep specification.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The file it was read from.
    pub path: PathBuf,
    /// Each scenario as the spec names it, with its TOML source.
    pub scenarios: Vec<(String, String)>,
    /// The seeds, in order.
    pub seeds: Vec<u64>,
    /// The detectors every cell runs (every built-in when empty); the null
    /// and random floors are always added.
    pub detectors: Vec<Choice>,
    /// The overrides every cell takes, as (dotted key, value).
    pub set: Vec<(String, Value)>,
    /// The swept keys, in alphabetical order.
    pub axes: Vec<Axis>,
    axis_values: Vec<Vec<Value>>,
}

/// One run of the grid: a scenario, one value of every axis and a seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Its position in the grid's order, from 0.
    pub index: usize,
    /// The scenario as the spec names it.
    pub scenario: String,
    /// For each axis, the position of its value.
    pub choice: Vec<usize>,
    /// The seed.
    pub seed: u64,
}

/// A cell made ready to run: its scenario loaded with every override, its
/// detectors with their parameters.
#[derive(Debug)]
pub struct Prepared {
    /// The scenario.
    pub loaded: Loaded,
    /// The detectors.
    pub detectors: Vec<Choice>,
}

/// The top level of the spec file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    scenarios: Vec<String>,
    seeds: Seeds,
    #[serde(default)]
    detectors: Vec<String>,
    #[serde(default)]
    set: toml::Table,
    #[serde(default)]
    grid: toml::Table,
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "expected a list of seeds, whole numbers from 0 to 18446744073709551615, \
                 or a range of them in quotes such as \"1..20\""
)]
enum Seeds {
    List(Vec<u64>),
    Text(String),
}

impl Spec {
    /// Reads and checks a spec file, and every cell it expands to.
    ///
    /// # Errors
    ///
    /// Returns [`SpecError`] naming the file, the key and what was
    /// expected, for the first problem found.
    pub fn read(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError {
            path: path.to_owned(),
            message: format!("cannot read: {e}"),
        })?;
        let spec = Spec::parse(&text, path)?;
        spec.check_cells()?;
        Ok(spec)
    }

    /// Parses the text of a spec; `path` names it in errors and scenario
    /// files are found relative to its directory. The cells are not
    /// checked: [`Spec::read`] does that.
    ///
    /// # Errors
    ///
    /// Returns [`SpecError`] for the first problem found.
    pub fn parse(text: &str, path: &Path) -> Result<Spec, SpecError> {
        let fail = |message: String| SpecError { path: path.to_owned(), message };
        let raw: Raw = toml::from_str(text).map_err(|e| fail(e.to_string().trim().to_owned()))?;

        if raw.scenarios.is_empty() {
            return Err(fail("`scenarios` is empty; name at least one scenario".to_owned()));
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let mut scenarios = Vec::new();
        for name in raw.scenarios {
            if scenarios.iter().any(|(n, _)| *n == name) {
                return Err(fail(format!("scenario `{name}` is named twice in `scenarios`")));
            }
            let source = scenario_source(&name, base).map_err(fail)?;
            scenarios.push((name, source));
        }

        let seeds = match raw.seeds {
            Seeds::Text(text) => parse_seeds(&text).map_err(|e| fail(format!("`seeds`: {e}")))?,
            Seeds::List(list) => {
                if list.len() > MAX_SEEDS {
                    return Err(fail(format!("`seeds` names more than {MAX_SEEDS} seeds")));
                }
                if let Some(s) = list.iter().enumerate().find(|(i, s)| list[..*i].contains(s)) {
                    return Err(fail(format!("seed {} is named twice in `seeds`", s.1)));
                }
                list
            }
        };
        if seeds.is_empty() {
            return Err(fail("`seeds` is empty".to_owned()));
        }

        let detectors = raw
            .detectors
            .iter()
            .map(|d| Choice::parse(d).map_err(|e| fail(format!("`detectors`: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;

        let mut set = Vec::new();
        flatten(&raw.set, "", &mut set);
        let mut grid = Vec::new();
        flatten(&raw.grid, "", &mut grid);
        let mut axes = Vec::new();
        let mut axis_values = Vec::new();
        for (key, value) in grid {
            let Value::Array(values) = value else {
                return Err(fail(format!(
                    "[grid] `{key}` = {value}: expected a list of values, such as [0.1, 0.3]"
                )));
            };
            if values.is_empty() {
                return Err(fail(format!("[grid] `{key}` is an empty list")));
            }
            if set.iter().any(|(k, _)| *k == key) {
                return Err(fail(format!("`{key}` is both in [set] and in [grid]")));
            }
            let numeric = values.iter().all(|v| matches!(v, Value::Integer(_) | Value::Float(_)));
            let shown: Vec<String> = values.iter().map(show).collect();
            if let Some((_, v)) = shown.iter().enumerate().find(|(i, v)| shown[..*i].contains(v)) {
                return Err(fail(format!("[grid] `{key}` lists the value {v} twice")));
            }
            axes.push(Axis { key, values: shown, numeric });
            axis_values.push(values);
        }

        let spec =
            Spec { path: path.to_owned(), scenarios, seeds, detectors, set, axes, axis_values };
        let cells = spec.len();
        if cells > MAX_CELLS {
            return Err(fail(format!("the grid has {cells} cells, more than {MAX_CELLS}")));
        }
        Ok(spec)
    }

    /// Returns the number of cells.
    pub fn len(&self) -> usize {
        let axes: usize = self.axis_values.iter().map(Vec::len).product();
        self.scenarios.len().saturating_mul(axes).saturating_mul(self.seeds.len())
    }

    /// Tells whether the grid has no cell; a parsed spec always has one.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the cell at `index` in the grid's order.
    pub fn cell(&self, index: usize) -> Cell {
        let mut rest = index;
        let seed = self.seeds[rest % self.seeds.len()];
        rest /= self.seeds.len();
        let mut choice = vec![0; self.axis_values.len()];
        for (slot, values) in choice.iter_mut().zip(&self.axis_values).rev() {
            *slot = rest % values.len();
            rest /= values.len();
        }
        let scenario = self.scenarios[rest % self.scenarios.len()].0.clone();
        Cell { index, scenario, choice, seed }
    }

    /// Returns every cell, in order.
    pub fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        (0..self.len()).map(|i| self.cell(i))
    }

    /// Returns a one-line description of a cell: its scenario, the value
    /// of every axis and its seed.
    pub fn describe(&self, cell: &Cell) -> String {
        let mut text = format!("scenario={}", cell.scenario);
        for (axis, &i) in self.axes.iter().zip(&cell.choice) {
            text.push_str(&format!(" {}={}", axis.key, axis.values[i]));
        }
        text.push_str(&format!(" seed={}", cell.seed));
        text
    }

    /// Loads a cell's scenario with every override and builds its
    /// detector list.
    ///
    /// # Errors
    ///
    /// Returns [`SpecError`] naming the spec file, the cell, and the
    /// scenario's or the detector registry's message.
    pub fn prepare(&self, cell: &Cell) -> Result<Prepared, SpecError> {
        let fail = |message: String| SpecError {
            path: self.path.clone(),
            message: format!("cell {} ({}): {message}", cell.index, self.describe(cell)),
        };
        let source = self
            .scenarios
            .iter()
            .find(|(n, _)| *n == cell.scenario)
            .map(|(_, s)| s.as_str())
            .unwrap_or_default();
        let mut scenario: toml::Table = toml::from_str(source)
            .map_err(|e| fail(format!("scenario `{}`: {e}", cell.scenario)))?;
        let mut detectors = if self.detectors.is_empty() {
            surveil_detectors::builtin_names().map(Choice::named).collect()
        } else {
            self.detectors.clone()
        };

        let chosen = self
            .axes
            .iter()
            .zip(&self.axis_values)
            .zip(&cell.choice)
            .map(|((axis, values), &i)| (axis.key.as_str(), &values[i]));
        let overrides = self.set.iter().map(|(k, v)| (k.as_str(), v)).chain(chosen);
        for (key, value) in overrides {
            match key.strip_prefix("detectors.") {
                Some(rest) => set_param(&mut detectors, rest, value)
                    .map_err(|m| fail(format!("`{key}` = {}: {m}", show(value))))?,
                None => set_path(&mut scenario, key, value.clone())
                    .map_err(|m| fail(format!("`{key}` = {}: {m}", show(value))))?,
            }
        }

        let text = toml::to_string(&scenario)
            .map_err(|e| fail(format!("the overridden scenario cannot be written: {e}")))?;
        let loaded = surveil_scenarios::parse(&text, &cell.scenario).map_err(|e| match e {
            surveil_scenarios::ScenarioError::Invalid { field, message, .. } => {
                fail(format!("the scenario refuses it: `{field}`: {message}"))
            }
            other => fail(other.to_string()),
        })?;
        crate::whatif::check_detectors(&loaded.config.policy).map_err(fail)?;
        Ok(Prepared { loaded, detectors })
    }

    /// Prepares every cell once, so that a bad override is refused before
    /// anything runs.
    fn check_cells(&self) -> Result<(), SpecError> {
        for cell in self.cells() {
            self.prepare(&cell)?;
        }
        Ok(())
    }

    /// Returns the hex digest of everything that decides the cells'
    /// results: the scenarios' text, the seeds, the detectors and every
    /// override, in order.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::json!({
            "scenarios": self.scenarios,
            "seeds": self.seeds,
            "detectors": self.detectors.iter().map(|c| {
                let params: Vec<String> =
                    c.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{}:{}", c.name, params.join(":"))
            }).collect::<Vec<_>>(),
            "set": self.set.iter().map(|(k, v)| format!("{k}={}", show(v))).collect::<Vec<_>>(),
            "grid": self.axes,
        });
        blake3::hash(canonical.to_string().as_bytes()).to_hex().to_string()
    }
}

/// Returns the TOML source of a scenario named in a spec: a file relative
/// to the spec's directory (or absolute), or a built-in.
fn scenario_source(name: &str, base: &Path) -> Result<String, String> {
    let file = base.join(name);
    if file.is_file() {
        return std::fs::read_to_string(&file)
            .map_err(|e| format!("scenario `{name}`: cannot read {}: {e}", file.display()));
    }
    match surveil_scenarios::library::find(name) {
        Some(builtin) => Ok(builtin.source.to_owned()),
        None => Err(format!(
            "`scenarios`: no file {} and no built-in scenario named `{name}`; \
             `surveil scenarios` lists the built-ins",
            file.display()
        )),
    }
}

/// Collects the leaves of a table as (dotted key, value); a table is
/// walked into, anything else (lists included) is a leaf.
fn flatten(table: &toml::Table, prefix: &str, out: &mut Vec<(String, Value)>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            Value::Table(inner) => flatten(inner, &path, out),
            other => out.push((path, other.clone())),
        }
    }
}

/// Writes `value` at a dotted path into a scenario's TOML, creating the
/// tables on the way; a number indexes a list.
fn set_path(table: &mut toml::Table, key: &str, value: Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut written = table.contains_key(parts[0]);
    let mut here: &mut Value = table.entry(parts[0].to_owned()).or_insert_with(|| {
        if parts.len() > 1 { Value::Table(toml::Table::new()) } else { Value::Boolean(false) }
    });
    for (depth, part) in parts.iter().enumerate().skip(1) {
        let wanted = &parts[..depth].join(".");
        if !written && part.parse::<usize>().is_ok() {
            // A position in a list the scenario leaves to its default: the
            // list is not in the file, so there is nothing to index.
            return Err(format!(
                "the scenario does not write `{wanted}`, so it has its default; a position \
                 such as `{wanted}.{part}` can only be set where the scenario lists \
                 `{wanted}` itself (for instruments, as [[instrument]] tables)"
            ));
        }
        written = match &*here {
            Value::Table(t) => written && t.contains_key(*part),
            _ => written,
        };
        here = match here {
            Value::Table(t) => t.entry((*part).to_owned()).or_insert_with(|| {
                if depth + 1 < parts.len() {
                    Value::Table(toml::Table::new())
                } else {
                    Value::Boolean(false)
                }
            }),
            Value::Array(list) => {
                let i: usize = part.parse().map_err(|_| {
                    format!("`{wanted}` is a list; expected a position such as `{wanted}.0`")
                })?;
                let len = list.len();
                list.get_mut(i).ok_or_else(|| {
                    format!("`{wanted}` has {len} entries; position {i} is not one of them")
                })?
            }
            _ => return Err(format!("`{wanted}` is a single value, not a table or a list")),
        };
    }
    *here = value;
    Ok(())
}

/// Sets `NAME.PARAM` of a detector in the list.
fn set_param(detectors: &mut [Choice], rest: &str, value: &Value) -> Result<(), String> {
    let Some((name, param)) = rest.split_once('.') else {
        return Err(
            "expected `detectors.NAME.PARAM`, such as detectors.spoof_cancel.size_ratio".to_owned()
        );
    };
    let spec = registry::spec(name).map_err(|e| e.to_string())?;
    spec.param(param).map_err(|e| e.to_string())?;
    let number = match value {
        Value::Integer(i) => *i as f64,
        Value::Float(f) => *f,
        _ => return Err("expected a number".to_owned()),
    };
    let Some(choice) = detectors.iter_mut().find(|c| c.name == name) else {
        return Err(format!("detector `{name}` is not among the spec's `detectors`"));
    };
    choice.set(spec, param, number, &show(value)).map_err(|e| e.to_string())
}

/// Returns a value as TOML writes it.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<Spec, SpecError> {
        let spec = Spec::parse(text, Path::new("sweep.toml"))?;
        spec.check_cells()?;
        Ok(spec)
    }

    #[test]
    fn cells_follow_scenarios_then_grid_keys_then_seeds() {
        let s = spec(
            "scenarios = [\"small\"]\nseeds = \"1..2\"\n[grid]\napi_share = [0.1, 0.3]\n\
             abuse.spoofing.stealth = [\"easy\", \"hard\"]\n",
        )
        .unwrap();
        assert_eq!(s.len(), 8);
        let described: Vec<String> = s.cells().map(|c| s.describe(&c)).collect();
        assert_eq!(described[0], "scenario=small abuse.spoofing.stealth=easy api_share=0.1 seed=1");
        assert_eq!(described[1], "scenario=small abuse.spoofing.stealth=easy api_share=0.1 seed=2");
        assert_eq!(described[2], "scenario=small abuse.spoofing.stealth=easy api_share=0.3 seed=1");
        assert_eq!(described[7], "scenario=small abuse.spoofing.stealth=hard api_share=0.3 seed=2");
        assert!(!s.axes[0].numeric && s.axes[1].numeric);
    }

    #[test]
    fn overrides_reach_the_scenario_and_the_detectors() {
        let s = spec(
            "scenarios = [\"small\"]\nseeds = [3]\ndetectors = [\"spoof_cancel\"]\n\
             [set]\nduration_s = 60\n[grid]\napi_share = [0.6]\n\
             detectors.spoof_cancel.size_ratio = [7]\n",
        )
        .unwrap();
        let prepared = s.prepare(&s.cell(0)).unwrap();
        assert_eq!(prepared.loaded.api_share, 0.6);
        assert_eq!(prepared.loaded.scenario.duration_s.0, 60.0);
        assert_eq!(prepared.detectors[0].params.get("size_ratio"), Some(&7.0));
    }

    #[test]
    fn a_bad_override_names_the_spec_the_key_and_what_was_expected() {
        let message = spec("scenarios = [\"small\"]\nseeds = [1]\n[grid]\napi_share = [0.3, 7]\n")
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("sweep.toml: cell 1"), "{message}");
        assert!(message.contains("api_share") && message.contains("7"), "{message}");

        let message =
            spec("scenarios = [\"small\"]\nseeds = [1]\n[grid]\nmarket.api_share = [0.3]\n")
                .unwrap_err()
                .to_string();
        assert!(message.contains("market"), "{message}");

        let message = spec("scenarios = [\"small\"]\nseeds = [1]\n[grid]\napi_share = 0.3\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("expected a list"), "{message}");

        let message =
            spec("scenarios = [\"small\"]\nseeds = [1]\n[grid]\ndetectors.spoof_cancel.x = [1]\n")
                .unwrap_err()
                .to_string();
        assert!(message.contains("size_ratio"), "{message}");
        assert!(spec("scenarios = [\"nowhere\"]\nseeds = [1]\n").is_err());
        assert!(spec("scenarios = [\"small\"]\nseeds = [1, 1]\n").is_err());

        let message = spec("scenarios = [\"small\"]\nseeds = [-1]\n").unwrap_err().to_string();
        assert!(message.contains("expected a list of seeds"), "{message}");
        assert!(message.contains("line 2"), "{message}");

        // `small` leaves its instruments to the defaults; `default` lists them.
        let message =
            spec("scenarios = [\"small\"]\nseeds = [1]\n[set]\ninstrument.1.tick_size = 1\n")
                .unwrap_err()
                .to_string();
        assert!(message.contains("does not write `instrument`"), "{message}");
        assert!(message.contains("[[instrument]]"), "{message}");
        assert!(
            spec("scenarios = [\"default\"]\nseeds = [1]\n[set]\ninstrument.1.tick_size = 1\n")
                .is_ok()
        );

        let message = spec(
            "scenarios = [\"small\"]\nseeds = [1]\n\
             [set]\npolicy.interventions.detectors = [\"wash_rign\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(message.starts_with("sweep.toml: cell 0"), "{message}");
        assert!(message.contains("unknown detector `wash_rign`"), "{message}");
    }

    #[test]
    fn an_unknown_detector_parameter_is_named_before_its_value_is_judged() {
        let message = spec(
            "scenarios = [\"small\"]\nseeds = [1]\n[grid]\ndetectors.spoof_cancel.ratio = [\"abc\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(message.contains("has no parameter `ratio`"), "{message}");
        assert!(!message.contains("expected a number"), "{message}");
    }

    #[test]
    fn the_fingerprint_changes_with_what_decides_results_only() {
        let a = spec("scenarios = [\"small\"]\nseeds = [1]\n[grid]\napi_share = [0.1]\n").unwrap();
        let b =
            spec("# a comment\nscenarios = [\"small\"]\nseeds = [1]\n[grid]\napi_share = [0.1]\n")
                .unwrap();
        let c = spec("scenarios = [\"small\"]\nseeds = [2]\n[grid]\napi_share = [0.1]\n").unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
