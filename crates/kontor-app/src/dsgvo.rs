//! Data protection (DSGVO) for employees:
//!
//! * Art. 15: an export of all personal data kontor holds about one person,
//!   as JSON (the HTTP adapter also renders it as a readable page);
//! * Art. 18 with retention duties: once someone has left, HR restricts the
//!   record. It disappears from normal use (lists, editing, payroll) and is
//!   kept only for the retention duty, until a recorded date;
//! * Art. 17: after that date, HR anonymises the record: names, address,
//!   protected fields, the account link and the personnel file are removed.
//!   The legal basis goes into the audit trail. The trail itself keeps only
//!   ids and digests of employee data, so it needs no erasure.

use kontor_core::period::{date_of, date_start};
use kontor_core::{EmployeeId, ParseError};
use serde_json::{json, Value};

use crate::actor::Actor;
use crate::app::App;
use crate::audit::change_document;
use crate::employees::{employee_state, SENSITIVE};
use crate::error::{AppError, AppResult};
use crate::records::{AuditFilter, CompanyRecord, EmployeePrivacy, EmployeeRecord, SealedHr};

/// Retention proposed when HR names none: payslips are Buchungsbelege,
/// kept eight years from the end of the calendar year (§ 147 Abs. 1 Nr. 4,
/// Abs. 3 AO); the Lohnkonto six years (§ 41 Abs. 1 EStG). The longer one
/// decides.
pub const DEFAULT_RETENTION_YEARS: u16 = 8;
pub const DEFAULT_RETENTION_BASIS: &str =
    "§ 147 Abs. 1 Nr. 4, Abs. 3 AO (Buchungsbelege, 8 Jahre); § 41 Abs. 1 EStG (Lohnkonto, 6 Jahre)";

/// Restricting an employee who left.
#[derive(Clone, Copy, Debug, Default)]
pub struct Restriction<'a> {
    /// Last day of employment, `YYYY-MM-DD`.
    pub exit_date: &'a str,
    /// Last day of the retention duty; default: end of the 8th calendar year after leaving.
    pub retention_until: Option<&'a str>,
    pub basis: Option<&'a str>,
}

fn invalid(field: &'static str, en: impl Into<String>, de: impl Into<String>) -> AppError {
    AppError::invalid(ParseError::new(field, en, de))
}

