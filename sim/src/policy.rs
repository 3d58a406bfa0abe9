//! Exchange controls: the levers an exchange can pull, not only watch.
//!
//! A [`PolicyConfig`] says which levers are on:
//!
//! - **keys**: every API key carries permissions (read, trade, withdraw)
//!   and, with whitelisting on, a list of the addresses it may be used
//!   from. A key is issued to its owner at its first use, with the address
//!   of that use on its whitelist. An owner's infrastructure moves now and
//!   then (its address changes within the same network block) and the
//!   owner sometimes forgets to update the whitelist until its requests are
//!   refused; an owner whose own requests come from an address not on the
//!   list (a traveller, a VPN user) adds it after a delay. Anyone else using
//!   the key (a key-sharing operator) is refused, unless the owner is in on
//!   the lease and whitelists the operator's address, which happens with a
//!   configured chance.
//! - **interventions**: actions the exchange takes on an account or key
//!   ([`Action`]): raising monitoring, a formal warning, a demand to
//!   re-verify identity (the account is paused until it completes), the
//!   forced expiry of a key (its owner is issued a new one after a delay;
//!   the operator of a leased key loses access unless the owner shares the
//!   new key too). Honest owners always complete re-verification; an
//!   abuser fails it, leaves after a warning, or is handed the new key,
//!   each with a configured chance. The harness decides when to act, from
//!   detector alerts; the simulator only carries actions out.
//! - **reconciliation**: at a fixed interval every account's cash and
//!   holdings, as the exchange books them at each fill, are checked against
//!   a settlement ledger built independently from the trade tape; a
//!   discrepancy halts trading until the books are corrected. A scenario
//!   can inject one (a fill booked twice) to exercise the halt.
//! - **circuit breaker**: the gateway halts trading when it receives more
//!   requests in one window than its budget, and resumes once the halt has
//!   lasted its minimum and the last window was within budget. A scenario
//!   can inject a malfunction that cuts the budget for a while.
//!
//! Every refusal is a public [`crate::event::Rejected`] (or cancel or amend
//! refusal) with its reason; every action, reconciliation, halt and
//! resumption is a public [`crate::event::Control`]. With every lever off
//! (the default) nothing here runs and the event stream is exactly the one
//! without controls: each lever draws only from its own random streams, and
//! only when it is on.

use std::collections::{HashMap, HashSet};

use rand::Rng;
use rand_distr::{Distribution, Exp};

use crate::access::{Access, Channel, Ip};
use crate::event::{Control, ControlKind, HaltCause, RejectReason};
use crate::reconcile::Ledger;
use crate::rng::{self, Stream};
use crate::types::{AccountId, KeyId, Nanos};

/// Which controls are on, and their parameters. The default is every lever
/// off.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyConfig {
    /// A short name, shown in results (`none`, `whitelist`, ...).
    pub name: String,
    /// Key permissions and IP whitelists.
    pub keys: Option<KeyPolicy>,
    /// Actions on accounts and keys, and how participants react to them.
    pub interventions: Option<InterventionPolicy>,
    /// The periodic balance reconciliation.
    pub reconciliation: Option<ReconciliationPolicy>,
    /// The gateway's request budget and the halt when it is exceeded.
    pub breaker: Option<BreakerPolicy>,
}

impl PolicyConfig {
    /// Tells whether any lever is on.
    pub fn is_active(&self) -> bool {
        self.keys.is_some()
            || self.interventions.is_some()
            || self.reconciliation.is_some()
            || self.breaker.is_some()
    }
}

/// What a key allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permissions {
    /// Reading balances and market data.
    pub read: bool,
    /// Sending, amending and cancelling orders.
    pub trade: bool,
    /// Withdrawing funds; the simulated market has no withdrawals, so this
    /// permission is recorded but never asked for.
    pub withdraw: bool,
}

impl Permissions {
    /// Reading only.
    pub const READ_ONLY: Permissions = Permissions { read: true, trade: false, withdraw: false };
    /// Reading and trading, no withdrawals: the split a cautious exchange
    /// issues to trading bots.
    pub const TRADE: Permissions = Permissions { read: true, trade: true, withdraw: false };
    /// Everything.
    pub const ALL: Permissions = Permissions { read: true, trade: true, withdraw: true };
}

