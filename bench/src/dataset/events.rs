//! The `events` table: the public event stream, one row per event.
//!
//! The stream is written as one wide table in stream order, with a `type`
//! column and nullable fields, rather than one table per kind of record.
//! Its order is its meaning (a cancel after a fill, the trades an order
//! makes before it rests), and a single table keeps that order without
//! joining tables back together on `seq`; in Parquet a column that is null
//! for most rows costs a few bits per row. Every event has the access
//! record of the request behind it (for a trade, the incoming order's); a
//! trade also has the resting order's in the `maker_*` columns.
//!
//! [`Encoder`] turns events into rows and [`decode`] turns rows back into
//! the very same events, so a dataset read back digests to the digest it
//! was written with.

use surveil_sim::access::REGIONS;
use surveil_sim::event::{
    Accepted, AmendRejected, Amended, CancelReason, CancelRejected, Cancelled, Control,
    ControlKind, Decremented, HaltCause, OrderType, RejectReason, Rejected, Trade, TradeSide,
};
use surveil_sim::{
    Access, AccountId, Channel, Client, Event, EventBody, InstrumentId, Ip, KeyId, Nanos, Network,
    OrderId, Price, Qty, RegionId, Side,
};

use super::table::{Column, ColumnType, Columns, Schema};

/// Event types, as the `type` column names them.
pub const TYPES: &[&str] = &[
    "accepted",
    "rejected",
    "cancelled",
    "cancel_rejected",
    "amended",
    "amend_rejected",
    "decremented",
    "trade",
    "control",
];

/// The exchange's controls, as the `control` column names them.
pub const CONTROLS: &[&str] = &[
    "monitoring_raised",
    "warned",
    "reverification_required",
    "reverified",
    "key_expired",
    "key_issued",
    "reconciled",
    "halted_reconciliation",
    "halted_overload",
    "resumed",
];

/// Sides.
pub const SIDES: &[&str] = &["buy", "sell"];

/// Order types.
pub const ORDER_TYPES: &[&str] =
    &["limit", "immediate_or_cancel", "fill_or_kill", "post_only", "market"];

/// Why an order, a cancel or an amend was refused.
pub const REJECT_REASONS: &[&str] = &[
    "unknown_instrument",
    "qty_out_of_range",
    "price_out_of_range",
    "no_liquidity",
    "unknown_order",
    "not_owner",
    "off_tick",
    "off_lot",
    "notional_too_large",
    "would_take_liquidity",
    "price_required",
    "not_whitelisted",
    "no_permission",
    "key_expired",
    "account_paused",
    "trading_halted",
];

/// Why an order left the book without trading.
pub const CANCEL_REASONS: &[&str] = &["requested", "unfilled", "fill_or_kill", "self_trade"];

/// The routes into the exchange.
pub const CHANNELS: &[&str] = &["web", "mobile", "api"];

/// The kinds of network.
pub const NETWORKS: &[&str] = &["home", "mobile", "cloud", "vpn"];

/// The kinds of client software.
pub const CLIENTS: &[&str] = &["official_web", "official_app", "known_library", "unknown"];

/// The region names of the public region table, in its order.
pub const REGION_NAMES: &[&str] = &{
    let mut names = [""; REGIONS.len()];
    let mut i = 0;
    while i < REGIONS.len() {
        names[i] = REGIONS[i].name;
        i += 1;
    }
    names
};

macro_rules! col {
    ($name:literal, $ty:expr, $nullable:literal, $unit:literal, $meaning:literal) => {
        Column { name: $name, ty: $ty, nullable: $nullable, unit: $unit, meaning: $meaning }
    };
}

