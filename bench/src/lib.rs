//! What the bench binaries share: port decorators that count backend calls, and the inventory's server fleet.

pub mod counting;
pub mod fleet;
