//! The pricing rules, versioned: every change is a new version item (rules, author, time, note) and the
//! active rules are a pointer item carrying a copy of the version it points to. Publishing writes both in one
//! transaction, conditioned on the pointer still naming the version the change was based on, so two admins
//! editing at once cannot silently overwrite each other.

use super::{codec, keys, query_page};
use chrono::{DateTime, Utc};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{
    Condition, Cursor, Index, KeyRange, ListScope, PK, Query, SK, Table, TransactOp, Value,
};
use proxy_core::pricing::PricingRules;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One version of the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesVersion {
    /// From 1; 0 is the built-in defaults, active until a first version is published.
    pub version: u64,
    pub rules: PricingRules,
    /// The admin who published it.
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub note: Option<String>,
}

impl RulesVersion {
    pub fn defaults() -> Self {
        RulesVersion {
            version: 0,
            rules: PricingRules::default(),
            author: "built-in".into(),
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            note: Some("the original's numbers".into()),
        }
    }
}

#[derive(Clone)]
pub struct PricingRuleStore {
    table: Arc<dyn Table>,
}

impl PricingRuleStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The active version (the defaults when none was ever published).
    pub async fn active(&self) -> PortResult<RulesVersion> {
        match self.table.get(&keys::pricing_rules_active()).await? {
            Some(item) => codec::decode(item, &[]),
            None => Ok(RulesVersion::defaults()),
        }
    }

    pub async fn version(&self, version: u64) -> PortResult<Option<RulesVersion>> {
        if version == 0 {
            return Ok(Some(RulesVersion::defaults()));
        }
        self.table.get(&keys::pricing_rules_version(version)).await?.map(|i| codec::decode(i, &[])).transpose()
    }

    /// Where the positions of the versions list lie (the rules' partition also holds the active pointer).
    pub fn version_list_scope() -> ListScope {
        ListScope {
            keys: vec![PK, SK],
            partition: (PK, keys::PRICING_RULES.to_owned()),
            sort_prefix: Some((SK, keys::PRICING_VERSION_PREFIX)),
        }
    }

    /// Versions, newest first, a page at a time.
    pub async fn versions(
        &self,
        limit: usize,
        after: Option<Cursor>,
    ) -> PortResult<(Vec<RulesVersion>, Option<Cursor>)> {
        let query = Query::new(Index::Primary, keys::PRICING_RULES)
            .range(KeyRange::BeginsWith(keys::PRICING_VERSION_PREFIX.into()))
            .descending()
            .limit(limit)
            .start_after(after);
        query_page(&*self.table, query).await
    }

    /// Publishes `next` (whose `version` must be one above `based_on`) and makes it active, unless the active
    /// version is no longer `based_on`: then a conflict naming a failed condition (`op_index` Some), and nothing
    /// is written.
    pub async fn publish(&self, next: &RulesVersion, based_on: u64) -> PortResult<()> {
        let mut version = codec::encode(next, &[])?;
        version.extend(keys::pricing_rules_version(next.version).to_item());
        let mut active = codec::encode(next, &[])?;
        active.extend(keys::pricing_rules_active().to_item());
        let pointer_unchanged = if based_on == 0 {
            Condition::NotExists
        } else {
            Condition::AttributeEquals("version".into(), Value::N(based_on.to_string()))
        };
        let ops = vec![
            TransactOp::Put { item: version, condition: Some(Condition::NotExists) },
            TransactOp::Put { item: active, condition: Some(pointer_unchanged) },
        ];
        super::transact_with_retry(&*self.table, ops).await
    }
}