/// The columns of the `events` table.
pub const EVENTS: Schema = Schema {
    name: "events",
    row: "one event of the public stream, in stream order",
    columns: &[
        col!("seq", ColumnType::U64, false, "", "position in the stream, from 0, without gaps"),
        col!(
            "time_ns",
            ColumnType::U64,
            false,
            "ns",
            "when the exchange processed the request, since the session opened; never decreases along the stream"
        ),
        col!(
            "type",
            ColumnType::Dict(TYPES),
            false,
            "",
            "what happened: accepted, rejected (an order refused), cancelled (an order left the book without trading), cancel_rejected, amended, amend_rejected, decremented (self-trade prevention took quantity off an order), trade, control (the exchange used one of its controls; only with a `[policy]`)"
        ),
        col!(
            "instrument",
            ColumnType::U16,
            true,
            "",
            "the instrument's index in metadata.json `instruments`; null for cancel_rejected and amend_rejected"
        ),
        col!(
            "order_id",
            ColumnType::U64,
            true,
            "",
            "the order: the one accepted, cancelled, amended or decremented, the one a refused cancel or amend named, or a trade's incoming (taker) order; null for rejected"
        ),
        col!(
            "side",
            ColumnType::Dict(SIDES),
            true,
            "",
            "buy or sell: the order's side; for a trade, the incoming order's"
        ),
        col!(
            "order_type",
            ColumnType::Dict(ORDER_TYPES),
            true,
            "",
            "accepted and rejected only: limit, immediate_or_cancel, fill_or_kill, post_only or market"
        ),
        col!(
            "price",
            ColumnType::I64,
            true,
            "price units",
            "accepted, rejected, cancelled: the limit price, null for a market order; amended: the new price; trade: the price, the resting order's"
        ),
        col!(
            "qty",
            ColumnType::I64,
            true,
            "lots",
            "accepted, rejected: the quantity; amended: the new quantity; decremented: the quantity taken off; trade: the quantity traded"
        ),
        col!(
            "remaining",
            ColumnType::I64,
            true,
            "lots",
            "cancelled: the quantity that left the book; decremented: what is left of the order; trade: what is left of the incoming order"
        ),
        col!(
            "reject_reason",
            ColumnType::Dict(REJECT_REASONS),
            true,
            "",
            "rejected, cancel_rejected, amend_rejected: why the request was refused"
        ),
        col!(
            "cancel_reason",
            ColumnType::Dict(CANCEL_REASONS),
            true,
            "",
            "cancelled: requested (by the owner), unfilled (the remainder of an immediate order), fill_or_kill, self_trade"
        ),
        col!(
            "priority_kept",
            ColumnType::Bool,
            true,
            "",
            "amended: whether the order kept its place in the queue"
        ),
        col!(
            "account",
            ColumnType::U32,
            false,
            "",
            "the account the request acted for; for a trade, the incoming order's"
        ),
        col!(
            "channel",
            ColumnType::Dict(CHANNELS),
            false,
            "",
            "web, mobile (the exchange's front ends) or api"
        ),
        col!("key", ColumnType::U32, true, "", "the API key used; null unless channel is api"),
        col!(
            "ip",
            ColumnType::U32,
            false,
            "",
            "the source IPv4 address as an unsigned 32-bit integer, most significant octet first (10.0.0.1 is 167772161)"
        ),
        col!(
            "region",
            ColumnType::Dict(REGION_NAMES),
            false,
            "",
            "where the address is located, by the public region table (seoul, incheon, busan and daejeon are domestic)"
        ),
        col!(
            "network",
            ColumnType::Dict(NETWORKS),
            false,
            "",
            "the address's kind of network: home, mobile, cloud or vpn"
        ),
        col!(
            "client",
            ColumnType::Dict(CLIENTS),
            false,
            "",
            "the client software: official_web, official_app, known_library or unknown"
        ),
        col!(
            "client_id",
            ColumnType::U16,
            true,
            "",
            "known_library: the library's index; unknown: the tool's fingerprint; null otherwise"
        ),
        col!("maker_order_id", ColumnType::U64, true, "", "trade only: the resting order"),
        col!(
            "maker_remaining",
            ColumnType::I64,
            true,
            "lots",
            "trade only: what is left of the resting order"
        ),
        col!("maker_account", ColumnType::U32, true, "", "trade only: the resting order's account"),
        col!(
            "maker_channel",
            ColumnType::Dict(CHANNELS),
            true,
            "",
            "trade only: the resting order's channel"
        ),
        col!(
            "maker_key",
            ColumnType::U32,
            true,
            "",
            "trade only: the resting order's API key, if any"
        ),
        col!(
            "maker_ip",
            ColumnType::U32,
            true,
            "",
            "trade only: the resting order's source address"
        ),
        col!(
            "maker_region",
            ColumnType::Dict(REGION_NAMES),
            true,
            "",
            "trade only: the resting order's region"
        ),
        col!(
            "maker_network",
            ColumnType::Dict(NETWORKS),
            true,
            "",
            "trade only: the resting order's network"
        ),
        col!(
            "maker_client",
            ColumnType::Dict(CLIENTS),
            true,
            "",
            "trade only: the resting order's client"
        ),
        col!(
            "maker_client_id",
            ColumnType::U16,
            true,
            "",
            "trade only: the resting order's client index or fingerprint"
        ),
        col!(
            "control",
            ColumnType::Dict(CONTROLS),
            true,
            "",
            "control only: what the exchange did; the account it concerns is in `account` (0 for the whole market) and the key in `key`"
        ),
        col!(
            "replaces_key",
            ColumnType::U32,
            true,
            "",
            "control key_issued only: the expired key the new one replaces"
        ),
        col!(
            "accounts_checked",
            ColumnType::U32,
            true,
            "",
            "control reconciled only: accounts whose balances were checked"
        ),
        col!(
            "discrepancies",
            ColumnType::U32,
            true,
            "",
            "control reconciled only: accounts whose balances disagreed with the settlement ledger"
        ),
    ],
};

