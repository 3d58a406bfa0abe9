//! The `surveil` command-line program.
//!
//! It is the only part of surveil that prints, exits with a status or reads
//! the wall clock; running, scoring and rendering live in the libraries.

fn main() {}
