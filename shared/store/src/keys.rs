//! The single-table key design: every partition and sort key the repositories use is built here.

use chrono::{DateTime, Utc};
use proxy_core::domain::{
    ConversationId, CustomerId, MessageId, OrderId, OrderStatus, PaymentStatus, PlanId, ServerId, TransactionType,
};
use proxy_core::ports::table::Key;
use rust_decimal::Decimal;

/// A timestamp that sorts as text in time order (fixed width, UTC, microseconds).
pub fn sortable_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn customer(id: &CustomerId) -> Key {
    Key::new(format!("CUSTOMER#{id}"), "PROFILE")
}

/// Every customer in one index partition (gsi3), sorted by sign-up time: sign-ups are few enough for one.
pub const CUSTOMERS_BY_CREATION: &str = "CUSTOMERS#BY_CREATION";

/// Uniqueness guards: one item per username / e-mail, written in the same transaction as the customer.
pub fn username_guard(username: &str) -> Key {
    Key::new(format!("USERNAME#{}", username.to_lowercase()), "UNIQUE")
}

pub fn email_guard(email: &str) -> Key {
    Key::new(format!("EMAIL#{}", email.to_lowercase()), "UNIQUE")
}

pub fn wallet(customer: &CustomerId) -> Key {
    Key::new(format!("CUSTOMER#{customer}"), "WALLET")
}

pub fn wallet_transaction_partition(customer: &CustomerId) -> String {
    format!("CUSTOMER#{customer}")
}

pub const WALLET_TRANSACTION_PREFIX: &str = "WTX#";

pub fn wallet_transaction(customer: &CustomerId, created: DateTime<Utc>, id: &str) -> Key {
    Key::new(
        wallet_transaction_partition(customer),
        format!("{WALLET_TRANSACTION_PREFIX}{}#{id}", sortable_time(created)),
    )
}

pub fn wallet_transactions_by_type(kind: TransactionType) -> String {
    format!("WTXTYPE#{}", kind.as_str())
}

pub fn transaction_reference_guard(reference: &str) -> Key {
    Key::new(format!("WTXREF#{reference}"), "UNIQUE")
}

pub fn server(id: &ServerId) -> Key {
    Key::new(format!("SERVER#{id}"), "SERVER")
}

/// All servers sit in one index partition, sorted by location: at most a few thousand small items.
pub const ALL_SERVERS: &str = "SERVERS";

pub fn plan(id: &PlanId) -> Key {
    Key::new(format!("PLAN#{id}"), "PLAN")
}

pub const ALL_PLANS: &str = "PLANS";

pub fn order(id: &OrderId) -> Key {
    Key::new(format!("ORDER#{id}"), "ORDER")
}

pub fn order_partition(id: &OrderId) -> String {
    format!("ORDER#{id}")
}

pub fn order_item(id: &OrderId, line: u32) -> Key {
    Key::new(order_partition(id), format!("ITEM#{line:04}"))
}

/// The quote an order was charged by.
pub fn order_quote(id: &OrderId) -> Key {
    Key::new(order_partition(id), "QUOTE")
}

pub fn orders_of_customer(customer: &CustomerId) -> String {
    format!("CUSTOMER#{customer}#ORDERS")
}

pub fn orders_by_payment_status(status: PaymentStatus) -> String {
    format!("PAYMENT#{}", status.as_str())
}

pub fn orders_by_status(status: OrderStatus) -> String {
    format!("ORDERSTATUS#{}", status.as_str())
}

pub fn order_items_of_server(server: &ServerId) -> String {
    format!("SERVER#{server}#ITEMS")
}

pub fn client(id: &proxy_core::domain::ClientId) -> Key {
    Key::new(format!("CLIENT#{id}"), "CLIENT")
}

pub fn clients_of_customer(customer: &CustomerId) -> String {
    format!("CUSTOMER#{customer}#CLIENTS")
}

