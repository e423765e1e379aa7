//! The logs port in a local run: the process's own structured log events, the newest `capacity` kept in a
//! ring (a tracing layer beside the JSON one). A function's events are the ones inside its `function` span
//! (`name` = its row of the route table), which the local server opens around every call; others are the
//! process's.

use crate::clock::Clock;
use crate::ports::logs::{LogEvent, LogSearch, LogSource};
use proxy_core::error::PortResult;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The span a function's work runs in, named by its `name` field.
pub const FUNCTION_SPAN: &str = "function";
/// What the events outside any function span are attributed to.
pub const PROCESS: &str = "local-server";

pub struct LogRing {
    events: Mutex<VecDeque<LogEvent>>,
    capacity: usize,
    clock: Arc<dyn Clock>,
}

impl LogRing {
    pub fn new(clock: Arc<dyn Clock>, capacity: usize) -> Arc<Self> {
        Arc::new(Self { events: Mutex::new(VecDeque::with_capacity(capacity.min(4096))), capacity, clock })
    }

    /// The layer that fills this ring (info and above).
    pub fn layer<S>(self: &Arc<Self>) -> impl Layer<S> + Send + Sync + 'static
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    {
        RingLayer(self.clone()).with_filter(tracing_subscriber::filter::LevelFilter::INFO)
    }

    /// A subscriber that keeps its events in this ring only (for a process that logs nowhere else).
    pub fn subscriber(self: &Arc<Self>) -> impl tracing::Subscriber + Send + Sync + 'static {
        use tracing_subscriber::layer::SubscriberExt;
        tracing_subscriber::registry().with(self.layer())
    }

    /// Keeps an event: the layer's, or one written elsewhere (a line of another process, as CloudWatch has it).
    pub fn record(&self, event: LogEvent) {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if events.len() == self.capacity {
            events.pop_front();
        }
        events.push_back(event);
    }
}

#[async_trait::async_trait]
impl LogSource for LogRing {
    async fn search(&self, search: &LogSearch) -> PortResult<crate::ports::LogResults> {
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let mut skip = search.after.map_or(0, |after| after.given_at_ms);
        let mut found = Vec::new();
        let mut more = false;
        // Newest first: the ring is in time order; one millisecond's events newest first too (a stable order).
        for event in events.iter().rev() {
            if !search.wants(event) {
                continue;
            }
            if search.after.is_some_and(|after| event.at.timestamp_millis() == after.at_ms) && skip > 0 {
                skip -= 1;
                continue;
            }
            if found.len() == search.limit {
                more = true;
                break;
            }
            found.push(event.clone());
        }
        Ok(crate::ports::LogResults { events: found, more })
    }

    /// The ring keeps its newest `capacity` events: there are no log groups to set.
    async fn apply_retention(&self) -> PortResult<crate::ports::RetentionApplied> {
        Ok(crate::ports::RetentionApplied { days: None, changed: Vec::new() })
    }
}

struct RingLayer(Arc<LogRing>);

/// The function a span is for.
struct FunctionName(String);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for RingLayer {
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, id: &tracing::span::Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != FUNCTION_SPAN {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(serde_json::Value::String(name)), Some(span)) = (fields.0.remove("name"), ctx.span(id)) {
            span.extensions_mut().insert(FunctionName(name));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() == crate::logging::EMF_TARGET {
            return;
        }
        let function = ctx
            .event_scope(event)
            .and_then(|scope| {
                scope.from_root().find_map(|span| span.extensions().get::<FunctionName>().map(|f| f.0.clone()))
            })
            .unwrap_or_else(|| PROCESS.to_owned());
        let at = self.0.clock.now();
        let level = event.metadata().level().as_str().to_owned();
        let mut fields = Fields::default();
        event.record(&mut fields);
        // The line as the JSON layer writes it: time, level, message, then the event's fields.
        let mut line = serde_json::Map::new();
        line.insert("timestamp".into(), serde_json::Value::String(at.to_rfc3339()));
        line.insert("level".into(), serde_json::Value::String(level.clone()));
        line.insert("function".into(), serde_json::Value::String(function.clone()));
        line.extend(fields.0);
        let line = serde_json::Value::Object(line).to_string();
        self.0.record(LogEvent { at, function, level: level.to_lowercase(), line });
    }
}

#[derive(Default)]
struct Fields(serde_json::Map<String, serde_json::Value>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), serde_json::Value::String(value.to_owned()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), serde_json::Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::logs::LogLevel;

    #[tokio::test]
    async fn events_are_kept_newest_first_with_their_function_and_fields_up_to_the_capacity() {
        let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock);
        let ring = LogRing::new(clock, 3);
        tracing::subscriber::with_default(ring.subscriber(), || {
            tracing::info!("starting");
            let span = tracing::info_span!("function", name = "orders-create");
            span.in_scope(|| {
                tracing::warn!(order_id = "o-1", attempts = 2_u64, "slow panel");
                tracing::debug!("not kept: below info");
            });
            tracing::error!(target: crate::logging::EMF_TARGET, emf = "{}", "metrics are not logs");
            tracing::error!("last");
        });
        let now = chrono::Utc::now();
        let search = LogSearch {
            function: None,
            min_level: None,
            since: now - chrono::Duration::minutes(1),
            until: now + chrono::Duration::minutes(1),
            text: None,
            limit: 10,
            after: None,
        };
        let events = ring.search(&search).await.unwrap().events;
        let shown: Vec<(&str, &str)> = events.iter().map(|e| (e.function.as_str(), e.level.as_str())).collect();
        assert_eq!(shown, [(PROCESS, "error"), ("orders-create", "warn"), (PROCESS, "info")]);
        let line: serde_json::Value = serde_json::from_str(&events[1].line).unwrap();
        assert_eq!(
            (line["message"].as_str(), line["order_id"].as_str(), line["attempts"].as_u64()),
            (Some("slow panel"), Some("o-1"), Some(2))
        );
        let warn_and_above =
            LogSearch { min_level: Some(LogLevel::Warn), function: Some("orders-create".into()), ..search };
        assert_eq!(ring.search(&warn_and_above).await.unwrap().events.len(), 1);
        // A fourth event pushes the oldest out.
        tracing::subscriber::with_default(ring.subscriber(), || tracing::info!("fourth"));
        let kept = ring.search(&LogSearch { min_level: None, function: None, ..warn_and_above }).await.unwrap().events;
        assert_eq!(kept.len(), 3);
        assert!(kept.iter().all(|e| !e.line.contains("starting")));
    }
}
