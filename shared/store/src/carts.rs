//! What pricing a cart reads, in two batched reads whatever its size: (1) its plans, the customer, the coupon
//! and this customer's use of it; (2) the plans' servers, and — for a checkout — the customer's wallet.

use super::{codec, decode_wallet, keys};
use proxy_core::domain::{Coupon, Customer, CustomerId, Plan, PlanId, Server, ServerId, Wallet};
use proxy_core::error::PortResult;
use proxy_core::ports::table::{Key, Table};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A cart's stored facts; anything that does not exist is absent.
#[derive(Debug, Clone, Default)]
pub struct CartItems {
    pub customer: Option<Customer>,
    pub plans: BTreeMap<PlanId, Plan>,
    pub coupon: Option<Coupon>,
    /// This customer has used the coupon before (recorded for single-use coupons).
    pub coupon_used: bool,
    pub servers: BTreeMap<ServerId, Server>,
    /// Read only when asked for (checkout).
    pub wallet: Option<Wallet>,
}

#[derive(Clone)]
pub struct CartStore {
    table: Arc<dyn Table>,
}

impl CartStore {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    pub async fn read(
        &self,
        customer: &CustomerId,
        plan_ids: &[PlanId],
        coupon_code: Option<&str>,
        with_wallet: bool,
    ) -> PortResult<CartItems> {
        let mut wanted: Vec<Key> = plan_ids.iter().map(keys::plan).collect();
        wanted.push(keys::customer(customer));
        if let Some(code) = coupon_code {
            wanted.push(keys::coupon(code));
            wanted.push(keys::coupon_use(code, customer));
        }
        let mut cart = CartItems::default();
        for item in self.table.get_many(&wanted).await? {
            let Some(key) = Key::of(&item) else { continue };
            match key.sk.as_str() {
                "PLAN" => {
                    let plan: Plan = codec::decode(item, &[])?;
                    cart.plans.insert(plan.id.clone(), plan);
                }
                "PROFILE" => cart.customer = Some(codec::decode(item, &[])?),
                "COUPON" => cart.coupon = Some(codec::decode(item, &[])?),
                sk if sk.starts_with("USEDBY#") => cart.coupon_used = true,
                _ => {}
            }
        }
        let server_keys: BTreeSet<Key> = cart.plans.values().map(|p| keys::server(&p.server_id)).collect();
        let wallet_key = with_wallet.then(|| keys::wallet(customer));
        let wanted: Vec<Key> = server_keys.iter().cloned().chain(wallet_key.clone()).collect();
        if wanted.is_empty() {
            return Ok(cart);
        }
        for item in self.table.get_many(&wanted).await? {
            match Key::of(&item) {
                Some(key) if Some(&key) == wallet_key.as_ref() => cart.wallet = Some(decode_wallet(item)?),
                Some(key) if server_keys.contains(&key) => {
                    let server: Server = codec::decode(item, &[])?;
                    cart.servers.insert(server.id.clone(), server);
                }
                _ => {}
            }
        }
        Ok(cart)
    }
}