/// Key permissions and IP whitelists.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyPolicy {
    /// Whether keys work only from the addresses on their whitelist.
    pub whitelist: bool,
    /// The permissions every key is issued with.
    pub permissions: Permissions,
    /// How often an owner's infrastructure moves to a new address, per key
    /// per day.
    pub ip_moves_per_day: f64,
    /// The chance that an owner whose address moved forgets to whitelist
    /// the new one until requests from it are refused.
    pub forget_share: f64,
    /// The mean time an owner takes to whitelist an address of its own
    /// after the first refusal from it.
    pub update_delay: Nanos,
    /// The chance that the owner of a leased key whitelists an operator's
    /// address.
    pub operator_whitelisted_share: f64,
}

/// Actions on accounts and keys: when the harness takes them and how
/// participants react.
#[derive(Clone, Debug, PartialEq)]
pub struct InterventionPolicy {
    /// The detectors whose alerts lead to actions, by name; the simulator
    /// only carries the list for the harness.
    pub detectors: Vec<String>,
    /// Time from an alert to the action it leads to: human review.
    pub review_delay: Nanos,
    /// The same for an account whose monitoring was raised.
    pub monitored_review_delay: Nanos,
    /// Alerts on an account before it is warned (and its monitoring
    /// raised).
    pub warn_after: u32,
    /// Alerts before re-verification is demanded.
    pub reverify_after: u32,
    /// Alerts on a key before it is expired.
    pub expire_after: u32,
    /// The mean time an honest owner takes to complete re-verification.
    pub reverify_time: Nanos,
    /// The mean time before the owner of an expired key has a new one.
    pub reissue_delay: Nanos,
    /// The chance an abuser never completes re-verification.
    pub abuser_fails_reverification: f64,
    /// The chance an abuser stops trading on a warning.
    pub abuser_leaves_on_warning: f64,
    /// The chance the owner of a leased key shares its new key with the
    /// operator after an expiry.
    pub abuser_reshares_key: f64,
}

/// The periodic balance reconciliation.
#[derive(Clone, Debug, PartialEq)]
pub struct ReconciliationPolicy {
    /// Time between checks.
    pub interval: Nanos,
    /// When to inject a discrepancy (the next fill is booked twice), if at
    /// all.
    pub inject_at: Option<Nanos>,
    /// Time from the halt to the correction of the books, after which a
    /// check runs at once and trading resumes if it passes.
    pub correct_after: Nanos,
}

/// The gateway's request budget.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerPolicy {
    /// The length of the window requests are counted in.
    pub window: Nanos,
    /// Requests per window the gateway can process.
    pub budget: u32,
    /// The shortest halt.
    pub resume_after: Nanos,
    /// An injected malfunction, if any.
    pub malfunction: Option<Malfunction>,
}

/// A stretch during which the gateway can process fewer requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Malfunction {
    /// When it starts.
    pub at: Nanos,
    /// How long it lasts.
    pub lasts: Nanos,
    /// Requests per window the gateway can process meanwhile.
    pub budget: u32,
}

/// An action the exchange takes on an account or a key, from outside the
/// simulator (see [`crate::Simulation::apply`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Watch the account more closely.
    RaiseMonitoring(AccountId),
    /// Send the account a formal warning.
    Warn(AccountId),
    /// Pause the account until its owner re-verifies their identity.
    RequireReverification(AccountId),
    /// Expire the key.
    ExpireKey(KeyId),
}

/// What a request asks of the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// A new order or an amend: trading permission, and no halt.
    Order,
    /// A cancel: trading permission; allowed during a halt.
    Cancel,
}

/// Why a request does not reach the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Refused, publicly, with this reason.
    Public(RejectReason),
    /// Never sent: the participant has left, or its client stopped at an
    /// earlier refusal for this reason.
    Silent(RejectReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Paused until re-verification; `told` once a request was refused, after
    /// which the account's clients stop sending.
    Paused {
        told: bool,
    },
    Departed,
}

