//! E-mail as a capture channel against a real IMAP server (Dovecot from
//! Debian, started here on a loopback port): the server polls a company's
//! mailbox on its own; a poll killed with `kill -9` in the middle and run
//! again stores every mail and attachment exactly once and empties the
//! inbox; `.eml` files and Maildir folders are imported from the command
//! line.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use kontor_e2e::{free_port, Server, ServerOptions, Storage};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

struct Dovecot {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// Owner of the mail files (root may not own a mailbox).
    owner: Option<(u32, u32)>,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const USER: &str = "eingang@muster";
const PASSWORD: &str = "geheim-123";

fn uid() -> u32 {
    String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn dovecot() -> Option<Dovecot> {
    if !Path::new("/usr/sbin/dovecot").exists() {
        assert!(
            std::env::var("KONTOR_REQUIRE_DOVECOT").as_deref() != Ok("1"),
            "CI must install dovecot-imapd"
        );
        eprintln!("skipped: dovecot not installed (apt-get install dovecot-imapd)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let port = free_port();
    let me = uid();
    let owner = if me == 0 { Some((65534, 65534)) } else { None };
    let (u, g) = owner.unwrap_or((me, me));
    for d in ["run", "state", "mail"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("users"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
    let privileged = if me == 0 {
        "default_internal_user = dovecot\ndefault_login_user = dovenull\n".to_string()
    } else {
        format!(
            "default_internal_user = {user}\ndefault_login_user = {user}\n",
            user = whoami()
        )
    };
    let conf = format!(
        "base_dir = {r}/run\nstate_dir = {r}/state\ninstance_name = kontor-test-{port}\nprotocols = imap\n\
         listen = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
         log_path = {r}/dovecot.log\nmail_location = maildir:{r}/mail/%u\n{privileged}\
         first_valid_uid = 1\n\
         passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {r}/users\n}}\n\
         userdb {{\n  driver = static\n  args = uid={u} gid={g} home={r}/mail/%u\n}}\n\
         service imap-login {{\n  chroot =\n  inet_listener imap {{\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
         service anvil {{\n  chroot =\n}}\n",
        r = root.display()
    );
    std::fs::write(root.join("dovecot.conf"), conf).unwrap();
    if owner.is_some() {
        // The mail processes run as nobody; they must reach the mail folder.
        chown(root, (65534, 65534));
        for p in [root.to_path_buf(), root.join("mail")] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        chown(&root.join("run"), (0, 0));
        chown(&root.join("state"), (0, 0));
    }
    let child = Command::new("/usr/sbin/dovecot")
        .args(["-F", "-c"])
        .arg(root.join("dovecot.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let d = Dovecot {
        child,
        port,
        dir,
        owner,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "dovecot did not start: {}", d.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(d)
}

fn whoami() -> String {
    String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string()
}

fn chown(p: &Path, (u, g): (u32, u32)) {
    let st = Command::new("chown")
        .arg("-R")
        .arg(format!("{u}:{g}"))
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

impl Dovecot {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    fn maildir(&self, folder: Option<&str>) -> PathBuf {
        let base = self.dir.path().join("mail").join(USER);
        match folder {
            None => base,
            Some(f) => base.join(format!(".{f}")),
        }
    }

    /// Delivers a message the way an MTA does: into `new/` of the Maildir.
    fn deliver(&self, n: usize, raw: &[u8]) {
        let base = self.maildir(None);
        for d in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        let name = format!("1700000000.M{n}P1.kontor-test");
        std::fs::write(base.join("tmp").join(&name), raw).unwrap();
        std::fs::rename(base.join("tmp").join(&name), base.join("new").join(&name)).unwrap();
        if let Some(o) = self.owner {
            chown(&base, o);
        }
    }

    /// Messages in a folder (`None`: the inbox).
    fn count(&self, folder: Option<&str>) -> usize {
        let base = self.maildir(folder);
        ["cur", "new"]
            .iter()
            .map(|d| std::fs::read_dir(base.join(d)).map(|r| r.count()).unwrap_or(0))
            .sum()
    }
}

/// A mail with a PDF attachment of its own (`n` makes it unique) and a
/// small inline logo that is not archived.
fn message(n: usize, attachment: &[u8]) -> Vec<u8> {
    let b64 = |b: &[u8]| {
        let s = base64::engine::general_purpose::STANDARD.encode(b);
        s.as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    format!(
        "From: Lieferant {n} GmbH <rechnung{n}@lieferant.example>\r\nTo: eingang@muster.example\r\n\
         Subject: Rechnung {n}\r\nDate: Mon, 02 Nov 2026 10:{:02}:00 +0100\r\nMessage-ID: <{n}@lieferant.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b{n}\"\r\n\r\n\
         --b{n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAnbei Rechnung {n}. Mit freundlichen Grüßen\r\n\
         --b{n}\r\nContent-Type: application/pdf; name=\"RE-{n}.pdf\"\r\nContent-Disposition: attachment; filename=\"RE-{n}.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --b{n}\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --b{n}--\r\n",
        n % 60,
        b64(attachment),
        b64(b"\x89PNG\r\n\x1a\n logo"),
    )
    .into_bytes()
}

fn invoice_pdf(n: usize) -> Vec<u8> {
    let mut lines = vec![
        format!("# Lieferant {n} GmbH"),
        format!("Rechnungsnummer: RE-{n}"),
        "Rechnungsdatum: 02.11.2026".into(),
    ];
    // Some weight, so that a poll takes a moment.
    lines.extend((0..40).map(|i| format!("Position {i}: Schrauben und Dübel {n}")));
    kontor_pdf::letter("Rechnung", &lines).unwrap()
}

fn kontor(data: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(args)
        .env("KONTOR_DATA_DIR", data)
        .env("KONTOR_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn documents(s: &Server) -> Vec<Value> {
    documents_with(s).await.1
}

async fn documents_with(s: &Server) -> (Client, Vec<Value>) {
    let c = Client::builder().cookie_store(true).build().unwrap();
    let r = c
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "buchhaltung", "password": "kontor-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = c
        .get(s.url("/api/v1/companies/muster/documents?limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap().clone();
    (c, items)
}

fn set_mailbox(data: &Path, d: &Dovecot) {
    let url = format!("imap://127.0.0.1:{}", d.port);
    let (code, out, err) = kontor(
        data,
        &[
            "documents",
            "mail",
            "set",
            "--company",
            "muster",
            "--url",
            &url,
            "--user",
            USER,
            "--password-env",
            "MAILPW",
            "--every-minutes",
            "1",
        ],
        &[("MAILPW", PASSWORD)],
    );
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test]
async fn the_server_polls_the_mailbox_and_a_killed_poll_stores_nothing_twice() {
    let Some(d) = dovecot() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let storage = Storage {
        data_dir: tmp.path().join("data"),
        ..Default::default()
    };
    let start = || {
        Server::start(ServerOptions {
            storage: Some(storage.clone()),
            ..Default::default()
        })
    };
    // The server takes what arrives, on its own.
    let mut server = start();
    d.deliver(0, &message(0, &invoice_pdf(0)));
    set_mailbox(&storage.data_dir, &d);
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.count(None) > 0 {
        assert!(
            Instant::now() < deadline,
            "not polled:\n{}\n{}",
            server.log_text(),
            d.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(d.count(Some("kontor-abgelegt")), 1, "moved to the done folder");
    let (client, docs) = documents_with(&server).await;
    let mail = docs.iter().find(|x| x["media_type"] == "message/rfc822").unwrap();
    assert_eq!(mail["name"], "2026-11-02 Rechnung 0.eml");
    assert_eq!(mail["source"], "email");
    let att = docs.iter().find(|x| x["name"] == "RE-0.pdf").unwrap();
    assert_eq!(att["source"], "email");
    assert!(
        docs.iter()
            .all(|x| x["media_type"] != "image/png" || x["source"] != "email"),
        "no logo"
    );
    // The document view links the attachment to its e-mail.
    let home = client
        .get(server.url("/app"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .post(server.url("/company"))
        .form(&[
            ("csrf", hidden_csrf(&home).as_str()),
            ("code", "muster"),
            ("back", "/app"),
        ])
        .send()
        .await
        .unwrap();
    let page = client
        .get(server.url(&format!("/documents/{}", att["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Kam mit der E-Mail") && page.contains("2026-11-02 Rechnung 0.eml"),
        "{page}"
    );
    server.signal_and_wait("TERM", Duration::from_secs(20));

    // Many mails; a poll from the command line is killed in the middle.
    const N: usize = 60;
    for n in 1..=N {
        d.deliver(n, &message(n, &invoice_pdf(n)));
    }
    // One more mail carrying an attachment the archive has already.
    d.deliver(N + 1, &message(N + 1, &invoice_pdf(7)));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(["documents", "mail", "poll", "--company", "muster"])
        .env("KONTOR_DATA_DIR", &storage.data_dir)
        .env("KONTOR_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.count(Some("kontor-abgelegt")) < 5 {
        assert!(Instant::now() < deadline, "the poll does not move mails: {}", d.log());
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let left = d.count(None);
    assert!(left > 0, "killed in the middle (increase N if the poll got through)");
    let (code, out, err) = kontor(
        &storage.data_dir,
        &["documents", "mail", "poll", "--company", "muster"],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(d.count(None), 0, "inbox emptied: {out}");
    assert_eq!(d.count(Some("kontor-abgelegt")), N + 2);

    let server = start();
    let docs = documents(&server).await;
    let mails = docs.iter().filter(|x| x["media_type"] == "message/rfc822").count();
    assert_eq!(mails, N + 2, "every mail once");
    let mut attachments: Vec<&str> = docs
        .iter()
        .filter(|x| x["source"] == "email" && x["name"].as_str().unwrap().starts_with("RE-"))
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    attachments.sort();
    let total = attachments.len();
    attachments.dedup();
    assert_eq!(total, N + 1, "every attachment once; the repeated one is a duplicate");
    assert_eq!(attachments.len(), N + 1);
}

#[test]
fn eml_files_and_maildir_folders_are_imported_with_their_attachments() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (code, _, err) = kontor(
        &data,
        &["admin", "company", "add", "--code", "muster", "--name", "Muster GmbH"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let eml = tmp.path().join("rechnung.eml");
    std::fs::write(&eml, message(1, &invoice_pdf(1))).unwrap();
    let (code, out, err) = kontor(&data, &["import", "--company", "muster", eml.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(e-mail, 1 attachments)"), "{out}");
    assert!(out.contains("attachment RE-1.pdf: stored"), "{out}");
    // A Maildir: cur/ and new/ are read, tmp/ (still being delivered) is not.
    let md = tmp.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    std::fs::write(md.join("cur/1.M1:2,S"), message(2, &invoice_pdf(2))).unwrap();
    std::fs::write(md.join("new/2.M2"), message(3, &invoice_pdf(3))).unwrap();
    std::fs::write(md.join("tmp/3.M3"), message(4, &invoice_pdf(4))).unwrap();
    let (code, out, err) = kontor(&data, &["import", "--company", "muster", md.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("RE-2.pdf") && out.contains("RE-3.pdf") && !out.contains("RE-4.pdf"),
        "{out}"
    );
    // The mail's text is searchable; the attachment is found as an invoice.
    let (_, out, _) = kontor(&data, &["documents", "search", "Rechnung 3", "--format", "jsonl"], &[]);
    let hits: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(hits.iter().any(|h| h["media_type"] == "message/rfc822"), "{out}");
    assert!(
        hits.iter().any(|h| h["name"] == "RE-3.pdf" && h["type"] == "invoice"),
        "{out}"
    );
    // Again: nothing new.
    let (_, out, _) = kontor(&data, &["import", "--company", "muster", md.to_str().unwrap()], &[]);
    assert!(out.contains("0 stored, 2 already in the archive"), "{out}");
}

fn hidden_csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("form has a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn an_administrator_sets_the_mailbox_in_the_ui_and_bookkeeping_cannot() {
    let s = Server::demo();
    let login = |user: &'static str| {
        let s = &s;
        async move {
            let c = Client::builder().cookie_store(true).build().unwrap();
            let page = c.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
            let r = c
                .post(s.url("/login"))
                .form(&[
                    ("username", user),
                    ("password", "kontor-demo"),
                    ("csrf", &hidden_csrf(&page)),
                ])
                .send()
                .await
                .unwrap();
            let home = r.text().await.unwrap();
            c.post(s.url("/company"))
                .form(&[
                    ("csrf", hidden_csrf(&home).as_str()),
                    ("code", "muster"),
                    ("back", "/documents/rules"),
                ])
                .send()
                .await
                .unwrap();
            c
        }
    };
    let admin = login("admin").await;
    let page = admin
        .get(s.url("/documents/rules"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"mailbox-form\""), "{page}");
    let csrf = hidden_csrf(&page);
    let form = |url: &str, password: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("url".into(), url.into()),
            ("username".into(), "eingang@muster".into()),
            ("password".into(), password.into()),
            ("folder".into(), "INBOX".into()),
            ("done_folder".into(), "kontor-abgelegt".into()),
            ("minutes".into(), "5".into()),
            ("enabled".into(), "1".into()),
        ]
    };
    let r = admin
        .post(s.url("/documents/mailbox"))
        .form(&form("pop3://x", "pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("keine Postfach-Adresse"));
    let r = admin
        .post(s.url("/documents/mailbox"))
        .form(&form("imaps://mail.example.com", "sehr-geheim"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"imaps://mail.example.com\""), "{page}");
    assert!(!page.contains("sehr-geheim"), "the password is never shown");
    // Bookkeeping sees the rules but not the mailbox, and cannot set it.
    let b = login("buchhaltung").await;
    let page = b
        .get(s.url("/documents/rules"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("mailbox-form"));
    let r = b
        .post(s.url("/documents/mailbox"))
        .form(&[("csrf", hidden_csrf(&page).as_str()), ("url", "imaps://x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
