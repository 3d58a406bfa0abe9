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

/// Every built-in scenario; the first is the default. Then come one
/// scenario per kind of abuse at each stealth level, the market variants
/// (illiquid, high automation, a long day, calm), one shaped like the
/// reference configuration of ABIDES for comparison with it, the quick
/// `small`, and the default market under each policy preset
/// (`default-controls-none`, `-whitelist`, `-interventions`, `-all`; see
/// [`crate::policy`]).
pub const BUILTINS: &[Builtin] = &[
    Builtin { name: "default", source: include_str!("../library/default.toml") },
    Builtin { name: "key_sharing-easy", source: include_str!("../library/key_sharing-easy.toml") },
    Builtin {
        name: "key_sharing-medium",
        source: include_str!("../library/key_sharing-medium.toml"),
    },
    Builtin { name: "key_sharing-hard", source: include_str!("../library/key_sharing-hard.toml") },
    Builtin { name: "spoofing-easy", source: include_str!("../library/spoofing-easy.toml") },
    Builtin { name: "spoofing-medium", source: include_str!("../library/spoofing-medium.toml") },
    Builtin { name: "spoofing-hard", source: include_str!("../library/spoofing-hard.toml") },
    Builtin {
        name: "wash_trading-easy",
        source: include_str!("../library/wash_trading-easy.toml"),
    },
    Builtin {
        name: "wash_trading-medium",
        source: include_str!("../library/wash_trading-medium.toml"),
    },
    Builtin {
        name: "wash_trading-hard",
        source: include_str!("../library/wash_trading-hard.toml"),
    },
    Builtin { name: "micro_burst-easy", source: include_str!("../library/micro_burst-easy.toml") },
    Builtin {
        name: "micro_burst-medium",
        source: include_str!("../library/micro_burst-medium.toml"),
    },
    Builtin { name: "micro_burst-hard", source: include_str!("../library/micro_burst-hard.toml") },
    Builtin { name: "pump-easy", source: include_str!("../library/pump-easy.toml") },
    Builtin { name: "pump-medium", source: include_str!("../library/pump-medium.toml") },
    Builtin { name: "pump-hard", source: include_str!("../library/pump-hard.toml") },
    Builtin { name: "illiquid", source: include_str!("../library/illiquid.toml") },
    Builtin { name: "high_automation", source: include_str!("../library/high_automation.toml") },
    Builtin { name: "long", source: include_str!("../library/long.toml") },
    Builtin { name: "calm", source: include_str!("../library/calm.toml") },
    Builtin { name: "abides-rmsc04", source: include_str!("../library/abides-rmsc04.toml") },
    Builtin { name: "small", source: include_str!("../library/small.toml") },
    Builtin {
        name: "default-controls-none",
        source: include_str!("../library/default-controls-none.toml"),
    },
    Builtin {
        name: "default-controls-whitelist",
        source: include_str!("../library/default-controls-whitelist.toml"),
    },
    Builtin {
        name: "default-controls-interventions",
        source: include_str!("../library/default-controls-interventions.toml"),
    },
    Builtin {
        name: "default-controls-all",
        source: include_str!("../library/default-controls-all.toml"),
    },
];

/// The scenario `surveil run` uses when none is named.
pub const DEFAULT: &str = "default";

/// Finds a built-in scenario by name.
pub fn find(name: &str) -> Option<Builtin> {
    BUILTINS.iter().copied().find(|b| b.name == name)
}
