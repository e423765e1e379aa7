//! Provisioning a paid order: create its clients on the servers' panels, record them, turn the held capacity
//! into active clients and complete the order — or, when the panels keep failing until the last delivery,
//! put the order in dispute and give the capacity back. Safe to redeliver at every step: client ids are
//! derived from the order, panel creation is idempotent, client records are put-if-absent, and the order's
//! status moves only by conditional transitions.

use futures_util::StreamExt;
use platform::events::publish;
use platform::jobs::JobError;
use platform::panel_metrics::{self, Outcome, PanelCall};
use proxy_core::domain::*;
use proxy_core::error::PortError;
use proxy_core::ports::PanelClientSpec;
use proxy_core::ports::queue::MAX_RECEIVE_COUNT;
use proxy_core::ports::table::TransactOp;
use std::collections::BTreeMap;

platform::env!(
    /// What provisioning needs: the clock, the repositories, the queues (its events), the panels, the cache of
    /// views (the order moves in the customer's views and in the capacity) and the plain cache (its telemetry).
    ProvisioningEnv: platform::deps::HasClock, platform::deps::HasStores, platform::deps::HasQueue, platform::deps::HasPanel, cache::HasTieredCache, platform::deps::HasCache
);

pub const PROVISION_JOB: &str = "order.provision";

/// Panel calls in flight at once for one order.
const PANEL_FAN_OUT: usize = 4;
/// How long one delivery spends creating an order's clients on the panels: inside the worker's 30 s timeout,
/// with room for the reads before and the writes after. What is left, the next delivery does.
const PANEL_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// The provisioning job's id for an order: the same whoever sends it (checkout, or the inventory check re-sending
/// a job that was lost), so the worker's claim runs it once.
pub fn job_id(order_id: &OrderId) -> proxy_core::domain::JobId {
    proxy_core::domain::JobId(format!("provision:{order_id}"))
}

/// The provisioning job's payload: written by checkout, read by the worker.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProvisionJob {
    pub order_id: OrderId,
}

/// Client ids are UUIDv5 of the order, line and unit: a redelivered job names the same clients.
const CLIENT_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x1000_7072_6f78_7900_8000_0000_0000_0001);

