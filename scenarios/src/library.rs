//! The built-in scenarios, compiled into the binary from
//! `scenarios/library/*.toml` so that surveil runs with no files at all.

/// A scenario that ships with surveil.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// The name it is run by.
    pub name: &'static str,
    /// Its TOML source.
    pub source: &'static str,
}

/// Every built-in scenario; the first is the default.
pub const BUILTINS: &[Builtin] = &[
    Builtin { name: "default", source: include_str!("../library/default.toml") },
    Builtin { name: "small", source: include_str!("../library/small.toml") },
];

/// The scenario `surveil run` uses when none is named.
pub const DEFAULT: &str = "default";

/// Finds a built-in scenario by name.
pub fn find(name: &str) -> Option<Builtin> {
    BUILTINS.iter().copied().find(|b| b.name == name)
}
