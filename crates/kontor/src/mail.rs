//! The SMTP adapter of the `Mailer` port (lettre, rustls).

use anyhow::{Context, Result};
use async_trait::async_trait;
use kontor_app::ports::{Mail, Mailer};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `url`: `smtps://user:pass@host:465`, `smtp://host:587?tls=required`
    /// or `smtp://host:25` (no encryption, for a local relay).
    pub fn new(url: &str, from: &str) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .with_context(|| format!("smtp_url '{}' is not a valid SMTP URL", kontor_store::redact_url(url)))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("mail_from '{from}' is not a mail address like \"kontor <kontor@firma.de>\""))?;
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| format!("'{}' is not a mail address: {e}", mail.to))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| format!("cannot build the mail: {e}"))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP server refused or unreachable: {e}"))
    }
}