pub fn client_id(order: &OrderId, line: u32, unit: u32) -> ClientId {
    ClientId(uuid::Uuid::new_v5(&CLIENT_NAMESPACE, format!("{order}:{line}:{unit}").as_bytes()).to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioned {
    Completed,
    /// Finished earlier (a redelivery).
    AlreadyDone,
    /// The panels failed on the last attempt: the order is in dispute.
    Disputed,
}

pub async fn provision(ctx: &impl ProvisioningEnv, order_id: &OrderId, attempt: u32) -> Result<Provisioned, JobError> {
    let now = ctx.clock().now();
    let Some(mut order) = ctx.stores().orders.get(order_id).await? else {
        return Err(JobError::InvalidPayload(format!("order {order_id} does not exist")));
    };
    if order.order_status == OrderStatus::New {
        match ctx.stores().orders.transition(order_id, OrderStatus::New, OrderStatus::Processing, now).await {
            Ok(moved) => {
                order = moved;
                crate::cached::customer_changed(ctx, &order.customer_id).await;
                publish(ctx, status_event(&order, Some(OrderStatus::New), now)).await;
            }
            // Another delivery moved it first: carry on from where it is.
            Err(PortError::Conflict { .. }) => {
                order = ctx
                    .stores()
                    .orders
                    .get(order_id)
                    .await?
                    .ok_or_else(|| JobError::InvalidPayload("order vanished".into()))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    if order.order_status != OrderStatus::Processing {
        return Ok(Provisioned::AlreadyDone);
    }

    let lines = ctx.stores().orders.lines(order_id).await?;
    let mut servers: BTreeMap<ServerId, Server> = BTreeMap::new();
    let mut plans: BTreeMap<PlanId, Plan> = BTreeMap::new();
    for line in &lines {
        if !servers.contains_key(&line.server_id) {
            let server = ctx.stores().catalog.server(&line.server_id).await?;
            servers.insert(
                line.server_id.clone(),
                server.ok_or_else(|| JobError::InvalidPayload("server missing".into()))?,
            );
        }
        if !plans.contains_key(&line.plan_id) {
            let plan = ctx.stores().catalog.plan(&line.plan_id).await?;
            plans.insert(line.plan_id.clone(), plan.ok_or_else(|| JobError::InvalidPayload("plan missing".into()))?);
        }
    }

    // Every client as it will be recorded, and as its panel is asked to create it.
    let mut planned: Vec<(ServerClient, PanelClientSpec)> = Vec::new();
    for line in &lines {
        let plan = &plans[&line.plan_id];
        let expires_at =
            line.expires_at.unwrap_or(now + chrono::Duration::days(i64::from(plan.days * order.duration_months)));
        let limit = plan.data_limit_gb.map(|gb| u64::from(gb) * 1_000_000_000);
        for unit in 0..line.quantity {
            let id = client_id(order_id, line.line, unit);
            let spec = PanelClientSpec {
                id: id.clone(),
                email: format!("{}-{}-{}", order.order_number, line.line, unit).to_lowercase(),
                inbound_id: plan.inbound_id,
                total_bytes: limit.unwrap_or(0),
                expiry_time_ms: expires_at.timestamp_millis(),
            };
            let client = ServerClient {
                id,
                server_id: line.server_id.clone(),
                plan_id: line.plan_id.clone(),
                order_id: order_id.clone(),
                customer_id: order.customer_id.clone(),
                is_active: true,
                expires_at,
                traffic_used_bytes: 0,
                traffic_limit_bytes: limit,
                created_at: now,
                panel_email: Some(spec.email.clone()),
                expiry_notice_at: None,
            };
            planned.push((client, spec));
        }
    }

    // Create them on their panels, a few at once and within a budget. A panel that already has a client (an
    // earlier delivery created it) answers success, so a delivery that ran out of time is resumed by the next.
    // Each call timed, for provisioning's telemetry (success rate and panel latency per server).
    let timings = std::sync::Mutex::new(Vec::with_capacity(planned.len()));
    let (timings_ref, servers_ref) = (&timings, &servers);
    let calls: Vec<_> = planned
        .iter()
        .map(|(client, spec)| {
            let (timings, servers) = (timings_ref, servers_ref);
            async move {
                let started = std::time::Instant::now();
                let result = ctx.panel().add_client(&servers[&client.server_id], spec).await;
                let call =
                    PanelCall { server: client.server_id.clone(), latency: started.elapsed(), ok: result.is_ok() };
                timings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(call);
                result
            }
        })
        .collect();
    let creations = futures_util::stream::iter(calls).buffer_unordered(PANEL_FAN_OUT).collect::<Vec<_>>();
    let created = tokio::time::timeout(PANEL_BUDGET, creations).await;
    let timings = timings.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    match created {
        Err(_) => {
            // The calls still out when the budget ran out count as failed, at the budget: the slowest are the
            // ones the panels' latency must not leave out.
            let mut calls = timings;
            let mut unfinished: Vec<ServerId> = planned.iter().map(|(client, _)| client.server_id.clone()).collect();
            for call in &calls {
                if let Some(at) = unfinished.iter().position(|server| *server == call.server) {
                    unfinished.remove(at);
                }
            }
            calls.extend(unfinished.into_iter().map(|server| PanelCall { server, latency: PANEL_BUDGET, ok: false }));
            panel_metrics::record(ctx.cache(), &calls, None, now).await;
            // Slow, not failing: never a dispute; the next delivery (or the inventory check's re-drive) carries on.
            tracing::warn!(order_id = %order_id, clients = planned.len(), "panels too slow: provisioning resumes on the next delivery");
            return Err(
                PortError::Timeout { backend: proxy_core::error::Backend::Panel, operation: "add_client" }.into()
            );
        }
        Ok(results) => {
            if let Some(error) = results.into_iter().find_map(Result::err) {
                if attempt >= MAX_RECEIVE_COUNT {
                    // Disputed on the servers whose panels failed, not on those that answered.
                    let failing: std::collections::BTreeSet<ServerId> =
                        timings.iter().filter(|call| !call.ok).map(|call| call.server.clone()).collect();
                    let failing: Vec<ServerId> = failing.into_iter().collect();
                    panel_metrics::record(ctx.cache(), &timings, Some((Outcome::Disputed, &failing)), now).await;
                    return dispute(ctx, &order, &lines, &servers, &plans, &error.to_string()).await;
                }
                panel_metrics::record(ctx.cache(), &timings, None, now).await;
                return Err(error.into());
            }
        }
    }
    let clients: Vec<ServerClient> = planned.into_iter().map(|(client, _)| client).collect();

    // Record the clients (put-if-absent: a redelivery finds them there), then settle capacity and the order
    // in one transaction.
    for client in &clients {
        match ctx.stores().clients.create(client).await {
            Ok(()) | Err(PortError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut ops: Vec<TransactOp> = units_per_server(&lines)
        .into_iter()
        .map(|(server, quantity)| ctx.stores().catalog.activate_op(&server, quantity))
        .collect();
    ops.push(TransactOp::Update(ctx.stores().orders.transition_op(
        order_id,
        OrderStatus::Processing,
        OrderStatus::Completed,
        now,
    )));
    match ctx.stores().commit(ops).await {
        Ok(()) => {}
        Err(PortError::Conflict { .. }) => {
            let current = ctx.stores().orders.get(order_id).await?.map(|o| o.order_status);
            if current == Some(OrderStatus::Completed) {
                return Ok(Provisioned::AlreadyDone);
            }
            return Err(PortError::Conflict { op_index: None }.into());
        }
        Err(e) => return Err(e.into()),
    }
    let involved: Vec<ServerId> = servers.keys().cloned().collect();
    panel_metrics::record(ctx.cache(), &timings, Some((Outcome::Completed, &involved)), now).await;
    crate::cached::order_changed(ctx, &order.customer_id).await;
    order.order_status = OrderStatus::Completed;
    publish(ctx, status_event(&order, Some(OrderStatus::Processing), now)).await;
    for client in &clients {
        publish(
            ctx,
            DomainEvent::ClientStatusChanged {
                client_id: client.id.clone(),
                customer_id: client.customer_id.clone(),
                server_id: client.server_id.clone(),
                order_id: order_id.clone(),
                old_status: None,
                new_status: ClientStatus::Active,
                timestamp: now,
            },
        )
        .await;
    }
    Ok(Provisioned::Completed)
}

fn status_event(order: &Order, old: Option<OrderStatus>, now: chrono::DateTime<chrono::Utc>) -> DomainEvent {
    DomainEvent::OrderStatusChanged {
        order_id: order.id.clone(),
        customer_id: order.customer_id.clone(),
        old_status: old,
        new_status: order.order_status,
        timestamp: now,
    }
}

/// The last attempt failed: remove what was created on the panels (best effort), give the held capacity back
/// and put the order in dispute for an operator (who decides on the refund).
async fn dispute(
    ctx: &impl ProvisioningEnv,
    order: &Order,
    lines: &[OrderItem],
    servers: &BTreeMap<ServerId, Server>,
    plans: &BTreeMap<PlanId, Plan>,
    reason: &str,
) -> Result<Provisioned, JobError> {
    let now = ctx.clock().now();
    for line in lines {
        let (server, plan) = (&servers[&line.server_id], &plans[&line.plan_id]);
        for unit in 0..line.quantity {
            let id = client_id(&order.id, line.line, unit);
            if let Err(error) = ctx.panel().remove_client(server, plan.inbound_id, &id).await {
                tracing::warn!(order_id = %order.id, client_id = %id, %error, "could not remove a client of a disputed order");
            }
        }
    }
    let mut ops: Vec<TransactOp> = units_per_server(lines)
        .into_iter()
        .map(|(server, quantity)| ctx.stores().catalog.release_op(&server, quantity))
        .collect();
    ops.push(TransactOp::Update(ctx.stores().orders.transition_op(
        &order.id,
        OrderStatus::Processing,
        OrderStatus::Dispute,
        now,
    )));
    ctx.stores().commit(ops).await?;
    crate::cached::order_changed(ctx, &order.customer_id).await;
    tracing::error!(order_id = %order.id, reason, "provisioning failed on its last attempt: order in dispute");
    let mut disputed = order.clone();
    disputed.order_status = OrderStatus::Dispute;
    publish(ctx, status_event(&disputed, Some(OrderStatus::Processing), now)).await;
    Ok(Provisioned::Disputed)
}
