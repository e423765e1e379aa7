//! Top customers by net sales over a window (orders placed less orders refunded, on the days they happened),
//! without reading every customer who bought.
//!
//! Each fact moves its customer on the boards of the days and months it touches (`ledger::board_moves`): a
//! partition per day and per month, sorted by the customer's net there. A window reads the top of the boards of
//! its spans (whole months, the days around them); a customer found there is a candidate, and a board it is not
//! on bounds what it (or anyone not found) had there by that board's last entry. Candidates whose net is not
//! known from the boards alone and who could still make the list — the most promising 25 — are read exactly
//! from the digest of net sales per day their ledgers keep (the threshold algorithm, Fagin et al., 2003,
//! stopped after one batch). Whether the list is provably complete is stated, with the most a customer left out
//! can have had.

use crate::business::money;
use crate::read::spans;
use crate::{AnalyticsEnv, Window};
use chrono::{Duration, NaiveDate};
use futures_util::{StreamExt, TryStreamExt};
use proxy_core::domain::{CustomerId, Grain, Money, day_bucket, month_bucket};
use proxy_core::error::PortError;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// Customers listed.
pub const LISTED: usize = 10;
/// Entries read from the top of each board.
const DEPTH: usize = 25;
/// Candidates' net sales per day read at most per window, in one batch: reading more made the request grow with
/// the volume (a million orders read four batches, and proved no more).
const MAX_LEDGERS: usize = 25;
/// Boards read at once.
const CONCURRENCY: usize = 16;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopCustomers {
    /// Largest net sales first.
    pub customers: Vec<TopCustomer>,
    /// True when no customer left out had more than the last one listed.
    pub complete: bool,
    /// The most a customer left out can have had (None when the boards listed everyone who bought).
    pub others_at_most: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopCustomer {
    pub customer_id: String,
    pub net: Money,
}

/// The day and month boards a window is read from.
fn boards(window: &Window) -> Vec<(Grain, String)> {
    let by_day = Window { grain: Grain::Day, ..*window };
    let mut out = Vec::new();
    for (grain, from, to) in spans(&by_day) {
        match grain {
            Grain::Month => {
                let (Ok(mut month), Ok(last)) = (first_of(&from), first_of(&to)) else { continue };
                while month <= last {
                    out.push((Grain::Month, month_bucket(month)));
                    month = month + chrono::Months::new(1);
                }
            }
            _ => {
                let (Ok(mut day), Ok(last)) = (from.parse::<NaiveDate>(), to.parse::<NaiveDate>()) else { continue };
                while day <= last {
                    out.push((Grain::Day, day_bucket(day)));
                    day += Duration::days(1);
                }
            }
        }
    }
    out
}

fn first_of(month: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
}

/// What the boards say of one candidate.
#[derive(Default)]
struct Found {
    /// Its net summed over the boards it is on.
    known: Decimal,
    /// The partial boards (those listing only their top) it is on, and their last entries summed.
    partial_boards: usize,
    partial_floors: Decimal,
}

pub async fn top_customers(ctx: &impl AnalyticsEnv, window: &Window) -> Result<TopCustomers, PortError> {
    let analytics = &ctx.stores().analytics;
    let boards: Vec<_> = futures_util::stream::iter(boards(window))
        .map(|(grain, bucket)| async move { analytics.top_of_board(grain, &bucket, DEPTH).await })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    // An unlisted customer had at most each partial board's last entry there (or nothing: no sales that day,
    // which beats a last entry that is a refund), and nothing on a complete one.
    let floors: Vec<Option<Decimal>> = boards
        .iter()
        .map(
            |(listed, everyone)| {
                if *everyone { None } else { listed.last().map(|(_, net)| (*net).max(Decimal::ZERO)) }
            },
        )
        .collect();
    let threshold: Option<Decimal> = floors.iter().flatten().copied().reduce(|a, b| a + b);
    let partial_boards = floors.iter().flatten().count();
    let mut found: BTreeMap<CustomerId, Found> = BTreeMap::new();
    for ((listed, _), floor) in boards.iter().zip(&floors) {
        for (customer, net) in listed {
            let candidate = found.entry(customer.clone()).or_default();
            candidate.known += *net;
            if let Some(floor) = floor {
                candidate.partial_boards += 1;
                candidate.partial_floors += *floor;
            }
        }
    }
    let mut exact: Vec<(CustomerId, Decimal)> = Vec::new();
    let mut open: Vec<(CustomerId, Decimal)> = Vec::new();
    for (customer, candidate) in found {
        if candidate.partial_boards == partial_boards {
            exact.push((customer, candidate.known));
        } else {
            // On each partial board it is not on, it had at most that board's last entry.
            let upper = candidate.known + threshold.unwrap_or_default() - candidate.partial_floors;
            open.push((customer, upper));
        }
    }
    open.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let (first, last) = (day_bucket(window.first_day()), day_bucket(window.last_day()));
    // The most promising candidates the boards cannot settle, read exactly: those that could still beat the
    // tenth settled one.
    let tenth = ranked(&mut exact).get(LISTED - 1).map(|(_, net)| *net);
    let needed = open.iter().take_while(|(_, upper)| tenth.is_none_or(|tenth| *upper > tenth)).count();
    let mut open = open.into_iter().peekable();
    if needed > 0 {
        let batch: Vec<CustomerId> =
            open.by_ref().take(needed.min(MAX_LEDGERS)).map(|(customer, _)| customer).collect();
        for (customer, by_day) in analytics.net_by_day(&batch).await? {
            exact.push((customer, by_day.range(first.clone()..=last.clone()).map(|(_, net)| *net).sum()));
        }
    }
    let unresolved = open.next().map(|(_, upper)| upper);
    let bound = threshold.into_iter().chain(unresolved).reduce(Decimal::max);
    ranked(&mut exact);
    let mut positive = exact.into_iter().filter(|(_, net)| *net > Decimal::ZERO);
    let listed: Vec<TopCustomer> = positive
        .by_ref()
        .take(LISTED)
        .map(|(customer, net)| TopCustomer { customer_id: customer.0, net: money(net) })
        .collect();
    let complete = match bound {
        None => true,
        Some(bound) => {
            bound <= Decimal::ZERO || (listed.len() == LISTED && listed.last().is_some_and(|last| last.net >= bound))
        }
    };
    // Left out: anyone the boards did not settle (the bound) and the eleventh settled customer down.
    let eleventh = positive.next().map(|(_, net)| net);
    let others_at_most = bound.into_iter().chain(eleventh).reduce(Decimal::max);
    Ok(TopCustomers {
        customers: listed,
        complete,
        others_at_most: others_at_most.map(|b| money(b.max(Decimal::ZERO))),
    })
}

/// Largest net first (then by customer, so equal nets list the same way every time).
fn ranked(exact: &mut [(CustomerId, Decimal)]) -> &[(CustomerId, Decimal)] {
    exact.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    exact
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reads_the_boards_of_its_months_and_the_days_around_them() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        let window = Window { from: day("2026-09-29"), to: day("2026-12-02"), grain: Grain::Day };
        let names: Vec<String> = boards(&window).into_iter().map(|(g, b)| format!("{}{b}", g.code())).collect();
        assert_eq!(names, ["D2026-09-29", "D2026-09-30", "M2026-10", "M2026-11", "D2026-12-01"]);
    }
}
