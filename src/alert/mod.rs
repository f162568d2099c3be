//! Alerts to people: Slack, Microsoft Teams and plain JSON webhooks.
//!
//! Ingest sends one summary per run that quarantined or could not process
//! files; monitor sends freshness (stale, notice) and anomaly (score drop)
//! alerts. A condition already sent (same kind and subject) is not sent
//! again within `alerts.repeat_after_hours`; what was sent is remembered in
//! `state/alerts/sent.json`. Deliveries time out, retry on 429 and 5xx with
//! doubling backoff, and a receiver that keeps failing is logged and counted
//! but never fails the run. Webhook URLs are credentials: never logged.

mod payload;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::{AlertSettings, TeamsFormat};
use crate::state::State;

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    Slack,
    TeamsAdaptive,
    TeamsMessageCard,
    Generic,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Slack => "slack",
            Channel::TeamsAdaptive | Channel::TeamsMessageCard => "teams",
            Channel::Generic => "webhook",
        }
    }
}

/// One thing worth telling someone about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Alert {
    /// ingest | stale | notice | score_drop
    pub kind: String,
    /// critical | warning | info
    pub severity: String,
    /// What it is about: a run, a table. With `kind`, the condition's identity.
    pub subject: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<AlertItem>,
    /// When it was raised (RFC 3339).
    pub at: String,
}

/// A file in an ingest summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlertItem {
    pub file: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Failed expectations, as `type(column)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// What a round of deliveries did, per channel.
#[derive(Debug, Clone, Default)]
pub struct Deliveries {
    pub sent: BTreeMap<&'static str, u64>,
    pub failed: BTreeMap<&'static str, u64>,
    /// Alerts not sent because the same condition was sent recently.
    pub suppressed: u64,
}

const SENT_KEY: &str = "alerts/sent.json";

fn channels(settings: &AlertSettings) -> Vec<(Channel, &str)> {
    let mut out = Vec::new();
    if let Some(u) = &settings.slack_webhook_url {
        out.push((Channel::Slack, u.as_str()));
    }
    if let Some(u) = &settings.teams_webhook_url {
        let c = match settings.teams_format {
            TeamsFormat::Adaptive => Channel::TeamsAdaptive,
            TeamsFormat::Messagecard => Channel::TeamsMessageCard,
        };
        out.push((c, u.as_str()));
    }
    if let Some(u) = &settings.webhook_url {
        out.push((Channel::Generic, u.as_str()));
    }
    out
}

/// `sha256=<hex>` of the body under the secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Sends the alerts to every configured receiver (nothing in a dry run, or
/// when none is configured).
pub async fn deliver(
    settings: &AlertSettings,
    state: &State,
    alerts: &[Alert],
    dry_run: bool,
) -> Deliveries {
    let mut out = Deliveries::default();
    let targets = channels(settings);
    if alerts.is_empty() || targets.is_empty() {
        return out;
    }
    if dry_run {
        for a in alerts {
            tracing::info!(kind = %a.kind, subject = %a.subject, "dry run: would send alert: {}", a.message);
        }
        return out;
    }
    let now = chrono::Utc::now();
    let sent_before = read_sent(state).await;
    let repeat = chrono::Duration::seconds((settings.repeat_after_hours * 3600.0) as i64);
    let due: Vec<&Alert> = alerts
        .iter()
        .filter(|a| {
            let recent = sent_before
                .get(&condition(a))
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| now.signed_duration_since(t) < repeat);
            if recent {
                out.suppressed += 1;
            }
            !recent
        })
        .collect();
    if due.is_empty() {
        return out;
    }
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs_f64(settings.timeout_seconds.max(0.1)))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(
                "alerts not sent: cannot build an HTTP client: {}",
                e.without_url()
            );
            return out;
        }
    };
    let mut delivered: Vec<String> = Vec::new();
    for a in &due {
        let mut any = false;
        for (channel, url) in &targets {
            match send(&client, settings, *channel, url, a).await {
                Ok(()) => {
                    *out.sent.entry(channel.as_str()).or_default() += 1;
                    any = true;
                }
                Err(e) => {
                    *out.failed.entry(channel.as_str()).or_default() += 1;
                    tracing::warn!(channel = channel.as_str(), kind = %a.kind, "alert not delivered: {e}");
                }
            }
        }
        if any {
            delivered.push(condition(a));
        }
    }
    if !delivered.is_empty() {
        let stamp = crate::util::now_rfc3339();
        let r = state
            .store
            .update(SENT_KEY, |current| {
                let mut map: BTreeMap<String, String> = current
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or_default();
                for c in &delivered {
                    map.insert(c.clone(), stamp.clone());
                }
                Ok(Bytes::from(serde_json::to_vec_pretty(&map)?))
            })
            .await;
        if let Err(e) = r {
            tracing::warn!("could not remember the alerts sent (they may repeat): {e:#}");
        }
    }
    out
}

/// The identity of a condition, for not repeating it.
fn condition(a: &Alert) -> String {
    format!("{}:{}", a.kind, a.subject)
}

async fn read_sent(state: &State) -> BTreeMap<String, String> {
    match state.store.get(SENT_KEY).await {
        Ok(Some(b)) => serde_json::from_slice(&b).unwrap_or_default(),
        _ => BTreeMap::new(),
    }
}

/// One delivery with retries. Errors never carry the URL.
async fn send(
    client: &reqwest::Client,
    settings: &AlertSettings,
    channel: Channel,
    url: &str,
    alert: &Alert,
) -> Result<(), String> {
    let body = serde_json::to_vec(&payload::body(channel, alert)).map_err(|e| e.to_string())?;
    let mut attempt = 0u32;
    loop {
        let mut req = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.clone());
        if channel == Channel::Generic {
            if let Some(secret) = &settings.webhook_secret {
                req = req.header("x-aims-dq-signature", signature(secret, &body));
            }
        }
        let (retryable, why) = match req.send().await {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) => {
                let s = resp.status();
                (
                    s.as_u16() == 429 || s.is_server_error(),
                    format!("the receiver answered {s}"),
                )
            }
            Err(e) => (
                e.is_timeout() || e.is_connect() || e.is_request(),
                format!("{}", e.without_url()),
            ),
        };
        if !retryable || attempt >= settings.retries {
            return Err(format!("{why} (after {attempt} retries)"));
        }
        let backoff = settings.retry_backoff_seconds * f64::from(1u32 << attempt.min(6));
        tokio::time::sleep(Duration::from_secs_f64(backoff.max(0.0))).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
