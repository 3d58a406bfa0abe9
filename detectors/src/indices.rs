//! Dense indices of the accounts, API keys and addresses an event stream
//! names, handed out once for every detector.
//!
//! The simulator draws account, key and address ids at random over wide
//! ranges, so that no label can be read from an id; a detector that keeps
//! state per account therefore has to look each id up in a hash map, on
//! nearly every event. An [`Indexer`] does those look-ups once per event
//! for all detectors: it gives each account, key and address it meets the
//! next free index of its kind, 0, 1, 2 and so on, in the order they first
//! appear in the stream, and records each event's indices beside it. A
//! detector then keeps its per-entity state in vectors indexed by them.
//!
//! The order of first appearance is public (anyone watching the stream
//! sees it), so the indices leak nothing a detector could not see anyway.
//! Within an event, entities are met in a fixed order: for a trade the
//! maker's access before the taker's; within an access, the account, then
//! the key, then the address. Two indexers fed the same stream from its
//! start therefore give the same indices.
//!
//! An index table grows with the distinct entities seen, never with the
//! number of events.
//!
//! The harness hands events with their indices to
//! [`Detector::on_indexed`](crate::Detector::on_indexed) as an
//! [`Indexed`] view. A detector that ignores the indices needs nothing from
//! this module; the built-ins use it to keep their state in vectors.

use std::collections::hash_map::Entry;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;
use surveil_sim::event::Trade;
use surveil_sim::{Access, AccountId, Channel, Event, EventBody, Ip, KeyId, Side};

/// An account's dense index: its rank among the accounts of the stream
/// by first appearance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountIndex(pub u32);

/// An API key's dense index: its rank among the keys of the stream by
/// first appearance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyIndex(pub u32);

/// A source address's dense index: its rank among the addresses of the
/// stream by first appearance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpIndex(pub u32);

impl AccountIndex {
    /// Returns the index as a position in a vector.
    #[inline(always)]
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl KeyIndex {
    /// Returns the index as a position in a vector.
    #[inline(always)]
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl IpIndex {
    /// Returns the index as a position in a vector.
    #[inline(always)]
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// The dense indices of one access record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccessIndices {
    /// The account's index.
    pub account: AccountIndex,
    /// The API key's index; `None` for the web and mobile front ends.
    pub key: Option<KeyIndex>,
    /// The source address's index.
    pub ip: IpIndex,
}

/// The dense indices of the entities one event names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventIndices {
    /// The indices of the event's access, [`EventBody::access`]: the
    /// taker's for a trade.
    pub access: AccessIndices,
    /// For a trade, the indices of the maker's access; for any other event,
    /// the same as `access`.
    pub maker: AccessIndices,
}

impl EventIndices {
    /// Returns the indices of the buyer of `trade`, the trade of the event
    /// these are the indices of.
    #[inline(always)]
    pub fn buyer(&self, trade: &Trade) -> &AccessIndices {
        match trade.taker_side {
            Side::Buy => &self.access,
            Side::Sell => &self.maker,
        }
    }

    /// Returns the indices of the seller of `trade`, the trade of the event
    /// these are the indices of.
    #[inline(always)]
    pub fn seller(&self, trade: &Trade) -> &AccessIndices {
        match trade.taker_side {
            Side::Buy => &self.maker,
            Side::Sell => &self.access,
        }
    }
}

/// Tells which indexer gave a view its indices, so that a detector can
/// refuse indices from two indexers, which would not agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source(u64);

/// The next indexer's [`Source`]; only ever compared for equality.
static NEXT_SOURCE: AtomicU64 = AtomicU64::new(0);

/// Gives accounts, keys and addresses dense indices in order of first
/// appearance, and records each event's.
///
/// An indexer must see the stream from its start and every event of it,
/// in order. It is not `Clone`, so that two indexers never share a
/// [`Source`].
#[derive(Debug)]
pub struct Indexer {
    source: Source,
    accounts: FxHashMap<AccountId, Known>,
    keys: FxHashMap<KeyId, KeyIndex>,
    ips: FxHashMap<Ip, IpIndex>,
    /// The last access record met, and its indices: most events repeat
    /// the access of the event before them.
    last: Option<(Access, AccessIndices)>,
}

/// An account met before, with the channel and address of its last
/// access and that access's indices: an account mostly keeps both, and
/// then one look-up replaces three.
#[derive(Clone, Copy, Debug)]
struct Known {
    channel: Channel,
    ip: Ip,
    indices: AccessIndices,
}

impl Default for Indexer {
    fn default() -> Indexer {
        Indexer::new()
    }
}

impl Indexer {
    /// Creates an indexer that has met nothing yet.
    pub fn new() -> Indexer {
        Indexer {
            source: Source(NEXT_SOURCE.fetch_add(1, Ordering::Relaxed)),
            accounts: FxHashMap::default(),
            keys: FxHashMap::default(),
            ips: FxHashMap::default(),
            last: None,
        }
    }

