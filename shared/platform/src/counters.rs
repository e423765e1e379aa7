//! Reading counters kept in the cache as rows: one row per name (a function, a job type, a server), one column
//! per field, all in one round trip.

use proxy_core::error::PortResult;
use proxy_core::ports::Cache;

/// The counters `key(name, field)` of every name and field, a row per name in `fields` order; None for a name
/// none of whose counters exists (nothing counted, or expired). One `get_many`.
pub async fn read_rows<N>(
    cache: &dyn Cache,
    names: &[N],
    fields: &[&str],
    key: impl Fn(&N, &str) -> String,
) -> PortResult<Vec<Option<Vec<i64>>>> {
    let keys: Vec<String> = names.iter().flat_map(|name| fields.iter().map(|field| key(name, field))).collect();
    let values = cache.get_many(&keys).await?;
    Ok(values
        .chunks(fields.len().max(1))
        .map(|row| {
            row.iter()
                .any(Option::is_some)
                .then(|| row.iter().map(|v| v.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0)).collect())
        })
        .collect())
}