// Column positions in `EVENTS`.
const SEQ: usize = 0;
const TIME: usize = 1;
const TYPE: usize = 2;
const INSTRUMENT: usize = 3;
const ORDER: usize = 4;
const SIDE: usize = 5;
const ORDER_TYPE: usize = 6;
const PRICE: usize = 7;
const QTY: usize = 8;
const REMAINING: usize = 9;
const REJECT: usize = 10;
const CANCEL: usize = 11;
const PRIORITY: usize = 12;
const ACCESS: usize = 13;
const MAKER_ORDER: usize = 21;
const MAKER_REMAINING: usize = 22;
const MAKER_ACCESS: usize = 23;
const CONTROL: usize = 31;
const REPLACES: usize = 32;
const CHECKED: usize = 33;
const DISCREPANCIES: usize = 34;

/// The access columns, relative to the first of them.
const ACCOUNT: usize = 0;
const CHANNEL: usize = 1;
const KEY: usize = 2;
const IP: usize = 3;
const REGION: usize = 4;
const NETWORK: usize = 5;
const CLIENT: usize = 6;
const CLIENT_ID: usize = 7;

/// One event's fields, before they go into columns.
#[derive(Default)]
struct Row {
    instrument: Option<u16>,
    order: Option<u64>,
    side: Option<u8>,
    order_type: Option<u8>,
    price: Option<i64>,
    qty: Option<i64>,
    remaining: Option<i64>,
    reject: Option<u8>,
    cancel: Option<u8>,
    priority_kept: Option<bool>,
    control: Option<u8>,
    replaces: Option<u32>,
    checked: Option<u32>,
    discrepancies: Option<u32>,
}

