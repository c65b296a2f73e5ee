//! Row → record conversions, by hand, with a clear error for every value the
//! database holds that the application would not accept.

use std::str::FromStr;

use kontor_app::ports::StoreError;
use kontor_app::records::*;
use kontor_core::{
    AuditEventId, CompanyCode, CompanyId, CompanyName, Iban, JobId, Lang, PartnerDraft, PartnerId, PartnerKind, Role,
    Timestamp, UserId, Username, VatId,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db_err;

pub(crate) fn corrupt(table: &str, col: &str, v: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table}.{col} holds an invalid value '{v}'"))
}

pub(crate) fn text(r: &AnyRow, col: &str) -> Result<String, StoreError> {
    r.try_get::<String, _>(col).map_err(db_err)
}

pub(crate) fn opt_text(r: &AnyRow, col: &str) -> Result<Option<String>, StoreError> {
    r.try_get::<Option<String>, _>(col).map_err(db_err)
}

pub(crate) fn int(r: &AnyRow, col: &str) -> Result<i64, StoreError> {
    r.try_get::<i64, _>(col).map_err(db_err)
}

pub(crate) fn opt_int(r: &AnyRow, col: &str) -> Result<Option<i64>, StoreError> {
    r.try_get::<Option<i64>, _>(col).map_err(db_err)
}

pub(crate) fn ts(r: &AnyRow, col: &str) -> Result<Timestamp, StoreError> {
    int(r, col).map(Timestamp::from_millis)
}

pub(crate) fn id<T: FromStr>(r: &AnyRow, table: &str, col: &str) -> Result<T, StoreError> {
    let s = text(r, col)?;
    s.parse().map_err(|_| corrupt(table, col, s))
}

fn opt_id<T: FromStr>(r: &AnyRow, table: &str, col: &str) -> Result<Option<T>, StoreError> {
    match opt_text(r, col)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| corrupt(table, col, s)),
    }
}

pub(crate) fn flag(r: &AnyRow, table: &str, col: &str) -> Result<bool, StoreError> {
    match int(r, col)? {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(corrupt(table, col, v)),
    }
}

pub(crate) fn user(r: &AnyRow) -> Result<UserRecord, StoreError> {
    let username = text(r, "username")?;
    let lang = text(r, "lang")?;
    Ok(UserRecord {
        id: id::<UserId>(r, "users", "id")?,
        username: Username::parse(&username).map_err(|_| corrupt("users", "username", &username))?,
        display_name: text(r, "display_name")?,
        password_hash: text(r, "password_hash")?,
        lang: Lang::parse(&lang).ok_or_else(|| corrupt("users", "lang", &lang))?,
        system_admin: flag(r, "users", "system_admin")?,
        disabled: flag(r, "users", "disabled")?,
        totp_secret: opt_text(r, "totp_secret")?,
        totp_enabled: flag(r, "users", "totp_enabled")?,
        totp_last_step: int(r, "totp_last_step")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) fn company(r: &AnyRow) -> Result<CompanyRecord, StoreError> {
    let code = text(r, "code")?;
    let name = text(r, "name")?;
    Ok(CompanyRecord {
        id: id::<CompanyId>(r, "companies", "id")?,
        code: CompanyCode::parse(&code).map_err(|_| corrupt("companies", "code", &code))?,
        name: CompanyName::parse(&name).map_err(|_| corrupt("companies", "name", &name))?,
        created_at: ts(r, "created_at")?,
    })
}

pub(crate) fn role(r: &AnyRow) -> Result<Role, StoreError> {
    let s = text(r, "role")?;
    Role::parse(&s).ok_or_else(|| corrupt("memberships", "role", s))
}

pub(crate) fn session(r: &AnyRow) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        token_hash: text(r, "token_hash")?,
        user_id: id(r, "sessions", "user_id")?,
        csrf_token: text(r, "csrf_token")?,
        company_id: opt_id(r, "sessions", "company_id")?,
        created_at: ts(r, "created_at")?,
        last_seen_at: ts(r, "last_seen_at")?,
        enroll_only: flag(r, "sessions", "enroll_only")?,
    })
}

