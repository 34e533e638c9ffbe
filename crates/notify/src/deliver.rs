//! One try of delivering a [`Notification`] to a [`NamedTarget`]: the HTTP services (webhook,
//! ntfy, Discord, Telegram, Gotify) here, e-mail in `email.rs`, media servers in `media.rs`.
//!
//! A try either succeeds or fails with a [`DeliveryError`] that says whether a retry may help:
//! network errors, timeouts, 5xx and 429 answers may; other 4xx answers (a wrong token, a bad
//! chat id) and local problems do not. Error texts never carry a secret of the target.

use std::time::Duration;

use serde_json::{Value, json};

use crate::message::Notification;
use crate::signature;
use crate::target::{NamedTarget, Target};

/// Longest wait for one request (connecting included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a try failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// Whether a later try may succeed (network errors, timeouts, 5xx, 429).
    pub retryable: bool,
    /// What went wrong, without secrets.
    pub message: String,
}

impl DeliveryError {
    /// A failure a retry may fix.
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            retryable: true,
            message: message.into(),
        }
    }
    /// A failure a retry will not fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            retryable: false,
            message: message.into(),
        }
    }
}

/// Sends notifications; one per service, shared by every delivery thread.
#[derive(Debug, Clone)]
pub struct Deliverer {
    pub(crate) agent: ureq::Agent,
    pub(crate) timeout: Duration,
    user_agent: String,
}

impl Default for Deliverer {
    fn default() -> Self {
        Self::new(REQUEST_TIMEOUT)
    }
}