pub fn clients_of_server(server: &ServerId, active: bool) -> String {
    format!("SERVER#{server}#CLIENTS#{}", if active { "active" } else { "inactive" })
}

/// Expiry is indexed per day, so "what expires between A and B" reads one small partition per day.
pub fn clients_expiring_on(day: chrono::NaiveDate) -> String {
    format!("EXPIRES#{day}")
}

pub fn alert(id: &proxy_core::domain::AlertId) -> Key {
    Key::new(format!("ALERT#{id}"), "ALERT")
}

pub const ALL_ALERTS: &str = "ALERTS";

/// The alerts that are not resolved (a sparse index: an alert leaves it when it resolves).
pub const OPEN_ALERTS: &str = "ALERTS#OPEN";

/// A condition's one item: which alert is open for it, and when its last one resolved.
pub fn alert_condition(dedup_key: &str) -> Key {
    Key::new(format!("ALERT_CONDITION#{dedup_key}"), "CONDITION")
}

pub fn processed_job(id: &str) -> Key {
    Key::new(format!("JOB#{id}"), "PROCESSED")
}

pub fn coupon(code: &str) -> Key {
    Key::new(format!("COUPON#{}", code.to_uppercase()), "COUPON")
}

/// A single-use-per-customer coupon's record of one customer's use.
pub fn coupon_use(code: &str, customer: &CustomerId) -> Key {
    Key::new(format!("COUPON#{}", code.to_uppercase()), format!("USEDBY#{customer}"))
}

/// A client idempotency key, scoped to the customer so keys cannot collide across customers.
pub fn request(customer: &CustomerId, key: &str) -> Key {
    Key::new(format!("REQUEST#{customer}#{key}"), "IDEMPOTENCY")
}

pub const FEED_PREFIX: &str = "EVENT#";

pub fn feed_partition(customer: &CustomerId) -> String {
    format!("CUSTOMER#{customer}")
}

pub fn feed_entry(customer: &CustomerId, at: DateTime<Utc>, event_id: &str) -> Key {
    Key::new(feed_partition(customer), format!("{FEED_PREFIX}{}#{event_id}", sortable_time(at)))
}

/// The admins' feed: the system alerts' events.
pub const ADMIN_FEED: &str = "ADMINS";

pub fn admin_feed_entry(at: DateTime<Utc>, event_id: &str) -> Key {
    Key::new(ADMIN_FEED, format!("{FEED_PREFIX}{}#{event_id}", sortable_time(at)))
}

/// An inbox of notifications: its notifications, its readers' marks and what each has read.
pub fn inbox_partition(inbox: &proxy_core::domain::Inbox) -> String {
    format!("INBOX#{}", inbox.name())
}

pub const NOTIFICATION_PREFIX: &str = "NOTE#";

pub fn notification(inbox: &proxy_core::domain::Inbox, id: &proxy_core::domain::NotificationId) -> Key {
    Key::new(inbox_partition(inbox), format!("{NOTIFICATION_PREFIX}{id}"))
}

/// A reader's "read up to here" in an inbox.
pub fn inbox_reader(inbox: &proxy_core::domain::Inbox, reader: &str) -> Key {
    Key::new(inbox_partition(inbox), format!("READER#{reader}"))
}

/// The sort-key prefix of the notifications `reader` has read one by one.
pub fn read_mark_prefix(reader: &str) -> String {
    format!("READ#{reader}#")
}

pub fn read_mark(inbox: &proxy_core::domain::Inbox, reader: &str, id: &proxy_core::domain::NotificationId) -> Key {
    Key::new(inbox_partition(inbox), format!("{}{id}", read_mark_prefix(reader)))
}

/// An address's outbox of alert e-mail (the address as given, lower-cased: one outbox per mailbox).
pub fn mailbox_partition(address: &str) -> String {
    format!("MAILBOX#{}", address.to_lowercase())
}

pub const PENDING_MAIL_PREFIX: &str = "PENDING#";

