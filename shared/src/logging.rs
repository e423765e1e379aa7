//! Structured JSON logs (CloudWatch parses them); level from `RUST_LOG`, default `info`. Events with the
//! target `emf` carry a CloudWatch embedded-metric document: they are written as the raw line (CloudWatch reads
//! `_aws` at the top level only), not wrapped in the JSON log format. Without a subscriber (tests), nothing
//! is written.

use std::io::Write;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

pub use platform::telemetry::EMF_TARGET;

/// Installs the JSON subscriber once; later calls are no-ops (tests call it from many places).
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = subscriber(std::io::stdout, filter).try_init();
}

/// `init`, with the events also kept in `ring` (the local run's logs endpoint reads them).
#[cfg(feature = "memory")]
pub fn init_with_ring(ring: &std::sync::Arc<crate::log_ring::LogRing>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = subscriber(std::io::stdout, filter).with(ring.layer()).try_init();
}

/// The log layers, writing to `writer`: JSON for every event `filter` lets through but the embedded metrics,
/// which go raw whatever the log level (they are metrics, not logs).
fn subscriber<W>(
    writer: W,
    filter: tracing_subscriber::EnvFilter,
) -> impl tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Clone + Send + Sync + 'static,
{
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .flatten_event(true)
        .with_target(false)
        .with_writer(writer.clone())
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| meta.target() != EMF_TARGET))
        .with_filter(filter);
    tracing_subscriber::registry().with(json).with(EmbeddedMetrics(writer))
}

/// Writes each `emf` event's document as one line.
struct EmbeddedMetrics<W>(W);

impl<S: tracing::Subscriber, W: for<'w> MakeWriter<'w> + 'static> Layer<S> for EmbeddedMetrics<W> {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != EMF_TARGET {
            return;
        }
        let mut document = Document(None);
        event.record(&mut document);
        if let Some(line) = document.0 {
            // A log line that cannot be written is lost, as any log line would be; the job goes on.
            let _ = writeln!(self.0.make_writer(), "{line}");
        }
    }
}

struct Document(Option<String>);

impl Visit for Document {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "emf" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "emf" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn embedded_metrics_are_written_raw_whatever_the_level_and_other_events_as_json() {
        let buffer = Buffer::default();
        let document = r#"{"_aws":{"Timestamp":1},"JobsProcessed":2}"#;
        let warnings_only = tracing_subscriber::EnvFilter::new("warn");
        tracing::subscriber::with_default(subscriber(buffer.clone(), warnings_only), || {
            tracing::info!("below the level: not written");
            tracing::warn!(job_type = "x", "job done");
            tracing::info!(target: EMF_TARGET, emf = document);
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        let log: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!((log["message"].as_str(), log["job_type"].as_str()), (Some("job done"), Some("x")));
        assert_eq!(lines[1], document, "the document itself, not wrapped");
    }
}