impl App {
    async fn employee_record(&self, company: &CompanyRecord, id: EmployeeId) -> AppResult<EmployeeRecord> {
        let mut tx = self.store().begin_read().await?;
        tx.employee(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "employee",
            key: id.to_string(),
        })
    }

    /// Art. 15 export of one employee's personal data (HR, or the person).
    pub async fn dsgvo_export(&self, actor: &Actor, company: &CompanyRecord, id: EmployeeId) -> AppResult<Value> {
        let record = self.employee_record(company, id).await?;
        let own = record.user_id.is_some() && record.user_id == actor.user_id() && actor.scope.is_none();
        if !own {
            actor.require(company.id, SENSITIVE)?;
        }
        let x = self.open_hr(&record.sealed)?;
        let mut tx = self.store().begin_read().await?;
        let documents = tx.employee_documents(company.id, id).await?;
        let account = match record.user_id {
            Some(u) => tx.user_by_id(u).await?,
            None => None,
        };
        let tokens = match &account {
            Some(u) => tx.api_tokens_of(u.id).await?,
            None => vec![],
        };
        let mut trail = tx
            .search_audit(&AuditFilter {
                company: Some(company.id),
                subject: Some(id.to_string()),
                limit: 10_000,
                ..AuditFilter::default()
            })
            .await?;
        if let Some(u) = &account {
            trail.extend(
                tx.search_audit(&AuditFilter {
                    actor: Some(format!("user:{}", u.username)),
                    limit: 10_000,
                    ..AuditFilter::default()
                })
                .await?
                .into_iter()
                .filter(|e| {
                    e.event.actor == format!("user:{}", u.username)
                        || e.event.actor.starts_with(&format!("user:{} (", u.username))
                }),
            );
        }
        drop(tx);
        trail.sort_by_key(|e| e.seq);
        trail.dedup_by_key(|e| e.seq);
        let now = self.now();
        let export = json!({
            "format": "kontor-dsgvo-export",
            "legal_basis": "Art. 15 DSGVO",
            "generated_at": now.millis(),
            "generated_on": date_of(now),
            "controller": {"company": company.name.as_str(), "code": company.code.as_str()},
            "employee": {
                "id": record.id.to_string(),
                "personnel_number": record.personnel_number,
                "first_name": record.first_name,
                "last_name": record.last_name,
                "street": record.street,
                "postcode": record.postcode,
                "city": record.city,
                "entry_date": record.entry_date,
                "steuerklasse": record.steuerklasse,
                "children": format!("{}.{}", record.children_tenths / 10, record.children_tenths % 10),
                "tax_id": x.tax_id.as_ref().map(|v| v.as_str()),
                "sv_number": x.sv_number.as_ref().map(|v| v.as_str()),
                "iban": x.iban.as_ref().map(|v| v.as_str()),
                "health_insurance": x.health_insurance,
                "denomination": x.denomination,
                "disability": x.disability,
                "exit_date": record.privacy.exit_date,
                "restricted": record.privacy.restricted_at.is_some(),
                "retention_until": record.privacy.retention_until,
                "retention_basis": record.privacy.restriction_basis,
            },
            "personnel_file": documents.iter().map(|d| json!({
                "id": d.id.to_string(), "kind": d.kind.key(), "period": d.period.map(|p| p.to_string()),
                "title": d.title, "filename": d.filename, "size": d.size, "sha256": d.blob,
                "filed_on": date_of(d.uploaded_at), "filed_by": d.uploaded_by,
            })).collect::<Vec<_>>(),
            "account": account.as_ref().map(|u| json!({
                "username": u.username.as_str(), "display_name": u.display_name, "language": u.lang.code(),
                "created_on": date_of(u.created_at), "two_factor": u.totp_enabled,
                "api_tokens": tokens.iter().map(|t| json!({
                    "name": t.name, "created_on": date_of(t.created_at), "expires_on": date_of(t.expires_at),
                    "revoked": t.revoked_at.is_some(),
                })).collect::<Vec<_>>(),
            })),
            "audit_trail": trail.iter().map(|e| json!({
                "seq": e.seq, "at": e.event.at.millis(), "actor": e.event.actor, "action": e.event.action,
                "object_type": e.event.object_type, "subject": e.event.subject, "detail": e.event.detail,
            })).collect::<Vec<_>>(),
            "recipients": "Steuerberatung, Lohnbüro und Prüfer der Firma im Rahmen ihrer Zugänge; Finanzamt, Sozialversicherungsträger nach gesetzlicher Pflicht.",
        });
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "dsgvo.export",
            &id.to_string(),
            "Art. 15 DSGVO",
        )
        .await?;
        tx.commit().await?;
        Ok(export)
    }

    /// Blocks a leaver's record for normal use while a retention duty runs.
    pub async fn restrict_employee(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: EmployeeId,
        r: &Restriction<'_>,
    ) -> AppResult<EmployeeRecord> {
        actor.require(company.id, SENSITIVE)?;
        let exit = date_start(r.exit_date).ok_or_else(|| {
            invalid(
                "exit_date",
                "The last day of employment must be a date like 2026-06-30.",
                "Der letzte Arbeitstag muss ein Datum wie 2026-06-30 sein.",
            )
        })?;
        let exit_year = kontor_core::YearMonth::of(exit).year();
        let until = match r.retention_until.map(str::trim).filter(|s| !s.is_empty()) {
            Some(d) => {
                let t = date_start(d).ok_or_else(|| {
                    invalid(
                        "retention_until",
                        "The end of retention must be a date like 2034-12-31.",
                        "Das Ende der Aufbewahrung muss ein Datum wie 2034-12-31 sein.",
                    )
                })?;
                if t < exit {
                    return Err(invalid(
                        "retention_until",
                        "Retention cannot end before the last day of employment.",
                        "Die Aufbewahrung kann nicht vor dem letzten Arbeitstag enden.",
                    ));
                }
                date_of(t)
            }
            None => format!("{}-12-31", exit_year + DEFAULT_RETENTION_YEARS),
        };
        let basis = r
            .basis
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_RETENTION_BASIS)
            .chars()
            .take(300)
            .collect::<String>();
        let record = self.employee_record(company, id).await?;
        if record.privacy.erased_at.is_some() {
            return Err(AppError::Conflict {
                en: "This record was already anonymised.".into(),
                de: "Dieser Datensatz wurde bereits anonymisiert.".into(),
            });
        }
        let privacy = EmployeePrivacy {
            exit_date: Some(date_of(exit)),
            restricted_at: Some(record.privacy.restricted_at.unwrap_or(self.now())),
            retention_until: Some(until.clone()),
            restriction_basis: Some(basis.clone()),
            erased_at: None,
        };
        let mut tx = self.store().begin().await?;
        tx.set_employee_privacy(company.id, id, &privacy).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "dsgvo.restrict",
            &id.to_string(),
            format!("Art. 18 DSGVO; exit {}; kept until {until} ({basis})", date_of(exit)),
        )
        .await?;
        tx.commit().await?;
        Ok(EmployeeRecord { privacy, ..record })
    }

    /// Anonymises a restricted record once its retention has ended, with the
    /// legal basis recorded. Refused while a retention duty runs.
    pub async fn erase_employee(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: EmployeeId,
        basis: &str,
    ) -> AppResult<EmployeeRecord> {
        actor.require(company.id, SENSITIVE)?;
        let record = self.employee_record(company, id).await?;
        if record.privacy.erased_at.is_some() {
            return Err(AppError::Conflict {
                en: "This record was already anonymised.".into(),
                de: "Dieser Datensatz wurde bereits anonymisiert.".into(),
            });
        }
        let today = date_of(self.now());
        match record.privacy.retention_until.as_deref() {
            Some(until) if record.privacy.restricted_at.is_some() && until < today.as_str() => {}
            Some(until) => {
                return Err(AppError::Conflict {
                    en: format!(
                        "A retention duty runs until {until} ({}); the data stays restricted until then.",
                        record.privacy.restriction_basis.as_deref().unwrap_or("")
                    ),
                    de: format!(
                        "Bis {until} besteht eine Aufbewahrungspflicht ({}); bis dahin bleiben die Daten gesperrt.",
                        record.privacy.restriction_basis.as_deref().unwrap_or("")
                    ),
                })
            }
            None => {
                return Err(AppError::Conflict {
                    en: "Restrict the record first (last day of employment and retention period).".into(),
                    de: "Sperren Sie den Datensatz zuerst (letzter Arbeitstag und Aufbewahrungsfrist).".into(),
                })
            }
        }
        let basis = basis.trim();
        let basis = if basis.is_empty() {
            "Art. 17 Abs. 1 lit. a DSGVO (Zweck entfallen, Aufbewahrungsfrist abgelaufen)"
        } else {
            basis
        };
        let before = employee_state(&record, &self.open_hr(&record.sealed)?);
        let anon = EmployeeRecord {
            personnel_number: format!("anon-{}", &record.id.to_string()[..8]),
            first_name: "Anonymisiert".into(),
            last_name: "Anonymisiert".into(),
            street: None,
            postcode: None,
            city: None,
            entry_date: format!("{}-01-01", &record.entry_date[..4.min(record.entry_date.len())]),
            sealed: SealedHr::default(),
            user_id: None,
            updated_at: self.now(),
            version: record.version + 1,
            privacy: EmployeePrivacy {
                erased_at: Some(self.now()),
                ..record.privacy.clone()
            },
            ..record.clone()
        };
        let mut tx = self.store().begin().await?;
        let docs = tx.employee_documents(company.id, id).await?;
        if !tx.update_employee(&anon, record.version).await? {
            return Err(AppError::VersionConflict {
                current: record.version + 1,
            });
        }
        tx.set_employee_user(company.id, id, None).await?;
        tx.set_employee_privacy(company.id, id, &anon.privacy).await?;
        let removed = tx.delete_employee_documents(company.id, id).await?;
        let mut orphaned = Vec::new();
        for d in &docs {
            if tx.blob_references(&d.blob).await? == 0 {
                orphaned.push(d.blob.clone());
            }
        }
        let change = change_document(Some(&before), Some(&employee_state(&anon, &Default::default())));
        self.audit_change(
            &mut tx,
            actor,
            Some(company.id),
            "dsgvo.erase",
            &id.to_string(),
            format!("{basis}; {removed} documents removed"),
            Some(change),
        )
        .await?;
        tx.commit().await?;
        // Contents go after the commit: a failure leaves an unreferenced
        // object (reported by `kontor admin check`), never a dangling record.
        for b in orphaned {
            if let Some(r) = crate::BlobRef::parse(&b) {
                self.blobs().delete(&r).await?;
            }
        }
        let mut tx = self.store().begin_read().await?;
        tx.employee(company.id, id).await?.ok_or_else(|| AppError::NotFound {
            what: "employee",
            key: id.to_string(),
        })
    }
}
