use super::{codec, keys};
use proxy_core::domain::{Customer, CustomerId};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{Condition, Table, TransactOp, Update, UpdateAction};
use proxy_core::pricing::PaidBand;
use rust_decimal::Decimal;
use std::sync::Arc;

/// Decimals the store does arithmetic on, kept as DynamoDB numbers.
const NUMERIC: &[&str] = &["total_paid"];

#[derive(Clone)]
pub struct CustomerStore {
    table: Arc<dyn Table>,
}

impl CustomerStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Creates the customer; fails with a conflict when the id, username or e-mail is taken. The guards are
    /// written in the same transaction, so uniqueness holds under concurrency.
    pub async fn create(&self, customer: &Customer) -> PortResult<()> {
        self.table.transact(self.create_ops(customer)?).await
    }

    /// `create`'s operations, for a larger transaction: the profile (op 0), the username's guard (op 1), the
    /// e-mail's guard (op 2), each on condition that it does not exist yet.
    pub fn create_ops(&self, customer: &Customer) -> PortResult<Vec<TransactOp>> {
        let mut item = codec::encode(customer, NUMERIC)?;
        item.extend(keys::customer(&customer.id).to_item());
        // Customers by sign-up time (the analytics backfill's source of sign-ups).
        item.insert("gsi3pk".into(), proxy_core::ports::table::string(keys::CUSTOMERS_BY_CREATION));
        item.insert(
            "gsi3sk".into(),
            proxy_core::ports::table::string(format!("{}#{}", keys::sortable_time(customer.created_at), customer.id)),
        );
        let guard = |key: proxy_core::ports::table::Key| {
            let mut item = key.to_item();
            item.insert("customer_id".into(), proxy_core::ports::table::string(customer.id.as_str()));
            TransactOp::Put { item, condition: Some(Condition::NotExists) }
        };
        Ok(vec![
            TransactOp::Put { item, condition: Some(Condition::NotExists) },
            guard(keys::username_guard(&customer.username)),
            guard(keys::email_guard(&customer.email)),
        ])
    }

    /// Customers who signed up in [from, to], oldest first: one index partition, read page by page.
    pub async fn created_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> PortResult<Vec<Customer>> {
        use proxy_core::ports::table::{Index, KeyRange, Query};
        let range = KeyRange::Between(keys::sortable_time(from), format!("{}~", keys::sortable_time(to)));
        let query = Query::new(Index::Gsi3, keys::CUSTOMERS_BY_CREATION).range(range).limit(1000);
        let mut customers = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.table.query(query.clone().start_after(cursor)).await?;
            for item in page.items {
                customers.push(codec::decode(item, NUMERIC)?);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(customers),
            }
        }
    }

    pub async fn get(&self, id: &CustomerId) -> PortResult<Option<Customer>> {
        self.table.get(&keys::customer(id)).await?.map(|i| codec::decode(i, NUMERIC)).transpose()
    }

    /// Adds `delta` to the customer's paid total (negative for a refund), inside the checkout or cancellation
    /// transaction; fails when the customer has no profile, so a total is never kept for nobody.
    pub fn add_paid_op(&self, customer: &CustomerId, delta: Decimal) -> TransactOp {
        TransactOp::Update(Update {
            key: keys::customer(customer),
            actions: vec![UpdateAction::Add("total_paid".into(), delta)],
            condition: Some(Condition::Exists),
        })
    }
}

impl CustomerStore {
    /// `add_paid_op` for a paid order, on the condition that the paid total is still in the band its price was
    /// personalised for (see `PaidBand`).
    pub fn add_paid_within_op(&self, customer: &CustomerId, delta: Decimal, band: PaidBand) -> TransactOp {
        let mut conditions = vec![Condition::Exists, Condition::AtLeast(PAID.into(), band.at_least)];
        if let Some(most) = band.at_most {
            conditions.push(Condition::AtMost(PAID.into(), most));
        }
        if let Some(below) = band.below {
            conditions.push(Condition::LessThan(PAID.into(), below));
        }
        TransactOp::Update(Update {
            key: keys::customer(customer),
            actions: vec![UpdateAction::Add(PAID.into(), delta)],
            condition: Some(Condition::And(conditions)),
        })
    }
}