/// A key as the gateway knows it.
#[derive(Debug)]
struct KeyState {
    owner: AccountId,
    /// The participant who first used the key: its owner.
    owner_actor: u32,
    permissions: Permissions,
    /// The address of the key's first use.
    origin: Ip,
    /// Where the owner's infrastructure is now.
    home: Ip,
    next_move: Nanos,
    /// Addresses and the time from which each is on the whitelist;
    /// `Nanos(u64::MAX)` marks one refused for good.
    whitelist: Vec<(Ip, Nanos)>,
    expired: bool,
    /// Whether the owner was refused for the expiry already.
    owner_told: bool,
    /// The key that replaced an expired one, and whether the owner shared
    /// it with others.
    successor: Option<(KeyId, bool)>,
    stream: Stream,
}

const NEVER: Nanos = Nanos(u64::MAX);

/// The gateway's side of the controls: who may send what, from where,
/// and whether trading is halted.
#[derive(Debug)]
pub(crate) struct Gate {
    seed: u64,
    keys_policy: Option<KeyPolicy>,
    breaker: Option<BreakerPolicy>,
    /// The participant whose request is being handled.
    pub(crate) actor: u32,
    keys: HashMap<KeyId, KeyState>,
    standing: HashMap<AccountId, Standing>,
    halted: Option<HaltCause>,
    halted_since: Nanos,
    window: u64,
    window_requests: u32,
    last_window_requests: u32,
    notices: Vec<Control>,
    /// The balances the exchange books at each fill, when reconciliation is
    /// on.
    pub(crate) ledger: Option<Ledger>,
    /// The accounts in an abuse episode, as the simulator (not the
    /// exchange) knows them: it decides how their owners behave.
    pub(crate) abusive: HashSet<AccountId>,
    refused: bool,
    /// Whether any request of the participant now acting was refused or
    /// dropped; cleared as each participant wakes.
    pub(crate) refused_this_wake: bool,
}

impl Gate {
    pub(crate) fn new(seed: u64, policy: &PolicyConfig) -> Gate {
        Gate {
            seed,
            keys_policy: policy.keys,
            breaker: policy.breaker.clone(),
            actor: 0,
            keys: HashMap::new(),
            standing: HashMap::new(),
            halted: None,
            halted_since: Nanos(0),
            window: 0,
            window_requests: 0,
            last_window_requests: 0,
            notices: Vec::new(),
            ledger: policy.reconciliation.as_ref().map(|_| Ledger::default()),
            abusive: HashSet::new(),
            refused: false,
            refused_this_wake: false,
        }
    }

    /// Moves the controls used while admitting requests to `out`.
    pub(crate) fn take_notices(&mut self, out: &mut Vec<Control>) {
        out.append(&mut self.notices);
    }

    /// Decides whether a request passes, and rewrites its access where the
    /// world changed under the sender: the owner's moved address, the key
    /// that replaced an expired one.
    pub(crate) fn admit(
        &mut self,
        now: Nanos,
        access: &mut Access,
        need: Need,
    ) -> Result<(), Refusal> {
        self.count(now);
        self.refused = false;
        let verdict = self.verdict(now, access, need);
        self.refused = matches!(verdict, Err(Refusal::Public(_)));
        self.refused_this_wake |= verdict.is_err();
        verdict
    }

    /// Tells whether the last request was refused, in public, by a control.
    pub(crate) fn refused(&self) -> bool {
        self.refused
    }

    fn verdict(&mut self, now: Nanos, access: &mut Access, need: Need) -> Result<(), Refusal> {
        match self.standing.get_mut(&access.account) {
            Some(Standing::Departed) => return Err(Refusal::Silent(RejectReason::AccountPaused)),
            Some(Standing::Paused { told: true }) => {
                return Err(Refusal::Silent(RejectReason::AccountPaused));
            }
            Some(Standing::Paused { told }) => {
                *told = true;
                return Err(Refusal::Public(RejectReason::AccountPaused));
            }
            None => {}
        }
        if let Channel::Api(key) = access.channel {
            self.check_key(now, key, access)?;
        }
        if self.halted.is_some() && need == Need::Order {
            return Err(Refusal::Public(RejectReason::TradingHalted));
        }
        Ok(())
    }

