//! [`Target`]: a configured target in its typed form, built from the flat configuration object
//! (`aniworld_core::notifications::NotificationTarget`), with the secrets that must never leave
//! it (errors are scrubbed of them).

use std::collections::BTreeMap;

use aniworld_core::config::Secret;
use aniworld_core::notifications::{EmailTls, NotificationTarget, TargetType};

/// What a masked secret reads as in errors.
pub const MASK: &str = "********";

/// The default Telegram Bot API.
pub const TELEGRAM_API: &str = "https://api.telegram.org";

/// A target ready to deliver to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// JSON POST of the notification, signed when `secret` is set.
    Webhook {
        /// Where to POST.
        url: String,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// HMAC-SHA256 key.
        secret: Option<String>,
    },
    /// ntfy JSON publishing.
    Ntfy {
        /// Server base URL (without the topic).
        server: String,
        /// The topic.
        topic: String,
        /// Access token.
        token: Option<String>,
        /// 1..=5.
        priority: Option<u8>,
        /// Tags added to each message's own.
        tags: Vec<String>,
    },
    /// A Discord channel webhook.
    Discord {
        /// The webhook URL.
        url: String,
    },
    /// A Telegram chat.
    Telegram {
        /// Bot API base URL.
        api_url: String,
        /// The bot token.
        bot_token: String,
        /// The chat.
        chat_id: String,
    },
    /// A Gotify server.
    Gotify {
        /// Server base URL.
        url: String,
        /// Application token.
        token: String,
        /// 0..=10.
        priority: Option<u8>,
    },
    /// E-mail through SMTP.
    Email {
        /// SMTP host.
        host: String,
        /// SMTP port.
        port: u16,
        /// Encryption.
        tls: EmailTls,
        /// Login, when set.
        username: Option<String>,
        /// Password of the login.
        password: Option<String>,
        /// Sender.
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
    /// A Jellyfin or Emby server.
    Jellyfin {
        /// Server base URL.
        url: String,
        /// API key.
        api_key: String,
        /// Library path prefix -> the server's.
        path_map: PathMap,
    },
    /// A Plex server.
    Plex {
        /// Server base URL.
        url: String,
        /// `X-Plex-Token`.
        token: String,
        /// Library path prefix -> the server's.
        path_map: PathMap,
    },
}

/// A configured target: its name, typed form and secrets.
#[derive(Debug, Clone)]
pub struct NamedTarget {
    /// The configured name.
    pub name: String,
    /// The typed target.
    pub target: Target,
    /// Values masked in every error this target produces.
    secrets: Vec<String>,
}

impl NamedTarget {
    /// The typed form of a configured target; the error names the field that does not fit
    /// (configurations are validated first, so this is a safety net).
    pub fn from_config(t: &NotificationTarget) -> Result<Self, String> {
        let kind = t
            .target_type()
            .ok_or_else(|| format!("{:?} is not a target type", t.kind))?;
        let req = |v: &Option<String>, field: &str| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| format!("{field} is required"))
        };
        let secret = |s: &Secret, field: &str| {
            s.expose()
                .map(str::to_string)
                .ok_or_else(|| format!("{field} is required"))
        };
        let base = |u: String| u.trim_end_matches('/').to_string();
        let target = match kind {
            TargetType::Webhook => Target::Webhook {
                url: req(&t.url, "url")?,
                headers: t
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                secret: t.secret.expose().map(str::to_string),
            },
            TargetType::Ntfy => {
                let url = base(req(&t.url, "url")?);
                let (server, topic) = url
                    .rsplit_once('/')
                    .filter(|(s, topic)| {
                        s.contains("://") && !s.ends_with(':') && !topic.is_empty()
                    })
                    .ok_or("url must name the topic, e.g. https://ntfy.sh/my-topic")?;
                Target::Ntfy {
                    server: server.to_string(),
                    topic: topic.to_string(),
                    token: t.token.expose().map(str::to_string),
                    priority: t.priority,
                    tags: t.tags.clone(),
                }
            }
            TargetType::Discord => Target::Discord {
                url: req(&t.url, "url")?,
            },
            TargetType::Telegram => Target::Telegram {
                api_url: base(t.api_url.clone().unwrap_or_else(|| TELEGRAM_API.into())),
                bot_token: secret(&t.bot_token, "bot_token")?,
                chat_id: req(&t.chat_id, "chat_id")?,
            },
            TargetType::Gotify => Target::Gotify {
                url: base(req(&t.url, "url")?),
                token: secret(&t.token, "token")?,
                priority: t.priority,
            },
            TargetType::Email => {
                let tls = match t.tls.as_deref() {
                    None => EmailTls::Starttls,
                    Some(s) => EmailTls::parse(s).ok_or("tls must be starttls, tls or none")?,
                };
                if t.to.is_empty() {
                    return Err("to is required".into());
                }
                Target::Email {
                    host: req(&t.host, "host")?,
                    port: t.port.unwrap_or(tls.default_port()),
                    tls,
                    username: t.username.clone().filter(|u| !u.is_empty()),
                    password: t.password.expose().map(str::to_string),
                    from: req(&t.from, "from")?,
                    to: t.to.clone(),
                }
            }
            TargetType::Jellyfin => Target::Jellyfin {
                url: base(req(&t.url, "url")?),
                api_key: secret(&t.api_key, "api_key")?,
                path_map: PathMap::new(&t.path_map),
            },
            TargetType::Plex => Target::Plex {
                url: base(req(&t.url, "url")?),
                token: secret(&t.token, "token")?,
                path_map: PathMap::new(&t.path_map),
            },
        };
        let mut secrets: Vec<String> = t
            .secret_values()
            .into_iter()
            .filter(|s| s.len() >= 4)
            .map(str::to_string)
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(Self {
            name: t.name.clone(),
            target,
            secrets,
        })
    }

    /// `text` with every secret of the target masked.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }

    /// Whether the target is a media server.
    pub fn is_media_server(&self) -> bool {
        matches!(self.target, Target::Jellyfin { .. } | Target::Plex { .. })
    }
}

