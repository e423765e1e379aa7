//! The demo data set of the local run: customers, servers in several locations, plans, coupons and 90 days
//! (`--demo-days`) of trade with a realistic shape (growth, weekly rhythm, evening peaks) — played through the
//! system's own code paths, at the moment each thing happens. Deterministic for a seed (and a start time).
//!
//! The catalog (servers, plans, coupons) and the customers are written through the repositories: no service
//! creates them yet. Everything else goes through the services the HTTP routes and workers run:
//! - money enters wallets as admin credits (`services::wallet::credit`), sized to what the customer is about to
//!   buy — card and crypto gateways are not connected, so that is how wallets are funded today;
//! - every cart is quoted through the HTTP API as its customer (`POST /api/pricing/quote` through the edge, so
//!   the quote is counted in the request telemetry: the analytics' quote-to-order conversion);
//! - every order is placed by `services::orders::place_as` (ids drawn from the seed), which holds capacity,
//!   debits the wallet and queues the provisioning job; a refused placement (sold-out or paused server) makes
//!   the customer pick another plan;
//! - a few customers cancel at once with `services::orders::cancel` (refund, capacity released);
//! - the queue worker (`worker::poll_once` with the standard job registry) then runs the queued jobs:
//!   provisioning creates the clients on the simulated panels and completes the order, events reach the
//!   customers' feeds and the analytics rollups count the sale; each simulated day the telemetry (requests, jobs,
//!   panel calls) is rolled up into the analytics as the hourly `analytics-rollup` does;
//! - a few panel outages (`MemoryPanel::set_reachable`) make provisioning fail to its last attempt, so the
//!   orders placed on those servers meanwhile end in dispute with their capacity given back;
//! - the hourly client expiry runs once at the end (`expiry::sweep`): clients whose term ended in the last 30
//!   days go inactive and free their slots (older ones stay active, as the deployed sweep's look-back leaves
//!   them), except on one server whose panel does not answer just then: those expiries fail to their last
//!   attempt and wait in the `low` dead-letter queue, so the queues page has failed jobs to retry.
//!
//! So every order is `completed`, `cancelled` (refunded) or `dispute`, and server counters, wallets and
//! statistics agree with the orders because the same code wrote them. Statuses no path produces for wallet
//! orders (failed or pending payments) do not occur.
//!
//! On `--backend aws` the emulators now and then time out: the demo retries as a careful client would
//! (placements with an idempotency key; a retry that finds the first try's order still `new` has placement send
//! its provisioning job and events again, which the worker runs once).
//!
//! Time: the demo runs on [`DemoClock`], the process clock of the local run, which it sets to each moment of
//! the history it replays (so order dates, wallet movements, completion times, TTLs and queue timestamps are
//! from then), and gives back to the wall clock when it is done — before the server takes any request.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use rust_decimal::Decimal;
use shared::adapters::memory::MemoryPanel;
use shared::app::AppContext;
use shared::clock::Clock;
use shared::domain::*;
use shared::error::{PortError, PortResult};
use shared::ports::QueueRef;
use shared::services::orders::{CancelError, OrderLine, PlaceError, ValidOrder, cancel, place_as};
use shared::services::pricing::ValidQuote;
use shared::services::wallet::{CreditError, CreditRequest, credit};
use shared::worker::{JobRegistry, poll_once};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

const LOCATIONS: [(&str, &str); 8] = [
    ("Frankfurt", "DE"),
    ("Amsterdam", "NL"),
    ("London", "GB"),
    ("Paris", "FR"),
    ("New York", "US"),
    ("Singapore", "SG"),
    ("Tokyo", "JP"),
    ("Sao Paulo", "BR"),
];

const FIRST_NAMES: [&str; 16] = [
    "Amina", "Lucas", "Sofia", "Chen", "Mateo", "Olga", "Yuki", "Omar", "Lea", "Ivan", "Priya", "Diego", "Hana",
    "Noah", "Fatima", "Pierre",
];
const LAST_NAMES: [&str; 12] = [
    "Martin", "Ivanova", "Garcia", "Wang", "Rossi", "Dubois", "Tanaka", "Haddad", "Silva", "Smith", "Kowalski",
    "Nguyen",
];
const LOCALES: [(&str, &str); 6] = [
    ("en", "Europe/London"),
    ("fr", "Europe/Paris"),
    ("es", "America/Sao_Paulo"),
    ("ru", "Europe/Moscow"),
    ("ar", "Asia/Dubai"),
    ("zh", "Asia/Shanghai"),
];

/// Days of history of the embedded default.
pub const DAYS: u32 = 90;
/// The admin who records the customers' deposits (the subject of the local admin token).
const ADMIN: &str = "local-admin";
/// Panel outages: (server index, when in the window (percent), hour it starts, hours it lasts). Orders placed on
/// that server meanwhile cannot be provisioned and end in dispute.
const OUTAGES: [(usize, i64, u32, i64); 4] = [(1, 25, 16, 30), (6, 57, 7, 30), (3, 71, 18, 30), (10, 86, 15, 30)];
/// The server whose panel does not answer while the closing client expiry runs: its clients' expiries end in
/// the dead-letter queue.
const EXPIRY_OUTAGE: usize = 0;
/// How long before the end of the history the closing client expiry runs.
const EXPIRY_BEFORE_END: Duration = Duration::minutes(10);
/// Share of orders the customer cancels before provisioning starts.
const CANCEL_SHARE: f64 = 0.04;
/// A first-order coupon, once per customer.
const WELCOME: &str = "WELCOME10";
/// A limited promotion: 5 off orders of 20 or more, 30 uses, during the first two thirds of the window.
const PROMO: &str = "SPRING5";

#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct DemoSummary {
    pub customers: usize,
    pub servers: usize,
    pub plans: usize,
    /// Every order placed, whatever became of it.
    pub orders: usize,
    pub completed: usize,
    pub cancelled: usize,
    pub disputed: usize,
    /// Placed but not provisioned yet (none once the worker has run).
    pub in_progress: usize,
    /// Active clients.
    pub clients: usize,
    /// Orders still paid (completed or in dispute): refunded ones are not revenue.
    pub paid_revenue: Decimal,
    /// Something to try by hand: the customer with the most money and a plan on a server with room.
    pub try_it: Option<TryIt>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TryIt {
    pub customer_id: CustomerId,
    pub balance: Decimal,
    pub server_id: ServerId,
    pub plan_id: PlanId,
}

/// The process clock of the local run: the wall clock, except while the demo replays its history — then the
/// moment being replayed. Every adapter and service of the local run reads time from it.
#[derive(Debug, Default)]
pub struct DemoClock {
    replaying: Mutex<Option<DateTime<Utc>>>,
}

impl DemoClock {
    /// Showing the wall clock.
    pub fn wall() -> Self {
        Self::default()
    }

