//! CloudWatch embedded metrics: a service hands its documents to `publish_embedded_metrics`; the log setup
//! (`shared::logging`) writes events of `EMF_TARGET` as the raw document, because CloudWatch reads `_aws` at
//! the top level of a log line only.

/// The target of embedded-metric events; their field `emf` is the document.
pub const EMF_TARGET: &str = "emf";

/// Writes each embedded-metric document to the log as a line of its own.
pub fn publish_embedded_metrics(lines: &[String]) {
    for line in lines {
        tracing::info!(target: EMF_TARGET, emf = line.as_str());
    }
}
