//! Browser flows in real headless Chromium, driven through chromedriver,
//! against a real `kontor serve` with demo data. A failing flow leaves a
//! screenshot in target/screenshots/.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use kontor_e2e::{free_port, Server};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<String> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

async fn browser() -> Option<(Driver, Client, tempfile::TempDir)> {
    let Some(driver_bin) = chromedriver() else {
        assert!(
            std::env::var("KONTOR_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "CI must provide chromium-driver"
        );
        eprintln!("skipped: chromedriver not installed (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = free_port();
    let child = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let profile = tempfile::tempdir().unwrap();
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.path().display())
            ]
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        // chromedriver listens on loopback over plain HTTP: no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(c) = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return Some((driver, c, profile));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot connect to chromedriver on {url}");
}

type Flow = Result<(), Box<dyn std::error::Error>>;

async fn text_of(c: &Client, css: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await?
        .text()
        .await?)
}

async fn sign_in(c: &Client, s: &Server, user: &str) -> Flow {
    c.goto(&s.url("/login")).await?;
    c.find(Locator::Id("username")).await?.send_keys(user).await?;
    c.find(Locator::Id("password")).await?.send_keys("kontor-demo").await?;
    c.find(Locator::Id("login-submit")).await?.click().await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_url(url::Url::parse(&s.url("/app"))?)
        .await?;
    Ok(())
}

/// Switches the company with the switcher (from the home page) and waits
/// until the home page names it.
async fn switch_to(c: &Client, s: &Server, code: &str, name: &str) -> Flow {
    c.goto(&s.url("/app")).await?;
    c.find(Locator::Css(&format!("#company-switch option[value='{code}']")))
        .await?
        .click()
        .await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&format!("//main//strong[contains(., '{name}')]")))
        .await?;
    Ok(())
}

fn shot_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
}

/// Saves a screenshot of the current page (kept for people to look at).
async fn snap(c: &Client, name: &str) -> Flow {
    std::fs::create_dir_all(shot_dir())?;
    std::fs::write(shot_dir().join(format!("{name}.png")), c.screenshot().await?)?;
    Ok(())
}

/// Runs a flow; on failure saves a screenshot and the page source, then panics.
async fn run_flow(name: &str, c: &Client, flow: Flow) {
    if let Err(e) = flow {
        let dir = shot_dir();
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = c.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
        if let Ok(src) = c.source().await {
            let _ = std::fs::write(dir.join(format!("{name}.html")), src);
        }
        panic!("browser flow {name} failed: {e} (screenshot in target/screenshots/{name}.png)");
    }
}