/// Appends events to a batch of the `events` table.
pub fn encode(events: &[Event], out: &mut Columns) {
    for event in events {
        let (code, row, access, maker) = fields(&event.body);
        out.u64s(SEQ).push(Some(event.seq));
        out.u64s(TIME).push(Some(event.time.0));
        out.dicts(TYPE).push(Some(code));
        out.u16s(INSTRUMENT).push(row.instrument);
        out.u64s(ORDER).push(row.order);
        out.dicts(SIDE).push(row.side);
        out.dicts(ORDER_TYPE).push(row.order_type);
        out.i64s(PRICE).push(row.price);
        out.i64s(QTY).push(row.qty);
        out.i64s(REMAINING).push(row.remaining);
        out.dicts(REJECT).push(row.reject);
        out.dicts(CANCEL).push(row.cancel);
        out.bools(PRIORITY).push(row.priority_kept);
        push_access(out, ACCESS, Some(&access));
        out.u64s(MAKER_ORDER).push(maker.map(|m| m.order.0));
        out.i64s(MAKER_REMAINING).push(maker.map(|m| m.remaining.0));
        push_access(out, MAKER_ACCESS, maker.map(|m| &m.access));
        out.dicts(CONTROL).push(row.control);
        out.u32s(REPLACES).push(row.replaces);
        out.u32s(CHECKED).push(row.checked);
        out.u32s(DISCREPANCIES).push(row.discrepancies);
    }
}

/// The access columns of a control: the exchange's own record, with the
/// account and key the control concerns.
fn control_access(c: &Control) -> Access {
    let mut access = Access::EXCHANGE;
    access.account = c.account.unwrap_or(Access::EXCHANGE.account);
    if let Some(key) = c.key {
        access.channel = Channel::Api(key);
    }
    access
}

/// Returns the position of a control's kind in [`CONTROLS`].
pub(crate) fn control_code(kind: ControlKind) -> u8 {
    match kind {
        ControlKind::MonitoringRaised => 0,
        ControlKind::Warned => 1,
        ControlKind::ReverificationRequired => 2,
        ControlKind::Reverified => 3,
        ControlKind::KeyExpired => 4,
        ControlKind::KeyIssued { .. } => 5,
        ControlKind::Reconciled { .. } => 6,
        ControlKind::Halted { cause: HaltCause::Reconciliation } => 7,
        ControlKind::Halted { cause: HaltCause::Overload } => 8,
        ControlKind::Resumed => 9,
    }
}

fn control_row(c: &Control) -> Row {
    let (replaces, checked, discrepancies) = match c.kind {
        ControlKind::KeyIssued { replaces } => (Some(replaces.0), None, None),
        ControlKind::Reconciled { accounts, discrepancies } => {
            (None, Some(accounts), Some(discrepancies))
        }
        _ => (None, None, None),
    };
    Row { control: Some(control_code(c.kind)), replaces, checked, discrepancies, ..Row::default() }
}

/// Reads a control back from its row.
fn decode_control(
    columns: &Columns,
    i: usize,
    access: &Access,
    ty: &str,
) -> Result<EventBody, RowError> {
    let code = required(columns.dict_at(CONTROL, i), CONTROL, ty)?;
    let kind = match code {
        0 => ControlKind::MonitoringRaised,
        1 => ControlKind::Warned,
        2 => ControlKind::ReverificationRequired,
        3 => ControlKind::Reverified,
        4 => ControlKind::KeyExpired,
        5 => ControlKind::KeyIssued {
            replaces: KeyId(required(columns.u32_at(REPLACES, i), REPLACES, ty)?),
        },
        6 => ControlKind::Reconciled {
            accounts: required(columns.u32_at(CHECKED, i), CHECKED, ty)?,
            discrepancies: required(columns.u32_at(DISCREPANCIES, i), DISCREPANCIES, ty)?,
        },
        7 => ControlKind::Halted { cause: HaltCause::Reconciliation },
        8 => ControlKind::Halted { cause: HaltCause::Overload },
        _ => ControlKind::Resumed,
    };
    let account = (access.account != Access::EXCHANGE.account).then_some(access.account);
    Ok(EventBody::Control(Control { kind, account, key: access.channel.key() }))
}

