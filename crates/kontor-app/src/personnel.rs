//! The personnel file (Personalakte): documents per employee, such as
//! payslips delivered by the payroll provider, contracts and certificates,
//! and the employee's own view of them. Record-level scope: HR and the
//! payroll provider (`payroll:manage`) open every file of their company; an
//! employee opens only the file of the employee record linked to their own
//! account. Every download is recorded in the audit trail.

use bytes::Bytes;
use kontor_core::{EmployeeDocumentId, EmployeeId, UserId, Username, YearMonth};

use crate::actor::Actor;
use crate::app::App;
use crate::employees::{EmployeeView, SENSITIVE};
use crate::error::{AppError, AppResult};
use crate::records::{CompanyRecord, EmployeeDocumentKind, EmployeeDocumentRecord, EmployeeRecord};

/// Largest document accepted into a personnel file (bytes).
pub const DOCUMENT_MAX: usize = 20 * 1024 * 1024;

/// A document to add to a personnel file.
#[derive(Clone, Debug)]
pub struct Upload<'a> {
    pub kind: &'a str,
    /// `YYYY-MM`; required for payslips.
    pub period: Option<&'a str>,
    pub title: Option<&'a str>,
    pub filename: &'a str,
    pub content: Bytes,
}

/// The content type a document's first bytes prove, if kontor accepts it.
pub fn sniff_content_type(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if content.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn invalid(field: &'static str, en: impl Into<String>, de: impl Into<String>) -> AppError {
    AppError::invalid(kontor_core::ParseError::new(field, en, de))
}

/// A file name safe to send back in a Content-Disposition header.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(120)
        .collect();
    if cleaned.trim().is_empty() {
        "dokument".into()
    } else {
        cleaned.trim().to_string()
    }
}

impl App {
    /// Whether `actor` may open the personnel file of `employee`: with the
    /// explicit permission, or as the employee (own record, signed in, not
    /// through an API token).
    fn may_open_file(&self, actor: &Actor, employee: &EmployeeRecord) -> bool {
        actor.can(employee.company_id, SENSITIVE)
            || (actor.scope.is_none()
                && actor.is_member(employee.company_id)
                && employee.user_id.is_some()
                && employee.user_id == actor.user_id())
    }

    async fn employee_for_file(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: EmployeeId,
    ) -> AppResult<EmployeeRecord> {
        let mut tx = self.store().begin_read().await?;
        let employee = tx.employee(company.id, id).await?;
        drop(tx);
        match employee {
            Some(e) if self.may_open_file(actor, &e) => Ok(e),
            // Whether the employee exists is itself not for everyone to know.
            Some(_) | None if !actor.can(company.id, SENSITIVE) => Err(AppError::Forbidden { permission: SENSITIVE }),
            _ => Err(AppError::NotFound {
                what: "employee",
                key: id.to_string(),
            }),
        }
    }

