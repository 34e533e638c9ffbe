//! E-mail through SMTP with lettre's synchronous transport: `tls` (TLS from the first byte),
//! `starttls` (required STARTTLS) or `none` (plain, for a relay nearby); a login when a user
//! name is set. The subject is the notification's title, the body plain text.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

use aniworld_core::notifications::EmailTls;

use crate::deliver::DeliveryError;
use crate::message::Notification;
use crate::target::Target;

/// Sends `n` as an e-mail to the target's recipients.
pub(crate) fn send(
    target: &Target,
    n: &Notification,
    timeout: Duration,
) -> Result<(), DeliveryError> {
    let Target::Email {
        host,
        port,
        tls,
        username,
        password,
        from,
        to,
    } = target
    else {
        return Ok(());
    };
    let mailbox = |s: &str, field: &str| {
        s.parse::<Mailbox>().map_err(|e| {
            DeliveryError::permanent(format!("{field} {s:?} is not an e-mail address: {e}"))
        })
    };
    let mut builder = Message::builder()
        .from(mailbox(from, "from")?)
        .subject(&n.title)
        .header(ContentType::TEXT_PLAIN);
    for t in to {
        builder = builder.to(mailbox(t, "to")?);
    }
    let email = builder
        .body(body(n))
        .map_err(|e| DeliveryError::permanent(format!("cannot build the e-mail: {e}")))?;
    let transport = match tls {
        EmailTls::Tls => SmtpTransport::relay(host),
        EmailTls::Starttls => SmtpTransport::starttls_relay(host),
        EmailTls::None => Ok(SmtpTransport::builder_dangerous(host)),
    }
    .map_err(|e| DeliveryError::permanent(format!("SMTP server {host}: {e}")))?;
    let mut transport = transport.port(*port).timeout(Some(timeout));
    if let Some(user) = username {
        transport = transport.credentials(Credentials::new(
            user.clone(),
            password.clone().unwrap_or_default(),
        ));
    }
    transport.build().send(&email).map(drop).map_err(|e| {
        let message = format!("SMTP server {host}:{port}: {e}");
        if e.is_permanent() || e.is_client() {
            DeliveryError::permanent(message)
        } else {
            DeliveryError::retryable(message)
        }
    })
}

/// The plain-text body: the message, then the details a reader may want.
fn body(n: &Notification) -> String {
    let mut out = format!("{}\n", n.message);
    let mut line = |k: &str, v: &str| out.push_str(&format!("\n{k}: {v}"));
    if let Some(s) = &n.series {
        line("Series", &s.name);
    }
    if let Some(e) = &n.episode {
        line("Episode", &e.code);
        if let Some(t) = &e.title {
            line("Title", t);
        }
    }
    if let Some(p) = &n.path {
        line("File", p);
    }
    if let Some(e) = &n.error {
        line("Error", e);
    }
    for held in &n.events {
        line(&held.timestamp, &held.message);
    }
    out.push_str(&format!(
        "\n\n-- \n{} ({})\n",
        if n.instance.is_empty() {
            "Aniworld"
        } else {
            n.instance.as_str()
        },
        n.event
    ));
    out
}
