use super::redis_link::{RedisEndpoint, RedisLink};
use async_trait::async_trait;
use proxy_core::clock::Clock;
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::{Cache, CounterChange, CounterUpdate};
use std::sync::Arc;
use std::time::Duration;

/// How long a single command may take: the rate limit and the cache reads on every request wait no longer
/// (Redis answers them in well under a millisecond; a Redis that does not is treated as down).
pub const COMMAND_LIMIT: Duration = Duration::from_millis(300);
/// How long a script or a key scan may take (writes of tagged values, invalidations, clearing, statistics).
pub const SCRIPT_LIMIT: Duration = Duration::from_secs(2);

/// The Redis (ElastiCache) cache adapter. The connection is made on first use, not at construction, so a
/// Lambda's init does no network work; `RedisLink` reconnects after failures and stops calling a Redis that
/// just failed for a few seconds.
#[derive(Clone)]
pub struct RedisCache {
    link: Arc<RedisLink>,
    /// Every key gets this prefix, so tests (and environments sharing a server) do not see each other.
    prefix: String,
}

impl RedisCache {
    /// The Redis at `endpoint` (its URL checked now, connected on first use), its keys under `prefix`. Must be
    /// called inside a Tokio runtime.
    pub fn connect_lazily(
        endpoint: RedisEndpoint,
        prefix: impl Into<String>,
        clock: Arc<dyn Clock>,
    ) -> PortResult<Self> {
        Ok(Self { link: Arc::new(RedisLink::new(endpoint, clock)?), prefix: prefix.into() })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub(super) fn link(&self) -> Arc<RedisLink> {
        self.link.clone()
    }

    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    async fn run<T: redis::FromRedisValue>(&self, operation: &'static str, cmd: redis::Cmd) -> PortResult<T> {
        self.link.query(operation, COMMAND_LIMIT, cmd).await
    }
}

/// `update_counters` in one script run, so a bucket's change and its expiry are never split and a batch of
/// updates is one round trip. `EXPIRE .. NX` (Redis 7) gives the expiry only to a key that has none.
const UPDATE_COUNTERS: &str = r"
for i, key in ipairs(KEYS) do
  local change, value, ttl = ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
  if change == 'add' then
    redis.call('INCRBY', key, value)
  elseif change == 'distinct' then
    redis.call('PFADD', key, value)
  else
    local current = tonumber(redis.call('GET', key))
    if current == nil or tonumber(value) > current then
      redis.call('SET', key, value, 'KEEPTTL')
    end
  end
  redis.call('EXPIRE', key, ttl, 'NX')
end
return #KEYS
";

const DELETE_IF: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

fn seconds(ttl: Duration) -> u64 {
    ttl.as_secs().max(1)
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> PortResult<Option<String>> {
        self.run("get", redis::cmd("GET").arg(self.key(key)).clone()).await
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> PortResult<()> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value);
        if let Some(ttl) = ttl {
            cmd.arg("EX").arg(seconds(ttl));
        }
        self.run("set", cmd).await
    }

    async fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> PortResult<bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value).arg("NX").arg("EX").arg(seconds(ttl));
        let stored: Option<String> = self.run("set_if_absent", cmd).await?;
        Ok(stored.is_some())
    }

    async fn delete(&self, key: &str) -> PortResult<()> {
        let _: i64 = self.run("delete", redis::cmd("DEL").arg(self.key(key)).clone()).await?;
        Ok(())
    }

    async fn delete_if(&self, key: &str, expected: &str) -> PortResult<bool> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(DELETE_IF).arg(1).arg(self.key(key)).arg(expected);
        let deleted: i64 = self.run("delete_if", cmd).await?;
        Ok(deleted == 1)
    }

    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> PortResult<i64> {
        let key = self.key(key);
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("INCRBY").arg(&key).arg(by);
        if let Some(ttl) = ttl {
            // NX: only a key without an expiry gets one, so the window is set once, when the counter starts.
            pipe.cmd("EXPIRE").arg(&key).arg(seconds(ttl)).arg("NX").ignore();
        }
        let (value,): (i64,) = self
            .link
            .run("incr", COMMAND_LIMIT, async move |mut connection| pipe.query_async(&mut connection).await)
            .await?;
        Ok(value)
    }

    async fn update_counters(&self, updates: &[CounterUpdate]) -> PortResult<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(UPDATE_COUNTERS).arg(updates.len());
        for update in updates {
            cmd.arg(self.key(&update.key));
        }
        for update in updates {
            let (change, value) = match update.change {
                CounterChange::Add(by) => ("add", by),
                CounterChange::Max(value) => ("max", value),
                CounterChange::Distinct(member) => ("distinct", member),
            };
            cmd.arg(change).arg(value).arg(seconds(update.ttl));
        }
        let _: i64 = self.link.query("update_counters", SCRIPT_LIMIT, cmd).await?;
        Ok(())
    }

    async fn get_many(&self, keys: &[String]) -> PortResult<Vec<Option<String>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("MGET");
        for key in keys {
            cmd.arg(self.key(key));
        }
        self.run("get_many", cmd).await
    }

    async fn count_distinct(&self, keys: &[String]) -> PortResult<u64> {
        if keys.is_empty() {
            return Ok(0);
        }
        let mut cmd = redis::cmd("PFCOUNT");
        for key in keys {
            cmd.arg(self.key(key));
        }
        self.run("count_distinct", cmd).await
    }

    async fn ttl(&self, key: &str) -> PortResult<Option<Duration>> {
        let millis: i64 = self.run("ttl", redis::cmd("PTTL").arg(self.key(key)).clone()).await?;
        // -2: no key; -1: no expiry.
        Ok((millis >= 0).then(|| Duration::from_millis(millis as u64)))
    }

    async fn ping(&self) -> PortResult<()> {
        let pong: String = self.run("ping", redis::cmd("PING")).await?;
        if pong == "PONG" { Ok(()) } else { Err(PortError::corrupt(Backend::Cache, format!("PING answered {pong}"))) }
    }

    async fn sorted_put(&self, key: &str, member: &str, score: i64, keep: Duration) -> PortResult<()> {
        let key = self.key(key);
        let oldest = score - seconds(keep) as i64;
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("ZADD")
            .arg(&key)
            .arg(score)
            .arg(member)
            .ignore()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(format!("({oldest}"))
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(seconds(keep))
            .ignore();
        self.link
            .run("sorted_put", COMMAND_LIMIT, async move |mut connection| pipe.query_async(&mut connection).await)
            .await
    }

    async fn sorted_since(&self, key: &str, min_score: i64, limit: usize) -> PortResult<Vec<(String, i64)>> {
        let mut cmd = redis::cmd("ZRANGE");
        cmd.arg(self.key(key)).arg("+inf").arg(min_score).arg("BYSCORE").arg("REV").arg("LIMIT").arg(0).arg(limit);
        cmd.arg("WITHSCORES");
        self.run("sorted_since", cmd).await
    }
}