    /// Returns the number of distinct accounts met so far: every account
    /// index given is below it.
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// Returns the number of distinct API keys met so far.
    pub fn keys(&self) -> usize {
        self.keys.len()
    }

    /// Returns the number of distinct addresses met so far.
    pub fn ips(&self) -> usize {
        self.ips.len()
    }

    /// Returns the indices of an access record, giving new entities the
    /// next free indices.
    #[inline(always)]
    fn access(&mut self, access: &Access) -> AccessIndices {
        match &self.last {
            Some((last, indices))
                if last.account == access.account
                    && last.ip == access.ip
                    && last.channel == access.channel =>
            {
                *indices
            }
            _ => self.other_access(access),
        }
    }

    /// Returns the indices of an access record other than the last one.
    #[inline(never)]
    fn other_access(&mut self, access: &Access) -> AccessIndices {
        let next = AccountIndex(self.accounts.len() as u32);
        let entry = self.accounts.entry(access.account);
        let account = match &entry {
            Entry::Occupied(known) => {
                let known = known.get();
                if known.channel == access.channel && known.ip == access.ip {
                    let indices = known.indices;
                    self.last = Some((*access, indices));
                    return indices;
                }
                known.indices.account
            }
            Entry::Vacant(_) => next,
        };

        let key = access.channel.key().map(|key| {
            let next = KeyIndex(self.keys.len() as u32);
            *self.keys.entry(key).or_insert(next)
        });
        let next = IpIndex(self.ips.len() as u32);
        let ip = *self.ips.entry(access.ip).or_insert(next);
        let indices = AccessIndices { account, key, ip };
        let known = Known { channel: access.channel, ip: access.ip, indices };
        match entry {
            Entry::Occupied(mut e) => {
                e.insert(known);
            }
            Entry::Vacant(e) => {
                e.insert(known);
            }
        }
        self.last = Some((*access, indices));
        indices
    }

    /// Returns the indices of the entities one event names, giving new ones
    /// the next free indices.
    pub fn event(&mut self, event: &Event) -> EventIndices {
        self.event_inline(event)
    }

    /// What [`Indexer::event`] does, inlined into the loop over a batch.
    #[inline(always)]
    fn event_inline(&mut self, event: &Event) -> EventIndices {
        if let EventBody::Trade(t) = &event.body {
            let maker = self.access(&t.maker.access);
            let access = self.access(&t.taker.access);
            EventIndices { access, maker }
        } else {
            let access = self.access(event.body.access());
            EventIndices { access, maker: access }
        }
    }

    /// Indexes consecutive events of the stream, the next batch, into
    /// `indices`, replacing what they held.
    // Never inlined, so that a profiler can single out the indexing.
    #[inline(never)]
    pub fn index(&mut self, events: &[Event], indices: &mut BatchIndices) {
        indices.list.clear();
        indices.list.extend(events.iter().map(|e| self.event_inline(e)));
        indices.source = Some(self.source);
    }

