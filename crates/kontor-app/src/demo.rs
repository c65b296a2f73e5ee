//! Demo data: two companies and one user per built-in role, so a newcomer can
//! sign in and look around. Seeding is idempotent: what exists is kept.

use kontor_core::{
    CompanyCode, CompanyId, CompanyName, GrantId, Lang, PartnerDraft, PartnerId, PartnerInput, Period, Role, Timestamp,
    UserId, Username, YearMonth,
};

use crate::actor::Actor;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::records::{CompanyRecord, PartnerGrantRecord, PartnerRecord, UserRecord};
use crate::security;

/// (code, name) of the demo companies.
pub const DEMO_COMPANIES: [(&str, &str); 2] = [("muster", "Muster GmbH"), ("beispiel", "Beispiel KG")];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub companies_created: usize,
    pub users_created: usize,
    pub partners_created: usize,
    pub employees_created: usize,
    pub ledger_entries_created: usize,
    pub documents_created: usize,
    /// Tasks people of the demo roles completed while seeding (history).
    pub tasks_done: usize,
}

/// Two demo employees per company (the tax ids, SV numbers and IBANs are
/// made up but carry valid check digits).
pub const DEMO_EMPLOYEES: [kontor_core::EmployeeInput<'static>; 4] = [
    kontor_core::EmployeeInput {
        personnel_number: "1001",
        first_name: "Erika",
        last_name: "Mustermann",
        street: Some("Heidestraße 17"),
        postcode: Some("51147"),
        city: Some("Köln"),
        entry_date: "2019-04-01",
        steuerklasse: "IV",
        children: Some("1"),
        tax_id: Some("47123456788"),
        sv_number: Some("12150385M014"),
        iban: Some("DE12500105170648489890"),
        health_insurance: Some("AOK Rheinland/Hamburg"),
        denomination: Some("rk"),
        disability: None,
    },
    kontor_core::EmployeeInput {
        personnel_number: "1002",
        first_name: "Max",
        last_name: "Beispiel",
        street: Some("Am Markt 3"),
        postcode: Some("50667"),
        city: Some("Köln"),
        entry_date: "2024-10-15",
        steuerklasse: "I",
        children: None,
        tax_id: Some("51938274654"),
        sv_number: Some("53220790S040"),
        iban: Some("DE77100100100123456789"),
        health_insurance: Some("Techniker Krankenkasse"),
        denomination: Some("--"),
        disability: Some("GdB 50"),
    },
    kontor_core::EmployeeInput {
        personnel_number: "2001",
        first_name: "Jana",
        last_name: "Schulz",
        street: Some("Lindenweg 8"),
        postcode: Some("20095"),
        city: Some("Hamburg"),
        entry_date: "2021-01-01",
        steuerklasse: "III",
        children: Some("2"),
        tax_id: Some("26384019572"),
        sv_number: Some("23110188K127"),
        iban: Some("DE18760500000012345678"),
        health_insurance: Some("Barmer"),
        denomination: Some("ev"),
        disability: None,
    },
    kontor_core::EmployeeInput {
        personnel_number: "2002",
        first_name: "Tom",
        last_name: "Weber",
        street: None,
        postcode: Some("10115"),
        city: Some("Berlin"),
        entry_date: "2025-07-01",
        steuerklasse: "VI",
        children: Some("0.5"),
        tax_id: Some("73059182649"),
        sv_number: Some("41051275B074"),
        iban: Some("DE73200400600555555555"),
        health_insurance: Some("DAK-Gesundheit"),
        denomination: None,
        disability: None,
    },
];

const DISPLAY_NAMES: [(Role, &str); 8] = [
    (Role::Admin, "Anna Admin"),
    (Role::Buchhaltung, "Bernd Buchhalter"),
    (Role::Personal, "Petra Personal"),
    (Role::Freigabe, "Frank Freigabe"),
    (Role::Mitarbeiter, "Max Beispiel"),
    (Role::Steuerberater, "Stefan Steuerberater"),
    (Role::Lohnbuero, "Lena Lohnbüro"),
    (Role::Pruefer, "Paul Prüfer"),
];

