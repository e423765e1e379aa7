//! `TaggedCache` on Redis. Under the store's prefix: `k:<key>` holds a value, `t:<tag>` is the set of the value
//! keys filed under a tag, `g:<tag>` the tag's generation. Writes and invalidations are scripts, so a value, its
//! tags and the generation check are never split. Supported: Redis or Valkey 7+ with cluster mode disabled (the
//! scripts touch the keys a tag lists, which a cluster cannot route, and use `EXPIRE .. NX|GT`).

use super::redis::{COMMAND_LIMIT, RedisCache, SCRIPT_LIMIT};
use super::redis_link::RedisLink;
use async_trait::async_trait;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::tagged_cache::{MAX_TTL, TAGS_SCANNED};
use proxy_core::ports::{CacheServerInfo, TagCount, TagPrune, TaggedCache, TaggedRead};
use std::sync::Arc;
use std::time::Duration;

/// A generation outlives every value written under it (`MAX_TTL`), so a generation that expired had no value
/// left to protect; a reader that saw it before it expired sees it move (to nothing) and does not write.
const GENERATION_TTL: Duration = Duration::from_secs(3 * MAX_TTL.as_secs());
/// Keys per `SCAN` page and per `UNLINK`.
const BATCH: usize = 500;

#[derive(Clone)]
pub struct RedisTaggedCache {
    link: Arc<RedisLink>,
    /// `<CACHE_PREFIX>cache:<store>:`.
    prefix: String,
}