    /// Returns what tells this indexer's views apart from any other's.
    pub fn source(&self) -> Source {
        self.source
    }
}

/// The indices of a batch of events as [`Indexer::index`] recorded them,
/// kept apart from the events so that a batch shared between threads can
/// be shared with its indices; [`BatchIndices::view`] puts the two
/// together.
#[derive(Clone, Debug, Default)]
pub struct BatchIndices {
    list: Vec<EventIndices>,
    source: Option<Source>,
}

impl BatchIndices {
    /// Creates an empty list with room for the indices of `events` events.
    pub fn with_capacity(events: usize) -> BatchIndices {
        BatchIndices { list: Vec::with_capacity(events), source: None }
    }

    /// Returns the batch of events these are the indices of, with them.
    ///
    /// # Panics
    ///
    /// Panics when nothing was indexed into the list, or when `events`
    /// are not as many as the events indexed, which would mean they are
    /// not the batch indexed.
    pub fn view<'a>(&'a self, events: &'a [Event]) -> Indexed<'a> {
        let source = self.source.expect("a batch is indexed before it is viewed");
        assert_eq!(events.len(), self.list.len(), "a batch is viewed with its own indices");
        Indexed { events, indices: &self.list, source }
    }
}

/// Consecutive events of the stream with the dense indices of the entities
/// each names: what [`BatchIndices::view`] returns.
#[derive(Clone, Copy, Debug)]
pub struct Indexed<'a> {
    events: &'a [Event],
    indices: &'a [EventIndices],
    source: Source,
}

impl<'a> Indexed<'a> {
    /// Returns the events.
    pub fn events(&self) -> &'a [Event] {
        self.events
    }

    /// Returns each event's indices, in the events' order.
    pub fn indices(&self) -> &'a [EventIndices] {
        self.indices
    }

    /// Returns the number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Tells whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Returns the events in `range`, with their indices.
    ///
    /// # Panics
    ///
    /// Panics when `range` reaches beyond the events, as slicing does.
    pub fn slice(&self, range: Range<usize>) -> Indexed<'a> {
        Indexed {
            events: &self.events[range.clone()],
            indices: &self.indices[range],
            source: self.source,
        }
    }

    /// Returns each event with its indices, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a Event, &'a EventIndices)> + use<'a> {
        self.events.iter().zip(self.indices)
    }

    /// Returns the indexer the indices come from.
    pub fn source(&self) -> Source {
        self.source
    }
}

/// Where a built-in detector takes its indices from: the harness's indexer
/// when it is fed through [`Detector::on_indexed`](crate::Detector::on_indexed),
/// or an indexer of its own when it is fed plain events. The two would not
/// agree, so a detector fed both ways, or from two indexers, panics rather
/// than raise wrong alerts.
#[derive(Debug, Default)]
pub(crate) struct Feed {
    own: Option<Indexer>,
    shared: Option<Source>,
}

impl Feed {
    /// Returns an event's indices from the detector's own indexer.
    ///
    /// # Panics
    ///
    /// Panics when the detector was fed indexed events before.
    #[inline(always)]
    pub(crate) fn own(&mut self, event: &Event) -> EventIndices {
        assert!(
            self.shared.is_none(),
            "a detector fed indexed events was then fed a plain event, whose indices would not agree"
        );
        self.own.get_or_insert_with(Indexer::new).event(event)
    }

    /// Accepts indices from `source`.
    ///
    /// # Panics
    ///
    /// Panics when the detector was fed plain events, or indices from
    /// another indexer, before.
    #[inline(always)]
    pub(crate) fn shared(&mut self, source: Source) {
        match self.shared {
            Some(known) => assert!(known == source, "a detector was fed indices of two indexers"),
            None => {
                assert!(
                    self.own.is_none(),
                    "a detector fed plain events was then fed indexed ones, whose indices would not agree"
                );
                self.shared = Some(source);
            }
        }
    }
}

/// A built-in detector's work on one event, given the event's indices:
/// what [`on_event`] and [`on_indexed`] run.
pub(crate) trait Step {
    /// Returns where the detector takes its indices from.
    fn feed(&mut self) -> &mut Feed;

    /// Consumes one event with its indices and appends any alerts it
    /// raises.
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<crate::Alert>);
}

