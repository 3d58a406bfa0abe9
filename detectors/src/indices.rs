//! Dense indices of the accounts, API keys, addresses and orders an event
//! stream names, handed out once for every detector.
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
//! Orders are given slots the same way: an order holds a small slot (see
//! [`OrderSlot`]) from the first event that names it to the event that
//! ends its life, after which a new order may take it, so that a detector
//! keeps its per-order values in a vector as long as the most orders alive
//! at once, and every detector's look-up of an order id in a map becomes
//! one look-up here.
//!
//! An index table grows with the distinct accounts, keys and addresses
//! seen, and the order slots with the most orders alive at once, never
//! with the number of events.
//!
//! The harness hands events with their indices to
//! [`Detector::on_indexed`](crate::Detector::on_indexed) as an
//! [`Indexed`] view. A detector that ignores the indices needs nothing from
//! this module; the built-ins use it to keep their state in vectors.

use std::collections::hash_map::Entry;
use std::num::NonZeroU32;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;
use surveil_sim::event::Trade;
use surveil_sim::{Access, AccountId, Channel, Event, EventBody, Ip, KeyId, OrderId, Side};

/// Declares a dense index type: a position in a vector, kept one above
/// its value so that an `Option` of it takes no more room than the index.
macro_rules! dense_index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(NonZeroU32);

        impl $name {
            /// Returns the index as a position in a vector.
            #[inline(always)]
            pub fn get(self) -> usize {
                (self.0.get() - 1) as usize
            }

            /// Returns the index at position `i`.
            ///
            /// # Panics
            ///
            /// Panics when `i` does not fit below `u32::MAX`, which would
            /// take more than four billion entities.
            #[inline(always)]
            pub(crate) fn new(i: usize) -> $name {
                let above = u32::try_from(i + 1).ok().and_then(NonZeroU32::new);
                $name(above.expect("fewer than four billion entities of a kind"))
            }
        }
    };
}

dense_index!(
    /// An account's dense index: its rank among the accounts of the stream
    /// by first appearance.
    AccountIndex
);

dense_index!(
    /// An API key's dense index: its rank among the keys of the stream by
    /// first appearance.
    KeyIndex
);

dense_index!(
    /// A source address's dense index: its rank among the addresses of the
    /// stream by first appearance.
    IpIndex
);