    /// Stopped at `at` (tests: the same history every run).
    #[cfg(test)]
    pub fn stopped_at(at: DateTime<Utc>) -> Self {
        Self { replaying: Mutex::new(Some(at)) }
    }

    fn state(&self) -> Option<DateTime<Utc>> {
        *self.replaying.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, state: Option<DateTime<Utc>>) {
        *self.replaying.lock().unwrap_or_else(|p| p.into_inner()) = state;
    }
}

impl Clock for DemoClock {
    fn now(&self) -> DateTime<Utc> {
        self.state().unwrap_or_else(Utc::now)
    }
}

/// The demo's hold on the clock: only moves forward, and puts the clock back as it was when dropped.
struct Replay<'a> {
    clock: &'a DemoClock,
    before: Option<DateTime<Utc>>,
}

impl<'a> Replay<'a> {
    fn start(clock: &'a DemoClock, at: DateTime<Utc>) -> Self {
        let before = clock.state();
        clock.set(Some(at));
        Self { clock, before }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// To `at`, or nowhere when that is already past (things replayed just before took some time).
    fn go_to(&self, at: DateTime<Utc>) {
        self.clock.set(Some(at.max(self.now())));
    }

    fn pass(&self, by: Duration) {
        self.clock.set(Some(self.now() + by));
    }
}

impl Drop for Replay<'_> {
    fn drop(&mut self) {
        self.clock.set(self.before);
    }
}

/// A UUIDv4 drawn from the seeded generator.
fn id(rng: &mut fastrand::Rng) -> String {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid().to_string()
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// A failure worth another try: the backend did not answer in time or could not be reached. (The emulators of
/// `--backend aws` do that now and then; the embedded backend never does.)
fn transient(error: &PortError) -> bool {
    matches!(error, PortError::Timeout { .. } | PortError::Unavailable { .. })
}

/// How many times a transient failure is tried.
const TRIES: u32 = 5;

/// Calls `call` until it succeeds, fails for good, or has failed transiently `TRIES` times. What is retried is
/// safe to repeat: placements and credits carry idempotency keys, the rest are reads, put-if-absent writes
/// (see [`created`]) and cancellations (see [`Shop::purchase`]).
async fn patiently<T, E, Fut>(mut call: impl FnMut() -> Fut, is_transient: impl Fn(&E) -> bool) -> Result<T, E>
where
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut tries = 1;
    loop {
        match call().await {
            Err(error) if tries < TRIES && is_transient(&error) => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(250 * u64::from(tries))).await;
            }
            result => return result,
        }
    }
}

/// A put-if-absent retried after a timeout may find its own first write: that is success.
async fn created<Fut>(mut put: impl FnMut() -> Fut) -> PortResult<()>
where
    Fut: std::future::Future<Output = PortResult<()>>,
{
    let mut first = true;
    patiently(
        || {
            let retry = !std::mem::take(&mut first);
            let attempt = put();
            async move {
                match attempt.await {
                    Err(PortError::Conflict { .. }) if retry => Ok(()),
                    result => result,
                }
            }
        },
        transient,
    )
    .await
}

/// Orders per day: growing about 60 % over the window, quieter at weekends, with day-to-day noise.
fn orders_on(day_index: i64, days: i64, weekday: chrono::Weekday, rng: &mut fastrand::Rng) -> usize {
    let growth = 1.0 + 0.6 * day_index as f64 / days as f64;
    let weekly = if matches!(weekday, chrono::Weekday::Sat | chrono::Weekday::Sun) { 0.7 } else { 1.0 };
    let noise = 0.75 + rng.f64() * 0.5;
    (7.0 * growth * weekly * noise).round() as usize
}

/// An hour of day weighted towards the evening (customers buy after work).
fn hour(rng: &mut fastrand::Rng) -> u32 {
    const WEIGHTS: [u32; 24] = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 7, 8, 9, 10, 10, 9, 6, 4];
    let total: u32 = WEIGHTS.iter().sum();
    let mut pick = rng.u32(0..total);
    for (h, w) in WEIGHTS.iter().enumerate() {
        if pick < *w {
            return h as u32;
        }
        pick -= w;
    }
    23
}

/// What happens at a moment of the history.
#[derive(Debug, Clone, Copy)]
enum Happening {
    /// Customer `i` signs up.
    Signup(usize),
    /// Somebody buys.
    Purchase,
    /// Server `i`'s panel stops answering, or answers again.
    Panel(usize, bool),
}

/// The shop being replayed.
struct Shop<'a> {
    ctx: AppContext,
    replay: Replay<'a>,
    rng: fastrand::Rng,
    registry: JobRegistry,
    panel: Arc<MemoryPanel>,
    servers: Vec<Server>,
    plans: Vec<Plan>,
    customers: Vec<Customer>,
    /// Indexes into `customers`, in order of signup.
    signed_up: Vec<usize>,
    has_ordered: HashSet<usize>,
    deposits: usize,
    /// Up to when the telemetry was rolled up into the analytics.
    rolled_up: DateTime<Utc>,
}

