//! Ordinary trading around an episode, so that an abusive account's life
//! in the stream does not begin and end with its abuse.
//!
//! An account that first appeared at the moment its abuse began would give
//! itself away by its first appearance alone. So each account an abusive
//! agent creates also trades as a small API trader does, from the session
//! open until the episode starts and again after it ends. When the episode
//! starts, the ordinary trading cancels what it has resting and stops, so
//! every order the account places between the episode's start and end is
//! the episode's own and is labelled as such.

use crate::agents::honest::ApiTrader;
use crate::agents::{Agent, Ctx};
use crate::types::Nanos;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Before,
    During,
    After,
}

/// An abusive agent with the ordinary trading of its accounts around it.
pub(crate) struct Masked {
    abuse: Box<dyn Agent>,
    abuse_start: Nanos,
    abuse_next: Nanos,
    ordinary: Vec<(ApiTrader, Nanos)>,
    phase: Phase,
}

impl Masked {
    /// Wraps `abuse`, which first wakes at `abuse_start`, with one ordinary
    /// trader per account.
    pub(crate) fn new(
        abuse: Box<dyn Agent>,
        abuse_start: Nanos,
        ordinary: Vec<ApiTrader>,
    ) -> Masked {
        let ordinary = ordinary.into_iter().map(|t| {
            let first = t.next_action;
            (t, first)
        });
        Masked {
            abuse,
            abuse_start,
            abuse_next: abuse_start,
            ordinary: ordinary.collect(),
            phase: Phase::Before,
        }
    }

    /// The time the composite first wants to wake.
    pub(crate) fn first_wake(&self) -> Nanos {
        self.ordinary.iter().map(|&(_, t)| t).fold(self.abuse_start, Nanos::min)
    }
}

impl Agent for Masked {
    fn wake(&mut self, ctx: &mut Ctx<'_>) -> Option<Nanos> {
        let now = ctx.now;
        if self.phase == Phase::Before && now >= self.abuse_start {
            // Nothing ordinary may rest, or fill, inside the episode.
            for (trader, _) in &mut self.ordinary {
                trader.open.cancel_by(now);
                let access = trader.access;
                trader.open.cancel_due(ctx, access);
            }
            self.phase = Phase::During;
        }

        if self.phase == Phase::During {
            if self.abuse_next <= now {
                match self.abuse.wake(ctx) {
                    Some(next) => self.abuse_next = next.max(now + Nanos(1)),
                    None => {
                        self.phase = Phase::After;
                        for (trader, next) in &mut self.ordinary {
                            let gap = ctx.exp(trader.cfg.order_gap);
                            trader.next_action = now + gap;
                            *next = now + gap;
                        }
                    }
                }
            }
            if self.phase == Phase::During {
                return Some(self.abuse_next);
            }
        }

        for (trader, next) in &mut self.ordinary {
            if *next <= now {
                *next = trader.wake(ctx).unwrap_or(Nanos(u64::MAX)).max(now + Nanos(1));
            }
        }
        let ordinary = self.ordinary.iter().map(|&(_, t)| t).min();
        match self.phase {
            Phase::Before => Some(ordinary.map_or(self.abuse_start, |t| t.min(self.abuse_start))),
            _ => ordinary.filter(|&t| t < Nanos(u64::MAX)),
        }
    }
}