fn fields(body: &EventBody) -> (u8, Row, Access, Option<&TradeSide>) {
    let side = |s: Side| Some(side_code(s));
    let price = |p: Option<Price>| p.map(|p| p.0);
    match body {
        EventBody::Accepted(e) => {
            let row = Row {
                instrument: Some(e.instrument.0),
                order: Some(e.order.0),
                side: side(e.side),
                order_type: Some(order_type_code(e.order_type)),
                price: price(e.price),
                qty: Some(e.qty.0),
                ..Row::default()
            };
            (0, row, e.access, None)
        }
        EventBody::Rejected(e) => {
            let row = Row {
                instrument: Some(e.instrument.0),
                side: side(e.side),
                order_type: Some(order_type_code(e.order_type)),
                price: price(e.price),
                qty: Some(e.qty.0),
                reject: Some(reject_code(e.reason)),
                ..Row::default()
            };
            (1, row, e.access, None)
        }
        EventBody::Cancelled(e) => {
            let row = Row {
                instrument: Some(e.instrument.0),
                order: Some(e.order.0),
                side: side(e.side),
                price: price(e.price),
                remaining: Some(e.remaining.0),
                cancel: Some(cancel_code(e.reason)),
                ..Row::default()
            };
            (2, row, e.access, None)
        }
        EventBody::CancelRejected(e) => {
            let row = Row {
                order: Some(e.order.0),
                reject: Some(reject_code(e.reason)),
                ..Row::default()
            };
            (3, row, e.access, None)
        }
        EventBody::Amended(e) => {
            let row = Row {
                instrument: Some(e.instrument.0),
                order: Some(e.order.0),
                side: side(e.side),
                price: Some(e.price.0),
                qty: Some(e.qty.0),
                priority_kept: Some(e.priority_kept),
                ..Row::default()
            };
            (4, row, e.access, None)
        }
        EventBody::AmendRejected(e) => {
            let row = Row {
                order: Some(e.order.0),
                reject: Some(reject_code(e.reason)),
                ..Row::default()
            };
            (5, row, e.access, None)
        }
        EventBody::Decremented(e) => {
            let row = Row {
                instrument: Some(e.instrument.0),
                order: Some(e.order.0),
                side: side(e.side),
                qty: Some(e.by.0),
                remaining: Some(e.remaining.0),
                ..Row::default()
            };
            (6, row, e.access, None)
        }
        EventBody::Trade(t) => {
            let row = Row {
                instrument: Some(t.instrument.0),
                order: Some(t.taker.order.0),
                side: side(t.taker_side),
                price: Some(t.price.0),
                qty: Some(t.qty.0),
                remaining: Some(t.taker.remaining.0),
                ..Row::default()
            };
            (7, row, t.taker.access, Some(&t.maker))
        }
        EventBody::Control(c) => (8, control_row(c), control_access(c), None),
    }
}

fn push_access(out: &mut Columns, at: usize, access: Option<&Access>) {
    out.u32s(at + ACCOUNT).push(access.map(|a| a.account.0));
    out.dicts(at + CHANNEL).push(access.map(|a| match a.channel {
        Channel::Web => 0,
        Channel::Mobile => 1,
        Channel::Api(_) => 2,
    }));
    out.u32s(at + KEY).push(access.and_then(|a| a.channel.key()).map(|k| k.0));
    out.u32s(at + IP).push(access.map(|a| a.ip.0));
    // Region ids index the public table, which has fewer than 256 entries.
    out.dicts(at + REGION).push(access.map(|a| a.region.0 as u8));
    out.dicts(at + NETWORK).push(access.map(|a| match a.network {
        Network::Home => 0,
        Network::Mobile => 1,
        Network::Cloud => 2,
        Network::Vpn => 3,
    }));
    let (client, id) = match access.map(|a| a.client) {
        None => (None, None),
        Some(Client::OfficialWeb) => (Some(0), None),
        Some(Client::OfficialApp) => (Some(1), None),
        Some(Client::KnownLibrary(i)) => (Some(2), Some(u16::from(i))),
        Some(Client::Unknown(f)) => (Some(3), Some(f)),
    };
    out.dicts(at + CLIENT).push(client);
    out.u16s(at + CLIENT_ID).push(id);
}