pub fn pending_mail(address: &str, at: DateTime<Utc>, change_key: &str) -> Key {
    Key::new(mailbox_partition(address), format!("{PENDING_MAIL_PREFIX}{}#{change_key}", sortable_time(at)))
}

/// A change already e-mailed to an address (kept while a retry of its job could still come).
pub fn mail_sent(address: &str, change_key: &str) -> Key {
    Key::new(mailbox_partition(address), format!("SENT#{change_key}"))
}

/// The send window of an address's latest e-mail.
pub fn mail_window(address: &str) -> Key {
    Key::new(mailbox_partition(address), "WINDOW")
}

/// A plan's sales on one day.
pub fn plan_day(plan: &PlanId, day: chrono::NaiveDate) -> Key {
    Key::new(plan_days(plan), plan_day_sort(day))
}

/// Clients sold per server and day, all in one partition sorted by day then server (the forecast's history).
pub const SERVERS_DAYS: &str = "STATS#SERVERS";

pub fn server_day(server: &ServerId, day: chrono::NaiveDate) -> Key {
    Key::new(SERVERS_DAYS, format!("{}SERVER#{server}", server_day_sort_prefix(day)))
}

/// The sort keys of one day's server items start with this.
pub fn server_day_sort_prefix(day: chrono::NaiveDate) -> String {
    format!("DAY#{day}#")
}

/// The day and server of a `server_day` sort key.
pub fn parse_server_day_sort(sort: &str) -> Option<(chrono::NaiveDate, ServerId)> {
    let (day, server) = sort.strip_prefix("DAY#")?.split_once("#SERVER#")?;
    Some((day.parse().ok()?, ServerId(server.to_owned())))
}

/// Marks an order as counted in the daily stats.
pub fn counted_order(order: &OrderId) -> Key {
    Key::new(format!("STATS#ORDER#{order}"), "COUNTED")
}

/// Marks a cancelled order as taken back out of the daily stats.
pub fn withdrawn_order(order: &OrderId) -> Key {
    Key::new(format!("STATS#ORDER#{order}"), "WITHDRAWN")
}

/// The partition of a grain and dimension's rollups (`AN#D#plan`), sorted by bucket then value.
pub fn rollup_partition(grain: proxy_core::domain::Grain, dimension: proxy_core::domain::Dimension) -> String {
    format!("AN#{}#{}", grain.code(), dimension.code())
}

/// One rollup item: `<bucket>#<value>` in its grain and dimension's partition.
pub fn rollup(key: &proxy_core::domain::RollupKey) -> Key {
    Key::new(rollup_partition(key.grain, key.dimension), format!("{}#{}", key.bucket, key.value))
}

/// What the analytics worker has applied of a customer's facts.
pub fn analytics_ledger(customer: &CustomerId) -> Key {
    Key::new(format!("AN#LEDGER#{customer}"), "LEDGER")
}

/// A day's or a month's customers by their net sales there (`AN#TOP#D#2026-11-30`), the largest last in key
/// order (read backwards for the top).
pub fn top_board(grain: proxy_core::domain::Grain, bucket: &str) -> String {
    format!("AN#TOP#{}#{bucket}", grain.code())
}

/// A customer's place on a board: the net in cents offset to be positive and zero-padded, so the key sorts as
/// the amount, then the customer.
pub fn top_board_entry(grain: proxy_core::domain::Grain, bucket: &str, net: Decimal, customer: &CustomerId) -> Key {
    const OFFSET: i128 = 1_000_000_000_000_000;
    use rust_decimal::prelude::ToPrimitive;
    let cents = (net * Decimal::ONE_HUNDRED).round().to_i128().unwrap_or(0).clamp(-OFFSET + 1, OFFSET - 1);
    Key::new(top_board(grain, bucket), format!("{:016}#{customer}", cents + OFFSET))
}

/// The HyperLogLogs of the customers who ordered, one item per day (`AN#ACTIVE#D`) or month (`AN#ACTIVE#M`).
pub fn active_partition(grain: proxy_core::domain::Grain) -> String {
    format!("AN#ACTIVE#{}", grain.code())
}

