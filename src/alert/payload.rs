//! What each receiver gets for one alert: Slack blocks, a Teams Adaptive
//! Card (Workflows webhooks) or legacy MessageCard, or plain JSON.

use serde_json::{json, Value};

use super::{Alert, Channel};

/// Colours by severity, the same in every channel.
fn colour(severity: &str) -> &'static str {
    match severity {
        "critical" => "D7263D",
        "warning" => "F4A259",
        _ => "3C91E6",
    }
}

fn title(a: &Alert) -> String {
    format!("aims-dq {}: {}", a.severity, a.subject)
}

/// At most this many files are listed in chat messages (all go to JSON).
const CHAT_ITEMS: usize = 10;

fn item_line(i: &super::AlertItem) -> String {
    let score = i
        .score
        .map(|s| format!(" score {s:.1}"))
        .unwrap_or_default();
    let failed = if i.failed.is_empty() {
        String::new()
    } else {
        format!(": {}", i.failed.join(", "))
    };
    format!("{} {}{}{}", i.file, i.status, score, failed)
}

/// The listed files as Teams facts; the two card formats name the key differently.
fn facts(a: &Alert, key: &str) -> Vec<Value> {
    a.items
        .iter()
        .take(CHAT_ITEMS)
        .map(|i| json!({key: i.file, "value": item_line(i)}))
        .collect()
}

pub fn body(channel: Channel, a: &Alert) -> Value {
    match channel {
        Channel::Slack => {
            let mut blocks = vec![
                json!({"type": "header", "text": {"type": "plain_text", "text": title(a)}}),
                json!({"type": "section", "text": {"type": "mrkdwn", "text": a.message}}),
            ];
            if !a.items.is_empty() {
                let lines: Vec<String> = a
                    .items
                    .iter()
                    .take(CHAT_ITEMS)
                    .map(|i| format!("• {}", item_line(i)))
                    .collect();
                let more = a.items.len().saturating_sub(CHAT_ITEMS);
                let mut text = lines.join("\n");
                if more > 0 {
                    text.push_str(&format!("\n… and {more} more"));
                }
                blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
            }
            blocks.push(json!({"type": "context", "elements": [
                {"type": "mrkdwn", "text": format!("{} · {} · {}", a.kind, a.severity, a.at)}
            ]}));
            json!({"text": format!("{}: {}", title(a), a.message), "blocks": blocks})
        }
        Channel::TeamsAdaptive => {
            let facts = facts(a, "title");
            let style = match a.severity.as_str() {
                "critical" => "attention",
                "warning" => "warning",
                _ => "accent",
            };
            let mut card_body = vec![
                json!({"type": "TextBlock", "text": title(a), "weight": "Bolder", "size": "Medium", "color": style, "wrap": true}),
                json!({"type": "TextBlock", "text": a.message, "wrap": true}),
            ];
            if !facts.is_empty() {
                card_body.push(json!({"type": "FactSet", "facts": facts}));
            }
            card_body.push(json!({"type": "TextBlock", "text": format!("{} · {}", a.kind, a.at), "isSubtle": true, "size": "Small"}));
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": card_body,
                    },
                }],
            })
        }
        Channel::TeamsMessageCard => {
            let facts = facts(a, "name");
            json!({
                "@type": "MessageCard",
                "@context": "https://schema.org/extensions",
                "summary": title(a),
                "themeColor": colour(&a.severity),
                "title": title(a),
                "sections": [{"text": a.message, "facts": facts}],
            })
        }
        Channel::Generic => json!({
            "source": "aims-dq",
            "kind": a.kind,
            "severity": a.severity,
            "subject": a.subject,
            "message": a.message,
            "items": a.items,
            "at": a.at,
        }),
    }
}
