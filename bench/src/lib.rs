//! What the bench binaries share: port decorators that count backend calls.

pub mod counting;