const PAID: &str = "total_paid";

/// What each operation of a profile update stands for, to explain a failed condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileOp {
    Profile,
    UsernameGuard,
    EmailGuard,
    ReleaseGuard,
}

impl CustomerStore {
    /// The writes that apply `changes` to `current`: one conditional update of the changed fields (it fails if the
    /// username or e-mail changed since `current` was read), plus, for a new username or e-mail, the new guard
    /// (fails when someone has it) and the removal of the old one. Fields not changed are not written, so
    /// concurrent writers of other fields (checkout's `total_paid`, logins) are never overwritten.
    pub fn profile_update_ops(
        &self,
        current: &Customer,
        changes: &proxy_core::domain::ProfileChanges,
        now: chrono::DateTime<chrono::Utc>,
    ) -> PortResult<(Vec<TransactOp>, Vec<ProfileOp>)> {
        use proxy_core::ports::table::{UpdateAction, Value, string};
        let mut actions = vec![UpdateAction::Set("updated_at".into(), string(now.to_rfc3339()))];
        let mut set = |field: &str, value: Value| actions.push(UpdateAction::Set(field.into(), value));
        if let Some(name) = &changes.name {
            set("name", string(name.as_str()));
        }
        if let Some(username) = &changes.username {
            set("username", string(username.as_str()));
        }
        if let Some(email) = &changes.email {
            set("email", string(email.as_str()));
        }
        if let Some(Some(phone)) = &changes.phone {
            set("phone", string(phone.as_str()));
        }
        if let Some(locale) = &changes.locale {
            set("locale", string(locale.as_str()));
        }
        if let Some(timezone) = &changes.timezone {
            set("timezone", string(timezone.as_str()));
        }
        if let Some(country) = &changes.country {
            set("country", string(country.as_str()));
        }
        if let Some(theme) = changes.theme_mode {
            set("theme_mode", codec::to_value(&theme)?);
        }
        if let Some(on) = changes.email_notifications {
            set("email_notifications", Value::Bool(on));
        }
        if let Some(None) = changes.phone {
            actions.push(UpdateAction::Remove("phone".into()));
        }
        let unchanged = |field: &str, value: &str| Condition::AttributeEquals(field.into(), string(value));
        let mut ops = vec![TransactOp::Update(proxy_core::ports::table::Update {
            key: keys::customer(&current.id),
            actions,
            condition: Some(Condition::And(vec![
                unchanged("username", &current.username),
                unchanged("email", &current.email),
            ])),
        })];
        let mut roles = vec![ProfileOp::Profile];
        let guard = |key: proxy_core::ports::table::Key| {
            let mut item = key.to_item();
            item.insert("customer_id".into(), string(current.id.as_str()));
            TransactOp::Put { item, condition: Some(Condition::NotExists) }
        };
        let moves = [
            (changes.username.as_deref(), keys::username_guard(&current.username), ProfileOp::UsernameGuard),
            (changes.email.as_deref(), keys::email_guard(&current.email), ProfileOp::EmailGuard),
        ];
        for (new_value, old_guard, role) in moves {
            let Some(new_value) = new_value else { continue };
            let new_guard = if role == ProfileOp::UsernameGuard {
                keys::username_guard(new_value)
            } else {
                keys::email_guard(new_value)
            };
            // Same value in another case: the guard (lower-cased) stays where it is.
            if new_guard == old_guard {
                continue;
            }
            ops.push(guard(new_guard));
            roles.push(role);
            ops.push(TransactOp::Delete { key: old_guard, condition: None });
            roles.push(ProfileOp::ReleaseGuard);
        }
        Ok((ops, roles))
    }
}