/// Partners each demo company gets: the same names in both companies, on
/// purpose, so that mixing companies would be visible at once.
/// (name, kind, VAT id, IBAN, postcode, city, personal account as the demo
/// ledger books it)
type DemoPartner = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
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
        "70001",
    ),
    (
        "Stadtwerke Musterstadt",
        "supplier",
        None,
        Some("DE02120300000000202051"),
        "10115",
        "Berlin",
        "70002",
    ),
    ("Kunde Nord AG", "customer", None, None, "20095", "Hamburg", "10001"),
];

/// (company, role, firm, e-mail, days valid, period, accepted by)
type DemoGrant = (
    CompanyId,
    Role,
    &'static str,
    &'static str,
    i64,
    Option<Period>,
    Option<UserId>,
);

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
                    for (pname, kind, vat, iban, postcode, city, account) in DEMO_PARTNERS {
                        let data = PartnerDraft::parse(&PartnerInput {
                            name: pname,
                            kind,
                            vat_id: vat,
                            iban,
                            postcode: Some(postcode),
                            city: Some(city),
                            account: Some(account),
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
                            // Demo bank accounts count as checked.
                            bank_confirmed: iban.map(|_| (actor.label.clone(), now)),
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
        let mut partner_users: Vec<(Role, UserId)> = Vec::new();
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
            if role.is_external() {
                partner_users.push((role, user.id));
                continue;
            }
            for company in &companies {
                tx.add_membership(user.id, *company, role).await?;
            }
        }
        // External partners get access the way real ones do: by a grant with a
        // validity window (and, for finance roles, a period of months).
        self.seed_demo_grants(&mut tx, &actor, &companies, &partner_users)
            .await?;
        // Employees with sensitive data (sealed), when a master key is configured.
        if self.cipher().is_ok() {
            for (i, company) in companies.iter().enumerate() {
                if !tx.list_employees(*company).await?.is_empty() {
                    continue;
                }
                for (n, e) in DEMO_EMPLOYEES.iter().enumerate().skip(i * 2).take(2) {
                    let draft = kontor_core::EmployeeDraft::parse(e).map_err(AppError::Invalid)?;
                    let record = crate::records::EmployeeRecord {
                        id: kontor_core::EmployeeId::from_uuid(self.ids().new_uuid()),
                        company_id: *company,
                        personnel_number: draft.personnel_number.clone(),
                        first_name: draft.first_name.clone(),
                        last_name: draft.last_name.clone(),
                        street: draft.street.clone(),
                        postcode: draft.postcode.clone(),
                        city: draft.city.clone(),
                        entry_date: draft.entry_date.clone(),
                        steuerklasse: i64::from(draft.steuerklasse.number()),
                        children_tenths: draft.children_tenths,
                        sealed: self.seal_hr_for_demo(&draft.sensitive)?,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                        user_id: None,
                        privacy: Default::default(),
                    };
                    tx.insert_employee(&record).await?;
                    self.audit(
                        &mut tx,
                        &actor,
                        Some(*company),
                        "employee.create",
                        &record.id.to_string(),
                        format!("demo #{n}"),
                    )
                    .await?;
                    summary.employees_created += 1;
                }
            }
        }
        // The demo employee Max Beispiel signs in as `mitarbeiter` and sees
        // his own data and payslips.
        if let (Some(&muster), Some(user)) = (
            companies.first(),
            tx.user_by_name(&Username::parse(Role::Mitarbeiter.key())?).await?,
        ) {
            let own = tx.employee_of_user(muster, user.id).await?;
            let max = tx
                .list_employees(muster)
                .await?
                .into_iter()
                .find(|e| e.personnel_number == "1002" && e.user_id.is_none());
            if let (None, Some(max)) = (own, max) {
                tx.set_employee_user(muster, max.id, Some(user.id)).await?;
                self.audit(
                    &mut tx,
                    &actor,
                    Some(muster),
                    "employee.link_account",
                    &max.id.to_string(),
                    "demo: account mitarbeiter",
                )
                .await?;
            }
        }
        // The demo relaxes the two-factor requirement (the login page says so).
        for role in Role::ALL {
            tx.set_role_policy(role, false).await?;
        }
        tx.commit().await?;
        // A year of bookings per demo company (Beispiel KG on SKR04), only
        // into an empty journal.
        for (i, (code, _)) in DEMO_COMPANIES.iter().enumerate() {
            let company = {
                let mut tx = self.store().begin_read().await?;
                tx.company_by_code(&CompanyCode::parse(code)?).await?
            };
            let Some(company) = company else { continue };
            if i == 1 && summary.companies_created > 0 {
                self.set_ledger_chart(&actor, &company, kontor_ledger::account::ChartKind::Skr04)
                    .await?;
            }
            summary.ledger_entries_created += self.seed_demo_ledger(&actor, &company).await?;
            self.seed_demo_process_params(&actor, &company).await?;
            let stored = self.seed_demo_archive(&actor, &company).await?;
            summary.documents_created += stored;
            if stored > 0 {
                summary.tasks_done += self.seed_demo_work(&company).await?;
            }
            self.seed_demo_bank(&actor, &company).await?;
        }
        Ok(summary)
    }

    async fn seed_demo_grants(
        &self,
        tx: &mut Box<dyn crate::Tx>,
        actor: &Actor,
        companies: &[CompanyId],
        partner_users: &[(Role, UserId)],
    ) -> AppResult<()> {
        const DAY: i64 = 86_400_000;
        let now = self.now();
        let today = now.millis().div_euclid(DAY) * DAY;
        let this_year = YearMonth::of(now).year();
        let year = |y: u16| Period::parse(&y.to_string());
        let (Some(&muster), Some(&beispiel)) = (companies.first(), companies.get(1)) else {
            return Ok(());
        };
        let user_of = |r: Role| partner_users.iter().find(|(role, _)| *role == r).map(|(_, u)| *u);
        // (company, role, firm, e-mail, days valid, period, accepted by)
        let plan: [DemoGrant; 5] = [
            (
                muster,
                Role::Steuerberater,
                "Steuerkanzlei Berg & Partner",
                "kanzlei@berg-partner.example",
                365,
                Some(year(this_year)?),
                user_of(Role::Steuerberater),
            ),
            (
                muster,
                Role::Lohnbuero,
                "Lohnbüro Rhein GmbH",
                "service@lohnbuero-rhein.example",
                365,
                None,
                user_of(Role::Lohnbuero),
            ),
            (
                beispiel,
                Role::Lohnbuero,
                "Lohnbüro Rhein GmbH",
                "service@lohnbuero-rhein.example",
                365,
                None,
                user_of(Role::Lohnbuero),
            ),
            (
                muster,
                Role::Pruefer,
                "Finanzamt Köln-Altstadt, Betriebsprüfung",
                "bp@finanzamt.example",
                90,
                Some(year(this_year - 1)?),
                user_of(Role::Pruefer),
            ),
            // An invitation nobody has accepted yet, to see how one looks.
            (
                beispiel,
                Role::Steuerberater,
                "Steuerbüro Nord",
                "info@steuerbuero-nord.example",
                365,
                Some(year(this_year)?),
                None,
            ),
        ];
        for (company, role, firm, email, days, period, user) in plan {
            if tx
                .grants_of_company(company)
                .await?
                .iter()
                .any(|g| g.role == role && g.firm == firm)
            {
                continue;
            }
            let token = security::new_token(self.random());
            let grant = PartnerGrantRecord {
                id: GrantId::from_uuid(self.ids().new_uuid()),
                company_id: company,
                role,
                firm: firm.to_string(),
                email: Some(email.to_string()),
                user_id: user,
                valid_from: Timestamp::from_millis(today),
                valid_until: Timestamp::from_millis(today + (days + 1) * DAY),
                period,
                invite_hash: user.is_none().then(|| security::sha256_hex(&token)),
                invite_expires_at: Timestamp::from_millis(today + 15 * DAY),
                accepted_at: user.map(|_| now),
                revoked_at: None,
                created_by: actor.label.clone(),
                created_at: now,
            };
            tx.insert_grant(&grant).await?;
            let what = if user.is_some() {
                "partner_access.accept"
            } else {
                "partner_access.invite"
            };
            self.audit(
                tx,
                actor,
                Some(company),
                what,
                &grant.id.to_string(),
                format!("demo: {role} {firm}"),
            )
            .await?;
        }
        Ok(())
    }
}
