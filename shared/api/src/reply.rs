//! What a successful endpoint answers with: a value, written as `data` in the success envelope (every endpoint
//! but downloads and pages), a file (a report's CSV or zip), written as itself with its type and name, or an
//! HTML page (the operators' dashboards), written as itself.

/// A file an endpoint answers with instead of the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    pub content_type: &'static str,
    /// The name a browser saves it under.
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// An HTML document or fragment an endpoint answers with, already escaped by the template that wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Html(pub String);

/// A JSON value written as itself, outside the envelope: an answer whose shape a third-party client fixes
/// (Pusher's channel authorisation, `{"auth": ...}`, which `pusher-js` reads at the top level). Errors are
/// still written in the error envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Verbatim(pub serde_json::Value);

/// An endpoint's answer that is sometimes a value, sometimes a file and sometimes a page (`format=json|csv|html`).
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Data(serde_json::Value),
    File(Download),
    Page(Html),
}

/// How the edge writes a successful answer.
pub enum Body<T> {
    Envelope(T),
    File(Download),
    Page(Html),
    Verbatim(serde_json::Value),
}

/// What an endpoint may answer with: any serialisable value (the envelope's `data`), a `Download`, a `Reply`.
pub trait Respond {
    type Data: serde::Serialize;
    fn into_body(self) -> Body<Self::Data>;
}

impl<T: serde::Serialize> Respond for T {
    type Data = T;
    fn into_body(self) -> Body<T> {
        Body::Envelope(self)
    }
}

impl Respond for Download {
    type Data = ();
    fn into_body(self) -> Body<()> {
        Body::File(self)
    }
}

impl Respond for Html {
    type Data = ();
    fn into_body(self) -> Body<()> {
        Body::Page(self)
    }
}

impl Respond for Verbatim {
    type Data = ();
    fn into_body(self) -> Body<()> {
        Body::Verbatim(self.0)
    }
}

impl Respond for Reply {
    type Data = serde_json::Value;
    fn into_body(self) -> Body<serde_json::Value> {
        match self {
            Reply::Data(value) => Body::Envelope(value),
            Reply::File(file) => Body::File(file),
            Reply::Page(page) => Body::Page(page),
        }
    }
}