/// Consumes a plain event, indexing it with the detector's own indexer.
#[inline(always)]
pub(crate) fn on_event<D: Step>(detector: &mut D, event: &Event, alerts: &mut Vec<crate::Alert>) {
    let indices = detector.feed().own(event);
    detector.step(event, &indices, alerts);
}

/// Consumes indexed events.
#[inline(always)]
pub(crate) fn on_indexed<D: Step>(
    detector: &mut D,
    events: Indexed<'_>,
    alerts: &mut Vec<crate::Alert>,
) {
    detector.feed().shared(events.source());
    for (event, indices) in events.iter() {
        detector.step(event, indices, alerts);
    }
}

/// A vector indexed by dense index that grows to hold any index it is
/// asked for, filling with the default value.
#[derive(Clone, Debug)]
pub(crate) struct Table<T> {
    values: Vec<T>,
}

impl<T> Default for Table<T> {
    fn default() -> Table<T> {
        Table { values: Vec::new() }
    }
}

impl<T: Default> Table<T> {
    /// Returns the value at `i`, growing the table over it when needed.
    #[inline(always)]
    pub(crate) fn at(&mut self, i: usize) -> &mut T {
        if i >= self.values.len() {
            self.grow(i);
        }
        &mut self.values[i]
    }

    #[cold]
    fn grow(&mut self, i: usize) {
        self.values.resize_with(i + 1, T::default);
    }
}

impl<T> std::ops::Index<usize> for Table<T> {
    type Output = T;

    /// Returns the value at `i`, which the table must reach.
    #[inline(always)]
    fn index(&self, i: usize) -> &T {
        &self.values[i]
    }
}

impl<T> Table<T> {
    /// Returns the value at `i`, if the table reaches it.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.values.get(i)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use surveil_sim::{Client, Nanos, Network, RegionId, Side};

    use super::*;
    use crate::testing::{accepted, side, trade};

    fn access(account: u32, key: Option<u32>, ip: u32) -> Access {
        Access {
            account: AccountId(account),
            channel: key.map_or(Channel::Web, |k| Channel::Api(KeyId(k))),
            ip: Ip(ip),
            region: RegionId(0),
            network: Network::Home,
            client: Client::OfficialWeb,
        }
    }

    /// An event stream over a few accounts, keys and addresses drawn from
    /// wide ranges, a trade now and then.
    fn streams() -> impl Strategy<Value = Vec<Event>> {
        let ids = prop_oneof![0..8_u32, Just(u32::MAX), any::<u32>()];
        let access = (ids.clone(), proptest::option::of(ids.clone()), ids)
            .prop_map(|(a, k, ip)| access(a, k, ip));
        let event = (access.clone(), access, any::<bool>(), any::<bool>());
        proptest::collection::vec(event, 0..200).prop_map(|uses| {
            uses.into_iter()
                .enumerate()
                .map(|(i, (a, b, is_trade, buys))| {
                    let (seq, t) = (i as u64, Nanos(i as u64));
                    let taker_side = if buys { Side::Buy } else { Side::Sell };
                    if is_trade {
                        let (maker, taker) = (side(2 * seq, a, 0), side(seq, b, 0));
                        trade(seq, t, 0, 100, 1, taker_side, maker, taker)
                    } else {
                        accepted(seq, t, a, 0, Side::Buy, 100, 1)
                    }
                })
                .collect()
        })
    }

    /// The accesses of an event in the order the indexer meets them.
    fn met(event: &Event) -> Vec<&Access> {
        match &event.body {
            EventBody::Trade(t) => vec![&t.maker.access, &t.taker.access],
            body => vec![body.access()],
        }
    }

    /// Indexes by hand: a map per kind of entity, filled in order of first
    /// appearance.
    #[derive(Default)]
    struct Model {
        accounts: BTreeMap<AccountId, u32>,
        keys: BTreeMap<KeyId, u32>,
        ips: BTreeMap<Ip, u32>,
    }