pub fn active(grain: proxy_core::domain::Grain, bucket: &str) -> Key {
    Key::new(active_partition(grain), bucket)
}

/// Every stored analytics report's header, sorted by its period's first day then kind (newest first when read
/// backwards).
pub const REPORTS: &str = "AN#REPORTS";

/// A report's header: its id is `<kind>-<first day>` (`daily-2026-11-29`); None for an id of another shape.
pub fn report_header(id: &str) -> Option<Key> {
    let (kind, day) = id.split_once('-')?;
    let day: chrono::NaiveDate = day.parse().ok()?;
    (!kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase()))
        .then(|| Key::new(REPORTS, format!("{day}#{kind}")))
}

/// The partition of a report's body parts.
pub fn report_parts(id: &str) -> String {
    format!("AN#REPORT#{id}")
}

pub fn report_part_prefix(generation: &str) -> String {
    format!("PART#{generation}#")
}

pub fn report_part(id: &str, generation: &str, index: usize) -> Key {
    Key::new(report_parts(id), format!("{}{index:04}", report_part_prefix(generation)))
}

/// The pricing rules: one partition holding every version and the pointer to the active one.
pub const PRICING_RULES: &str = "PRICING#RULES";
pub const PRICING_VERSION_PREFIX: &str = "VERSION#";

/// The active pricing rules: a copy of the active version (so reading it is one get) with its number.
pub fn pricing_rules_active() -> Key {
    Key::new(PRICING_RULES, "ACTIVE")
}

pub fn pricing_rules_version(version: u64) -> Key {
    Key::new(PRICING_RULES, format!("{PRICING_VERSION_PREFIX}{version:010}"))
}

/// A plan's daily counters, one item per day (`plan_day`).
pub fn plan_days(plan: &PlanId) -> String {
    format!("STATS#PLAN#{plan}")
}

pub fn plan_day_sort(day: chrono::NaiveDate) -> String {
    format!("DAY#{day}")
}

/// All coupons sit in one index partition (a few hundred small items at most).
pub const ALL_COUPONS: &str = "COUPONS";

/// A job that failed (see `FailedJob`); in the indexes only once it failed its last attempt.
pub fn failed_job(job_id: &str) -> Key {
    Key::new(format!("FAILEDJOB#{job_id}"), "FAILED")
}

pub const ALL_FAILED_JOBS: &str = "FAILEDJOBS";

pub fn failed_jobs_of_queue(queue: proxy_core::domain::Priority) -> String {
    format!("FAILEDJOBS#QUEUE#{}", queue.as_str())
}

pub fn failed_jobs_of_type(job_type: &str) -> String {
    format!("FAILEDJOBS#TYPE#{job_type}")
}

/// Queue-maintenance runs, one partition, by time.
pub const MAINTENANCE_RUNS: &str = "QUEUE#MAINTENANCE";

pub fn maintenance_run(at: DateTime<Utc>) -> Key {
    Key::new(MAINTENANCE_RUNS, format!("RUN#{}", sortable_time(at)))
}

/// The capacity band each server was last seen in (capacity alerts fire on a change).
pub const CAPACITY_BANDS: &str = "INVENTORY#BANDS";

pub fn capacity_band(server: &ServerId) -> Key {
    Key::new(CAPACITY_BANDS, format!("SERVER#{server}"))
}

/// The scaling action each location was last decided (a "provision a server" alert fires on a change).
pub fn location_scaling(location: &str) -> Key {
    Key::new(CAPACITY_BANDS, format!("LOCATION#{location}"))
}

/// A drift reconciliation saw once, repaired if the next run sees it again.
pub const DRIFT_SUSPECTS: &str = "INVENTORY#DRIFT";

pub fn drift_suspect(server: &ServerId) -> Key {
    Key::new(DRIFT_SUSPECTS, format!("SERVER#{server}"))
}