    fn check_key(&mut self, now: Nanos, key: KeyId, access: &mut Access) -> Result<(), Refusal> {
        let actor = self.actor;
        let policy = self.keys_policy;
        let seed = self.seed;
        let state = self
            .keys
            .entry(key)
            .or_insert_with(|| KeyState::issued(seed, key, access, actor, now, policy.as_ref()));
        if state.expired {
            let (next, _) = match state.successor {
                Some(s) if actor == state.owner_actor || s.1 => s,
                // The owner's client stops at the first refusal and waits
                // for the new key; anyone else keeps trying.
                _ if actor == state.owner_actor && state.owner_told => {
                    return Err(Refusal::Silent(RejectReason::KeyExpired));
                }
                _ => {
                    state.owner_told |= actor == state.owner_actor;
                    return Err(Refusal::Public(RejectReason::KeyExpired));
                }
            };
            access.channel = Channel::Api(next);
            return self.check_key(now, next, access);
        }
        if !state.permissions.trade {
            return Err(Refusal::Public(RejectReason::NoPermission));
        }
        let Some(policy) = policy.filter(|p| p.whitelist) else {
            return Ok(());
        };

        // The owner's own infrastructure: it may have moved since.
        let own = actor == state.owner_actor;
        if own && access.ip == state.origin {
            while now >= state.next_move {
                let moved =
                    Ip(state.home.0 & 0xFF00_0000 | state.stream.random::<u32>() & 0xFF_FFFF);
                let listed = if state.stream.random_bool(policy.forget_share.clamp(0.0, 1.0)) {
                    NEVER
                } else {
                    state.next_move
                };
                let old = state.home;
                state.whitelist.retain(|&(ip, _)| ip != old);
                state.whitelist.push((moved, listed));
                state.home = moved;
                let gap = draw_exp(&mut state.stream, day_fraction(policy.ip_moves_per_day));
                state.next_move = Nanos(state.next_move.0.saturating_add(gap.0));
            }
            access.ip = state.home;
        }

        match state.whitelist.iter_mut().find(|(ip, _)| *ip == access.ip) {
            Some((_, from)) if *from <= now => return Ok(()),
            Some((_, from)) => {
                // An owner who forgot notices the first refusal.
                if own && *from == NEVER {
                    *from = now + draw_exp(&mut state.stream, policy.update_delay);
                }
                return Err(Refusal::Public(RejectReason::NotWhitelisted));
            }
            None => {}
        }
        let from = if own {
            now + draw_exp(&mut state.stream, policy.update_delay)
        } else if self.abusive.contains(&state.owner)
            && state.stream.random_bool(policy.operator_whitelisted_share.clamp(0.0, 1.0))
        {
            now
        } else {
            NEVER
        };
        state.whitelist.push((access.ip, from));
        if from <= now { Ok(()) } else { Err(Refusal::Public(RejectReason::NotWhitelisted)) }
    }

    /// Counts a request against the breaker's budget, halting or resuming.
    fn count(&mut self, now: Nanos) {
        let Some(b) = &self.breaker else { return };
        let window = now.0 / b.window.0.max(1);
        if window != self.window {
            self.last_window_requests =
                if window == self.window + 1 { self.window_requests } else { 0 };
            self.window = window;
            self.window_requests = 0;
            if self.halted == Some(HaltCause::Overload)
                && now >= self.halted_since + b.resume_after
                && self.last_window_requests <= budget_at(b, now)
            {
                self.halted = None;
                self.notices.push(exchange_control(ControlKind::Resumed));
            }
        }
        self.window_requests += 1;
        if self.halted.is_none() && self.window_requests > budget_at(b, now) {
            self.halt(now, HaltCause::Overload);
        }
    }

    pub(crate) fn halt(&mut self, now: Nanos, cause: HaltCause) {
        self.halted = Some(cause);
        self.halted_since = now;
        self.notices.push(exchange_control(ControlKind::Halted { cause }));
    }

    pub(crate) fn resume(&mut self) -> bool {
        self.halted.take().is_some()
    }

    pub(crate) fn halted(&self) -> Option<HaltCause> {
        self.halted
    }