pub(crate) fn document(r: &AnyRow) -> Result<kontor_app::records::DocumentRecord, StoreError> {
    let year = |col: &str| -> Result<i32, StoreError> {
        let v = int(r, col)?;
        i32::try_from(v).map_err(|_| corrupt("documents", col, v))
    };
    Ok(kontor_app::records::DocumentRecord {
        id: text(r, "id")?,
        company_id: id(r, "documents", "company_id")?,
        blob: text(r, "blob")?,
        size: int(r, "size")?,
        media_type: text(r, "media_type")?,
        name: text(r, "name")?,
        doc_type: text(r, "doc_type")?,
        source: text(r, "source")?,
        status: text(r, "status")?,
        document_year: year("document_year")?,
        retention_years: year("retention_years")?,
        legal_hold: flag(r, "documents", "legal_hold")?,
        created_by: text(r, "created_by")?,
        created_at: ts(r, "created_at")?,
        doc_date: opt_text(r, "doc_date")?,
        month: year("month")?,
        correspondent: opt_text(r, "correspondent")?,
        partner_id: opt_text(r, "partner_id")?,
        amount_cents: opt_int(r, "amount_cents")?,
        currency: opt_text(r, "currency")?,
        invoice_number: opt_text(r, "invoice_number")?,
        iban: opt_text(r, "iban")?,
        vat_id: opt_text(r, "vat_id")?,
        tags: text(r, "tags")?
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        einvoice: opt_text(r, "einvoice")?,
        suggestion: opt_text(r, "suggestion")?,
        failure: opt_text(r, "failure")?,
        confirmed_by: opt_text(r, "confirmed_by")?,
        confirmed_at: opt_int(r, "confirmed_at")?.map(Timestamp::from_millis),
        version_of: opt_text(r, "version_of")?,
        version: year("version")?,
        deleted_at: opt_int(r, "deleted_at")?.map(Timestamp::from_millis),
        deleted_by: opt_text(r, "deleted_by")?,
        updated_at: ts(r, "updated_at")?,
        parent_id: opt_text(r, "parent_id")?,
    })
}

pub(crate) fn mail_account(r: &AnyRow) -> Result<kontor_app::records::MailAccountRecord, StoreError> {
    Ok(kontor_app::records::MailAccountRecord {
        company_id: id(r, "mail_accounts", "company_id")?,
        url: text(r, "url")?,
        username: text(r, "username")?,
        password_sealed: text(r, "password_sealed")?,
        folder: text(r, "folder")?,
        done_folder: text(r, "done_folder")?,
        interval_secs: int(r, "interval_secs")?,
        enabled: flag(r, "mail_accounts", "enabled")?,
        last_poll_at: opt_int(r, "last_poll_at")?.map(Timestamp::from_millis),
        last_error: opt_text(r, "last_error")?,
        last_count: int(r, "last_count")?,
        updated_by: text(r, "updated_by")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) fn document_rule(r: &AnyRow) -> Result<kontor_app::records::DocumentRuleRecord, StoreError> {
    Ok(kontor_app::records::DocumentRuleRecord {
        id: text(r, "id")?,
        company_id: id(r, "document_rules", "company_id")?,
        position: int(r, "position")?,
        field: text(r, "field")?,
        pattern: text(r, "pattern")?,
        set_type: opt_text(r, "set_type")?,
        set_correspondent: opt_text(r, "set_correspondent")?,
        add_tag: opt_text(r, "add_tag")?,
        created_by: text(r, "created_by")?,
        created_at: ts(r, "created_at")?,
    })
}

pub(crate) fn partner(r: &AnyRow) -> Result<PartnerRecord, StoreError> {
    let kind = text(r, "kind")?;
    let vat = opt_text(r, "vat_id")?;
    let iban = opt_text(r, "iban")?;
    Ok(PartnerRecord {
        id: id::<PartnerId>(r, "partners", "id")?,
        company_id: id(r, "partners", "company_id")?,
        data: PartnerDraft {
            name: text(r, "name")?,
            kind: PartnerKind::parse(&kind).map_err(|_| corrupt("partners", "kind", &kind))?,
            vat_id: vat
                .map(|v| VatId::parse(&v).map_err(|_| corrupt("partners", "vat_id", &v)))
                .transpose()?,
            iban: iban
                .map(|v| Iban::parse(&v).map_err(|_| corrupt("partners", "iban", &v)))
                .transpose()?,
            email: opt_text(r, "email")?,
            street: opt_text(r, "street")?,
            postcode: opt_text(r, "postcode")?,
            city: opt_text(r, "city")?,
            country: text(r, "country")?,
            account: match opt_int(r, "account")? {
                None => None,
                Some(a) => Some(u32::try_from(a).map_err(|_| corrupt("partners", "account", a))?),
            },
        },
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: int(r, "version")?,
        bank_confirmed: match (opt_text(r, "bank_confirmed_by")?, opt_ts(r, "bank_confirmed_at")?) {
            (Some(by), Some(at)) => Some((by, at)),
            _ => None,
        },
    })
}

pub(crate) fn duty(r: &AnyRow) -> Result<DutyRecord, StoreError> {
    let duty = text(r, "duty")?;
    let raw_id = text(r, "id")?;
    Ok(DutyRecord {
        id: raw_id.parse().map_err(|_| corrupt("duties", "id", &raw_id))?,
        company_id: id(r, "duties", "company_id")?,
        object_type: text(r, "object_type")?,
        object_id: text(r, "object_id")?,
        duty: kontor_core::sod::Duty::parse(&duty).ok_or_else(|| corrupt("duties", "duty", &duty))?,
        person: text(r, "person")?,
        at: ts(r, "at")?,
    })
}

pub(crate) fn audit(r: &AnyRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        id: id::<AuditEventId>(r, "audit_events", "id")?,
        company_id: opt_id(r, "audit_events", "company_id")?,
        actor: text(r, "actor")?,
        action: text(r, "action")?,
        object_type: text(r, "object_type")?,
        subject: text(r, "subject")?,
        detail: text(r, "detail")?,
        client_addr: opt_text(r, "client_addr")?,
        at: ts(r, "at")?,
        change: opt_text(r, "change")?,
    })
}