#[tokio::test]
async fn admin_signs_in_switches_company_and_language_and_signs_out() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let s = Server::demo();
    let flow = async {
        sign_in(&c, &s, "admin").await?;
        let h1 = text_of(&c, "main h1").await?;
        assert!(h1.starts_with("Willkommen"), "German by default: {h1}");
        // The session starts in the first company (by code): Beispiel KG.
        let selected = c
            .find(Locator::Css("#company-switch option:checked"))
            .await?
            .text()
            .await?;
        assert!(selected.contains("Beispiel KG"), "{selected}");
        // Switch to Muster GmbH; the select submits itself (enhancement).
        c.find(Locator::Css("#company-switch option[value='muster']"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//main//strong[contains(., 'Muster GmbH')]"))
            .await?;
        let selected = c
            .find(Locator::Css("#company-switch option:checked"))
            .await?
            .text()
            .await?;
        assert!(selected.contains("Muster GmbH"), "{selected}");
        snap(&c, "home-de").await?;
        // Business partners of Muster GmbH.
        c.find(Locator::Css("nav.side a[href='/partners']"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_url(url::Url::parse(&s.url("/partners"))?)
            .await?;
        let h1 = text_of(&c, "main h1").await?;
        assert!(h1.contains("Muster GmbH"), "{h1}");
        snap(&c, "partners-de").await?;
        // Switch language to English in the settings.
        c.goto(&s.url("/settings")).await?;
        c.find(Locator::Css("#lang option[value='en']")).await?.click().await?;
        c.find(Locator::Id("lang-apply")).await?.click().await?;
        // The form posts and the page reloads in English; wait for the new
        // page rather than reading the old one.
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//main//h1[normalize-space()='Settings']"))
            .await?;
        let h1 = text_of(&c, "main h1").await?;
        assert_eq!(h1, "Settings");
        let nav = c.find(Locator::Css("nav.side")).await?.text().await?;
        assert!(nav.contains("Home") && nav.contains("Business partners"), "{nav}");
        c.set_window_size(390, 844).await?;
        c.goto(&s.url("/admin")).await?;
        snap(&c, "admin-en-phone").await?;
        c.set_window_size(1280, 900).await?;
        // Sign out: back on the login page, and the app is closed.
        sign_out(&c, &s).await?;
        c.goto(&s.url("/app")).await?;
        assert!(c.current_url().await?.path().ends_with("/login"));
        Ok(())
    }
    .await;
    run_flow("admin_company_language_logout", &c, flow).await;
    let _ = c.close().await;
}

#[tokio::test]
async fn accountant_creates_a_partner_and_sees_field_errors_in_german() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let s = Server::demo();
    let flow = async {
        sign_in(&c, &s, "buchhaltung").await?;
        c.goto(&s.url("/partners/new")).await?;
        c.find(Locator::Id("f-name"))
            .await?
            .send_keys("Druckerei Weber")
            .await?;
        c.find(Locator::Id("f-iban"))
            .await?
            .send_keys("DE89 3704 0044 0532 0130 01")
            .await?;
        c.find(Locator::Css("form.panel button[type='submit']"))
            .await?
            .click()
            .await?;
        let err = text_of(&c, "#e-iban").await?;
        snap(&c, "partner-form-errors-de").await?;
        assert!(err.contains("Prüfziffer"), "{err}");
        // The typed name is kept; fix the IBAN and save.
        let name = c
            .find(Locator::Id("f-name"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        assert_eq!(name, "Druckerei Weber");
        let iban = c.find(Locator::Id("f-iban")).await?;
        iban.clear().await?;
        iban.send_keys("DE89 3704 0044 0532 0130 00").await?;
        c.find(Locator::Css("form.panel button[type='submit']"))
            .await?
            .click()
            .await?;
        let saved = text_of(&c, "div.ok-box").await?;
        assert_eq!(saved, "Gespeichert.");
        c.goto(&s.url("/partners")).await?;
        let table = text_of(&c, "table").await?;
        assert!(
            table.contains("Druckerei Weber") && table.contains("DE89 3704 0044 0532 0130 00"),
            "{table}"
        );
        // An API token for this company: shown once, then listed without its secret.
        c.goto(&s.url("/settings")).await?;
        c.find(Locator::Id("tk-name")).await?.send_keys("Export").await?;
        c.find(Locator::Css("input[name='perm'][value='partners:read']"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("#tokens button[type='submit']"))
            .await?
            .click()
            .await?;
        let token = text_of(&c, "#new-token").await?;
        assert!(token.starts_with("kontor_"), "{token}");
        snap(&c, "settings-token-de").await?;
        c.goto(&s.url("/settings")).await?;
        let page = c.source().await?;
        assert!(!page.contains(&token), "the token is shown only once");
        assert!(page.contains("partners:read"));
        // A module that is not built yet says so plainly.
        c.goto(&s.url("/m/contracts")).await?;
        let notice = text_of(&c, "main .notice").await?;
        assert!(notice.contains("noch nicht verfügbar"), "{notice}");
        // Finance: the module link opens the trial balance of the demo year.
        c.goto(&s.url("/m/finance")).await?;
        let h1 = text_of(&c, "main h1").await?;
        assert!(h1.starts_with("Summen- und Saldenliste"), "{h1}");
        snap(&c, "finance-balance-de").await?;
        // The entry mask shows the VAT split while typing.
        c.goto(&s.url("/finance/entry")).await?;
        c.find(Locator::Id("entry-amount")).await?.send_keys("119,00").await?;
        c.find(Locator::Css("#entry-tax option[value='USt19']"))
            .await?
            .click()
            .await?;
        let split = text_of(&c, "#entry-split").await?;
        assert_eq!(split, "Netto 100,00 + Steuer 19,00");
        snap(&c, "finance-entry-de").await?;
        Ok(())
    }
    .await;
    run_flow("accountant_partner", &c, flow).await;
    let _ = c.close().await;
}

#[tokio::test]
async fn hr_sees_protected_employee_data_and_an_approver_does_not() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let s = Server::demo();
    let flow = async {
        sign_in(&c, &s, "personal").await?;
        c.find(Locator::Css("nav.side a[href='/employees']"))
            .await?
            .click()
            .await?;
        c.find(Locator::LinkText("Schulz, Jana")).await?.click().await?;
        let tax = c
            .find(Locator::Id("f-tax_id"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        assert_eq!(tax, "26384019572");
        snap(&c, "employee-hr-de").await?;
        // HR files a payslip for Max Beispiel (Muster GmbH), whose account is `mitarbeiter`.
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        c.goto(&s.url("/employees")).await?;
        c.find(Locator::LinkText("Beispiel, Max")).await?.click().await?;
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("lohn-2026-10.pdf");
        std::fs::write(&file, b"%PDF-1.4\n% Lohnabrechnung Oktober\ntrailer << >>\n%%EOF\n")?;
        c.find(Locator::Css("#up-kind option[value='payslip']"))
            .await?
            .click()
            .await?;
        c.execute("document.getElementById('up-period').value = '2026-10';", vec![])
            .await?;
        c.find(Locator::Id("up-file"))
            .await?
            .send_keys(&file.display().to_string())
            .await?;
        c.find(Locator::Id("upload-submit")).await?.click().await?;
        // Wait for the reloaded page (the old table would go stale).
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(
                "//table[@id='documents']//a[contains(., 'Lohnabrechnung 2026-10')]",
            ))
            .await?;
        sign_out(&c, &s).await?;
        // Max sees his own payslip under "Meine Daten", and nothing of Erika's.
        sign_in(&c, &s, "mitarbeiter").await?;
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        c.goto(&s.url("/me")).await?;
        let mine = text_of(&c, "main").await?;
        assert!(
            mine.contains("Max") && mine.contains("Lohnabrechnung 2026-10"),
            "{mine}"
        );
        assert!(!mine.contains("Mustermann"), "{mine}");
        snap(&c, "my-data-de").await?;
        sign_out(&c, &s).await?;
        sign_in(&c, &s, "freigabe").await?;
        c.goto(&s.url("/employees")).await?;
        c.find(Locator::LinkText("Schulz, Jana")).await?.click().await?;
        let page = c.source().await?;
        assert!(
            !page.contains("26384019572") && !page.contains("f-tax_id"),
            "no protected data for approvers"
        );
        Ok(())
    }
    .await;
    run_flow("hr_employee", &c, flow).await;
    let _ = c.close().await;
}

#[tokio::test]
async fn tax_advisor_sees_only_the_granted_company_and_period_and_an_invited_partner_joins() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let s = Server::demo();
    let flow = async {
        // The demo tax advisor: access to Muster GmbH only, for this year.
        sign_in(&c, &s, "steuerberater").await?;
        let options: Vec<String> = {
            let mut v = Vec::new();
            for o in c.find_all(Locator::Css("#company-switch option")).await? {
                v.push(o.text().await?);
            }
            v
        };
        assert_eq!(options.len(), 1, "{options:?}");
        assert!(options[0].contains("Muster GmbH"), "{options:?}");
        let year = kontor_core::YearMonth::of(kontor_core::Timestamp::from_millis(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis() as i64,
        ))
        .year();
        let period = text_of(&c, "#granted-period").await?;
        assert_eq!(period, format!("{year}-01..{year}-12"));
        let scope = text_of(&c, "#partner-scope").await?;
        assert!(scope.contains("Steuerkanzlei Berg & Partner"), "{scope}");
        snap(&c, "tax-advisor-home-de").await?;
        let nav = c.find(Locator::Css("nav.side")).await?.text().await?;
        assert!(!nav.contains("Personal") && !nav.contains("Verwaltung"), "{nav}");
        // HR pages are closed, also when typed in directly.
        for path in ["/employees", "/employees/new", "/partner-access"] {
            c.goto(&s.url(path)).await?;
            let src = c.source().await?;
            assert!(
                !src.contains("Mustermann") && !src.contains("f-tax_id") && !src.contains("invite-form"),
                "{path} must not show HR or admin content"
            );
            let alert = text_of(&c, "main").await?;
            assert!(
                alert.contains("Berechtigung") || alert.contains("nicht"),
                "{path}: {alert}"
            );
        }
        c.goto(&s.url("/app")).await?;
        sign_out(&c, &s).await?;

        // The administrator invites a payroll provider and gets a one-time link.
        sign_in(&c, &s, "admin").await?;
        c.find(Locator::Css("#company-switch option[value='muster']"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//main//strong[contains(., 'Muster GmbH')]"))
            .await?;
        c.find(Locator::Css("nav.side a[href='/partner-access']"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("#inv-role option[value='lohnbuero']"))
            .await?
            .click()
            .await?;
        c.find(Locator::Id("inv-firm"))
            .await?
            .send_keys("Lohn & Gehalt Test")
            .await?;
        // A date input takes the date in the browser's (en-US) field order.
        let until = kontor_core::period::date_of(kontor_core::Timestamp::from_millis(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis() as i64
                + 90 * 86_400_000,
        ));
        c.execute(
            "document.getElementById('inv-until').value = arguments[0];",
            vec![serde_json::Value::String(until)],
        )
        .await?;
        c.find(Locator::Id("invite-submit")).await?.click().await?;
        let link = text_of(&c, "#invitation-link code").await?;
        assert!(link.contains("/invite/"), "{link}");
        snap(&c, "partner-access-admin-de").await?;
        // The trail shows the invitation; the filter narrows it to that action.
        c.find(Locator::Css("nav.side a[href='/audit']")).await?.click().await?;
        c.find(Locator::Id("af-action"))
            .await?
            .send_keys("partner_access.")
            .await?;
        c.find(Locator::Id("audit-filter")).await?.click().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//input[@id='af-action' and @value='partner_access.']"))
            .await?;
        let trail = text_of(&c, "#audit").await?;
        assert!(
            trail.contains("partner_access.invite") && !trail.contains("session.login"),
            "{trail}"
        );
        snap(&c, "audit-filter-de").await?;
        sign_out(&c, &s).await?;

        // The partner opens the link and creates an account.
        c.goto(&link).await?;
        let page = text_of(&c, "main").await?;
        assert!(
            page.contains("Muster GmbH") && page.contains("Lohn & Gehalt Test"),
            "{page}"
        );
        c.find(Locator::Id("an-username"))
            .await?
            .send_keys("lohn-gehalt")
            .await?;
        c.find(Locator::Id("an-display"))
            .await?
            .send_keys("Gerda Gehalt")
            .await?;
        c.find(Locator::Id("an-password"))
            .await?
            .send_keys("ein-sehr-langes-passwort")
            .await?;
        c.find(Locator::Id("accept-new-submit")).await?.click().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_url(url::Url::parse(&s.url("/app"))?)
            .await?;
        let scope = text_of(&c, "#partner-scope").await?;
        assert!(scope.contains("Lohn & Gehalt Test"), "{scope}");
        // The link is used up.
        c.goto(&link).await?;
        let gone = text_of(&c, "main").await?;
        assert!(
            gone.contains("nicht mehr gültig") || gone.contains("no longer valid"),
            "{gone}"
        );
        Ok(())
    }
    .await;
    run_flow("tax_advisor_scope", &c, flow).await;
    let _ = c.close().await;
}

/// A letter as a PDF with a text layer, and the same kind of letter as a
/// picture (a scan: no text layer, kontor must read it by OCR).
fn upload_files(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let pdf = dir.join("angebot-dachdecker.pdf");
    std::fs::write(
        &pdf,
        kontor_pdf::letter(
            "Angebot",
            &lines(&[
                "# Dachdeckerei Hoffmann GmbH",
                "Am Ring 3, 04109 Leipzig",
                "Leipzig, 04.11.2026",
                "# Angebot Dachrinnenreinigung",
                "Sehr geehrte Damen und Herren,",
                "wir bieten die Reinigung aller Dachrinnen zum Festpreis an.",
                "Mit freundlichen Grüßen",
            ]),
        )
        .unwrap(),
    )
    .unwrap();
    let scan_pdf = dir.join("scan-source.pdf");
    std::fs::write(
        &scan_pdf,
        kontor_pdf::letter(
            "Scan",
            &lines(&[
                "# Installateur Wagner GmbH",
                "Gartenstraße 8, 04229 Leipzig",
                "Leipzig, den 12.11.2026",
                "# Reparaturauftrag Heizungsanlage",
                "Sehr geehrte Damen und Herren,",
                "wir haben den Druckausgleichsbehälter der Heizungsanlage ersetzt.",
                "Mit freundlichen Grüßen",
                "Installateur Wagner GmbH",
            ]),
        )
        .unwrap(),
    )
    .unwrap();
    let out = Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png", "-singlefile"])
        .arg(&scan_pdf)
        .arg(dir.join("scan-heizung"))
        .output()
        .expect("pdftoppm (poppler-utils) renders the test scan");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (pdf, dir.join("scan-heizung.png"))
}

#[tokio::test]
async fn accountant_uploads_a_pdf_and_a_scan_finds_the_ocr_text_and_confirms_in_the_inbox() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let (pdf, scan) = upload_files(files.path());
    let s = Server::demo();
    let flow = async {
        sign_in(&c, &s, "buchhaltung").await?;
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        c.goto(&s.url("/documents")).await?;
        // Two files at once; app.js uploads them with a progress bar.
        c.find(Locator::Id("files"))
            .await?
            .send_keys(&format!("{}\n{}", pdf.display(), scan.display()))
            .await?;
        snap(&c, "documents-upload-de").await?;
        c.find(Locator::Css("#document-upload button[type=submit]"))
            .await?
            .click()
            .await?;
        let outcomes = text_of(&c, "#upload-outcomes").await?;
        assert!(
            outcomes.contains("angebot-dachdecker.pdf: abgelegt") && outcomes.contains("scan-heizung.png: abgelegt"),
            "{outcomes}"
        );
        // The workers read both (the scan by OCR); the inbox shows them to confirm.
        let mut inbox = String::new();
        for _ in 0..150 {
            c.goto(&s.url("/documents/inbox")).await?;
            inbox = text_of(&c, "main").await?;
            let ready = |name: &str| inbox.lines().any(|l| l.contains(name) && l.contains("zu prüfen"));
            if ready("scan-heizung.png") && ready("angebot-dachdecker.pdf") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(inbox.contains("scan-heizung.png"), "{inbox}");
        snap(&c, "documents-inbox-de").await?;
        // The scan's words are found, also by a part of a compound word.
        c.goto(&s.url("/documents")).await?;
        c.find(Locator::Id("s-q")).await?.send_keys("behälter").await?;
        c.find(Locator::Id("s-submit")).await?.click().await?;
        // The page before the search lists documents too: wait for the
        // results page (its address carries the query), not for that list.
        for _ in 0..100 {
            if c.current_url().await?.as_str().contains("q=beh") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            c.current_url().await?.as_str().contains("q=beh"),
            "the search did not load"
        );
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#doc-results"))
            .await?;
        let hits = text_of(&c, "#doc-results").await?;
        assert!(hits.contains("scan-heizung.png") && !hits.contains("angebot"), "{hits}");
        assert!(text_of(&c, "#doc-count").await?.starts_with("1 "));
        snap(&c, "documents-search-de").await?;
        // Open it and confirm type and correspondent with the keyboard.
        c.find(Locator::Css("#doc-results a")).await?.click().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("doc-confirm"))
            .await?;
        let text = c
            .find(Locator::Css("#doc-text pre"))
            .await?
            .prop("textContent")
            .await?
            .unwrap_or_default();
        assert!(text.contains("Druckausgleichsbeh"), "OCR text: {text}");
        c.find(Locator::Css("#c-type option[value='contract']"))
            .await?
            .click()
            .await?;
        let corr = c.find(Locator::Id("c-corr")).await?;
        corr.clear().await?;
        corr.send_keys("Installateur Wagner GmbH").await?;
        snap(&c, "documents-view-de").await?;
        let here = c.current_url().await?;
        // Ctrl+Enter confirms (app.js) and moves on.
        corr.send_keys("\u{E009}\u{E007}").await?;
        for _ in 0..100 {
            if c.current_url().await? != here {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_ne!(c.current_url().await?, here, "confirming moves on");
        c.goto(here.as_str()).await?;
        let facts = text_of(&c, "#doc-facts").await?;
        assert!(
            facts.contains("bestätigt") && facts.contains("Vertrag") && facts.contains("Installateur Wagner GmbH"),
            "{facts}"
        );
        // The preview shows the scan itself.
        c.find(Locator::Css("img#doc-preview")).await?;
        Ok(())
    }
    .await;
    run_flow("documents_upload_ocr_confirm", &c, flow).await;
    let _ = c.close().await;
}

fn einvoice(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/einvoice")
        .join(path)
        .canonicalize()
        .expect("the e-invoice corpus lies beside the clone")
}

async fn sign_out(c: &Client, s: &Server) -> Flow {
    c.find(Locator::Id("logout")).await?.click().await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_url(url::Url::parse(&s.url("/login"))?)
        .await?;
    Ok(())
}

#[tokio::test]
async fn three_einvoices_one_auto_booked_one_approved_in_the_task_inbox_one_in_clarification() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let small = einvoice("kosit-xrechnung-testsuite/business-cases/standard/01.07a-INVOICE_ubl.xml");
    let medium = einvoice("kosit-xrechnung-testsuite/business-cases/standard/01.08a-INVOICE_ubl.xml");
    let invalid = einvoice("kosit-xrechnung-schematron/ubl-inv/ubl-inv-br-de-18-no-newline.xml");
    let s = Server::demo();
    let flow = async {
        // The admin lets kontor book without review (the demo already
        // approves up to 250 EUR from known suppliers by rule).
        sign_in(&c, &s, "admin").await?;
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        c.goto(&s.url("/processes/incoming_invoice")).await?;
        c.find(Locator::Css(
            "select[name='level.propose_booking'] option[value='auto']",
        ))
        .await?
        .click()
        .await?;
        snap(&c, "process-de").await?;
        c.find(Locator::Id("process-save")).await?.click().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//h1[contains(., 'Version 3')]"))
            .await?;
        sign_out(&c, &s).await?;

        // Bookkeeping registers the supplier and uploads the three invoices.
        sign_in(&c, &s, "buchhaltung").await?;
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        c.goto(&s.url("/partners/new")).await?;
        c.find(Locator::Id("f-name"))
            .await?
            .send_keys("Lieferant Muster GmbH")
            .await?;
        c.find(Locator::Css("#f-kind option[value='supplier']"))
            .await?
            .click()
            .await?;
        c.find(Locator::Id("f-iban"))
            .await?
            .send_keys("DE79000000001234567890")
            .await?;
        c.find(Locator::Css("form.panel button[type='submit']"))
            .await?
            .click()
            .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath("//h1[contains(., 'Lieferant Muster GmbH')]"))
            .await?;
        c.goto(&s.url("/documents")).await?;
        c.find(Locator::Id("files"))
            .await?
            .send_keys(&format!(
                "{}\n{}\n{}",
                small.display(),
                medium.display(),
                invalid.display()
            ))
            .await?;
        c.find(Locator::Css("#document-upload button[type=submit]"))
            .await?
            .click()
            .await?;
        let outcomes = text_of(&c, "#upload-outcomes").await?;
        assert_eq!(outcomes.matches("abgelegt").count(), 3, "{outcomes}");
        // The invalid one lands in clarification with a prepared reply.
        let mut tasks = String::new();
        for _ in 0..150 {
            c.goto(&s.url("/tasks")).await?;
            tasks = text_of(&c, "main").await?;
            if tasks.contains("Klärung") && tasks.contains("Rechnungsnummer") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(tasks.contains("Klärung"), "{tasks}");
        snap(&c, "tasks-buchhaltung-de").await?;
        c.find(Locator::XPath(
            "//table[@id='task-inbox']//a[contains(., 'Rechnungsnummer')]",
        ))
        .await?
        .click()
        .await?;
        let reply = text_of(&c, "pre.reply").await?;
        assert!(reply.contains("BR-DE-18"), "{reply}");
        snap(&c, "task-clarify-de").await?;
        sign_out(&c, &s).await?;

        // The approver finds the medium invoice in the task inbox and
        // approves it with the keyboard.
        sign_in(&c, &s, "freigabe").await?;
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        let mut inbox = String::new();
        for _ in 0..100 {
            c.goto(&s.url("/tasks")).await?;
            inbox = text_of(&c, "main").await?;
            if inbox.contains("R123456789") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(inbox.contains("R123456789"), "{inbox}");
        assert!(!inbox.contains("R1234567 "), "the small invoice needs nobody: {inbox}");
        snap(&c, "tasks-freigabe-de").await?;
        c.find(Locator::XPath(
            "//table[@id='task-inbox']//a[contains(., 'R123456789')]",
        ))
        .await?
        .click()
        .await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("task-approve"))
            .await?;
        assert!(text_of(&c, "#task-amount").await?.contains("2.825,87"));
        snap(&c, "task-approve-de").await?;
        let here = c.current_url().await?;
        c.find(Locator::Css("body")).await?.send_keys("a").await?;
        for _ in 0..100 {
            if c.current_url().await? != here {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_ne!(c.current_url().await?, here, "approving moves on");
        // The journal holds both bookings, each with its document linked.
        let mut journal = String::new();
        for _ in 0..100 {
            c.goto(&s.url("/finance/journal?from=2016-01-01&to=2016-12-31")).await?;
            journal = text_of(&c, "main").await?;
            if c.find_all(Locator::Css("a.beleg")).await?.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(journal.contains("Rg. R123456789"), "{journal}");
        let links = c.find_all(Locator::Css("a.beleg")).await?;
        assert_eq!(links.len(), 2, "two bookings with their documents");
        snap(&c, "journal-belege-de").await?;
        sign_out(&c, &s).await?;

        // The audit trail tells kontor's actions from people's.
        sign_in(&c, &s, "admin").await?;
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        c.goto(&s.url("/audit?action=invoice.auto_approved")).await?;
        let auto = text_of(&c, "main").await?;
        assert!(
            auto.contains("system:workflow") && auto.contains("invoice.auto_approved"),
            "{auto}"
        );
        c.goto(&s.url("/audit?action=task.approve")).await?;
        let person = text_of(&c, "main").await?;
        assert!(person.contains("user:freigabe"), "{person}");
        Ok(())
    }
    .await;
    run_flow("einvoices_auto_approval_clarify", &c, flow).await;
    let _ = c.close().await;
}

/// The demo's bank: the account with its balances, one line accepted on
/// the matching screen with the `a` key, the proposed payment run, and
/// reminders created on the dunning page.
#[tokio::test]
async fn bank_matching_accepts_with_one_key_and_runs_and_dunning_show() {
    let Some((_driver, c, _profile)) = browser().await else {
        return;
    };
    let s = Server::demo();
    let flow = async {
        sign_in(&c, &s, "buchhaltung").await?;
        switch_to(&c, &s, "muster", "Muster GmbH").await?;
        c.goto(&s.url("/bank")).await?;
        let accounts = text_of(&c, "#bank-accounts").await?;
        assert!(accounts.contains("Hausbank Girokonto"), "{accounts}");
        snap(&c, "bank-accounts-de").await?;

        // The matching screen: the line only the amount fits waits for a
        // person; select it with j and accept kontor's suggestion with a.
        c.goto(&s.url("/bank/lines")).await?;
        let rows = c.find_all(Locator::Css("#bank-lines tbody tr")).await?;
        let before = rows.len();
        let mut at = None;
        for (i, r) in rows.iter().enumerate() {
            if r.text().await?.contains("nur der Betrag passt") {
                at = Some(i);
                break;
            }
        }
        let at = at.ok_or("no amount-only line in the demo statement")?;
        snap(&c, "bank-lines-de").await?;
        let body = c.find(Locator::Css("body")).await?;
        for _ in 0..at {
            body.send_keys("j").await?;
        }
        body.send_keys("a").await?;
        let mut after = before;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            after = c.find_all(Locator::Css("#bank-lines tbody tr")).await?.len();
            if after < before {
                break;
            }
        }
        assert_eq!(after, before - 1, "the accepted line is booked");
        let table = text_of(&c, "#bank-lines").await?;
        assert!(!table.contains("nur der Betrag passt"), "{table}");
        c.goto(&s.url("/bank/lines?state=booked")).await?;
        let booked = text_of(&c, "#bank-lines").await?;
        assert!(booked.contains("user:buchhaltung"), "{booked}");

        // The demo's payment run.
        c.goto(&s.url("/bank/runs")).await?;
        c.find(Locator::Css("#runs tbody a")).await?.click().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("run-items"))
            .await?;
        snap(&c, "bank-run-de").await?;

        // Dunning: the overdue demo receivables get their letters.
        c.goto(&s.url("/bank/dunning")).await?;
        snap(&c, "bank-dunning-de").await?;
        c.find(Locator::Id("dunning-send")).await?.click().await?;
        let sent = text_of(&c, "#dunning-sent").await?;
        assert!(sent.contains("PDF") && sent.contains("Zahlungserinnerung"), "{sent}");
        Ok(())
    }
    .await;
    run_flow("bank_matching_runs_dunning", &c, flow).await;
    let _ = c.close().await;
}