    pub(crate) fn pause(&mut self, account: AccountId) -> bool {
        if self.standing.contains_key(&account) {
            return false;
        }
        self.standing.insert(account, Standing::Paused { told: false });
        true
    }

    pub(crate) fn unpause(&mut self, account: AccountId) -> bool {
        if matches!(self.standing.get(&account), Some(Standing::Paused { .. })) {
            self.standing.remove(&account);
            return true;
        }
        false
    }

    pub(crate) fn depart(&mut self, account: AccountId) {
        self.standing.insert(account, Standing::Departed);
    }

    /// Returns the owner of a key the gateway has seen.
    pub(crate) fn owner_of(&self, key: KeyId) -> Option<AccountId> {
        self.keys.get(&key).map(|s| s.owner)
    }

    /// Expires a key; returns its owner, or `None` when the key was never
    /// used or is already expired.
    pub(crate) fn expire(&mut self, key: KeyId) -> Option<AccountId> {
        let state = self.keys.get_mut(&key).filter(|s| !s.expired)?;
        state.expired = true;
        Some(state.owner)
    }

    /// Issues `next` to the owner of the expired `old`, with the same
    /// whitelist, shared with others or not.
    pub(crate) fn reissue(
        &mut self,
        now: Nanos,
        old: KeyId,
        next: KeyId,
        shared: bool,
    ) -> Option<AccountId> {
        let seed = self.seed;
        let state = self.keys.get_mut(&old)?;
        state.successor = Some((next, shared));
        let mut fresh = KeyState {
            owner: state.owner,
            owner_actor: state.owner_actor,
            permissions: state.permissions,
            origin: state.origin,
            home: state.home,
            next_move: state.next_move,
            whitelist: state.whitelist.clone(),
            expired: false,
            owner_told: false,
            successor: None,
            stream: rng::stream(seed, "policy_key", u64::from(next.0)),
        };
        let owner = fresh.owner;
        if shared {
            // The owner whitelists the addresses it had refused.
            for entry in &mut fresh.whitelist {
                entry.1 = entry.1.min(now);
            }
        }
        self.keys.insert(next, fresh);
        Some(owner)
    }

    /// Registers a key with given permissions and whitelist, as if issued
    /// to `owner` used by the participant `actor`.
    pub(crate) fn register(
        &mut self,
        key: KeyId,
        owner: AccountId,
        actor: u32,
        permissions: Permissions,
        whitelist: &[Ip],
    ) {
        let origin = whitelist.first().copied().unwrap_or(Ip(0));
        let state = KeyState {
            owner,
            owner_actor: actor,
            permissions,
            origin,
            home: origin,
            next_move: NEVER,
            whitelist: whitelist.iter().map(|&ip| (ip, Nanos(0))).collect(),
            expired: false,
            owner_told: false,
            successor: None,
            stream: rng::stream(self.seed, "policy_key", u64::from(key.0)),
        };
        self.keys.insert(key, state);
    }
}

impl KeyState {
    fn issued(
        seed: u64,
        key: KeyId,
        access: &Access,
        actor: u32,
        now: Nanos,
        policy: Option<&KeyPolicy>,
    ) -> KeyState {
        let permissions = policy.map_or(Permissions::ALL, |p| p.permissions);
        let mut stream = rng::stream(seed, "policy_key", u64::from(key.0));
        let next_move = match policy {
            Some(p) if p.whitelist && p.ip_moves_per_day > 0.0 => {
                now + draw_exp(&mut stream, day_fraction(p.ip_moves_per_day))
            }
            _ => NEVER,
        };
        KeyState {
            owner: access.account,
            owner_actor: actor,
            permissions,
            origin: access.ip,
            home: access.ip,
            next_move,
            whitelist: vec![(access.ip, Nanos(0))],
            expired: false,
            owner_told: false,
            successor: None,
            stream,
        }
    }
}

/// The mean time between events that happen `per_day` times a day.
fn day_fraction(per_day: f64) -> Nanos {
    if per_day <= 0.0 {
        return NEVER;
    }
    Nanos::from_secs_f64(86_400.0 / per_day)
}