/// Loads `days` of demo history into `ctx`'s backend. `ctx` must run on `clock`; `panel` plays the demo
/// servers' panels (their hosts do not exist). Leaves `clock` as it found it.
pub async fn load(
    ctx: &AppContext,
    clock: &DemoClock,
    panel: Arc<MemoryPanel>,
    seed: u64,
    days: u32,
) -> Result<DemoSummary, String> {
    let days = i64::from(days.max(1));
    let now = clock.now();
    let start = now - Duration::days(days);
    let opening = start - Duration::days(30);
    let replay = Replay::start(clock, opening);
    if ctx.clock.now() != opening {
        return Err("the backend does not run on the demo clock".into());
    }
    let ctx = AppContext { panel: panel.clone(), ..ctx.clone() };
    let mut rng = fastrand::Rng::with_seed(seed);

    // Servers: two in the busiest locations; one paused and one down, so dashboards have something to flag
    // (and the storefront's placement refuses them).
    let mut servers = Vec::new();
    for (i, (location, country)) in LOCATIONS.iter().enumerate() {
        for n in 0..(if i < 4 { 2 } else { 1 }) {
            let status = match servers.len() {
                5 => ServerStatus::Paused,
                9 => ServerStatus::Down,
                _ => ServerStatus::Up,
            };
            let max_clients = [80, 120, 150, 200][rng.usize(0..4)];
            servers.push(Server {
                id: ServerId(id(&mut rng)),
                name: format!("{}-{}", location.to_lowercase().replace(' ', "-"), n + 1),
                location: (*location).into(),
                country: (*country).into(),
                status,
                max_clients,
                active_clients: 0,
                held_clients: 0,
                free_slots: max_clients,
                panel_host: format!("panel-{}.{}.1000proxy.example", n + 1, country.to_lowercase()),
                panel_port: 2053,
                created_at: opening,
            });
        }
    }
    // Plans: three per server.
    let mut plans = Vec::new();
    for server in &servers {
        for (name, price, days, protocol, kind, limit) in [
            ("Starter", 499, 30, "vless", "datacenter", Some(100)),
            ("Pro", 1299, 30, "vmess", "residential", Some(500)),
            ("Business", 3499, 90, "trojan", "residential", None),
        ] {
            plans.push(Plan {
                id: PlanId(id(&mut rng)),
                server_id: server.id.clone(),
                name: format!("{name} {days}d — {}", server.location),
                price: money(price),
                days,
                protocol: protocol.into(),
                plan_type: kind.into(),
                data_limit_gb: limit,
                is_active: true,
                is_popular: name == "Pro",
                inbound_id: 1 + plans.len() as u32 % 3,
                created_at: opening,
            });
        }
    }
    let coupons = [
        Coupon { single_use_per_customer: true, ..Coupon::new(WELCOME, DiscountKind::Percent, Decimal::TEN) },
        Coupon {
            min_order: Decimal::from(20),
            usage_limit: Some(30),
            starts_at: Some(start),
            ends_at: Some(start + Duration::days(days * 2 / 3)),
            ..Coupon::new(PROMO, DiscountKind::Fixed, Decimal::from(5))
        },
    ];
    let write = |e: PortError| format!("writing the catalog: {e}");
    for server in &servers {
        created(|| ctx.stores.catalog.create_server(server)).await.map_err(write)?;
    }
    for plan in &plans {
        created(|| ctx.stores.catalog.create_plan(plan)).await.map_err(write)?;
    }
    for coupon in &coupons {
        created(|| ctx.stores.coupons.create(coupon)).await.map_err(write)?;
    }

    // Customers, arriving over the window and a little before it.
    let mut customers = Vec::new();
    let mut history: Vec<(DateTime<Utc>, Happening)> = Vec::new();
    for i in 0..60 {
        let first = FIRST_NAMES[rng.usize(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.usize(0..LAST_NAMES.len())];
        let (locale, timezone) = LOCALES[rng.usize(0..LOCALES.len())];
        let created_at = opening + Duration::hours(rng.i64(1..(days + 25) * 24));
        let last_login_at = (now - Duration::hours(rng.i64(1..24 * 40))).max(created_at + Duration::minutes(3));
        history.push((created_at, Happening::Signup(i)));
        customers.push(Customer {
            id: CustomerId(id(&mut rng)),
            name: format!("{first} {last}"),
            username: format!("{}_{}{}", first.to_lowercase(), last.to_lowercase(), i),
            email: format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), i),
            phone: (i % 3 == 0).then(|| format!("+33 6 {:02} {:02} {:02} {:02}", i, i + 1, i + 2, i + 3)),
            locale: locale.into(),
            timezone: timezone.into(),
            // Where the customers are (taken from the list, not the seed, so the rest of the history stays as
            // it was): the analytics' country segments.
            country: (i % 5 != 4).then(|| LOCATIONS[(i * 3) % LOCATIONS.len()].1.into()),
            theme_mode: [ThemeMode::Light, ThemeMode::Dark, ThemeMode::System][i % 3],
            email_notifications: i % 4 != 0,
            // Checkout adds each paid order (the demo places them through it).
            total_paid: Decimal::ZERO,
            created_at,
            last_login_at: Some(last_login_at),
            suspended_at: None,
        });
    }
    // Purchases, day by day (the last few minutes before now are left quiet: the replay must end in the past).
    for day_index in 0..days {
        let day = start + Duration::days(day_index);
        for _ in 0..orders_on(day_index, days, day.date_naive().weekday(), &mut rng) {
            let at = day.with_hour(hour(&mut rng)).unwrap_or(day) + Duration::minutes(rng.i64(0..60));
            if at < now - Duration::minutes(15) {
                history.push((at, Happening::Purchase));
            }
        }
    }
    for (server, percent, from_hour, hours) in OUTAGES {
        let down = (start + Duration::days(days * percent / 100)).with_hour(from_hour).unwrap_or(start);
        history.push((down, Happening::Panel(server, false)));
        history.push((down + Duration::hours(hours), Happening::Panel(server, true)));
    }
    history.sort_by_key(|(at, _)| *at);

    let mut shop = Shop {
        ctx,
        replay,
        rng,
        registry: shared::worker::standard_registry(),
        panel,
        servers,
        plans,
        customers,
        signed_up: Vec::new(),
        has_ordered: HashSet::new(),
        deposits: 0,
        rolled_up: opening,
    };
    for (at, happening) in history {
        shop.replay.go_to(at);
        shop.roll_up(Duration::hours(20)).await?;
        match happening {
            Happening::Signup(i) => shop.sign_up(i).await?,
            Happening::Purchase => shop.purchase().await?,
            Happening::Panel(server, reachable) => shop.panel.set_reachable(&shop.servers[server].id, reachable),
        }
    }
    shop.run_worker().await?;
    shop.roll_up(Duration::zero()).await?;
    // The hourly client expiry, as the deployed schedule runs it, shortly before the end — while one server's
    // panel does not answer: the clients past their term elsewhere are taken off their panels and their slots
    // freed; the expiries of that server's clients fail to their last attempt and wait in the dead-letter queue
    // for an operator to retry (its panel answers again right after).
    shop.replay.go_to(now - EXPIRY_BEFORE_END);
    let unreachable = shop.servers[EXPIRY_OUTAGE].id.clone();
    shop.panel.set_reachable(&unreachable, false);
    let lookback = shared::services::inventory::expiry::EXPIRY_LOOKBACK;
    patiently(|| shared::services::inventory::expiry::sweep(&shop.ctx, lookback), transient)
        .await
        .map_err(|e| format!("the demo's client expiry: {e}"))?;
    shop.run_worker().await?;
    shop.panel.set_reachable(&unreachable, true);
    // Support chat in the last minutes: two customers waiting (one answered by an admin, who has it), so the
    // inbox opens with unread counts, an assignee and one nobody has taken.
    shop.chat().await?;
    shop.run_worker().await?;
    // The inventory check the deployed schedule would have run last, at the end of the history, so the
    // inventory view opens with its forecast, band states and scaling decisions (its own schedule runs it every
    // 15 minutes from here).
    shop.replay.go_to(now);
    let settings = shared::services::inventory::InventorySettings::default();
    let check = patiently(|| shared::services::inventory::run_check(&shop.ctx, &settings), transient)
        .await
        .map_err(|e| format!("the demo's inventory check: {e}"))?;
    if !check.errors.is_empty() {
        return Err(format!("the demo's inventory check: {}", check.errors.join("; ")));
    }
    patiently(|| shop.summary(opening, now), transient).await.map_err(|e| format!("reading the demo data back: {e}"))
}

