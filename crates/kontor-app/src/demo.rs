//! Demo data: two companies and one user per built-in role, so a newcomer can
//! sign in and look around. Seeding is idempotent: what exists is kept.

use kontor_core::{
    CompanyCode, CompanyId, CompanyName, Lang, PartnerDraft, PartnerId, PartnerInput, Role, UserId, Username,
};

use crate::actor::Actor;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::records::{CompanyRecord, PartnerRecord, UserRecord};
use crate::security;

/// (code, name) of the demo companies.
pub const DEMO_COMPANIES: [(&str, &str); 2] = [("muster", "Muster GmbH"), ("beispiel", "Beispiel KG")];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub companies_created: usize,
    pub users_created: usize,
    pub partners_created: usize,
}

const DISPLAY_NAMES: [(Role, &str); 8] = [
    (Role::Admin, "Anna Admin"),
    (Role::Buchhaltung, "Bernd Buchhalter"),
    (Role::Personal, "Petra Personal"),
    (Role::Freigabe, "Frank Freigabe"),
    (Role::Mitarbeiter, "Mia Mitarbeiterin"),
    (Role::Steuerberater, "Stefan Steuerberater"),
    (Role::Lohnbuero, "Lena Lohnbüro"),
    (Role::Pruefer, "Paul Prüfer"),
];

/// Partners each demo company gets: the same names in both companies, on
/// purpose, so that mixing companies would be visible at once.
/// (name, kind, VAT id, IBAN, postcode, city)
type DemoPartner = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const DEMO_PARTNERS: [DemoPartner; 3] = [
    (
        "Bürobedarf Schmidt GmbH",
        "supplier",
        Some("DE136695976"),
        Some("DE89370400440532013000"),
        "50667",
        "Köln",
    ),
    (
        "Stadtwerke Musterstadt",
        "supplier",
        None,
        Some("DE02120300000000202051"),
        "10115",
        "Berlin",
    ),
    ("Kunde Nord AG", "customer", None, None, "20095", "Hamburg"),
];

impl App {
    /// Seeds the demo. The demo password is exempt from the length policy
    /// (its documented default is `kontor-demo`); demo installations say so
    /// on the login page and must never hold real data.
    pub async fn seed_demo(&self, password: &str) -> AppResult<DemoSummary> {
        if password.trim().is_empty() {
            return Err(AppError::invalid(kontor_core::ParseError::new(
                "password",
                "The demo password must not be empty.",
                "Das Demo-Passwort darf nicht leer sein.",
            )));
        }
        let actor = Actor::system("demo");
        let mut summary = DemoSummary::default();
        let mut tx = self.store().begin().await?;
        let now = self.now();
        let mut companies: Vec<CompanyId> = Vec::new();
        for (code, name) in DEMO_COMPANIES {
            let code = CompanyCode::parse(code)?;
            let company = match tx.company_by_code(&code).await? {
                Some(c) => c,
                None => {
                    let c = CompanyRecord {
                        id: CompanyId::from_uuid(self.ids().new_uuid()),
                        code,
                        name: CompanyName::parse(name)?,
                        created_at: now,
                    };
                    tx.insert_company(&c).await?;
                    self.audit(&mut tx, &actor, Some(c.id), "company.create", c.code.as_str(), "demo")
                        .await?;
                    summary.companies_created += 1;
                    for (pname, kind, vat, iban, postcode, city) in DEMO_PARTNERS {
                        let data = PartnerDraft::parse(&PartnerInput {
                            name: pname,
                            kind,
                            vat_id: vat,
                            iban,
                            postcode: Some(postcode),
                            city: Some(city),
                            ..Default::default()
                        })
                        .map_err(AppError::Invalid)?;
                        let p = PartnerRecord {
                            id: PartnerId::from_uuid(self.ids().new_uuid()),
                            company_id: c.id,
                            data,
                            created_at: now,
                            updated_at: now,
                            version: 1,
                        };
                        tx.insert_partner(&p).await?;
                        summary.partners_created += 1;
                    }
                    c
                }
            };
            companies.push(company.id);
        }
        // One hash for all demo users: hashing eight times would slow start-up.
        let hash = security::hash_password(password, self.random())?;
        for role in Role::ALL {
            let username = Username::parse(role.key())?;
            let user = match tx.user_by_name(&username).await? {
                Some(u) => u,
                None => {
                    let display = DISPLAY_NAMES
                        .iter()
                        .find(|(r, _)| *r == role)
                        .map(|(_, d)| *d)
                        .unwrap_or(role.key());
                    let u = UserRecord {
                        id: UserId::from_uuid(self.ids().new_uuid()),
                        username,
                        display_name: display.to_string(),
                        password_hash: hash.clone(),
                        lang: Lang::De,
                        system_admin: role == Role::Admin,
                        disabled: false,
                        created_at: now,
                        updated_at: now,
                        totp_secret: None,
                        totp_enabled: false,
                        totp_last_step: 0,
                    };
                    tx.insert_user(&u).await?;
                    self.audit(&mut tx, &actor, None, "user.create", u.username.as_str(), "demo")
                        .await?;
                    summary.users_created += 1;
                    u
                }
            };
            for company in &companies {
                tx.add_membership(user.id, *company, role).await?;
            }
        }
        // The demo relaxes the two-factor requirement (the login page says so).
        for role in Role::ALL {
            tx.set_role_policy(role, false).await?;
        }
        tx.commit().await?;
        Ok(summary)
    }
}
