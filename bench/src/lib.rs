//! What the bench binaries share: port decorators that count backend calls, the inventory's server fleet, and
//! the machine's load for their reports.

pub mod counting;
pub mod fleet;

/// The load average over 1, 5 and 15 minutes (`/proc/loadavg`), as "0.75 1.70 2.09"; empty where there is none.
pub fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