pub(crate) fn job(r: &AnyRow) -> Result<JobRecord, StoreError> {
    let state = text(r, "state")?;
    Ok(JobRecord {
        id: id::<JobId>(r, "jobs", "id")?,
        company_id: opt_id(r, "jobs", "company_id")?,
        kind: text(r, "kind")?,
        payload: text(r, "payload")?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("jobs", "state", &state))?,
        attempts: int(r, "attempts")?,
        max_attempts: int(r, "max_attempts")?,
        run_at: ts(r, "run_at")?,
        locked_by: opt_text(r, "locked_by")?,
        locked_until: r
            .try_get::<Option<i64>, _>("locked_until")
            .map_err(db_err)?
            .map(Timestamp::from_millis),
        last_error: opt_text(r, "last_error")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) fn job_run(r: &AnyRow) -> Result<JobRun, StoreError> {
    Ok(JobRun {
        job_id: id(r, "job_runs", "job_id")?,
        worker: text(r, "worker")?,
        attempt: int(r, "attempt")?,
        started_at: ts(r, "started_at")?,
        finished_at: ts(r, "finished_at")?,
        outcome: text(r, "outcome")?,
    })
}

pub(crate) fn throttle(r: &AnyRow) -> Result<ThrottleRecord, StoreError> {
    Ok(ThrottleRecord {
        key: text(r, "key")?,
        failures: int(r, "failures")?,
        locked_until: ts(r, "locked_until")?,
        last_failure_at: ts(r, "last_failure_at")?,
    })
}

pub(crate) fn api_token(r: &AnyRow) -> Result<ApiTokenRecord, StoreError> {
    let perms = text(r, "permissions")?;
    let permissions = perms
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| kontor_core::Permission::parse(p).ok_or_else(|| corrupt("api_tokens", "permissions", p)))
        .collect::<Result<Vec<_>, _>>()?;
    let opt_ts = |col: &str| -> Result<Option<Timestamp>, StoreError> {
        Ok(r.try_get::<Option<i64>, _>(col)
            .map_err(db_err)?
            .map(Timestamp::from_millis))
    };
    Ok(ApiTokenRecord {
        id: id(r, "api_tokens", "id")?,
        user_id: id(r, "api_tokens", "user_id")?,
        company_id: id(r, "api_tokens", "company_id")?,
        name: text(r, "name")?,
        permissions,
        token_hash: text(r, "token_hash")?,
        created_at: ts(r, "created_at")?,
        expires_at: ts(r, "expires_at")?,
        last_used_at: opt_ts("last_used_at")?,
        revoked_at: opt_ts("revoked_at")?,
    })
}

pub(crate) fn employee(r: &AnyRow) -> Result<EmployeeRecord, StoreError> {
    Ok(EmployeeRecord {
        id: id(r, "employees", "id")?,
        company_id: id(r, "employees", "company_id")?,
        personnel_number: text(r, "personnel_number")?,
        first_name: text(r, "first_name")?,
        last_name: text(r, "last_name")?,
        street: opt_text(r, "street")?,
        postcode: opt_text(r, "postcode")?,
        city: opt_text(r, "city")?,
        entry_date: text(r, "entry_date")?,
        steuerklasse: int(r, "steuerklasse")?,
        children_tenths: int(r, "children_tenths")?,
        sealed: SealedHr {
            tax_id: opt_text(r, "tax_id_enc")?,
            sv_number: opt_text(r, "sv_number_enc")?,
            iban: opt_text(r, "iban_enc")?,
            health_insurance: opt_text(r, "health_insurance_enc")?,
            denomination: opt_text(r, "denomination_enc")?,
            disability: opt_text(r, "disability_enc")?,
        },
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
        version: int(r, "version")?,
        user_id: opt_id(r, "employees", "user_id")?,
        privacy: EmployeePrivacy {
            exit_date: opt_text(r, "exit_date")?,
            restricted_at: opt_ts(r, "restricted_at")?,
            retention_until: opt_text(r, "retention_until")?,
            restriction_basis: opt_text(r, "restriction_basis")?,
            erased_at: opt_ts(r, "erased_at")?,
        },
    })
}