    /// Links an employee to the kontor account they sign in with (or unlinks
    /// it with `None`). The account must belong to the company already.
    pub async fn link_employee_account(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        id: EmployeeId,
        username: Option<&str>,
    ) -> AppResult<()> {
        actor.require(company.id, SENSITIVE)?;
        let mut tx = self.store().begin().await?;
        let user: Option<UserId> = match username.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(name) => {
                let name = Username::parse(name)?;
                let u = tx.user_by_name(&name).await?.ok_or_else(|| AppError::NotFound {
                    what: "user",
                    key: name.to_string(),
                })?;
                let member = tx.memberships_of(u.id).await?.iter().any(|(c, _)| c.id == company.id);
                if !member {
                    return Err(invalid(
                        "username",
                        format!("'{name}' has no role in this company yet; an administrator assigns the role 'mitarbeiter' first."),
                        format!("'{name}' hat in dieser Firma noch keine Rolle; die Administration weist zuerst die Rolle 'mitarbeiter' zu."),
                    ));
                }
                if let Some(other) = tx.employee_of_user(company.id, u.id).await? {
                    if other.id != id {
                        return Err(AppError::AlreadyExists {
                            what: "employee account",
                            key: name.to_string(),
                        });
                    }
                }
                Some(u.id)
            }
        };
        if !tx.set_employee_user(company.id, id, user).await? {
            return Err(AppError::NotFound {
                what: "employee",
                key: id.to_string(),
            });
        }
        let detail = username
            .map(|u| format!("account {u}"))
            .unwrap_or_else(|| "no account".into());
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "employee.link_account",
            &id.to_string(),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a document to an employee's personnel file.
    pub async fn upload_employee_document(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        employee: EmployeeId,
        upload: Upload<'_>,
    ) -> AppResult<EmployeeDocumentRecord> {
        actor.require(company.id, SENSITIVE)?;
        let kind = EmployeeDocumentKind::parse(upload.kind).ok_or_else(|| {
            invalid(
                "kind",
                "Choose the kind of document: payslip, contract, certificate or other.",
                "Wählen Sie die Art des Dokuments: payslip (Lohnabrechnung), contract (Vertrag), certificate (Bescheinigung) oder other.",
            )
        })?;
        let period = match upload.period.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(YearMonth::parse(p).ok_or_else(|| {
                invalid(
                    "period",
                    format!("'{p}' is not a month; write it like 2026-10."),
                    format!("'{p}' ist kein Monat; schreiben Sie ihn wie 2026-10."),
                )
            })?),
        };
        if kind == EmployeeDocumentKind::Payslip && period.is_none() {
            return Err(invalid(
                "period",
                "A payslip needs the month it is for, e.g. 2026-10.",
                "Eine Lohnabrechnung braucht den Monat, für den sie gilt, z. B. 2026-10.",
            ));
        }
        if upload.content.is_empty() || upload.content.len() > DOCUMENT_MAX {
            return Err(invalid(
                "file",
                format!(
                    "The file must hold between 1 byte and {} MB.",
                    DOCUMENT_MAX / 1024 / 1024
                ),
                format!(
                    "Die Datei muss zwischen 1 Byte und {} MB groß sein.",
                    DOCUMENT_MAX / 1024 / 1024
                ),
            ));
        }
        let content_type = sniff_content_type(&upload.content).ok_or_else(|| {
            invalid(
                "file",
                "The personnel file takes PDF, PNG or JPEG files; this file is none of them.",
                "Die Personalakte nimmt PDF-, PNG- oder JPEG-Dateien auf; diese Datei ist nichts davon.",
            )
        })?;
        let mut tx = self.store().begin_read().await?;
        let exists = tx.employee(company.id, employee).await?.is_some();
        drop(tx);
        if !exists {
            return Err(AppError::NotFound {
                what: "employee",
                key: employee.to_string(),
            });
        }
        let title = upload
            .title
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(200).collect::<String>())
            .unwrap_or_else(|| match (kind, period) {
                (EmployeeDocumentKind::Payslip, Some(p)) => format!("Lohnabrechnung {p}"),
                _ => clean_filename(upload.filename),
            });
        let size = i64::try_from(upload.content.len()).unwrap_or(i64::MAX);
        // The original goes to the write-once store first: a crash after it
        // leaves an unreferenced object, never a reference without content.
        let blob = self.blobs().put(upload.content).await?;
        let doc = EmployeeDocumentRecord {
            id: EmployeeDocumentId::from_uuid(self.ids().new_uuid()),
            company_id: company.id,
            employee_id: employee,
            kind,
            period,
            title,
            filename: clean_filename(upload.filename),
            content_type: content_type.to_string(),
            blob: blob.as_str().to_string(),
            size,
            uploaded_by: actor.label.clone(),
            uploaded_at: self.now(),
        };
        let mut tx = self.store().begin().await?;
        tx.insert_employee_document(&doc).await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "employee_document.upload",
            &doc.id.to_string(),
            format!("{} for employee {employee}: {} ({} bytes)", kind.key(), doc.title, size),
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// The documents of one personnel file (HR, or the employee themself).
    pub async fn employee_documents(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        employee: EmployeeId,
    ) -> AppResult<Vec<EmployeeDocumentRecord>> {
        let e = self.employee_for_file(actor, company, employee).await?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.employee_documents(company.id, e.id).await?)
    }

    /// Opens one document; recorded in the audit trail.
    pub async fn open_employee_document(
        &self,
        actor: &Actor,
        company: &CompanyRecord,
        employee: EmployeeId,
        id: EmployeeDocumentId,
    ) -> AppResult<(EmployeeDocumentRecord, Bytes)> {
        let e = self.employee_for_file(actor, company, employee).await?;
        let mut tx = self.store().begin_read().await?;
        let doc = tx
            .employee_document(company.id, id)
            .await?
            .filter(|d| d.employee_id == e.id)
            .ok_or_else(|| AppError::NotFound {
                what: "document",
                key: id.to_string(),
            })?;
        drop(tx);
        let blob = crate::BlobRef::parse(&doc.blob)
            .ok_or_else(|| AppError::Internal(format!("document {} has a malformed content reference", doc.id)))?;
        let content = self.blobs().get(&blob).await?;
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "employee_document.download",
            &doc.id.to_string(),
            format!("{} of employee {}", doc.kind.key(), e.id),
        )
        .await?;
        tx.commit().await?;
        Ok((doc, content))
    }

    /// The signed-in person's own employee record in `company`, with their
    /// own protected data (they may always see it; the look is recorded).
    pub async fn my_employee(&self, actor: &Actor, company: &CompanyRecord) -> AppResult<EmployeeView> {
        let not_linked = || AppError::NotFound {
            what: "employee",
            key: "own".into(),
        };
        let user = actor.user_id().ok_or_else(not_linked)?;
        if !actor.is_member(company.id) || actor.scope.is_some() {
            return Err(not_linked());
        }
        let mut tx = self.store().begin_read().await?;
        let record = tx.employee_of_user(company.id, user).await?.ok_or_else(not_linked)?;
        drop(tx);
        let sensitive = Some(self.open_hr(&record.sealed)?);
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            actor,
            Some(company.id),
            "employee.read_own",
            &record.id.to_string(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(EmployeeView { record, sensitive })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pdf_png_and_jpeg_are_taken_by_their_first_bytes() {
        assert_eq!(sniff_content_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff_content_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(sniff_content_type(b"<html><script>"), None);
        assert_eq!(sniff_content_type(b""), None);
    }

    #[test]
    fn file_names_lose_paths_and_header_breaking_characters() {
        assert_eq!(clean_filename("C:\\\\tmp\\\\lohn\"2026;.pdf"), "lohn2026.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename(""), "dokument");
    }
}