/// Draws an exponential delay with the given mean, at least a nanosecond.
pub(crate) fn draw_exp(stream: &mut Stream, mean: Nanos) -> Nanos {
    if mean == NEVER {
        return NEVER;
    }
    let mean = mean.0.max(1) as f64;
    let draw: f64 = Exp::new(1.0 / mean).map_or(mean, |d| d.sample(stream));
    Nanos((draw as u64).max(1))
}

fn budget_at(b: &BreakerPolicy, now: Nanos) -> u32 {
    match b.malfunction {
        Some(m) if now >= m.at && now < m.at + m.lasts => m.budget,
        _ => b.budget,
    }
}

/// A control about the whole market.
pub(crate) fn exchange_control(kind: ControlKind) -> Control {
    Control { kind, account: None, key: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Client, Network, RegionId};
    use crate::event::{EventBody, RejectReason};
    use crate::exchange::{Exchange, InstrumentSpec, OrderRequest};
    use crate::types::{InstrumentId, Price, Qty, Side};

    const I: InstrumentId = InstrumentId(0);
    const OWNER: AccountId = AccountId(7);
    const KEY: KeyId = KeyId(70);
    const HOME: Ip = Ip(0x0B00_0001);
    const ELSEWHERE: Ip = Ip(0x0C00_0002);

    fn spec() -> InstrumentSpec {
        InstrumentSpec {
            symbol: "TEST-KRW".into(),
            krw_per_tick: 1.0,
            tokens_per_lot: 1.0,
            min_price: Price(1),
            max_price: Price(1_000),
            min_qty: Qty(1),
            max_qty: Qty(100),
            tick_size: 1,
            lot_size: 1,
        }
    }

    fn whitelisting() -> PolicyConfig {
        PolicyConfig {
            name: "whitelist".into(),
            keys: Some(KeyPolicy {
                whitelist: true,
                permissions: Permissions::TRADE,
                ip_moves_per_day: 0.0,
                forget_share: 0.0,
                update_delay: Nanos::from_secs(600),
                operator_whitelisted_share: 0.0,
            }),
            ..PolicyConfig::default()
        }
    }

    fn from(ip: Ip) -> Access {
        Access {
            account: OWNER,
            channel: Channel::Api(KEY),
            ip,
            region: RegionId(0),
            network: Network::Cloud,
            client: Client::KnownLibrary(0),
        }
    }

    fn bid() -> OrderRequest {
        OrderRequest::limit(I, Side::Buy, Price(10), Qty(1))
    }

    fn exchange(policy: &PolicyConfig) -> Exchange {
        let mut ex = Exchange::new(vec![spec()]);
        ex.enable_controls(1, policy);
        ex
    }

    fn refusals(ex: &mut Exchange) -> Vec<RejectReason> {
        let mut out = Vec::new();
        ex.drain_events(&mut out);
        out.iter()
            .filter_map(|e| match e.body {
                EventBody::Rejected(r) => Some(r.reason),
                EventBody::CancelRejected(r) => Some(r.reason),
                EventBody::AmendRejected(r) => Some(r.reason),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_request_from_an_address_off_the_whitelist_is_refused_in_public() {
        let mut ex = exchange(&whitelisting());
        ex.issue_key(KEY, OWNER, Permissions::TRADE, &[HOME]);
        assert!(ex.submit(Nanos(1), from(HOME), bid()).is_ok());

        // Another participant with the same key, from elsewhere.
        ex.gate_mut().unwrap().actor = 1;
        assert_eq!(ex.submit(Nanos(2), from(ELSEWHERE), bid()), Err(RejectReason::NotWhitelisted));
        assert_eq!(
            ex.submit(Nanos::from_secs(3600), from(ELSEWHERE), bid()),
            Err(RejectReason::NotWhitelisted),
            "an operator's address stays refused"
        );
        assert_eq!(refusals(&mut ex), vec![RejectReason::NotWhitelisted; 2]);
    }

    #[test]
    fn an_owner_whitelists_a_new_address_of_its_own_after_a_delay() {
        let mut ex = exchange(&whitelisting());
        ex.issue_key(KEY, OWNER, Permissions::TRADE, &[HOME]);
        assert_eq!(ex.submit(Nanos(5), from(ELSEWHERE), bid()), Err(RejectReason::NotWhitelisted));
        assert!(ex.submit(Nanos::from_secs(86_400), from(ELSEWHERE), bid()).is_ok());
    }

    #[test]
    fn a_read_only_key_cannot_trade() {
        let mut ex = exchange(&whitelisting());
        ex.issue_key(KEY, OWNER, Permissions::READ_ONLY, &[HOME]);
        assert_eq!(ex.submit(Nanos(1), from(HOME), bid()), Err(RejectReason::NoPermission));
        assert_eq!(
            ex.cancel(Nanos(2), from(HOME), crate::OrderId(1)),
            Err(RejectReason::NoPermission)
        );
        assert_eq!(refusals(&mut ex), vec![RejectReason::NoPermission; 2]);
    }

    #[test]
    fn an_expired_key_is_refused_from_anywhere_until_a_new_one_is_issued() {
        let mut ex = exchange(&whitelisting());
        ex.issue_key(KEY, OWNER, Permissions::TRADE, &[HOME]);
        let resting = ex.submit(Nanos(1), from(HOME), bid()).unwrap().id;
        assert_eq!(ex.gate_mut().unwrap().expire(KEY), Some(OWNER));
        for (t, ip) in [(2, HOME), (3, ELSEWHERE), (4, HOME)] {
            assert_eq!(ex.submit(Nanos(t), from(ip), bid()), Err(RejectReason::KeyExpired));
        }
        assert_eq!(ex.cancel(Nanos(5), from(HOME), resting), Err(RejectReason::KeyExpired));
        ex.gate_mut().unwrap().actor = 1;
        assert_eq!(ex.submit(Nanos(5), from(ELSEWHERE), bid()), Err(RejectReason::KeyExpired));
        assert_eq!(
            refusals(&mut ex),
            vec![RejectReason::KeyExpired; 2],
            "the owner's client stops at its first refusal; anyone else is refused each time"
        );
        ex.gate_mut().unwrap().actor = 0;

        // The owner's new key works for the owner, not for anyone else.
        ex.gate_mut().unwrap().reissue(Nanos(6), KEY, KeyId(71), false);
        let placed = ex.submit(Nanos(7), from(HOME), bid());
        assert!(placed.is_ok());
        ex.gate_mut().unwrap().actor = 1;
        assert_eq!(ex.submit(Nanos(8), from(HOME), bid()), Err(RejectReason::KeyExpired));
        let mut out = Vec::new();
        ex.drain_events(&mut out);
        let last_accepted = out.iter().rev().find_map(|e| match e.body {
            EventBody::Accepted(a) => Some(a.access.channel),
            _ => None,
        });
        assert_eq!(last_accepted, Some(Channel::Api(KeyId(71))), "reported with the new key");
    }

    #[test]
    fn the_breaker_halts_an_overloaded_gateway_and_resumes_after_its_minimum() {
        let policy = PolicyConfig {
            breaker: Some(BreakerPolicy {
                window: Nanos::from_secs(1),
                budget: 3,
                resume_after: Nanos::from_secs(5),
                malfunction: None,
            }),
            ..PolicyConfig::default()
        };
        let mut ex = exchange(&policy);
        for i in 0..3 {
            assert!(ex.submit(Nanos(i), from(HOME), bid()).is_ok());
        }
        assert_eq!(ex.submit(Nanos(4), from(HOME), bid()), Err(RejectReason::TradingHalted));
        assert_eq!(
            ex.submit(Nanos::from_secs(2), from(HOME), bid()),
            Err(RejectReason::TradingHalted),
            "still within the shortest halt"
        );
        assert!(ex.submit(Nanos::from_secs(7), from(HOME), bid()).is_ok());
        let mut out = Vec::new();
        ex.drain_events(&mut out);
        let controls: Vec<ControlKind> = out
            .iter()
            .filter_map(|e| match e.body {
                EventBody::Control(c) => Some(c.kind),
                _ => None,
            })
            .collect();
        assert_eq!(
            controls,
            vec![ControlKind::Halted { cause: HaltCause::Overload }, ControlKind::Resumed]
        );
    }
}