pub(crate) fn employee_document(r: &AnyRow) -> Result<EmployeeDocumentRecord, StoreError> {
    let kind = text(r, "kind")?;
    let period = match opt_text(r, "period")? {
        None => None,
        Some(p) => Some(kontor_core::YearMonth::parse(&p).ok_or_else(|| corrupt("employee_documents", "period", &p))?),
    };
    Ok(EmployeeDocumentRecord {
        id: id(r, "employee_documents", "id")?,
        company_id: id(r, "employee_documents", "company_id")?,
        employee_id: id(r, "employee_documents", "employee_id")?,
        kind: EmployeeDocumentKind::parse(&kind).ok_or_else(|| corrupt("employee_documents", "kind", &kind))?,
        period,
        title: text(r, "title")?,
        filename: text(r, "filename")?,
        content_type: text(r, "content_type")?,
        blob: text(r, "blob")?,
        size: int(r, "size")?,
        uploaded_by: text(r, "uploaded_by")?,
        uploaded_at: ts(r, "uploaded_at")?,
    })
}

fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    r.try_get::<Option<i64>, _>(col)
        .map(|v| v.map(Timestamp::from_millis))
        .map_err(db_err)
}

pub(crate) fn grant(r: &AnyRow) -> Result<PartnerGrantRecord, StoreError> {
    let role_s = text(r, "role")?;
    let role = Role::parse(&role_s)
        .filter(|r| r.is_external())
        .ok_or_else(|| corrupt("partner_grants", "role", &role_s))?;
    let month = |col: &str| -> Result<Option<kontor_core::YearMonth>, StoreError> {
        match opt_text(r, col)? {
            None => Ok(None),
            Some(s) => kontor_core::YearMonth::parse(&s)
                .map(Some)
                .ok_or_else(|| corrupt("partner_grants", col, s)),
        }
    };
    let period = match (month("period_from")?, month("period_to")?) {
        (Some(from), Some(to)) => Some(kontor_core::Period { from, to }),
        _ => None,
    };
    Ok(PartnerGrantRecord {
        id: id(r, "partner_grants", "id")?,
        company_id: id(r, "partner_grants", "company_id")?,
        role,
        firm: text(r, "firm")?,
        email: opt_text(r, "email")?,
        user_id: opt_id(r, "partner_grants", "user_id")?,
        valid_from: ts(r, "valid_from")?,
        valid_until: ts(r, "valid_until")?,
        period,
        invite_hash: opt_text(r, "invite_hash")?,
        invite_expires_at: ts(r, "invite_expires_at")?,
        accepted_at: opt_ts(r, "accepted_at")?,
        revoked_at: opt_ts(r, "revoked_at")?,
        created_by: text(r, "created_by")?,
        created_at: ts(r, "created_at")?,
    })
}

/// The company columns `grants_of_user` joins in.
pub(crate) fn company_of_grant(r: &AnyRow, id: CompanyId) -> Result<CompanyRecord, StoreError> {
    let code = text(r, "company_code")?;
    let name = text(r, "company_name")?;
    Ok(CompanyRecord {
        id,
        code: CompanyCode::parse(&code).map_err(|_| corrupt("companies", "code", &code))?,
        name: CompanyName::parse(&name).map_err(|_| corrupt("companies", "name", &name))?,
        created_at: ts(r, "company_created_at")?,
    })
}

pub(crate) fn custom_role(r: &AnyRow) -> Result<CustomRoleRecord, StoreError> {
    let perms = text(r, "permissions")?;
    let permissions = perms
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| kontor_core::Permission::parse(p).ok_or_else(|| corrupt("custom_roles", "permissions", p)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CustomRoleRecord {
        id: id(r, "custom_roles", "id")?,
        company_id: id(r, "custom_roles", "company_id")?,
        key: text(r, "key")?,
        name: text(r, "name")?,
        permissions,
        require_2fa: flag(r, "custom_roles", "require_2fa")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}