impl Deliverer {
    /// A deliverer whose requests give up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            agent,
            timeout,
            user_agent: format!("Aniworld/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// One try; errors are scrubbed of the target's secrets.
    pub fn deliver(&self, t: &NamedTarget, n: &Notification) -> Result<(), DeliveryError> {
        let result = match &t.target {
            Target::Webhook {
                url,
                headers,
                secret,
            } => self.webhook(url, headers, secret.as_deref(), n),
            Target::Ntfy {
                server,
                topic,
                token,
                priority,
                tags,
            } => self.ntfy(server, topic, token.as_deref(), *priority, tags, n),
            Target::Discord { url } => self.discord(url, n),
            Target::Telegram {
                api_url,
                bot_token,
                chat_id,
            } => self.telegram(api_url, bot_token, chat_id, n),
            Target::Gotify {
                url,
                token,
                priority,
            } => self.gotify(url, token, *priority, n),
            Target::Email { .. } => crate::email::send(&t.target, n, self.timeout),
            Target::Jellyfin { .. } | Target::Plex { .. } => {
                crate::media::refresh(self, &t.target, n)
            }
        };
        result.map_err(|e| DeliveryError {
            retryable: e.retryable,
            message: t.scrub(&e.message),
        })
    }

    /// POSTs `body` with `headers`; Ok with the answer's text when it is 2xx.
    pub(crate) fn post(
        &self,
        service: &str,
        url: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<String, DeliveryError> {
        let mut req = self
            .agent
            .post(url)
            .header("User-Agent", &self.user_agent)
            .header("Content-Type", content_type);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(service, req.send(&body[..]))
    }

    /// GETs `url`; Ok with the answer's text when it is 2xx.
    pub(crate) fn get(
        &self,
        service: &str,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<String, DeliveryError> {
        let mut req = self.agent.get(url).header("User-Agent", &self.user_agent);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(service, req.call())
    }

    fn post_json(
        &self,
        service: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<String, DeliveryError> {
        self.post(
            service,
            url,
            headers,
            "application/json",
            body.to_string().into_bytes(),
        )
    }

    fn webhook(
        &self,
        url: &str,
        headers: &[(String, String)],
        secret: Option<&str>,
        n: &Notification,
    ) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(n)
            .map_err(|e| DeliveryError::permanent(format!("cannot encode the body: {e}")))?;
        let signature = secret.map(|s| signature::sign(s.as_bytes(), &body));
        let mut all: Vec<(&str, &str)> = vec![("X-Aniworld-Event", n.event.as_str())];
        if let Some(sig) = &signature {
            all.push((signature::HEADER, sig.as_str()));
        }
        all.extend(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.post("the webhook", url, &all, "application/json", body)
            .map(drop)
    }

    fn ntfy(
        &self,
        server: &str,
        topic: &str,
        token: Option<&str>,
        priority: Option<u8>,
        tags: &[String],
        n: &Notification,
    ) -> Result<(), DeliveryError> {
        let mut all_tags: Vec<String> = vec![emoji_tag(n).to_string()];
        all_tags.extend(tags.iter().cloned());
        let default_priority = if n.kind().is_some_and(|k| k.is_failure()) {
            4
        } else {
            3
        };
        let mut body = json!({
            "topic": topic,
            "title": n.title,
            "message": n.message,
            "priority": priority.unwrap_or(default_priority),
            "tags": all_tags,
        });
        if let Some(poster) = poster(n) {
            body["attach"] = json!(poster);
        }
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        self.post_json("ntfy", &format!("{server}/"), &headers, &body)
            .map(drop)
    }

    fn discord(&self, url: &str, n: &Notification) -> Result<(), DeliveryError> {
        let mut fields = Vec::new();
        if let Some(s) = &n.series {
            fields.push(json!({"name": "Series", "value": s.name, "inline": true}));
        }
        if let Some(e) = &n.episode {
            let value = match &e.title {
                Some(t) if !t.is_empty() => format!("{} – {t}", e.code),
                _ => e.code.clone(),
            };
            fields.push(json!({"name": "Episode", "value": value, "inline": true}));
        }
        if let Some(err) = &n.error {
            fields.push(json!({"name": "Error", "value": truncate(err, 1000), "inline": false}));
        }
        let mut embed = json!({
            "title": truncate(&n.title, 250),
            "description": truncate(&n.message, 4000),
            "color": if n.kind().is_some_and(|k| k.is_failure()) { 0xd9_3f_3f } else { 0x3f_a3_5d },
            "timestamp": n.timestamp,
            "fields": fields,
            "footer": {"text": if n.instance.is_empty() { "Aniworld" } else { n.instance.as_str() }},
        });
        if let Some(p) = poster(n) {
            embed["thumbnail"] = json!({ "url": p });
        }
        let body = json!({"username": "Aniworld", "embeds": [embed]});
        self.post_json("Discord", url, &[], &body).map(drop)
    }

    fn telegram(
        &self,
        api: &str,
        bot_token: &str,
        chat_id: &str,
        n: &Notification,
    ) -> Result<(), DeliveryError> {
        let body = json!({
            "chat_id": chat_id,
            "text": format!("{}\n{}", n.title, n.message),
            "disable_web_page_preview": true,
        });
        let url = format!("{api}/bot{bot_token}/sendMessage");
        self.post_json("Telegram", &url, &[], &body).map(drop)
    }

    fn gotify(
        &self,
        url: &str,
        token: &str,
        priority: Option<u8>,
        n: &Notification,
    ) -> Result<(), DeliveryError> {
        let default_priority = if n.kind().is_some_and(|k| k.is_failure()) {
            8
        } else {
            5
        };
        let mut body = json!({
            "title": n.title,
            "message": n.message,
            "priority": priority.unwrap_or(default_priority),
        });
        if let Some(p) = poster(n) {
            body["extras"] = json!({"client::notification": {"bigImageUrl": p}});
        }
        self.post_json(
            "Gotify",
            &format!("{url}/message"),
            &[("X-Gotify-Key", token)],
            &body,
        )
        .map(drop)
    }
}

/// The series poster, when the notification has one.
fn poster(n: &Notification) -> Option<&str> {
    n.series
        .as_ref()
        .and_then(|s| s.poster_url.as_deref())
        .filter(|p| p.starts_with("http://") || p.starts_with("https://"))
}

/// An ntfy tag (emoji short code) for the event.
fn emoji_tag(n: &Notification) -> &'static str {
    match n.event.as_str() {
        "download_completed" | "episode_upgraded" => "tv",
        "series_completed" => "tada",
        "test" => "white_check_mark",
        "summary" => "moon",
        _ => "warning",
    }
}

/// `s` cut to at most `max` characters.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Maps an answer: 2xx is Ok with its text; 5xx and 429 are retryable; other statuses not.
fn answer(
    service: &str,
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<String, DeliveryError> {
    let mut resp = result.map_err(|e| network(service, e))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let detail = truncate(text.trim(), 200);
    let message = if detail.is_empty() {
        format!("{service} answered HTTP {status}")
    } else {
        format!("{service} answered HTTP {status}: {detail}")
    };
    if status >= 500 || status == 429 || status == 408 {
        Err(DeliveryError::retryable(message))
    } else {
        Err(DeliveryError::permanent(message))
    }
}

/// A transport error (the URL is left out: it may carry a token).
fn network(service: &str, e: ureq::Error) -> DeliveryError {
    use ureq::Error as E;
    let message = match &e {
        E::Timeout(_) => format!("{service} did not answer in time"),
        E::HostNotFound => format!("{service}: host not found"),
        E::ConnectionFailed => format!("{service}: connection failed"),
        E::Io(io) => format!("{service}: {io}"),
        E::BadUri(_) | E::Http(_) => {
            return DeliveryError::permanent(format!("{service}: bad URL"));
        }
        other => format!("{service}: {other}"),
    };
    DeliveryError::retryable(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_character() {
        assert_eq!(truncate("äöü", 2), "äö…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
