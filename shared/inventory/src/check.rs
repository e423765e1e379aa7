//! The scheduled inventory check (every 15 minutes): expire overdue holds, reconcile the counters, alert on
//! band crossings, decide and apply scaling per location, refresh the capacity forecast — and archive what it
//! did, with the inputs of every decision. A step that fails is reported and the others still run: an
//! unreadable forecast input must not stop holds from expiring.

use super::InventoryEnv;
use super::forecast::ForecastSettings;
use super::{
    BandChange, CapacityBands, HoldExpiry, LocationScaling, ProvisioningResent, RebalanceRules, Reconciliation,
    ScalingAction, ScalingThresholds,
};
use chrono::{DateTime, NaiveDate, Utc};
use platform::alerts;
use proxy_core::domain::InventoryForecast;
use proxy_core::domain::{AlertSeverity, LocationScalingState, ServerId, ServerStatus};
use proxy_core::error::PortError;
use serde::{Deserialize, Serialize};

/// The inventory's rules, the original's values by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InventorySettings {
    pub bands: CapacityBands,
    pub scaling: ScalingThresholds,
    pub rebalance: RebalanceRules,
    pub forecast: ForecastSettings,
}

/// What applying a scaling decision did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Applied {
    Nothing,
    StatusChanged {
        server_id: ServerId,
        from: ServerStatus,
        to: ServerStatus,
    },
    AlertRaised {
        alert_id: String,
    },
    /// The location asked for a server at the previous check already: not raised again.
    AlreadyRaised,
    /// Another check or an operator changed the server first: left as it is.
    Superseded {
        server_id: ServerId,
    },
    Failed {
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingStep {
    #[serde(flatten)]
    pub decision: LocationScaling,
    pub applied: Applied,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunningOut {
    pub server_id: ServerId,
    pub location: String,
    pub runs_out_on: NaiveDate,
    pub runs_out_earliest: Option<NaiveDate>,
}

/// The forecast in a few lines: how many series, and the servers expected to run out soonest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSummary {
    pub computed_at: DateTime<Utc>,
    pub locations: usize,
    pub servers: usize,
    pub servers_without_forecast: usize,
    /// At most `RUNNING_OUT_LISTED`, soonest first.
    pub running_out: Vec<RunningOut>,
    pub servers_running_out: usize,
}

const RUNNING_OUT_LISTED: usize = 10;
const EXPIRED_LISTED: usize = 100;

impl ForecastSummary {
    pub fn of(forecast: &InventoryForecast) -> Self {
        let running_out = forecast.running_out();
        ForecastSummary {
            computed_at: forecast.computed_at,
            locations: forecast.locations.len(),
            servers: forecast.servers.len(),
            servers_without_forecast: forecast.servers.iter().filter(|s| s.outcome.forecast.is_none()).count(),
            servers_running_out: running_out.len(),
            running_out: running_out
                .into_iter()
                .take(RUNNING_OUT_LISTED)
                .filter_map(|s| {
                    let f = s.outcome.forecast.as_ref()?;
                    Some(RunningOut {
                        server_id: s.server_id.clone(),
                        location: s.location.clone(),
                        runs_out_on: f.runs_out_on?,
                        runs_out_earliest: f.runs_out_earliest,
                    })
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryCheck {
    pub ran_at: DateTime<Utc>,
    pub holds: Option<HoldExpiry>,
    /// Orders whose lost provisioning job was sent again (absent from runs archived before this step).
    #[serde(default)]
    pub provisioning_resent: Option<ProvisioningResent>,
    pub reconciliation: Option<Reconciliation>,
    pub band_changes: Vec<BandChange>,
    pub scaling: Vec<ScalingStep>,
    pub forecast: Option<ForecastSummary>,
    /// The steps that failed, with why.
    pub errors: Vec<String>,
}

impl store::RunReport for InventoryCheck {
    fn ran_at(&self) -> DateTime<Utc> {
        self.ran_at
    }
}

fn failed<T>(errors: &mut Vec<String>, step: &str, result: Result<T, PortError>) -> Option<T> {
    result.map_err(|e| errors.push(format!("{step}: {e}"))).ok()
}

pub async fn run_check(ctx: &impl InventoryEnv, settings: &InventorySettings) -> Result<InventoryCheck, PortError> {
    let ran_at = ctx.clock().now();
    let mut errors = Vec::new();
    let mut holds = failed(&mut errors, "hold expiry", super::expire_holds(ctx, super::HOLD_DURATION).await);
    if let Some(holds) = &mut holds {
        // The run is archived as one item: after a day-long outage thousands of holds may expire at once.
        holds.expired.truncate(EXPIRED_LISTED);
    }
    let resend =
        super::resend_provisioning(ctx, super::PROVISIONING_OVERDUE, super::PROCESSING_STUCK, super::HOLD_DURATION)
            .await;
    let mut provisioning_resent = failed(&mut errors, "provisioning re-send", resend);
    if let Some(resent) = &mut provisioning_resent {
        resent.resent.truncate(EXPIRED_LISTED);
        errors
            .extend(resent.failed.iter().map(|f| format!("provisioning re-send of order {}: {}", f.order_id, f.error)));
    }
    let reconciliation = failed(&mut errors, "reconciliation", super::reconcile(ctx).await);
    // The table after expiry and repairs: what the alerts and decisions see is what is now stored.
    let (mut band_changes, mut scaling, mut forecast) = (Vec::new(), Vec::new(), None);
    match super::capacity(ctx, &settings.bands).await {
        Ok(table) => {
            band_changes = failed(&mut errors, "capacity alerts", super::check_capacity_alerts(ctx, &table).await)
                .unwrap_or_default();
            match ctx.stores().inventory.scaling_actions().await {
                Ok(known) => {
                    for decision in super::scaling_decisions(&table, &settings.scaling) {
                        let applied = apply(ctx, &decision, known.get(&decision.location).copied()).await;
                        scaling.push(ScalingStep { decision, applied });
                    }
                }
                Err(e) => errors.push(format!("scaling: {e}")),
            }
            match super::forecast::forecast(ctx, &table, &settings.forecast).await {
                Ok(computed) => {
                    forecast = Some(ForecastSummary::of(&computed));
                    failed(&mut errors, "forecast store", ctx.stores().inventory.put_forecast(&computed).await);
                }
                Err(e) => errors.push(format!("forecast: {e}")),
            }
        }
        Err(e) => errors.push(format!("capacity table: {e}")),
    }
    if let Some(holds) = &holds {
        errors.extend(holds.failed.iter().map(|f| format!("hold expiry of order {}: {}", f.order_id, f.error)));
    }
    for step in &scaling {
        if let Applied::Failed { error } = &step.applied {
            errors.push(format!("scaling {}: {error}", step.decision.location));
        }
    }
    let check =
        InventoryCheck { ran_at, holds, provisioning_resent, reconciliation, band_changes, scaling, forecast, errors };
    let archived = ctx.stores().inventory.archive_check(&check).await;
    // Holds expired, counters repaired, servers moved by scaling, bands, forecast: the overview changed, even
    // when the run's archive failed.
    crate::cached::inventory_changed(ctx).await;
    archived?;
    Ok(check)
}

/// The condition of a location's "provision a server" alert.
fn provision_alert_key(location: &str) -> String {
    format!("capacity:provision:{location}")
}

fn recorded_as(action: &ScalingAction) -> LocationScalingState {
    match action {
        ScalingAction::ActivateStandby { .. } => LocationScalingState::ActivateStandby,
        ScalingAction::ProvisionServer => LocationScalingState::ProvisionServer,
        ScalingAction::Drain { .. } => LocationScalingState::Drain,
        ScalingAction::Hold => LocationScalingState::Hold,
    }
}

/// Applies one location's decision: a status change by a conditional write from the status the decision saw;
/// a "provision a server" alert only when the location was not already asking for one.
async fn apply(ctx: &impl InventoryEnv, decision: &LocationScaling, known: Option<LocationScalingState>) -> Applied {
    let now = ctx.clock().now();
    let state = recorded_as(&decision.action);
    let moved = if known == Some(state) {
        Ok(false)
    } else {
        ctx.stores().inventory.move_scaling(&decision.location, known, state, now).await
    };
    let status_change = |server_id: &ServerId, from: ServerStatus, to: ServerStatus| {
        let server_id = server_id.clone();
        async move {
            match ctx.stores().catalog.set_status(&server_id, from, to).await {
                Ok(_) => {
                    tracing::warn!(server_id = %server_id, from = from.as_str(), to = to.as_str(), "server status changed by scaling");
                    Applied::StatusChanged { server_id, from, to }
                }
                Err(PortError::Conflict { .. }) => Applied::Superseded { server_id },
                Err(e) => Applied::Failed { error: e.to_string() },
            }
        }
    };
    // A location that moved off "provision a server" no longer needs one: its alert resolves.
    if known == Some(LocationScalingState::ProvisionServer)
        && state != LocationScalingState::ProvisionServer
        && matches!(moved, Ok(true))
        && let Err(error) = alerts::clear(ctx, &provision_alert_key(&decision.location)).await
    {
        tracing::error!(location = decision.location, %error, "provision alert not resolved");
    }
    match &decision.action {
        ScalingAction::Hold => Applied::Nothing,
        ScalingAction::ActivateStandby { server_id, from } => status_change(server_id, *from, ServerStatus::Up).await,
        ScalingAction::Drain { server_id } => status_change(server_id, ServerStatus::Up, ServerStatus::Draining).await,
        ScalingAction::ProvisionServer => match moved {
            Ok(false) => Applied::AlreadyRaised,
            Ok(true) => {
                let details = serde_json::json!({"location": decision.location, "slots": decision.slots});
                let key = provision_alert_key(&decision.location);
                let sighting = alerts::Sighting {
                    severity: AlertSeverity::Warning,
                    source: super::alerts::SOURCE,
                    key: &key,
                    message: decision.reason.clone(),
                    details,
                };
                match alerts::observe(ctx, sighting).await {
                    Ok(observed) => Applied::AlertRaised { alert_id: observed.alert().id.to_string() },
                    Err(e) => {
                        // Not sent: move the location off "provision_server" so the next check raises it.
                        let back = ctx
                            .stores()
                            .inventory
                            .move_scaling(&decision.location, Some(state), LocationScalingState::AlertUnsent, now)
                            .await;
                        if let Err(undo) = back {
                            tracing::error!(location = decision.location, error = %undo, "scaling state not undone");
                        }
                        Applied::Failed { error: e.to_string() }
                    }
                }
            }
            Err(e) => Applied::Failed { error: e.to_string() },
        },
    }
}