fn side_code(s: Side) -> u8 {
    match s {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

fn order_type_code(t: OrderType) -> u8 {
    match t {
        OrderType::Limit => 0,
        OrderType::ImmediateOrCancel => 1,
        OrderType::FillOrKill => 2,
        OrderType::PostOnly => 3,
        OrderType::Market => 4,
    }
}

const REJECT_ORDER: [RejectReason; 16] = [
    RejectReason::UnknownInstrument,
    RejectReason::QtyOutOfRange,
    RejectReason::PriceOutOfRange,
    RejectReason::NoLiquidity,
    RejectReason::UnknownOrder,
    RejectReason::NotOwner,
    RejectReason::OffTick,
    RejectReason::OffLot,
    RejectReason::NotionalTooLarge,
    RejectReason::WouldTakeLiquidity,
    RejectReason::PriceRequired,
    RejectReason::NotWhitelisted,
    RejectReason::NoPermission,
    RejectReason::KeyExpired,
    RejectReason::AccountPaused,
    RejectReason::TradingHalted,
];

const CANCEL_ORDER: [CancelReason; 4] = [
    CancelReason::Requested,
    CancelReason::Unfilled,
    CancelReason::FillOrKill,
    CancelReason::SelfTrade,
];

const ORDER_TYPE_ORDER: [OrderType; 5] = [
    OrderType::Limit,
    OrderType::ImmediateOrCancel,
    OrderType::FillOrKill,
    OrderType::PostOnly,
    OrderType::Market,
];

/// Returns the position of a refusal reason in [`REJECT_REASONS`].
pub(crate) fn reject_code(r: RejectReason) -> u8 {
    REJECT_ORDER.iter().position(|x| *x == r).unwrap_or(0) as u8
}

fn cancel_code(r: CancelReason) -> u8 {
    CANCEL_ORDER.iter().position(|x| *x == r).unwrap_or(0) as u8
}

/// A row of the `events` table that is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column `{column}`: {message}")]
pub struct RowError {
    /// The column at fault.
    pub column: &'static str,
    /// What was wrong, and what was expected.
    pub message: String,
}

/// Reads row `i` of a batch of the `events` table back into an event.
///
/// # Errors
///
/// Returns a [`RowError`] naming the column when a field the row's type
/// needs is null or out of range.
pub fn decode(columns: &Columns, i: usize) -> Result<Event, RowError> {
    let need = |name: &'static str, ty: &str| RowError {
        column: name,
        message: format!("a `{ty}` row needs a value here"),
    };
    let code = columns.dict_at(TYPE, i).ok_or_else(|| need("type", "any"))?;
    let ty = TYPES[usize::from(code)];
    let name = |c: usize| EVENTS.columns[c].name;

    let instrument = || -> Result<InstrumentId, RowError> {
        columns.u16_at(INSTRUMENT, i).map(InstrumentId).ok_or_else(|| need(name(INSTRUMENT), ty))
    };
    let instrument = if matches!(code, 3 | 5 | 8) { InstrumentId(0) } else { instrument()? };
    let order = columns.u64_at(ORDER, i).map(OrderId);
    let side = columns.dict_at(SIDE, i).map(|s| if s == 0 { Side::Buy } else { Side::Sell });
    let order_type = columns.dict_at(ORDER_TYPE, i).map(|t| ORDER_TYPE_ORDER[usize::from(t)]);
    let price = columns.i64_at(PRICE, i).map(Price);
    let qty = columns.i64_at(QTY, i).map(Qty);
    let remaining = columns.i64_at(REMAINING, i).map(Qty);
    let reject = columns.dict_at(REJECT, i).map(|r| REJECT_ORDER[usize::from(r)]);
    let cancel = columns.dict_at(CANCEL, i).map(|r| CANCEL_ORDER[usize::from(r)]);
    let priority_kept = columns.bool_at(PRIORITY, i);
    let access = read_access(columns, ACCESS, i)?.ok_or_else(|| need("account", ty))?;

    let body = match code {
        0 => EventBody::Accepted(Accepted {
            order: required(order, ORDER, ty)?,
            instrument,
            side: required(side, SIDE, ty)?,
            order_type: required(order_type, ORDER_TYPE, ty)?,
            price,
            qty: required(qty, QTY, ty)?,
            access,
        }),
        1 => EventBody::Rejected(Rejected {
            instrument,
            side: required(side, SIDE, ty)?,
            order_type: required(order_type, ORDER_TYPE, ty)?,
            price,
            qty: required(qty, QTY, ty)?,
            reason: required(reject, REJECT, ty)?,
            access,
        }),
        2 => EventBody::Cancelled(Cancelled {
            order: required(order, ORDER, ty)?,
            instrument,
            side: required(side, SIDE, ty)?,
            price,
            remaining: required(remaining, REMAINING, ty)?,
            reason: required(cancel, CANCEL, ty)?,
            access,
        }),
        3 => EventBody::CancelRejected(CancelRejected {
            order: required(order, ORDER, ty)?,
            reason: required(reject, REJECT, ty)?,
            access,
        }),
        4 => EventBody::Amended(Amended {
            order: required(order, ORDER, ty)?,
            instrument,
            side: required(side, SIDE, ty)?,
            price: required(price, PRICE, ty)?,
            qty: required(qty, QTY, ty)?,
            priority_kept: required(priority_kept, PRIORITY, ty)?,
            access,
        }),
        5 => EventBody::AmendRejected(AmendRejected {
            order: required(order, ORDER, ty)?,
            reason: required(reject, REJECT, ty)?,
            access,
        }),
        6 => EventBody::Decremented(Decremented {
            order: required(order, ORDER, ty)?,
            instrument,
            side: required(side, SIDE, ty)?,
            by: required(qty, QTY, ty)?,
            remaining: required(remaining, REMAINING, ty)?,
            access,
        }),
        8 => decode_control(columns, i, &access, ty)?,
        _ => {
            let maker_order = columns.u64_at(MAKER_ORDER, i).map(OrderId);
            let maker_remaining = columns.i64_at(MAKER_REMAINING, i).map(Qty);
            let maker_access = read_access(columns, MAKER_ACCESS, i)?;
            EventBody::Trade(Trade {
                instrument,
                price: required(price, PRICE, ty)?,
                qty: required(qty, QTY, ty)?,
                taker_side: required(side, SIDE, ty)?,
                maker: TradeSide {
                    order: required(maker_order, MAKER_ORDER, ty)?,
                    access: required(maker_access, MAKER_ACCESS, ty)?,
                    remaining: required(maker_remaining, MAKER_REMAINING, ty)?,
                },
                taker: TradeSide {
                    order: required(order, ORDER, ty)?,
                    access,
                    remaining: required(remaining, REMAINING, ty)?,
                },
            })
        }
    };
    let seq = columns.u64_at(SEQ, i).ok_or_else(|| need("seq", ty))?;
    let time = columns.u64_at(TIME, i).ok_or_else(|| need("time_ns", ty))?;
    Ok(Event { seq, time: Nanos(time), body })
}

/// Returns a field the row's type needs, or the error naming its column.
fn required<T>(value: Option<T>, column: usize, ty: &str) -> Result<T, RowError> {
    value.ok_or_else(|| RowError {
        column: EVENTS.columns[column].name,
        message: format!("a `{ty}` row needs a value here"),
    })
}

/// Reads the access columns starting at `at`: `None` when the account is
/// null, an error when the account is there but another field is not.
fn read_access(columns: &Columns, at: usize, i: usize) -> Result<Option<Access>, RowError> {
    let Some(account) = columns.u32_at(at + ACCOUNT, i) else { return Ok(None) };
    let name = |c: usize| EVENTS.columns[at + c].name;
    let need = |c: usize| RowError {
        column: name(c),
        message: "an access record needs a value here".into(),
    };
    let channel = match columns.dict_at(at + CHANNEL, i).ok_or_else(|| need(CHANNEL))? {
        0 => Channel::Web,
        1 => Channel::Mobile,
        _ => Channel::Api(KeyId(columns.u32_at(at + KEY, i).ok_or_else(|| RowError {
            column: name(KEY),
            message: "channel `api` needs the key".into(),
        })?)),
    };
    let ip = Ip(columns.u32_at(at + IP, i).ok_or_else(|| need(IP))?);
    let region = RegionId(u16::from(columns.dict_at(at + REGION, i).ok_or_else(|| need(REGION))?));
    let network = match columns.dict_at(at + NETWORK, i).ok_or_else(|| need(NETWORK))? {
        0 => Network::Home,
        1 => Network::Mobile,
        2 => Network::Cloud,
        _ => Network::Vpn,
    };
    let client_id = columns.u16_at(at + CLIENT_ID, i);
    let client = match columns.dict_at(at + CLIENT, i).ok_or_else(|| need(CLIENT))? {
        0 => Client::OfficialWeb,
        1 => Client::OfficialApp,
        2 => {
            let id = client_id.ok_or_else(|| need(CLIENT_ID))?;
            Client::KnownLibrary(u8::try_from(id).map_err(|_| RowError {
                column: name(CLIENT_ID),
                message: format!("a known library's index is at most 255, not {id}"),
            })?)
        }
        _ => Client::Unknown(client_id.ok_or_else(|| need(CLIENT_ID))?),
    };
    Ok(Some(Access { account: AccountId(account), channel, ip, region, network, client }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Controls and the refusals they cause read back as the very same
    /// events, so a dataset of a run with a policy digests as the run did.
    #[test]
    fn controls_and_their_refusals_read_back_unchanged() {
        let access = Access {
            account: AccountId(123_456),
            channel: Channel::Api(KeyId(2_000_001)),
            ip: Ip(0x0B00_0001),
            region: RegionId(4),
            network: Network::Cloud,
            client: Client::Unknown(77),
        };
        let bodies = [
            EventBody::Rejected(Rejected {
                instrument: InstrumentId(1),
                side: Side::Sell,
                order_type: OrderType::Limit,
                price: Some(Price(100)),
                qty: Qty(3),
                reason: RejectReason::NotWhitelisted,
                access,
            }),
            EventBody::CancelRejected(CancelRejected {
                order: OrderId(9),
                reason: RejectReason::KeyExpired,
                access,
            }),
            EventBody::Control(Control {
                kind: ControlKind::KeyIssued { replaces: KeyId(2_000_001) },
                account: Some(AccountId(123_456)),
                key: Some(KeyId(1_000_000_000)),
            }),
            EventBody::Control(Control {
                kind: ControlKind::Reconciled { accounts: 2_600, discrepancies: 1 },
                account: None,
                key: None,
            }),
            EventBody::Control(Control {
                kind: ControlKind::Halted { cause: HaltCause::Overload },
                account: None,
                key: None,
            }),
            EventBody::Control(Control {
                kind: ControlKind::Warned,
                account: Some(AccountId(5)),
                key: None,
            }),
        ];
        let events: Vec<Event> = bodies
            .iter()
            .enumerate()
            .map(|(i, &body)| Event { seq: i as u64, time: Nanos(10 * i as u64), body })
            .collect();
        let mut columns = EVENTS.empty();
        encode(&events, &mut columns);
        for (i, event) in events.iter().enumerate() {
            assert_eq!(decode(&columns, i).as_ref(), Ok(event), "row {i}");
        }
    }
}