dense_index!(
    /// The slot of an order: a small number the order holds from the first
    /// event that names it to the event that ends its life, after which the
    /// next new order may be given it. A new order takes the slot freed
    /// last, and a slot never used before only when none is free, so slots
    /// stay below the most orders ever alive at once.
    ///
    /// An order's life ends with a cancel (for any reason), a trade that
    /// leaves nothing of it, or a self-trade decrement that leaves
    /// nothing. A detector that keeps a value per slot must let the value
    /// go on that event, as it would remove the order from a map: then a
    /// table indexed by slot answers exactly as a map keyed by order id
    /// would.
    OrderSlot
);

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
    /// The slot of the order the event names (the taker's order for a
    /// trade); `None` when it names none, and for a refused cancel or
    /// amend of an order not alive.
    pub order: Option<OrderSlot>,
    /// For a trade, the slot of the maker's order; `None` otherwise.
    pub maker_order: Option<OrderSlot>,
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

    /// Returns the slot of the buyer's order in `trade`, the trade of the
    /// event these are the indices of.
    #[inline(always)]
    pub fn buyer_order(&self, trade: &Trade) -> Option<OrderSlot> {
        match trade.taker_side {
            Side::Buy => self.order,
            Side::Sell => self.maker_order,
        }
    }

    /// Returns the slot of the seller's order in `trade`, the trade of the
    /// event these are the indices of.
    #[inline(always)]
    pub fn seller_order(&self, trade: &Trade) -> Option<OrderSlot> {
        match trade.taker_side {
            Side::Buy => self.maker_order,
            Side::Sell => self.order,
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
    /// Access records met lately, with their indices, by a hash of the
    /// account and address: most events repeat an access met a few events
    /// before, and then one comparison replaces the maps' look-ups.
    lately: Box<[Option<Met>; LATELY]>,
    /// The slot of every order alive.
    orders: Orders,
}

/// The places of [`Indexer`]'s table of access records met lately: a
/// power of two.
const LATELY: usize = 1 << 8;

/// An access record met lately: what tells it apart, and its indices.
#[derive(Clone, Copy, Debug)]
struct Met {
    account: AccountId,
    channel: Channel,
    ip: Ip,
    indices: AccessIndices,
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
            lately: Box::new([None; LATELY]),
            orders: Orders::default(),
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

    /// Returns the number of order slots handed out so far: every slot
    /// given is below it, and it never exceeds the most orders alive at
    /// once.
    pub fn order_slots(&self) -> usize {
        self.orders.slots
    }

    /// Returns the number of orders alive.
    pub fn live_orders(&self) -> usize {
        self.orders.live
    }

    /// Returns the indices of an access record, giving new entities the
    /// next free indices.
    #[inline(always)]
    fn access(&mut self, access: &Access) -> AccessIndices {
        // A multiplicative hash of the account and the address, its top
        // bits the place.
        let mixed = access.account.0 ^ access.ip.0.rotate_left(16);
        let at = (mixed.wrapping_mul(0x9E37_79B9) >> (32 - LATELY.trailing_zeros())) as usize;
        match self.lately[at] {
            Some(met)
                if met.account == access.account
                    && met.ip == access.ip
                    && met.channel == access.channel =>
            {
                met.indices
            }
            _ => {
                let indices = self.other_access(access);
                let (account, channel, ip) = (access.account, access.channel, access.ip);
                self.lately[at] = Some(Met { account, channel, ip, indices });
                indices
            }
        }
    }

    /// Returns the indices of an access record not met lately.
    #[inline(never)]
    fn other_access(&mut self, access: &Access) -> AccessIndices {
        let next = AccountIndex::new(self.accounts.len());
        let entry = self.accounts.entry(access.account);
        let account = match &entry {
            Entry::Occupied(known) => {
                let known = known.get();
                if known.channel == access.channel && known.ip == access.ip {
                    return known.indices;
                }
                known.indices.account
            }
            Entry::Vacant(_) => next,
        };

        let key = access.channel.key().map(|key| {
            let next = KeyIndex::new(self.keys.len());
            *self.keys.entry(key).or_insert(next)
        });
        let next = IpIndex::new(self.ips.len());
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
        let (maker, access) = match &event.body {
            EventBody::Trade(t) => (self.access(&t.maker.access), self.access(&t.taker.access)),
            body => {
                let access = self.access(body.access());
                (access, access)
            }
        };
        let (order, maker_order) = self.orders(&event.body);
        EventIndices { access, maker, order, maker_order }
    }

    /// Returns the slots of the orders an event names, and frees those
    /// whose life it ends.
    #[inline(always)]
    fn orders(&mut self, body: &EventBody) -> (Option<OrderSlot>, Option<OrderSlot>) {
        match body {
            EventBody::Accepted(e) => (Some(self.orders.slot(e.order)), None),
            EventBody::Amended(e) => (Some(self.orders.slot(e.order)), None),
            EventBody::Cancelled(e) => (Some(self.orders.end(e.order)), None),
            EventBody::Decremented(e) if e.remaining.0 == 0 => {
                (Some(self.orders.end(e.order)), None)
            }
            EventBody::Decremented(e) => (Some(self.orders.slot(e.order)), None),
            EventBody::Trade(t) => {
                let maker = self.orders.side(t.maker.order, t.maker.remaining.0);
                let taker = self.orders.side(t.taker.order, t.taker.remaining.0);
                (Some(taker), Some(maker))
            }
            // A refusal changes no order, so it never takes a slot.
            EventBody::CancelRejected(e) => (self.orders.get(e.order), None),
            EventBody::AmendRejected(e) => (self.orders.get(e.order), None),
            EventBody::Rejected(_) | EventBody::Control(_) => (None, None),
        }
    }

    /// Indexes consecutive events of the stream, the next batch, into
    /// `indices`, replacing what they held.
    pub fn index(&mut self, events: &[Event], indices: &mut BatchIndices) {
        indices.list.clear();
        self.append(events, indices);
    }

    /// Indexes consecutive events of the stream, the next ones after those
    /// indexed last, adding their indices to the end of `indices`: so a
    /// batch can be indexed a block at a time, each block just before it
    /// is read.
    // Never inlined, so that a profiler can single out the indexing.
    #[inline(never)]
    pub fn append(&mut self, events: &[Event], indices: &mut BatchIndices) {
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

/// The slot of every order alive. Order ids are handed out in sequence and
/// most orders end soon after they start, so an order is looked up first
/// in a table of [`RECENT`] places by its id modulo the table's size; an
/// order still alive when a newer id takes its place moves to a map, which
/// is looked in only for the places such orders left.
#[derive(Debug)]
struct Orders {
    recent: Box<[Option<(OrderId, OrderSlot)>; RECENT]>,
    /// Orders pushed out of `recent` by newer ones.
    older: FxHashMap<OrderId, OrderSlot>,
    /// How many orders of `older` belong at each place of `recent`.
    older_at: Box<[u32; RECENT]>,
    /// Slots given up by orders whose life ended, the one freed last at
    /// the end.
    free: Vec<OrderSlot>,
    /// The number of slots ever handed out.
    slots: usize,
    /// The number of orders alive.
    live: usize,
}

/// The places of [`Orders`]' table of recent orders: a power of two, above
/// the age in ids of nearly every order when it ends.
const RECENT: usize = 1 << 12;

impl Default for Orders {
    fn default() -> Orders {
        Orders {
            recent: Box::new([None; RECENT]),
            older: FxHashMap::default(),
            older_at: Box::new([0; RECENT]),
            free: Vec::new(),
            slots: 0,
            live: 0,
        }
    }
}

impl Orders {
    /// The place of an order in the table of recent ones.
    #[inline(always)]
    fn place(order: OrderId) -> usize {
        order.0 as usize & (RECENT - 1)
    }

    /// Returns the slot of an order alive.
    #[inline(always)]
    fn get(&self, order: OrderId) -> Option<OrderSlot> {
        let at = Orders::place(order);
        match self.recent[at] {
            Some((id, slot)) if id == order => Some(slot),
            _ if self.older_at[at] > 0 => self.older.get(&order).copied(),
            _ => None,
        }
    }

    /// Takes an order out, returning its slot.
    #[inline(always)]
    fn remove(&mut self, order: OrderId) -> Option<OrderSlot> {
        let at = Orders::place(order);
        let slot = match self.recent[at] {
            Some((id, slot)) if id == order => {
                self.recent[at] = None;
                Some(slot)
            }
            _ if self.older_at[at] > 0 => {
                let slot = self.older.remove(&order);
                self.older_at[at] -= u32::from(slot.is_some());
                slot
            }
            _ => None,
        };
        self.live -= usize::from(slot.is_some());
        slot
    }

    /// Returns a slot no order holds: the one freed last, or a new one.
    #[inline(always)]
    fn take_free(&mut self) -> OrderSlot {
        self.free.pop().unwrap_or_else(|| {
            self.slots += 1;
            OrderSlot::new(self.slots - 1)
        })
    }

    /// Returns the slot of an order, giving it the slot freed last when it
    /// has none.
    #[inline]
    fn slot(&mut self, order: OrderId) -> OrderSlot {
        if let Some(slot) = self.get(order) {
            return slot;
        }
        let slot = self.take_free();
        let at = Orders::place(order);
        if let Some((id, pushed)) = self.recent[at].replace((order, slot)) {
            self.older.insert(id, pushed);
            self.older_at[at] += 1;
        }
        self.live += 1;
        slot
    }

    /// Returns the slot of an order whose life the event ends, and frees
    /// it for the orders of later events.
    #[inline]
    fn end(&mut self, order: OrderId) -> OrderSlot {
        // An order named for the first time as it ends gets a slot for
        // this event alone, which no value can be left in.
        let slot = self.remove(order).unwrap_or_else(|| self.take_free());
        self.free.push(slot);
        slot
    }

    /// Returns the slot of one side of a trade, freeing it when the trade
    /// leaves nothing of the order.
    #[inline(always)]
    fn side(&mut self, order: OrderId, remaining: i64) -> OrderSlot {
        if remaining == 0 { self.end(order) } else { self.slot(order) }
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

/// Values kept per order in a vector indexed by [`OrderSlot`]: it answers
/// as a map keyed by order id would, as long as its owner removes an
/// order's value on the event that ends the order's life, and it holds room
/// for the most orders alive at once, never for every order of the
/// session.
#[derive(Clone, Debug)]
pub(crate) struct OrderValues<T> {
    values: Vec<Option<T>>,
}

impl<T> Default for OrderValues<T> {
    fn default() -> OrderValues<T> {
        OrderValues { values: Vec::new() }
    }
}

impl<T> OrderValues<T> {
    /// Sets the value of the order in `slot`, returning the one it
    /// replaces.
    #[inline(always)]
    pub(crate) fn insert(&mut self, slot: OrderSlot, value: T) -> Option<T> {
        let i = slot.get();
        if i >= self.values.len() {
            self.grow(i);
        }
        self.values[i].replace(value)
    }

    #[cold]
    fn grow(&mut self, i: usize) {
        self.values.resize_with(i + 1, || None);
    }

    /// Returns the value of the order in `slot`.
    #[inline(always)]
    pub(crate) fn get(&self, slot: OrderSlot) -> Option<&T> {
        self.values.get(slot.get()).and_then(Option::as_ref)
    }

    /// Returns the value of the order in `slot` for changing.
    #[inline(always)]
    pub(crate) fn get_mut(&mut self, slot: OrderSlot) -> Option<&mut T> {
        self.values.get_mut(slot.get()).and_then(Option::as_mut)
    }

    /// Removes the value of the order in `slot`, returning it.
    #[inline(always)]
    pub(crate) fn remove(&mut self, slot: OrderSlot) -> Option<T> {
        self.values.get_mut(slot.get()).and_then(Option::take)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use surveil_sim::{Client, Nanos, Network, RegionId, Side};

    use super::*;
    use crate::testing::{accepted, cancelled, side, trade};

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
        accounts: BTreeMap<AccountId, usize>,
        keys: BTreeMap<KeyId, usize>,
        ips: BTreeMap<Ip, usize>,
    }

    impl Model {
        fn access(&mut self, a: &Access) -> AccessIndices {
            let n = self.accounts.len();
            let account = AccountIndex::new(*self.accounts.entry(a.account).or_insert(n));
            let key = a.channel.key().map(|k| {
                let n = self.keys.len();
                KeyIndex::new(*self.keys.entry(k).or_insert(n))
            });
            let n = self.ips.len();
            let ip = IpIndex::new(*self.ips.entry(a.ip).or_insert(n));
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
                    let (buyer_order, seller_order) = match t.taker_side {
                        Side::Buy => (indices.order, indices.maker_order),
                        Side::Sell => (indices.maker_order, indices.order),
                    };
                    prop_assert_eq!(indices.buyer_order(t), buyer_order);
                    prop_assert_eq!(indices.seller_order(t), seller_order);
                    prop_assert!(buyer_order.is_some() && seller_order.is_some());
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

    /// What one event does to orders: names one (`Use`), ends one
    /// (`End`), or refuses a request about one (`Refuse`); a trade names
    /// two, each of which it may end.
    #[derive(Clone, Copy, Debug)]
    enum OrderEvent {
        Use(u64),
        End(u64),
        Refuse(u64),
        Trade { maker: u64, maker_ends: bool, taker: u64, taker_ends: bool },
    }

    /// A stream of order events over a few ids, well formed or not: ids
    /// used after their end, ended twice, or never accepted; many share a
    /// place in the table of recent orders, so that they push each other
    /// out of it.
    fn order_events() -> impl Strategy<Value = Vec<OrderEvent>> {
        let id = (0..4_u64, 0..4_u64).prop_map(|(lap, at)| lap * RECENT as u64 + at);
        let event = prop_oneof![
            3 => id.clone().prop_map(OrderEvent::Use),
            2 => id.clone().prop_map(OrderEvent::End),
            1 => id.clone().prop_map(OrderEvent::Refuse),
            2 => (id.clone(), any::<bool>(), id, any::<bool>()).prop_map(|(m, me, t, te)| {
                OrderEvent::Trade { maker: m, maker_ends: me, taker: t, taker_ends: te }
            }),
        ];
        proptest::collection::vec(event, 0..300)
    }

    /// The event of an order event; the kinds of event that use or end an
    /// order take turns.
    fn order_event(seq: u64, e: OrderEvent) -> Event {
        use surveil_sim::event::{Amended, Decremented};
        use surveil_sim::{InstrumentId, OrderId, Price, Qty};

        let a = access(1, Some(1), 1);
        let t = Nanos(seq);
        let body = match e {
            OrderEvent::Use(id) if seq.is_multiple_of(3) => EventBody::Amended(Amended {
                order: OrderId(id),
                instrument: InstrumentId(0),
                side: Side::Buy,
                price: Price(100),
                qty: Qty(1),
                priority_kept: true,
                access: a,
            }),
            OrderEvent::Use(id) if seq % 3 == 1 => EventBody::Decremented(Decremented {
                order: OrderId(id),
                instrument: InstrumentId(0),
                side: Side::Buy,
                by: Qty(1),
                remaining: Qty(1),
                access: a,
            }),
            OrderEvent::Use(id) => {
                let mut e = accepted(seq, t, a, 0, Side::Buy, 100, 1);
                if let EventBody::Accepted(x) = &mut e.body {
                    x.order = OrderId(id);
                }
                e.body
            }
            OrderEvent::End(id) if seq.is_multiple_of(2) => EventBody::Decremented(Decremented {
                order: OrderId(id),
                instrument: InstrumentId(0),
                side: Side::Buy,
                by: Qty(1),
                remaining: Qty(0),
                access: a,
            }),
            OrderEvent::End(id) => cancelled(seq, t, a, id, 0, Side::Buy, 1).body,
            OrderEvent::Refuse(id) => {
                EventBody::CancelRejected(surveil_sim::event::CancelRejected {
                    order: OrderId(id),
                    reason: surveil_sim::event::RejectReason::UnknownOrder,
                    access: a,
                })
            }
            OrderEvent::Trade { maker, maker_ends, taker, taker_ends } => {
                let left = |ends: bool| if ends { 0 } else { 1 };
                let (m, k) = (side(maker, a, left(maker_ends)), side(taker, a, left(taker_ends)));
                trade(seq, t, 0, 100, 1, Side::Buy, m, k).body
            }
        };
        Event { seq, time: t, body }
    }

    proptest! {
        /// A detector that keeps, per order, the last event that named it,
        /// and lets it go when the order's life ends, gets the same answers
        /// from a table indexed by slot as from a map keyed by order id;
        /// and slots stay below the most orders ever alive at once.
        #[test]
        fn a_table_by_order_slot_answers_as_a_map_by_order_id(stream in order_events()) {
            let mut indexer = Indexer::new();
            let mut map: BTreeMap<u64, u64> = BTreeMap::new();
            let mut table: Vec<Option<u64>> = Vec::new();
            let mut most_alive = 0;
            for (seq, &e) in stream.iter().enumerate() {
                let seq = seq as u64;
                let indices = indexer.event(&order_event(seq, e));
                let mut named = |id: u64, slot: Option<OrderSlot>, ends: bool, refusal: bool| {
                    let Some(slot) = slot else {
                        // Only a refusal of an order not alive has no slot.
                        assert!(refusal && !map.contains_key(&id), "{e:?}");
                        return;
                    };
                    if table.len() <= slot.get() {
                        table.resize(slot.get() + 1, None);
                    }
                    assert_eq!(table[slot.get()], map.get(&id).copied(), "{e:?}");
                    if refusal {
                        return;
                    }
                    if ends {
                        table[slot.get()] = None;
                        map.remove(&id);
                    } else {
                        table[slot.get()] = Some(seq);
                        map.insert(id, seq);
                    }
                };
                match e {
                    OrderEvent::Use(id) => named(id, indices.order, false, false),
                    OrderEvent::End(id) => named(id, indices.order, true, false),
                    OrderEvent::Refuse(id) => named(id, indices.order, false, true),
                    OrderEvent::Trade { maker, maker_ends, taker, taker_ends } => {
                        named(maker, indices.maker_order, maker_ends, false);
                        named(taker, indices.order, taker_ends, false);
                    }
                }
                prop_assert_eq!(indexer.live_orders(), map.len());
                most_alive = most_alive.max(map.len());
                // A trade may name two orders first met as it ends them.
                prop_assert!(indexer.order_slots() <= most_alive + 2);
            }
        }
    }

    #[test]
    fn order_slots_hold_memory_for_the_orders_alive_not_for_the_session() {
        // Two million orders, each cancelled a thousand ids later, except
        // every hundred-thousandth, which rests to the end.
        let mut indexer = Indexer::new();
        let a = access(1, None, 1);
        let lag = 1_000_u64;
        for id in 0..2_000_000_u64 {
            indexer.event(&accepted(id, Nanos(id), a, 0, Side::Buy, 100, 1));
            if let Some(old) = id.checked_sub(lag).filter(|old| old % 100_000 != 0) {
                indexer.event(&cancelled(id, Nanos(id), a, old, 0, Side::Buy, 1));
            }
        }
        assert_eq!(indexer.live_orders(), 1_000 + 20);
        assert!(indexer.order_slots() <= 1_000 + 21, "{} slots", indexer.order_slots());
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
        assert_eq!(v1.indices()[0].access.account.get(), 0);
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
