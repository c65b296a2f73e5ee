//! Employee use-cases. Reading employees needs `payroll:read`; the
//! sensitive fields are opened only for actors with `payroll:manage`, and
//! only they may set them. Sensitive values are sealed before they reach the
//! store, so the database never holds them in plain text.

use kontor_core::{
    Action, EmployeeDraft, EmployeeId, EmployeeInput, Iban, Module, Permission, SensitiveHr, SvNumber, TaxId,
};

use crate::actor::Actor;
use crate::app::App;
use crate::crypto::FieldCipher;
use crate::error::{AppError, AppResult};
use crate::records::{CompanyRecord, EmployeeRecord, SealedHr};

/// An employee as a use-case returns it: sensitive fields only if allowed.
#[derive(Clone, Debug)]
pub struct EmployeeView {
    pub record: EmployeeRecord,
    pub sensitive: Option<SensitiveHr>,
}

const READ: Permission = Permission::new(Module::Payroll, Action::Read);
const WRITE: Permission = Permission::new(Module::Payroll, Action::Write);
/// Sensitive HR fields: the explicit permission.
pub const SENSITIVE: Permission = Permission::new(Module::Payroll, Action::Manage);

impl App {
    /// Proves at start that the master key fits the data: each key id keeps
    /// a sealed canary; a key that cannot open its canary stops kontor.
    pub async fn check_master_key(&self) -> AppResult<()> {
        let cipher = self.cipher()?;
        let mut tx = self.store().begin().await?;
        let checks = tx.key_checks().await?;
        let ours = cipher.key_ids();
        if !checks.is_empty() && !checks.iter().any(|(k, _)| ours.contains(&k.as_str())) {
            let theirs: Vec<&str> = checks.iter().map(|(k, _)| k.as_str()).collect();
            return Err(AppError::Internal(format!(
                "this database's sensitive data was encrypted with master key {}, but the master key file holds {}; \
                 start kontor with the right KONTOR_MASTER_KEY_FILE (nothing was changed)",
                theirs.join(", "),
                ours.join(", ")
            )));
        }
        for (kid, sealed) in &checks {
            if !ours.contains(&kid.as_str()) {
                // A key retired and dropped from the key file.
                continue;
            }
            match cipher.open(sealed) {
                Ok(v) if v == "kontor-key-check" => {}
                _ => {
                    return Err(AppError::Internal(format!(
                        "the master key file does not match master key '{kid}' this database was encrypted with; \
                         start kontor with the right KONTOR_MASTER_KEY_FILE (nothing was changed)"
                    )))
                }
            }
        }
        if !checks.iter().any(|(k, _)| k == cipher.current_key_id()) {
            let canary = cipher.seal("kontor-key-check", self.random())?;
            tx.insert_key_check(cipher.current_key_id(), &canary, self.now())
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Re-seals every sensitive value with `next`'s current key, in one
    /// transaction. `next` must still hold the keys in use now. Returns the
    /// number of employees re-sealed.
    pub async fn rotate_master_key(&self, actor: &Actor, next: &FieldCipher) -> AppResult<usize> {
        actor.require_system_admin()?;
        let current = self.cipher()?;
        let reseal = |v: &Option<String>| -> AppResult<Option<String>> {
            v.as_deref()
                .map(|x| next.seal(&current.open(x)?, self.random()))
                .transpose()
        };
        let mut tx = self.store().begin().await?;
        let mut n = 0;
        for company in tx.list_companies().await? {
            for e in tx.list_employees(company.id).await? {
                let s = &e.sealed;
                let sealed = SealedHr {
                    tax_id: reseal(&s.tax_id)?,
                    sv_number: reseal(&s.sv_number)?,
                    iban: reseal(&s.iban)?,
                    health_insurance: reseal(&s.health_insurance)?,
                    denomination: reseal(&s.denomination)?,
                    disability: reseal(&s.disability)?,
                };
                tx.reseal_employee(e.id, &sealed).await?;
                n += 1;
            }
        }
        for user in tx.list_users().await? {
            if let Some(stored) = user
                .totp_secret
                .as_deref()
                .filter(|s| FieldCipher::key_id_of(s).is_some())
            {
                tx.reseal_totp(user.id, &next.seal(&current.open(stored)?, self.random())?)
                    .await?;
            }
        }
        let canary = next.seal("kontor-key-check", self.random())?;
        tx.insert_key_check(next.current_key_id(), &canary, self.now()).await?;
        let detail = format!(
            "{} → {}; {n} employees re-sealed",
            current.current_key_id(),
            next.current_key_id()
        );
        self.audit(&mut tx, actor, None, "key.rotate", next.current_key_id(), detail)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    fn seal_opt(&self, v: Option<&str>) -> AppResult<Option<String>> {
        v.map(|x| self.cipher()?.seal(x, self.random())).transpose()
    }

    fn seal_hr(&self, s: &SensitiveHr) -> AppResult<SealedHr> {
        Ok(SealedHr {
            tax_id: self.seal_opt(s.tax_id.as_ref().map(TaxId::as_str))?,
            sv_number: self.seal_opt(s.sv_number.as_ref().map(SvNumber::as_str))?,
            iban: self.seal_opt(s.iban.as_ref().map(Iban::as_str))?,
            health_insurance: self.seal_opt(s.health_insurance.as_deref())?,
            denomination: self.seal_opt(s.denomination.as_deref())?,
            disability: self.seal_opt(s.disability.as_deref())?,
        })
    }

    pub(crate) fn seal_hr_for_demo(&self, s: &SensitiveHr) -> AppResult<SealedHr> {
        self.seal_hr(s)
    }

    pub(crate) fn open_hr(&self, s: &SealedHr) -> AppResult<SensitiveHr> {
        let nothing_sealed = [
            &s.tax_id,
            &s.sv_number,
            &s.iban,
            &s.health_insurance,
            &s.denomination,
            &s.disability,
        ]
        .iter()
        .all(|v| v.is_none());
        if nothing_sealed {
            return Ok(SensitiveHr::default());
        }
        let c: &FieldCipher = self.cipher()?;
        let open = |v: &Option<String>| v.as_deref().map(|x| c.open(x)).transpose();
        let corrupt = |what: &str| AppError::Internal(format!("a stored {what} opened but is not valid"));
        Ok(SensitiveHr {
            tax_id: open(&s.tax_id)?
                .map(|v| TaxId::parse(&v).map_err(|_| corrupt("tax id")))
                .transpose()?,
            sv_number: open(&s.sv_number)?
                .map(|v| SvNumber::parse(&v).map_err(|_| corrupt("SV number")))
                .transpose()?,
            iban: open(&s.iban)?
                .map(|v| Iban::parse(&v).map_err(|_| corrupt("IBAN")))
                .transpose()?,
            health_insurance: open(&s.health_insurance)?,
            denomination: open(&s.denomination)?,
            disability: open(&s.disability)?,
        })
    }

    fn view(&self, actor: &Actor, record: EmployeeRecord) -> AppResult<EmployeeView> {
        let sensitive = if actor.can(record.company_id, SENSITIVE) {
            Some(self.open_hr(&record.sealed)?)
        } else {
            None
        };
        Ok(EmployeeView { record, sensitive })
    }

    /// Records that `actor` was shown sensitive HR data (DSGVO: every look is provable).
    async fn audit_sensitive_read(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        subject: &str,
        n: usize,
    ) -> AppResult<()> {
        if n == 0 || !actor.can(company.id, SENSITIVE) {
            return Ok(());
        }
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "employee.read_sensitive",
            subject,
            format!("{n} employees"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Employees in normal use with their sensitive data for those allowed
    /// to see it (each such look is audited).
    pub async fn list_employees(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<EmployeeView>> {
        let views: Vec<EmployeeView> = self
            .employee_overview(actor, company)
            .await?
            .into_iter()
            .map(|r| self.view(actor, r))
            .collect::<AppResult<_>>()?;
        self.audit_sensitive_read(actor, company, "employees", views.len())
            .await?;
        Ok(views)
    }

    /// Employees in normal use without their sensitive data: nothing is
    /// decrypted and, as nothing sensitive is shown, nothing audited (the
    /// list page; the sensitive fields appear on one employee's page).
    pub async fn employee_overview(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<EmployeeRecord>> {
        actor.require(company.id, READ)?;
        let mut tx = self.store().begin_read().await?;
        let rows = tx.list_employees(company.id).await?;
        // Restricted and anonymised records are out of normal use (DSGVO).
        Ok(rows
            .into_iter()
            .filter(|r| r.privacy.restricted_at.is_none() && r.privacy.erased_at.is_none())
            .collect())
    }

    pub async fn employee(&self, actor: &Actor, company: &CompanyRecord, id: EmployeeId) -> AppResult<EmployeeView> {
        actor.require(company.id, READ)?;
        let mut tx = self.store().begin_read().await?;
        let r = tx.employee(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "employee",
            key: id.to_string(),
        })?;
        drop(tx);
        // Restricted records only serve the retention duty: HR may look.
        if r.privacy.restricted_at.is_some() && !actor.can(company.id, SENSITIVE) {
            return Err(AppError::NotFound {
                what: "employee",
                key: id.to_string(),
            });
        }
        let view = self.view(actor, r)?;
        self.audit_sensitive_read(actor, company, &id.to_string(), 1).await?;
        Ok(view)
    }

    /// Leavers whose records are restricted or anonymised (HR only).
    pub async fn restricted_employees(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<Vec<EmployeeRecord>> {
        actor.require(company.id, SENSITIVE)?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx
            .list_employees(company.id)
            .await?
            .into_iter()
            .filter(|r| r.privacy.restricted_at.is_some() || r.privacy.erased_at.is_some())
            .collect())
    }

    pub async fn create_employee(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        input: &EmployeeInput<'_>,
    ) -> AppResult<EmployeeView> {
        actor.require(company.id, WRITE)?;
        let draft = EmployeeDraft::parse(input).map_err(AppError::Invalid)?;
        if draft.sensitive != SensitiveHr::default() {
            actor.require(company.id, SENSITIVE)?;
        }
        let now = self.now();
        let record = EmployeeRecord {
            id: EmployeeId::from_uuid(self.ids().new_uuid()),
            company_id: company.id,
            personnel_number: draft.personnel_number.clone(),
            first_name: draft.first_name.clone(),
            last_name: draft.last_name.clone(),
            street: draft.street.clone(),
            postcode: draft.postcode.clone(),
            city: draft.city.clone(),
            entry_date: draft.entry_date.clone(),
            steuerklasse: i64::from(draft.steuerklasse.number()),
            children_tenths: draft.children_tenths,
            sealed: self.seal_hr(&draft.sensitive)?,
            created_at: now,
            updated_at: now,
            version: 1,
            user_id: None,
            privacy: Default::default(),
        };
        let mut tx = self.store().begin().await?;
        tx.insert_employee(&record).await.map_err(|e| match e {
            crate::ports::StoreError::Duplicate(_) => AppError::AlreadyExists {
                what: "personnel number",
                key: record.personnel_number.clone(),
            },
            other => other.into(),
        })?;
        // The audit trail names the employee by id only: no personal data in it.
        let change = crate::audit::change_document(None, Some(&employee_state(&record, &draft.sensitive)));
        self.audit_change(
            &mut tx,
            actor,
            Some(company.id),
            "employee.create",
            &record.id.to_string(),
            "",
            Some(change),
        )
        .await?;
        tx.commit().await?;
        self.view(actor, record)
    }

    /// Replaces an employee's data (`expected_version` from the ETag). Actors
    /// without the sensitive permission leave the sensitive fields as they are.
    pub async fn update_employee(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: EmployeeId,
        expected_version: Option<i64>,
        input: &EmployeeInput<'_>,
    ) -> AppResult<EmployeeView> {
        actor.require(company.id, WRITE)?;
        let expected = expected_version.ok_or(AppError::PreconditionRequired)?;
        let draft = EmployeeDraft::parse(input).map_err(AppError::Invalid)?;
        let may_sensitive = actor.can(company.id, SENSITIVE);
        if !may_sensitive && draft.sensitive != SensitiveHr::default() {
            actor.require(company.id, SENSITIVE)?;
        }
        let mut tx = self.store().begin().await?;
        let current = tx.employee(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "employee",
            key: id.to_string(),
        })?;
        if current.version != expected {
            return Err(AppError::VersionConflict {
                current: current.version,
            });
        }
        if current.privacy.restricted_at.is_some() || current.privacy.erased_at.is_some() {
            return Err(AppError::Conflict {
                en: "This record is restricted (DSGVO Art. 18): it is kept for a retention duty and cannot be changed."
                    .into(),
                de: "Dieser Datensatz ist gesperrt (Art. 18 DSGVO): Er wird nur noch für eine Aufbewahrungspflicht \
                     vorgehalten und kann nicht geändert werden."
                    .into(),
            });
        }
        let before_sensitive = self.open_hr(&current.sealed)?;
        let after_sensitive = if may_sensitive {
            draft.sensitive.clone()
        } else {
            before_sensitive.clone()
        };
        let before_state = employee_state(&current, &before_sensitive);
        let sealed = if may_sensitive {
            self.seal_hr(&draft.sensitive)?
        } else {
            current.sealed.clone()
        };
        let updated = EmployeeRecord {
            personnel_number: draft.personnel_number,
            first_name: draft.first_name,
            last_name: draft.last_name,
            street: draft.street,
            postcode: draft.postcode,
            city: draft.city,
            entry_date: draft.entry_date,
            steuerklasse: i64::from(draft.steuerklasse.number()),
            children_tenths: draft.children_tenths,
            sealed,
            updated_at: self.now(),
            version: current.version + 1,
            ..current
        };
        if !tx.update_employee(&updated, expected).await? {
            return Err(AppError::VersionConflict { current: expected + 1 });
        }
        let change =
            crate::audit::change_document(Some(&before_state), Some(&employee_state(&updated, &after_sensitive)));
        self.audit_change(
            &mut tx,
            actor,
            Some(company.id),
            "employee.update",
            &id.to_string(),
            "",
            Some(change),
        )
        .await?;
        tx.commit().await?;
        self.view(actor, updated)
    }
}

/// An employee's state for the audit trail's change documents. Every field
/// is protected: the trail, which is kept for years and cannot be erased,
/// holds no personal data, only digests and the names of changed fields.
pub(crate) fn employee_state(r: &EmployeeRecord, x: &SensitiveHr) -> Vec<crate::audit::FieldState> {
    use crate::audit::FieldState as F;
    vec![
        F::sensitive("personnel_number", Some(&r.personnel_number)),
        F::sensitive("first_name", Some(&r.first_name)),
        F::sensitive("last_name", Some(&r.last_name)),
        F::sensitive("street", r.street.as_ref()),
        F::sensitive("postcode", r.postcode.as_ref()),
        F::sensitive("city", r.city.as_ref()),
        F::sensitive("entry_date", Some(&r.entry_date)),
        F::sensitive("steuerklasse", Some(r.steuerklasse)),
        F::sensitive("children", Some(r.children_tenths)),
        F::sensitive("tax_id", x.tax_id.as_ref().map(|v| v.as_str())),
        F::sensitive("sv_number", x.sv_number.as_ref().map(|v| v.as_str())),
        F::sensitive("iban", x.iban.as_ref().map(|v| v.as_str())),
        F::sensitive("health_insurance", x.health_insurance.as_ref()),
        F::sensitive("denomination", x.denomination.as_ref()),
        F::sensitive("disability", x.disability.as_ref()),
        F::sensitive("account", r.user_id.map(|u| u.to_string())),
    ]
}