/// Library path prefixes mapped to the media server's (longest prefix first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathMap(Vec<(String, String)>);

impl PathMap {
    /// The map of a configuration.
    pub fn new(map: &BTreeMap<String, String>) -> Self {
        let mut pairs: Vec<(String, String)> = map
            .iter()
            .map(|(from, to)| {
                (
                    from.trim_end_matches('/').to_string(),
                    to.trim_end_matches('/').to_string(),
                )
            })
            .collect();
        pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        Self(pairs)
    }

    /// `path` as the media server sees it: the longest configured prefix that is a whole
    /// leading part of it replaced; unchanged when none is.
    pub fn apply(&self, path: &str) -> String {
        for (from, to) in &self.0 {
            if let Some(rest) = path.strip_prefix(from.as_str())
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return format!("{to}{rest}");
            }
        }
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(v: serde_json::Value) -> NamedTarget {
        NamedTarget::from_config(&serde_json::from_value(v).unwrap()).unwrap()
    }

    #[test]
    fn path_maps_take_the_longest_whole_prefix() {
        let map = PathMap::new(&BTreeMap::from([
            ("/srv/anime".to_string(), "/media/anime".to_string()),
            ("/srv/anime/kids/".to_string(), "/kids".to_string()),
        ]));
        assert_eq!(map.apply("/srv/anime/A/x.mp4"), "/media/anime/A/x.mp4");
        assert_eq!(map.apply("/srv/anime/kids/B/y.mp4"), "/kids/B/y.mp4");
        assert_eq!(map.apply("/srv/animex/C"), "/srv/animex/C");
        assert_eq!(map.apply("/other/D"), "/other/D");
    }

    #[test]
    fn ntfy_urls_split_into_server_and_topic_and_errors_are_scrubbed() {
        let t = target(
            json!({"name": "n", "type": "ntfy", "url": "https://ntfy.example/sub/my-topic/",
            "token": "tk_secret_value"}),
        );
        let Target::Ntfy { server, topic, .. } = &t.target else {
            panic!("{t:?}")
        };
        assert_eq!(
            (server.as_str(), topic.as_str()),
            ("https://ntfy.example/sub", "my-topic")
        );
        assert_eq!(t.scrub("401 for tk_secret_value"), "401 for ********");
        let bad: NotificationTarget = serde_json::from_value(
            json!({"name": "n", "type": "ntfy", "url": "https://ntfy.example"}),
        )
        .unwrap();
        assert!(NamedTarget::from_config(&bad).is_err());
    }

    #[test]
    fn email_ports_follow_the_tls_mode() {
        let t = target(
            json!({"name": "m", "type": "email", "host": "smtp.x", "tls": "tls",
            "from": "a@x", "to": ["b@x", "c@x"]}),
        );
        let Target::Email { port, tls, to, .. } = &t.target else {
            panic!("{t:?}")
        };
        assert_eq!((*port, *tls, to.len()), (465, EmailTls::Tls, 2));
        let t =
            target(json!({"name": "tg", "type": "telegram", "bot_token": "1:abc", "chat_id": 5}));
        let Target::Telegram { api_url, .. } = &t.target else {
            panic!("{t:?}")
        };
        assert_eq!(api_url, TELEGRAM_API);
    }
}