impl Shop<'_> {
    async fn chat(&mut self) -> Result<(), String> {
        use shared::services::realtime::chat;
        let say = |e: chat::ChatError| format!("the demo's support chat: {e}");
        let identity =
            |customer: &Customer| shared::http::Identity { subject: customer.id.to_string(), groups: vec![] };
        let support = shared::http::Identity { subject: "support-maya".into(), groups: vec!["admin".into()] };
        let (first, second) = (identity(&self.customers[0]), identity(&self.customers[1]));
        let (waiting, _) = chat::start(&self.ctx, &first).await.map_err(say)?;
        let id = waiting.id.to_string();
        for text in ["Hello, my Frankfurt proxy stopped answering this morning.", "The Pro plan, bought last week."] {
            chat::send(&self.ctx, &first, &id, text.into(), None).await.map_err(say)?;
            self.replay.pass(Duration::minutes(1));
        }
        let (answered, _) = chat::start(&self.ctx, &second).await.map_err(say)?;
        let answered = answered.id.to_string();
        chat::send(&self.ctx, &second, &answered, "Can I move my client to another location?".into(), None)
            .await
            .map_err(say)?;
        self.replay.pass(Duration::minutes(1));
        chat::assign(&self.ctx, &answered, &support.subject, false).await.map_err(say)?;
        let reply = "Yes: cancel it and order in the new location, the unused days are credited.";
        chat::send(&self.ctx, &support, &answered, reply.into(), None).await.map_err(say)?;
        Ok(())
    }

    async fn sign_up(&mut self, i: usize) -> Result<(), String> {
        let customer = self.customers[i].clone();
        created(|| self.ctx.stores.customers.create(&customer))
            .await
            .map_err(|e| format!("creating a customer: {e}"))?;
        // What a confirmed sign-up sends (`profile::register`), for the analytics' new customers and segments.
        shared::services::events::record_sign_up(&self.ctx, &CustomerFact::of(&customer)).await;
        self.signed_up.push(i);
        // Some pay something in straight away.
        if self.rng.f64() < 0.4 {
            self.replay.pass(Duration::minutes(self.rng.i64(2..30)));
            let amount = Decimal::from([20, 50, 100][self.rng.usize(0..3)]);
            self.deposit(&customer.id, amount).await?;
            self.run_worker().await?;
        }
        Ok(())
    }

    /// An admin credit of `amount`, as the operators record a bank transfer or a manual card payment.
    async fn deposit(&mut self, customer: &CustomerId, amount: Decimal) -> Result<(), String> {
        self.deposits += 1;
        let reason =
            ["Bank transfer received", "Card payment taken by phone", "USDT deposit confirmed"][self.rng.usize(0..3)];
        let request = CreditRequest { amount: Some(amount), reason: Some(reason.into()), currency: None };
        let key = format!("demo-deposit-{}", self.deposits);
        let mut retried = false;
        let result = patiently(
            || {
                let first = !std::mem::replace(&mut retried, true);
                let attempt = credit(&self.ctx, ADMIN, customer, request.clone(), Some(&key));
                async move {
                    match attempt.await {
                        // A retry finding its key used: the attempt that timed out went through.
                        Err(CreditError::AlreadyApplied) if !first => Ok(()),
                        result => result.map(|_| ()),
                    }
                }
            },
            |e| matches!(e, CreditError::Port(p) if transient(p)),
        )
        .await;
        result.map_err(|e| format!("crediting a wallet: {e}"))
    }

    /// A signed-up customer buys: tops the wallet up if it is short, places the order (another plan when the
    /// server refuses), sometimes cancels at once; then the worker runs what was queued.
    async fn purchase(&mut self) -> Result<(), String> {
        if self.signed_up.is_empty() {
            return Ok(());
        }
        // A few loyal customers buy far more often than the rest.
        let buyer = if self.rng.f64() < 0.35 {
            self.signed_up[self.rng.usize(0..self.signed_up.len().min(8))]
        } else {
            self.signed_up[self.rng.usize(0..self.signed_up.len())]
        };
        let customer = self.customers[buyer].id.clone();
        let quantity = [1, 1, 1, 2, 3][self.rng.usize(0..5)];
        let duration_months = [1, 1, 1, 3, 6, 12][self.rng.usize(0..6)];
        let mut coupon_code = if !self.has_ordered.contains(&buyer) && self.rng.f64() < 0.5 {
            Some(WELCOME.to_owned())
        } else if self.rng.f64() < 0.1 {
            Some(PROMO.to_owned())
        } else {
            None
        };
        let order_id = OrderId(id(&mut self.rng));
        let mut tries = 0;
        let placed = loop {
            let plan = self.plans[self.rng.usize(0..self.plans.len())].clone();
            // Like the storefront: ask what the cart costs, top the wallet up if it is short, then order.
            let cart = ValidQuote {
                lines: vec![OrderLine { plan_id: plan.id.clone(), quantity }],
                server_id: Some(plan.server_id.clone()),
                duration_months,
                coupon_code: coupon_code.clone(),
            };
            let price = match self.quote(&customer, &cart).await? {
                Ok(total) => total,
                // The promotion ran out, ended or does not apply: the customer buys without it.
                Err(errors) if coupon_code.is_some() && errors.contains_key("coupon_code") => {
                    coupon_code = None;
                    continue;
                }
                Err(errors) => return Err(format!("quoting an order: {errors:?}")),
            };
            let balance = patiently(|| self.ctx.stores.wallets.get(&customer), transient)
                .await
                .map_err(|e| format!("reading a wallet: {e}"))?;
            let balance = balance.map(|w| w.balance).unwrap_or_default();
            if balance < price {
                let shortfall = ((price - balance) / Decimal::TEN).ceil() * Decimal::TEN;
                let extra = Decimal::from([0, 0, 10, 20, 50, 100][self.rng.usize(0..6)]);
                self.deposit(&customer, shortfall + extra).await?;
                self.replay.pass(Duration::minutes(self.rng.i64(2..12)));
            }
            let request = ValidOrder {
                lines: vec![OrderLine { plan_id: plan.id.clone(), quantity }],
                server_id: Some(plan.server_id.clone()),
                duration_months,
                payment_method: PaymentMethod::Wallet,
                currency: "USD".into(),
                notes: None,
                coupon_code: coupon_code.clone(),
                // The storefront confirms the price it showed: a moved price is refused, not charged.
                expected_total: Some(price),
            };
            // The storefront's idempotency key makes a retry after a timeout return the order the first try made.
            let key = format!("demo-{order_id}");
            let placed = patiently(
                || place_as(&self.ctx, order_id.clone(), &customer, request.clone(), Some(&key)),
                |e| matches!(e, PlaceError::Port(p) if transient(p)),
            )
            .await;
            match placed {
                Ok(placed) => break Some(placed),
                // The promotion ran out, ended or does not apply: the customer buys without it.
                Err(PlaceError::Invalid(errors)) if coupon_code.is_some() && errors.contains_key("coupon_code") => {
                    coupon_code = None;
                }
                // The price moved while the customer topped up (another hour, another demand): they look again.
                Err(PlaceError::PriceChanged { .. }) => {}
                // Sold out, paused or down: the customer looks elsewhere, and gives up after a few tries.
                Err(PlaceError::NoCapacity(_) | PlaceError::ServerUnavailable(_)) => {
                    tries += 1;
                    if tries == 3 {
                        break None;
                    }
                }
                Err(e) => return Err(format!("placing an order: {e}")),
            }
            self.replay.pass(Duration::minutes(self.rng.i64(1..5)));
        };
        let Some(placed) = placed else {
            return Ok(());
        };
        self.has_ordered.insert(buyer);
        if self.rng.f64() < CANCEL_SHARE {
            self.replay.pass(Duration::seconds(self.rng.i64(10..50)));
            let mut retried = false;
            let cancelled = patiently(
                || {
                    let first = !std::mem::replace(&mut retried, true);
                    let attempt = cancel(&self.ctx, &customer, &placed.order.id);
                    async move {
                        match attempt.await {
                            // A retry finding it cancelled: the attempt that timed out went through.
                            Err(CancelError::NotCancellable(OrderStatus::Cancelled)) if !first => Ok(()),
                            result => result.map(|_| ()),
                        }
                    }
                },
                |e| matches!(e, CancelError::Port(p) if transient(p)),
            )
            .await;
            cancelled.map_err(|e| format!("cancelling an order: {e}"))?;
        }
        self.replay.pass(Duration::seconds(self.rng.i64(2..20)));
        self.run_worker().await
    }

    /// Runs the queue worker until every queue is empty. A failed job comes back on the next round, ten seconds
    /// later on the demo clock (the local run's visibility timeout), until the queue's last attempt. Messages are
    /// received with no visibility timeout of their own, because SQS counts that in real time.
    /// The storefront's quote, asked through the HTTP API as the customer (so the quote is counted as the
    /// deployed edge counts it: the analytics' quote-to-order conversion): the total, or the fields refused.
    async fn quote(
        &self,
        customer: &CustomerId,
        cart: &ValidQuote,
    ) -> Result<Result<Decimal, std::collections::BTreeMap<String, serde_json::Value>>, String> {
        // One line on one server, in the storefront's own shape (the original's `server_id`, `plan_id`, ...).
        let line = cart.lines.first().ok_or("a cart without lines")?;
        let body = serde_json::json!({
            "server_id": cart.server_id,
            "plan_id": line.plan_id,
            "quantity": line.quantity,
            "duration": cart.duration_months,
            "coupon_code": cart.coupon_code,
        });
        let claims = std::collections::BTreeMap::from([("sub".to_owned(), customer.to_string())]);
        for attempt in 1..=TRIES {
            let event = shared::http::apigw::HttpEvent::new("POST", "/api/pricing/quote")
                .with_claims(claims.clone())
                .with_body(body.to_string());
            let request = event.to_request(self.ctx.clock.now())?;
            let response = shared::handlers::http(&shared::routes::PRICING_QUOTE, &self.ctx, request)
                .await
                .ok_or("the quote route has no handler")?;
            let status = response.status().as_u16();
            let reply: serde_json::Value = match response.body() {
                lambda_http::Body::Text(text) => serde_json::from_str(text).map_err(|e| e.to_string())?,
                other => return Err(format!("a quote answered {other:?}")),
            };
            match status {
                200 => {
                    let total = reply["data"]["quote"]["total"].as_str().and_then(|t| t.parse().ok());
                    return total.map(Ok).ok_or_else(|| format!("a quote without its total: {reply}"));
                }
                422 => {
                    let errors = reply["errors"].as_object().cloned().unwrap_or_default();
                    return Ok(Err(errors.into_iter().collect()));
                }
                // An emulator's time-out, as a careful client sees it: try again.
                503 if attempt < TRIES => {
                    tokio::time::sleep(std::time::Duration::from_millis(250 * u64::from(attempt))).await
                }
                _ => return Err(format!("a quote answered {status}: {reply}")),
            }
        }
        Err("the quote kept timing out".into())
    }

    /// The telemetry since the last roll-up (the quotes' requests, the jobs, provisioning's panel calls) copied
    /// to the analytics rollups, as the hourly `analytics-rollup` does, once `every` has passed: what the cache
    /// holds is kept a day, so the demo rolls it up as it goes.
    async fn roll_up(&mut self, every: Duration) -> Result<(), String> {
        let now = self.ctx.clock.now();
        if now - self.rolled_up < every {
            return Ok(());
        }
        self.ctx.flush_request_metrics().await;
        let hours = (now - self.rolled_up).num_hours() + 1;
        patiently(|| shared::services::analytics::telemetry::roll_up(&self.ctx, now, hours), transient)
            .await
            .map_err(|e| format!("rolling the telemetry up: {e}"))?;
        self.rolled_up = now;
        Ok(())
    }

    async fn run_worker(&mut self) -> Result<(), String> {
        loop {
            let mut received = 0;
            for priority in Priority::ALL {
                let queue = QueueRef::Main(priority);
                let poll = || {
                    poll_once(&self.ctx, &self.registry, queue, std::time::Duration::ZERO, std::time::Duration::ZERO)
                };
                let report = patiently(poll, transient)
                    .await
                    .map_err(|e| format!("running the worker on {}: {e}", queue.name()))?;
                received += report.outcomes.len();
            }
            if received == 0 {
                return Ok(());
            }
            self.replay.pass(Duration::seconds(10));
        }
    }

    /// What the store holds now.
    async fn summary(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> PortResult<DemoSummary> {
        let stores = &self.ctx.stores;
        let servers = stores.catalog.servers().await?;
        let mut summary = DemoSummary {
            customers: self.signed_up.len(),
            servers: servers.len(),
            plans: stores.catalog.plans().await?.len(),
            ..DemoSummary::default()
        };
        for status in OrderStatus::ALL {
            let count = stores.orders.by_status(status, from, to).await?.len();
            summary.orders += count;
            match status {
                OrderStatus::Completed => summary.completed = count,
                OrderStatus::Cancelled => summary.cancelled = count,
                OrderStatus::Dispute => summary.disputed = count,
                OrderStatus::New | OrderStatus::Processing => summary.in_progress += count,
            }
        }
        for server in &servers {
            summary.clients += stores.clients.of_server(&server.id, true).await?.len();
        }
        summary.paid_revenue =
            stores.orders.by_payment_status(PaymentStatus::Paid, from, to).await?.iter().map(|o| o.grand_amount).sum();
        let mut richest: Option<(CustomerId, Decimal)> = None;
        for customer in self.signed_up.iter().map(|&i| &self.customers[i].id) {
            let balance = stores.wallets.get(customer).await?.map(|w| w.balance).unwrap_or_default();
            if richest.as_ref().is_none_or(|(_, best)| balance > *best) {
                richest = Some((customer.clone(), balance));
            }
        }
        let plans = stores.catalog.plans().await?;
        let open_plan = servers
            .iter()
            .filter(|s| s.status == ServerStatus::Up && s.free_slots > 0)
            .find_map(|s| plans.iter().find(|p| p.server_id == s.id && p.is_active));
        if let (Some((customer_id, balance)), Some(plan)) = (richest, open_plan) {
            summary.try_it =
                Some(TryIt { customer_id, balance, server_id: plan.server_id.clone(), plan_id: plan.id.clone() });
        }
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::adapters::memory::MemoryTable;
    use shared::ports::Table;
    use shared::ports::table::{Condition, Cursor, Item, Key, Page, Query, TransactOp, Update};
    use std::collections::BTreeMap;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn at_noon() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z").unwrap().into()
    }

    /// The embedded backend on a stopped demo clock, as the server builds it.
    fn backend() -> (AppContext, Arc<DemoClock>, Arc<MemoryPanel>) {
        let clock = Arc::new(DemoClock::stopped_at(at_noon()));
        let panel = Arc::new(MemoryPanel::new());
        (crate::memory_context(clock.clone(), panel.clone()), clock, panel)
    }

    async fn all_orders(ctx: &AppContext, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Order> {
        let mut orders = Vec::new();
        for status in OrderStatus::ALL {
            orders.extend(ctx.stores.orders.by_status(status, from, to).await.unwrap());
        }
        orders.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        orders
    }

    async fn transactions(ctx: &AppContext, customer: &CustomerId) -> Vec<WalletTransaction> {
        let (mut out, mut cursor): (Vec<WalletTransaction>, Option<Cursor>) = (Vec::new(), None);
        loop {
            let (page, next) = ctx.stores.wallets.transactions_of(customer, 100, cursor).await.unwrap();
            out.extend(page);
            match next {
                Some(next) => cursor = Some(next),
                None => return out,
            }
        }
    }

    /// Checks what `days` of demo history left in the store against `summary`; returns the orders.
    async fn check_consistent(ctx: &AppContext, panel: &MemoryPanel, summary: &DemoSummary, days: u32) -> Vec<Order> {
        let orders = check_orders_and_money(ctx, panel, summary, days).await;
        let now = at_noon();
        // The analytics worker counted every placed order once, on its day, and took the cancelled ones back out.
        let mut counted = 0;
        for plan in ctx.stores.catalog.plans().await.unwrap() {
            for day in 0..=i64::from(days) {
                counted +=
                    ctx.stores.stats.plan_day(&plan.id, (now - Duration::days(day)).date_naive()).await.unwrap().orders;
            }
        }
        assert_eq!(counted as usize, summary.orders - summary.cancelled);
        // Events reached the customers' feeds.
        let (feed, _) = ctx.stores.feed.recent(&orders[0].customer_id, 100, None).await.unwrap();
        assert!(feed.iter().any(|e| e.name() == "order.status.changed"), "{feed:?}");
        // Only the expiries of the server whose panel did not answer were dead-lettered, each still active.
        let name = format!("{}-1", LOCATIONS[EXPIRY_OUTAGE].0.to_lowercase().replace(' ', "-"));
        let servers = ctx.stores.catalog.servers().await.unwrap();
        let unreachable = servers.iter().find(|s| s.name == name).expect("the first location's first server");
        for priority in Priority::ALL {
            let dlq = ctx.queue.attributes(QueueRef::DeadLetter(priority)).await.unwrap();
            let dead = dlq.visible + dlq.in_flight + dlq.delayed;
            if priority != Priority::Low {
                assert_eq!(dead, 0, "{priority:?}");
                continue;
            }
            // Exactly the expiries the sweep queued for that server's clients: those whose term ended within its
            // look-back, still active because their job could not reach the panel.
            let sweep = now - EXPIRY_BEFORE_END;
            let window = sweep - shared::services::inventory::expiry::EXPIRY_LOOKBACK..=sweep;
            let active = ctx.stores.clients.of_server(&unreachable.id, true).await.unwrap();
            let due = active.iter().filter(|c| window.contains(&c.expires_at)).count();
            // (A short history has no client whose term ended by the closing expiry.)
            assert!(days < DAYS || dead > 0, "the unreachable server's expiries wait in the dead-letter queue");
            assert_eq!(dead as usize, due, "dead letters vs clients due on {}", unreachable.name);
        }
        orders
    }

    /// The orders' ends, the servers' counters and the wallets; returns the orders.
    async fn check_orders_and_money(
        ctx: &AppContext,
        panel: &MemoryPanel,
        summary: &DemoSummary,
        days: u32,
    ) -> Vec<Order> {
        let days = i64::from(days);
        let now = at_noon();
        let from = now - Duration::days(days + 31);
        // A short history has no client whose term ended by the closing expiry.
        let long = days >= i64::from(DAYS);
        assert_eq!(summary.in_progress, 0, "the worker ran everything: {summary:?}");
        assert_eq!(summary.orders, summary.completed + summary.cancelled + summary.disputed);

        // Orders are what placement makes, spread over the window, and ended where the real paths put them.
        let orders = all_orders(ctx, from, now).await;
        assert_eq!(orders.len(), summary.orders);
        assert!(orders.iter().all(|o| o.created_at < now && o.created_at > now - Duration::days(days + 1)));
        assert!(orders.iter().any(|o| o.created_at < now - Duration::days(days - 2)), "history reaches back");
        assert!(orders.iter().any(|o| o.discount > Decimal::ZERO && o.coupon_code.is_some()), "coupons were used");
        let mut units_completed = 0;
        for order in &orders {
            assert!(order.order_number.starts_with(&format!("ORD-{}-", order.created_at.format("%Y%m%d"))));
            assert_eq!(order.payment_method, PaymentMethod::Wallet);
            let lines = ctx.stores.orders.lines(&order.id).await.unwrap();
            let units: u32 = lines.iter().map(|l| l.quantity).sum();
            let clients = ctx.stores.clients.of_customer(&order.customer_id, None).await.unwrap();
            let of_order = clients.iter().filter(|c| c.order_id == order.id).count();
            match order.order_status {
                OrderStatus::Completed => {
                    assert_eq!(order.payment_status, PaymentStatus::Paid);
                    let completed_at = order.completed_at.expect("completion time");
                    assert!(completed_at > order.created_at && completed_at < order.created_at + Duration::hours(1));
                    assert_eq!(of_order, units as usize, "{}", order.order_number);
                    units_completed += units as usize;
                }
                OrderStatus::Cancelled => {
                    assert_eq!(order.payment_status, PaymentStatus::Refunded);
                    assert_eq!(of_order, 0);
                }
                OrderStatus::Dispute => {
                    assert_eq!(order.payment_status, PaymentStatus::Paid);
                    assert_eq!(of_order, 0);
                }
                status => panic!("{} left {status:?}", order.order_number),
            }
        }
        // The closing expiry made the clients whose term ended in its look-back inactive, but for the server whose
        // panel did not answer.
        let mut expired = 0;
        for order in orders.iter().filter(|o| o.order_status == OrderStatus::Completed) {
            let clients = ctx.stores.clients.of_customer(&order.customer_id, None).await.unwrap();
            let sweep = now - EXPIRY_BEFORE_END;
            let lookback = shared::services::inventory::expiry::EXPIRY_LOOKBACK;
            for client in clients.iter().filter(|c| c.order_id == order.id && !c.is_active) {
                let window = sweep - lookback..=sweep;
                assert!(window.contains(&client.expires_at), "{} expired outside the sweep's look-back", client.id);
                expired += 1;
            }
        }
        assert!(!long || expired > 0, "the closing expiry expired clients");
        assert_eq!(summary.clients, units_completed - expired);

        // Server counters: free + held + active = max, active = the clients in the store and on the panel.
        let servers = ctx.stores.catalog.servers().await.unwrap();
        let mut active_total = 0;
        for server in &servers {
            let active = ctx.stores.clients.of_server(&server.id, true).await.unwrap();
            assert_eq!(server.free_slots + server.held_clients + server.active_clients, server.max_clients);
            assert_eq!((server.held_clients, server.active_clients as usize), (0, active.len()), "{}", server.name);
            assert_eq!(panel.clients_on(&server.id).len(), active.len(), "{}", server.name);
            // Paused and down servers never sold; a server the closing inventory check drained keeps its clients.
            if matches!(server.status, ServerStatus::Paused | ServerStatus::Down) {
                assert_eq!(server.active_clients, 0, "{} sells nothing", server.name);
            }
            active_total += active.len();
        }
        assert_eq!(active_total, summary.clients);

        // Wallets: each balance is its transactions' sum and never negative; every paid order is one debit,
        // every cancelled one a debit and its refund.
        let mut by_customer: BTreeMap<&CustomerId, Vec<&Order>> = BTreeMap::new();
        for order in &orders {
            by_customer.entry(&order.customer_id).or_default().push(order);
        }
        for (customer, orders) in by_customer {
            let wallet = ctx.stores.wallets.get(customer).await.unwrap().unwrap();
            let transactions = transactions(ctx, customer).await;
            assert_eq!(wallet.balance, transactions.iter().map(|t| t.amount).sum::<Decimal>());
            assert!(wallet.balance >= Decimal::ZERO);
            let debits: Decimal =
                transactions.iter().filter(|t| t.kind == TransactionType::Debit).map(|t| -t.amount).sum();
            let refunds: Decimal =
                transactions.iter().filter(|t| t.kind == TransactionType::Refund).map(|t| t.amount).sum();
            assert_eq!(debits, orders.iter().map(|o| o.grand_amount).sum::<Decimal>());
            assert_eq!(
                refunds,
                orders.iter().filter(|o| o.order_status == OrderStatus::Cancelled).map(|o| o.grand_amount).sum()
            );
            assert!(transactions.iter().all(|t| t.kind != TransactionType::Deposit || t.created_by.is_some()));
        }
        let paid = ctx.stores.orders.by_payment_status(PaymentStatus::Paid, from, now).await.unwrap();
        assert_eq!(paid.iter().map(|o| o.grand_amount).sum::<Decimal>(), summary.paid_revenue);
        orders
    }

    #[tokio::test]
    async fn the_demo_is_placed_through_the_order_paths_and_is_consistent_and_repeatable() {
        let (ctx, clock, panel) = backend();
        let started = std::time::Instant::now();
        let summary = load(&ctx, &clock, panel.clone(), 7, DAYS).await.unwrap();
        eprintln!("{DAYS} days of demo (seed 7) loaded in {:?}: {summary:?}", started.elapsed());
        assert_eq!(clock.now(), at_noon(), "the clock is given back as it was");
        assert!(summary.orders > 400, "{summary:?}");
        assert!(summary.completed > 350 && summary.cancelled > 0 && summary.disputed > 0, "{summary:?}");
        let orders = check_consistent(&ctx, &panel, &summary, DAYS).await;

        // Same seed, same shop.
        let (again_ctx, again_clock, again_panel) = backend();
        let again = load(&again_ctx, &again_clock, again_panel, 7, DAYS).await.unwrap();
        assert_eq!(again, summary, "same seed, same data");
        let ids = |orders: &[Order]| orders.iter().map(|o| (o.id.clone(), o.order_status)).collect::<Vec<_>>();
        let from = at_noon() - Duration::days(i64::from(DAYS) + 31);
        assert_eq!(ids(&all_orders(&again_ctx, from, at_noon()).await), ids(&orders));
        every_analytics_section_has_figures(&ctx).await;
    }

    /// The demo's history, through the analytics worker and the roll-ups, fills every section of the analytics:
    /// growth against the month before, churn and reactivation, top customers, cohorts retained, forecasts with
    /// intervals, the jobs' and panels' telemetry, quotes converted.
    async fn every_analytics_section_has_figures(ctx: &AppContext) {
        use shared::services::analytics::forecast::{Forecast, Granularity, Outcome, forecasts};
        use shared::services::analytics::{Period, business, performance, servers, users};
        let period = Period::parse(Some("30d"), None, None, ctx.clock.now()).unwrap();
        let sales = business::business_metrics(ctx, &period).await.unwrap();
        assert!(sales.current.net > Decimal::ZERO && sales.previous.net > Decimal::ZERO, "{sales:?}");
        assert!(sales.change.net.is_some() && sales.current.by_location.len() >= 4, "{sales:?}");
        assert!(sales.current.quotes > sales.current.orders && sales.current.conversion_rate.is_some());
        let moved = &sales.mrr.movements;
        assert!(
            moved.new > Decimal::ZERO && moved.churn > Decimal::ZERO && moved.expansion > Decimal::ZERO,
            "{moved:?}"
        );
        assert!(sales.mrr.at_end > Decimal::ZERO && sales.mrr.arpu.is_some(), "{:?}", sales.mrr);
        let top = &sales.top_customers.customers;
        assert!(top.len() == 10 && top.windows(2).all(|w| w[0].net >= w[1].net), "{:?}", sales.top_customers);
        let people = users::user_metrics(ctx, &period).await.unwrap();
        assert!(people.current.active_customers > 10 && people.repeat_purchase_rate.is_some(), "{people:?}");
        assert!(people.cohorts.len() >= 3, "{:?}", people.cohorts);
        assert!(people.cohorts.iter().any(|c| c.retained.iter().any(|r| r.month_offset >= 1)), "a cohort retained");
        assert!(people.segments.by_tier.len() >= 2 && people.segments.by_country.len() >= 4, "{:?}", people.segments);
        let operations = performance::performance_metrics(ctx, &period).await.unwrap();
        assert!(operations.functions.iter().any(|f| f.function == "pricing-quote" && f.requests > 0));
        assert!(operations.jobs.iter().any(|j| j.job_type == "order.provision" && j.runs > 0), "{operations:?}");
        let fleet = servers::server_metrics(ctx, &period).await.unwrap();
        assert!(fleet.servers.iter().any(|s| s.provisioning.failed_calls > 0), "the panel outages show");
        // Every location with capacity sold (Singapore's one server is a standby).
        assert!(fleet.locations.iter().all(|l| l.capacity == 0 || l.sales.orders > 0), "{:?}", fleet.locations);
        let ahead = forecasts(ctx, Granularity::Daily, 30).await.unwrap();
        for series in &ahead.series {
            let Outcome::Forecast(Forecast { points, .. }) = &series.outcome else { panic!("{series:?}") };
            assert!(points.iter().any(|p| p.upper_95 > p.lower_95), "intervals: {series:?}");
        }
    }

    #[tokio::test]
    async fn a_short_history_as_loaded_on_the_emulators_is_consistent_too() {
        let (ctx, clock, panel) = backend();
        let summary = load(&ctx, &clock, panel.clone(), 1000, crate::AWS_DEMO_DAYS).await.unwrap();
        assert!(summary.orders > 50 && summary.completed > 40, "{summary:?}");
        check_consistent(&ctx, &panel, &summary, crate::AWS_DEMO_DAYS).await;
    }

    /// The embedded table, except that every `every`-th placement transaction is applied and then reported as
    /// timed out — what the emulators of `--backend aws` do now and then.
    struct TimingOut {
        inner: MemoryTable,
        every: usize,
        placements: AtomicUsize,
        timed_out: AtomicUsize,
    }

    type Answer<'a, T> = Pin<Box<dyn Future<Output = PortResult<T>> + Send + 'a>>;

    impl Table for TimingOut {
        fn get<'a, 'b, 'c>(&'a self, key: &'b Key) -> Answer<'c, Option<Item>>
        where
            'a: 'c,
            'b: 'c,
        {
            self.inner.get(key)
        }
        fn get_many<'a, 'b, 'c>(&'a self, keys: &'b [Key]) -> Answer<'c, Vec<Item>>
        where
            'a: 'c,
            'b: 'c,
        {
            self.inner.get_many(keys)
        }
        fn put<'a, 'c>(&'a self, item: Item, condition: Option<Condition>) -> Answer<'c, ()>
        where
            'a: 'c,
        {
            self.inner.put(item, condition)
        }
        fn update<'a, 'c>(&'a self, update: Update) -> Answer<'c, Item>
        where
            'a: 'c,
        {
            self.inner.update(update)
        }
        fn delete<'a, 'b, 'c>(&'a self, key: &'b Key, condition: Option<Condition>) -> Answer<'c, ()>
        where
            'a: 'c,
            'b: 'c,
        {
            self.inner.delete(key, condition)
        }
        fn transact<'a, 'c>(&'a self, ops: Vec<TransactOp>) -> Answer<'c, ()>
        where
            'a: 'c,
        {
            let places = ops
                .iter()
                .any(|op| matches!(op, TransactOp::Put { item, .. } if Key::of(item).is_some_and(|k| k.sk == "ORDER")));
            Box::pin(async move {
                self.inner.transact(ops).await?;
                if places && self.placements.fetch_add(1, Ordering::SeqCst) % self.every == self.every - 1 {
                    self.timed_out.fetch_add(1, Ordering::SeqCst);
                    return Err(PortError::Timeout { backend: shared::error::Backend::Store, operation: "transact" });
                }
                Ok(())
            })
        }
        fn query<'a, 'c>(&'a self, query: Query) -> Answer<'c, Page>
        where
            'a: 'c,
        {
            self.inner.query(query)
        }
        fn ping<'a, 'c>(&'a self) -> Answer<'c, ()>
        where
            'a: 'c,
        {
            self.inner.ping()
        }
        fn describe<'a, 'c>(&'a self) -> Answer<'c, shared::ports::table::TableFigures>
        where
            'a: 'c,
        {
            self.inner.describe()
        }
        fn take_throttled(&self) -> u64 {
            self.inner.take_throttled()
        }
    }

    #[tokio::test]
    async fn placements_that_went_through_but_timed_out_are_retried_and_still_provisioned() {
        let clock = Arc::new(DemoClock::stopped_at(at_noon()));
        let panel = Arc::new(MemoryPanel::new());
        let table = Arc::new(TimingOut {
            inner: MemoryTable::new(clock.clone()),
            every: 20,
            placements: AtomicUsize::new(0),
            timed_out: AtomicUsize::new(0),
        });
        let cache: Arc<dyn shared::ports::Cache> = Arc::new(shared::adapters::memory::MemoryCache::new(clock.clone()));
        let views = AppContext::views(clock.clone(), AppContext::memory_tagged_stores(clock.clone()), cache.clone());
        let ports = shared::app::Ports {
            table: table.clone(),
            cache,
            queue: Arc::new(shared::adapters::memory::MemoryQueue::new(clock.clone())),
            panel: panel.clone(),
            workers: Arc::new(shared::adapters::memory::MemoryWorkerPool::default()),
            views,
        };
        let ctx = AppContext::new(clock.clone(), ports, "memory");
        let summary = load(&ctx, &clock, panel.clone(), 1000, crate::AWS_DEMO_DAYS).await.unwrap();
        assert!(table.timed_out.load(Ordering::SeqCst) >= 3, "{summary:?}");
        // No order left `new` for want of its provisioning job; capacity and money agree with the orders. (The
        // events and the analytics fact of such an order are lost: `place` sends them only on its first answer.)
        check_orders_and_money(&ctx, &panel, &summary, crate::AWS_DEMO_DAYS).await;
    }

    #[tokio::test]
    async fn a_timed_out_create_found_on_retry_succeeds_and_lasting_failures_are_not_retried() {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let timeout = || PortError::Timeout { backend: shared::error::Backend::Store, operation: "put" };
        let flaky = || {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { if n == 0 { Err(timeout()) } else { Err(PortError::Conflict { op_index: None }) } }
        };
        assert!(created(flaky).await.is_ok(), "its first try went through");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);

        let calls = std::sync::atomic::AtomicU32::new(0);
        let taken = || {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Err(PortError::Conflict { op_index: None }) }
        };
        assert!(matches!(created(taken).await, Err(PortError::Conflict { .. })), "somebody else's");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_backend_on_another_clock_is_refused_and_the_wall_clock_comes_back() {
        let clock = DemoClock::wall();
        let other = AppContext::in_memory(Arc::new(shared::clock::SystemClock));
        let error = load(&other, &clock, Arc::new(MemoryPanel::new()), 1, 3).await.unwrap_err();
        assert!(error.contains("demo clock"), "{error}");
        assert!((clock.now() - Utc::now()).num_seconds().abs() < 5, "back on the wall clock");
    }
}