    impl Model {
        fn access(&mut self, a: &Access) -> AccessIndices {
            let n = self.accounts.len() as u32;
            let account = AccountIndex(*self.accounts.entry(a.account).or_insert(n));
            let key = a.channel.key().map(|k| {
                let n = self.keys.len() as u32;
                KeyIndex(*self.keys.entry(k).or_insert(n))
            });
            let n = self.ips.len() as u32;
            let ip = IpIndex(*self.ips.entry(a.ip).or_insert(n));
            AccessIndices { account, key, ip }
        }
    }

    proptest! {
        #[test]
        fn indices_follow_first_appearance_and_agree_with_the_raw_ids(events in streams()) {
            let mut indexer = Indexer::new();
            let mut indices = BatchIndices::default();
            let mut model = Model::default();
            // In two batches, to show that indices carry over from one to
            // the next.
            let half = events.len() / 2;
            let mut seen = Vec::new();
            for batch in [&events[..half], &events[half..]] {
                indexer.index(batch, &mut indices);
                let view = indices.view(batch);
                prop_assert_eq!(view.len(), batch.len());
                seen.extend(view.iter().map(|(e, i)| (*e, *i)));
            }

            let mut by_index: BTreeMap<AccountIndex, AccountId> = BTreeMap::new();
            for (event, indices) in &seen {
                let accesses = met(event);
                let expected: Vec<AccessIndices> =
                    accesses.iter().map(|a| model.access(a)).collect();
                let (maker, taker) = match expected.as_slice() {
                    [maker, taker] => (*maker, *taker),
                    [one] => (*one, *one),
                    _ => unreachable!(),
                };
                prop_assert_eq!(indices.maker, maker);
                prop_assert_eq!(indices.access, taker);
                if let EventBody::Trade(t) = &event.body {
                    let (buyer, seller) = match t.taker_side {
                        Side::Buy => (taker, maker),
                        Side::Sell => (maker, taker),
                    };
                    prop_assert_eq!(*indices.buyer(t), buyer);
                    prop_assert_eq!(*indices.seller(t), seller);
                }
                prop_assert_eq!(indices.access.key.is_some(), event.body.access().channel.is_api());

                // One index, one account, both ways.
                for (a, i) in accesses.iter().zip(&expected) {
                    let known = *by_index.entry(i.account).or_insert(a.account);
                    prop_assert_eq!(known, a.account);
                }
            }
            prop_assert_eq!(indexer.accounts(), model.accounts.len());
            prop_assert_eq!(indexer.keys(), model.keys.len());
            prop_assert_eq!(indexer.ips(), model.ips.len());
        }
    }

    #[test]
    fn two_indexers_over_one_stream_agree_but_are_told_apart() {
        let events: Vec<Event> = (0..50)
            .map(|i| {
                let a = access(1000 - i % 7, Some(i % 3), i % 5);
                accepted(u64::from(i), Nanos(u64::from(i)), a, 0, Side::Buy, 100, 1)
            })
            .collect();
        let (mut one, mut two) = (Indexer::new(), Indexer::new());
        let (mut b1, mut b2) = (BatchIndices::default(), BatchIndices::default());
        one.index(&events, &mut b1);
        two.index(&events, &mut b2);
        let (v1, v2) = (b1.view(&events), b2.view(&events));
        assert_eq!(v1.indices(), v2.indices());
        assert_ne!(v1.source(), v2.source());
        assert_eq!(v1.indices()[0].access.account, AccountIndex(0));
        assert_eq!(one.accounts(), 7);
        assert_eq!(one.keys(), 3);
        assert_eq!(one.ips(), 5);
    }

    #[test]
    #[should_panic(expected = "two indexers")]
    fn a_feed_refuses_indices_of_a_second_indexer() {
        let mut feed = Feed::default();
        feed.shared(Indexer::new().source());
        feed.shared(Indexer::new().source());
    }

    #[test]
    #[should_panic(expected = "would not agree")]
    fn a_feed_refuses_indexed_events_after_plain_ones() {
        let mut feed = Feed::default();
        feed.own(&accepted(0, Nanos(0), access(1, None, 1), 0, Side::Buy, 100, 1));
        feed.shared(Indexer::new().source());
    }
}
