//! The IMAP adapter behind `kontor_app::ports::MailClient`: `imaps://`
//! (TLS from the first byte, system root certificates, rustls with ring)
//! or `imap://` (plain, for loopback and trusted networks). Messages are
//! fetched without marking them read (`BODY.PEEK[]`) and moved to the done
//! folder with `UID MOVE` (RFC 6851), or copied, flagged `\Deleted` and
//! expunged where the server has no MOVE.

use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;
use kontor_app::ports::{MailClient, MailSession, MailboxSpec};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(60);

pub struct Imap;

/// `imap://host:port` → (tls, host, port).
fn endpoint(url: &str) -> Result<(bool, String, u16), String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("imaps://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("imap://") {
        (false, r)
    } else {
        return Err(format!("'{url}' is not an imap:// or imaps:// address"));
    };
    let authority = rest.split('/').next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("'{p}' is not a port"))?),
        None => (authority, if tls { 993 } else { 143 }),
    };
    if host.is_empty() {
        return Err(format!("'{url}' names no host"));
    }
    Ok((tls, host.trim_matches(['[', ']']).to_string(), port))
}

async fn timed<T, E: std::fmt::Display>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {} s", TIMEOUT.as_secs())),
    }
}

struct ImapMail<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> {
    session: Session<T>,
    done_folder: String,
    has_move: bool,
}

async fn open<T>(stream: T, spec: &MailboxSpec) -> Result<Box<dyn MailSession>, String>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send + 'static,
{
    let mut client = async_imap::Client::new(stream);
    // The server speaks first (its greeting).
    match timed("greeting", async { client.read_response().await.transpose() }).await? {
        Some(_) => {}
        None => return Err("the server closed the connection before its greeting".into()),
    }
    let mut session = timed("login", async {
        client.login(&spec.username, &spec.password).await.map_err(|(e, _)| e)
    })
    .await?;
    let caps = timed("capabilities", session.capabilities()).await?;
    let has_move = caps.has_str("MOVE");
    // The done folder may exist already; any other problem shows at the first move.
    let _ = timed("create folder", session.create(&spec.done_folder)).await;
    timed("select", session.select(&spec.folder)).await?;
    Ok(Box::new(ImapMail {
        session,
        done_folder: spec.done_folder.clone(),
        has_move,
    }))
}

#[async_trait]
impl<T> MailSession for ImapMail<T>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    async fn pending(&mut self) -> Result<Vec<u32>, String> {
        let mut uids: Vec<u32> = timed("search", self.session.uid_search("UNDELETED"))
            .await?
            .into_iter()
            .collect();
        uids.sort_unstable();
        Ok(uids)
    }

    async fn fetch(&mut self, uid: u32) -> Result<Bytes, String> {
        let fetched: Vec<async_imap::types::Fetch> = timed("fetch", async {
            let stream = self.session.uid_fetch(uid.to_string(), "BODY.PEEK[]").await?;
            stream.try_collect().await
        })
        .await?;
        fetched
            .iter()
            .find_map(|f| f.body().map(Bytes::copy_from_slice))
            .ok_or_else(|| format!("message {uid} came without a body"))
    }

    async fn done(&mut self, uid: u32) -> Result<(), String> {
        let id = uid.to_string();
        if self.has_move {
            return timed("move", self.session.uid_mv(&id, &self.done_folder)).await;
        }
        timed("copy", self.session.uid_copy(&id, &self.done_folder)).await?;
        timed("flag", async {
            let s = self.session.uid_store(&id, "+FLAGS.SILENT (\\Deleted)").await?;
            s.try_collect::<Vec<_>>().await
        })
        .await?;
        timed("expunge", async {
            let s = self.session.expunge().await?;
            s.try_collect::<Vec<_>>().await
        })
        .await?;
        Ok(())
    }

    async fn close(mut self: Box<Self>) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}

#[async_trait]
impl MailClient for Imap {
    async fn connect(&self, spec: &MailboxSpec) -> Result<Box<dyn MailSession>, String> {
        let (tls, host, port) = endpoint(&spec.url)?;
        let tcp = timed("connect", TcpStream::connect((host.as_str(), port))).await?;
        if !tls {
            return open(tcp, spec).await;
        }
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| format!("'{host}': {e}"))?;
        let stream = timed(
            "TLS handshake",
            tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp),
        )
        .await?;
        open(stream, spec).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            endpoint("imaps://mail.example.com"),
            Ok((true, "mail.example.com".into(), 993))
        );
        assert_eq!(
            endpoint("imap://127.0.0.1:14300/INBOX"),
            Ok((false, "127.0.0.1".into(), 14300))
        );
        assert!(endpoint("pop3://x").is_err());
        assert!(endpoint("imap://:143").is_err());
    }
}