/// The latest capacity forecast: one item per location, replaced by every inventory check.
pub const INVENTORY_FORECASTS: &str = "INVENTORY#FORECAST";

pub fn location_forecast(location: &str) -> Key {
    Key::new(INVENTORY_FORECASTS, format!("LOCATION#{location}"))
}

/// Inventory-check runs, one partition, by time.
pub const INVENTORY_CHECKS: &str = "INVENTORY#CHECKS";

pub fn inventory_check(at: DateTime<Utc>) -> Key {
    Key::new(INVENTORY_CHECKS, format!("RUN#{}", sortable_time(at)))
}

pub const AUTOSCALE_RUNS: &str = "QUEUE#AUTOSCALE";

pub fn autoscale_run(at: DateTime<Utc>) -> Key {
    Key::new(AUTOSCALE_RUNS, format!("RUN#{}", sortable_time(at)))
}

/// The real-time registry. A connection's partition holds the connection and one row per channel it is on; a
/// channel's partition one row per connection on it — so a connection's channels and a channel's connections are
/// each one query by key, never a scan. Every row expires with API Gateway's 2-hour limit on the connection.
pub fn ws_connection_partition(connection_id: &str) -> String {
    format!("WSCONN#{connection_id}")
}

pub fn ws_connection(connection_id: &str) -> Key {
    Key::new(ws_connection_partition(connection_id), "CONNECTION")
}

pub const WS_SUBSCRIPTION_PREFIX: &str = "SUB#";

/// The connection's own record of being on `channel`.
pub fn ws_subscription(connection_id: &str, channel: &str) -> Key {
    Key::new(ws_connection_partition(connection_id), format!("{WS_SUBSCRIPTION_PREFIX}{channel}"))
}

pub fn ws_channel_partition(channel: &str) -> String {
    format!("WSCHAN#{channel}")
}

pub const WS_MEMBER_PREFIX: &str = "CONN#";

/// `channel`'s record of `connection_id` being on it.
pub fn ws_channel_member(channel: &str, connection_id: &str) -> Key {
    Key::new(ws_channel_partition(channel), format!("{WS_MEMBER_PREFIX}{connection_id}"))
}

/// A support conversation: its record and its messages share the partition.
pub fn conversation_partition(id: &ConversationId) -> String {
    format!("CHAT#{id}")
}

pub fn conversation(id: &ConversationId) -> Key {
    Key::new(conversation_partition(id), "CONVERSATION")
}

pub const CHAT_MESSAGE_PREFIX: &str = "MSG#";

pub fn chat_message(conversation: &ConversationId, message: &MessageId) -> Key {
    Key::new(conversation_partition(conversation), format!("{CHAT_MESSAGE_PREFIX}{message}"))
}

/// A sender's `Idempotency-Key` in a conversation: the message it sent (a retried send sends nothing twice).
pub fn chat_send_key(conversation: &ConversationId, sender: &str, key: &str) -> Key {
    Key::new(conversation_partition(conversation), format!("SENDKEY#{sender}#{key}"))
}

/// The customer's open conversation, if any: one at a time, guarded by this item.
pub fn open_conversation_of(customer: &CustomerId) -> Key {
    Key::new(format!("CUSTOMER#{customer}"), "OPENCHAT")
}

/// A customer's conversations (gsi1), newest first.
pub fn conversations_of_customer(customer: &CustomerId) -> String {
    format!("CUSTOMER#{customer}#CHATS")
}

/// The open conversations (gsi2), by last activity.
pub const OPEN_CONVERSATIONS: &str = "CHATS#OPEN";

/// The open conversations assigned to an admin, or to nobody (gsi3), by last activity. Nobody's partition is
/// not one an admin id can name.
pub fn open_conversations_assigned(admin: Option<&str>) -> String {
    match admin {
        Some(admin) => format!("CHATS#ASSIGNEE#{admin}"),
        None => "CHATS#UNASSIGNED".to_owned(),
    }
}