/// `KEYS[1]` the value, then a generation and a tag set per tag; `ARGV`: the value, its TTL, the generations
/// the reader saw, the generations' TTL.
const WRITE: &str = r"
local tags = (#KEYS - 1) / 2
for i = 1, tags do
  if tonumber(redis.call('GET', KEYS[1 + i]) or '0') ~= tonumber(ARGV[2 + i]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 1, tags do
  local set = KEYS[1 + tags + i]
  redis.call('SADD', set, KEYS[1])
  redis.call('EXPIRE', set, ARGV[2], 'NX')
  redis.call('EXPIRE', set, ARGV[2], 'GT')
end
return 1
";

/// `KEYS`: a generation and a tag set per tag; `ARGV[1]`: the generations' TTL. Returns the values removed.
const INVALIDATE: &str = r"
local removed = 0
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
  local members = redis.call('SMEMBERS', KEYS[i + 1])
  for j = 1, #members, 500 do
    removed = removed + redis.call('UNLINK', unpack(members, j, math.min(j + 499, #members)))
  end
  redis.call('UNLINK', KEYS[i + 1])
end
return removed
";

/// `KEYS`: tag sets. Drops the members whose value is gone and returns each set's remaining size.
const PRUNE_TAGS: &str = r"
local counts = {}
for i, set in ipairs(KEYS) do
  for _, member in ipairs(redis.call('SMEMBERS', set)) do
    if redis.call('EXISTS', member) == 0 then
      redis.call('SREM', set, member)
    end
  end
  counts[i] = redis.call('SCARD', set)
end
return counts
";

/// `KEYS`: tag sets. Drops the members whose value is gone; returns how many, and how many sets that emptied.
const PRUNE_ALL: &str = r"
local dropped, emptied = 0, 0
for _, set in ipairs(KEYS) do
  for _, member in ipairs(redis.call('SMEMBERS', set)) do
    if redis.call('EXISTS', member) == 0 then
      redis.call('SREM', set, member)
      dropped = dropped + 1
    end
  end
  if redis.call('EXISTS', set) == 0 then
    emptied = emptied + 1
  end
end
return {dropped, emptied}
";

/// A prefix as a `SCAN MATCH` pattern matches it literally.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(':')).map(str::trim)
}

impl RedisCache {
    /// The tagged store `store` on this cache's connection, under `<this cache's prefix>cache:<store>:`.
    pub fn tagged(&self, store: &str) -> RedisTaggedCache {
        RedisTaggedCache { link: self.link(), prefix: format!("{}cache:{store}:", self.prefix()) }
    }
}

impl RedisTaggedCache {
    fn value_key(&self, key: &str) -> String {
        format!("{}k:{key}", self.prefix)
    }

    fn tag_set(&self, tag: &str) -> String {
        format!("{}t:{tag}", self.prefix)
    }

    fn generation(&self, tag: &str) -> String {
        format!("{}g:{tag}", self.prefix)
    }

    /// A script, a scan page or an admin command.
    async fn run<T: redis::FromRedisValue>(&self, operation: &'static str, cmd: redis::Cmd) -> PortResult<T> {
        self.link.query(operation, SCRIPT_LIMIT, cmd).await
    }

    /// The value under `key` (when given) and the generations of `tags`, in one `MGET`, in that order.
    async fn mget(
        &self,
        operation: &'static str,
        key: Option<&str>,
        tags: &[String],
    ) -> PortResult<Vec<Option<String>>> {
        let mut cmd = redis::cmd("MGET");
        if let Some(key) = key {
            cmd.arg(self.value_key(key));
        }
        for tag in tags {
            cmd.arg(self.generation(tag));
        }
        // On every read of a view: the short limit.
        let values: Vec<Option<String>> = self.link.query(operation, COMMAND_LIMIT, cmd).await?;
        if values.len() != tags.len() + usize::from(key.is_some()) {
            return Err(PortError::corrupt(Backend::Cache, "MGET answered the wrong number of values"));
        }
        Ok(values)
    }

    /// Goes through the keys under `pattern` (already prefixed) a `SCAN` page at a time, doing `action` with
    /// each page: what was removed or counted, and what was collected.
    async fn scan(&self, pattern: &str, action: ScanAction) -> PortResult<(u64, Vec<String>)> {
        let (mut cursor, mut total, mut collected) = (0u64, 0u64, Vec::new());
        loop {
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(BATCH);
            let (next, keys): (u64, Vec<String>) = self.run("scan", cmd).await?;
            match action {
                ScanAction::Unlink => {
                    // Values are counted; their tag sets go with them uncounted; generations stay.
                    let (value_prefix, generation_prefix) = (self.value_key(""), self.generation(""));
                    let (values, others): (Vec<String>, Vec<String>) = keys
                        .into_iter()
                        .filter(|k| !k.starts_with(&generation_prefix))
                        .partition(|k| k.starts_with(&value_prefix));
                    for (batch, counted) in [(values, true), (others, false)] {
                        if !batch.is_empty() {
                            let removed: u64 = self.run("clear", redis::cmd("UNLINK").arg(&batch).clone()).await?;
                            total += if counted { removed } else { 0 };
                        }
                    }
                }
                ScanAction::Count => total += keys.len() as u64,
                ScanAction::Collect(limit) => {
                    let room = limit.saturating_sub(collected.len());
                    collected.extend(keys.into_iter().take(room));
                    if collected.len() >= limit {
                        return Ok((total, collected));
                    }
                }
            }
            if next == 0 {
                return Ok((total, collected));
            }
            cursor = next;
        }
    }
}

/// A generation as stored; a tag never invalidated (or whose generation expired) is at 0.
fn generation(value: Option<String>) -> u64 {
    value.and_then(|g| g.parse().ok()).unwrap_or(0)
}

#[derive(Debug, Clone, Copy)]
enum ScanAction {
    Unlink,
    Count,
    /// Up to this many keys.
    Collect(usize),
}

#[async_trait]
impl TaggedCache for RedisTaggedCache {
    async fn read(&self, key: &str, tags: &[String]) -> PortResult<TaggedRead> {
        let mut values = self.mget("read", Some(key), tags).await?;
        let generations = values.split_off(1).into_iter().map(generation).collect();
        Ok(TaggedRead { value: values.pop().flatten(), generations })
    }

    async fn generations(&self, tags: &[String]) -> PortResult<Vec<u64>> {
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.mget("generations", None, tags).await?.into_iter().map(generation).collect())
    }

    async fn write(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
        tags: &[String],
        generations: &[u64],
    ) -> PortResult<bool> {
        if generations.len() != tags.len() {
            return Err(PortError::corrupt(Backend::Cache, "a generation is needed for each tag"));
        }
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(WRITE).arg(1 + 2 * tags.len()).arg(self.value_key(key));
        for tag in tags {
            cmd.arg(self.generation(tag));
        }
        for tag in tags {
            cmd.arg(self.tag_set(tag));
        }
        cmd.arg(value).arg(ttl.min(MAX_TTL).as_secs().max(1));
        for generation in generations {
            cmd.arg(generation);
        }
        let stored: i64 = self.run("write", cmd).await?;
        Ok(stored == 1)
    }

    async fn invalidate(&self, tags: &[String]) -> PortResult<u64> {
        if tags.is_empty() {
            return Ok(0);
        }
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(INVALIDATE).arg(2 * tags.len());
        for tag in tags {
            cmd.arg(self.generation(tag)).arg(self.tag_set(tag));
        }
        cmd.arg(GENERATION_TTL.as_secs());
        self.run("invalidate", cmd).await
    }

    async fn clear(&self) -> PortResult<u64> {
        let (removed, _) = self.scan(&format!("{}*", glob_escape(&self.prefix)), ScanAction::Unlink).await?;
        Ok(removed)
    }

    async fn tags(&self, limit: usize) -> PortResult<Vec<TagCount>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let pattern = format!("{}*", glob_escape(&self.tag_set("")));
        let (_, sets) = self.scan(&pattern, ScanAction::Collect(TAGS_SCANNED)).await?;
        let mut counts: Vec<u64> = Vec::with_capacity(sets.len());
        for batch in sets.chunks(200) {
            let mut cmd = redis::cmd("EVAL");
            cmd.arg(PRUNE_TAGS).arg(batch.len()).arg(batch);
            let batch_counts: Vec<u64> = self.run("tags", cmd).await?;
            counts.extend(batch_counts);
        }
        let tag_prefix = self.tag_set("");
        let mut tags: Vec<TagCount> = sets
            .iter()
            .zip(counts)
            .filter(|(_, keys)| *keys > 0)
            .map(|(set, keys)| TagCount { tag: set.strip_prefix(&tag_prefix).unwrap_or(set).to_owned(), keys })
            .collect();
        tags.sort_by(|a, b| b.keys.cmp(&a.keys).then_with(|| a.tag.cmp(&b.tag)));
        tags.truncate(limit);
        Ok(tags)
    }

    async fn prune_tags(&self) -> PortResult<TagPrune> {
        let pattern = format!("{}*", glob_escape(&self.tag_set("")));
        let (mut cursor, mut pruned) = (0u64, TagPrune::default());
        loop {
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(BATCH);
            let (next, sets): (u64, Vec<String>) = self.run("scan", cmd).await?;
            for batch in sets.chunks(200) {
                let mut cmd = redis::cmd("EVAL");
                cmd.arg(PRUNE_ALL).arg(batch.len()).arg(batch);
                let (dropped, emptied): (u64, u64) = self.run("prune_tags", cmd).await?;
                pruned.sets_scanned += batch.len() as u64;
                pruned.members_dropped += dropped;
                pruned.sets_removed += emptied;
            }
            if next == 0 {
                return Ok(pruned);
            }
            cursor = next;
        }
    }

    async fn key_count(&self) -> PortResult<u64> {
        let (count, _) = self.scan(&format!("{}*", glob_escape(&self.value_key(""))), ScanAction::Count).await?;
        Ok(count)
    }

    async fn server_info(&self) -> PortResult<CacheServerInfo> {
        let info: String = self
            .run("info", redis::cmd("INFO").arg("server").arg("memory").arg("clients").arg("stats").clone())
            .await?;
        let number = |name: &str| info_field(&info, name).and_then(|v| v.parse::<u64>().ok());
        let server = if info_field(&info, "server_name") == Some("valkey") { "valkey" } else { "redis" };
        let version =
            info_field(&info, "valkey_version").or_else(|| info_field(&info, "redis_version")).unwrap_or("unknown");
        Ok(CacheServerInfo {
            version: format!("{server} {version}"),
            mode: info_field(&info, "redis_mode").unwrap_or("unknown").to_owned(),
            used_memory_bytes: number("used_memory"),
            used_memory_peak_bytes: number("used_memory_peak"),
            maxmemory_bytes: number("maxmemory"),
            maxmemory_policy: info_field(&info, "maxmemory_policy").map(str::to_owned),
            fragmentation_ratio: info_field(&info, "mem_fragmentation_ratio").and_then(|v| v.parse().ok()),
            connected_clients: number("connected_clients"),
            evicted_keys: number("evicted_keys"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_matched_literally() {
        assert_eq!(glob_escape("env[1]*:cache:"), r"env\[1\]\*:cache:");
        assert_eq!(glob_escape(r"a?b\c"), r"a\?b\\c");
    }

    #[test]
    fn info_fields_are_read_by_their_exact_name() {
        let info = "# Memory\r\nused_memory:1024\r\nused_memory_peak:2048\r\nmaxmemory_policy:allkeys-lru\r\n";
        assert_eq!(info_field(info, "used_memory"), Some("1024"));
        assert_eq!(info_field(info, "used_memory_peak"), Some("2048"));
        assert_eq!(info_field(info, "maxmemory_policy"), Some("allkeys-lru"));
        assert_eq!(info_field(info, "maxmemory"), None);
    }
}
