//! Application errors. Each variant has a stable code the HTTP adapter maps to
//! a status and a message in the user's language.

use kontor_core::{ParseError, Permission};
use thiserror::Error;

use crate::ports::{BlobError, StoreError};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("username or password is wrong")]
    BadCredentials,
    #[error("this account signs in with a second factor: send the code from the authenticator app")]
    TotpRequired,
    #[error("the second-factor code is wrong or was already used")]
    BadSecondFactor,
    #[error("your role requires two-factor sign-in: set it up in the web UI first")]
    TotpEnrollmentRequired,
    #[error("your role requires two-factor sign-in; it cannot be switched off")]
    TwoFactorRequiredByRole,
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    #[error("missing permission {permission} in this company")]
    Forbidden { permission: Permission },
    #[error("only installation administrators may do this")]
    AdminOnly,
    #[error("{what} not found")]
    NotFound { what: &'static str, key: String },
    #[error("invalid input: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ParseError>),
    #[error("{what} '{key}' already exists")]
    AlreadyExists { what: &'static str, key: String },
    #[error("the record was changed by someone else (now version {current})")]
    VersionConflict { current: i64 },
    #[error("this update needs an If-Match header with the record's ETag")]
    PreconditionRequired,
    #[error("API tokens cannot do this; sign in with a password")]
    TokenNotAllowed,
    #[error("this invitation link is not valid any more (used, withdrawn or expired); ask for a new one")]
    InvitationUnusable,
    #[error("refused by separation of duties ({}): {}", rule.code, rule.en)]
    SeparationOfDuties { rule: &'static kontor_core::sod::SodRule },
    #[error("{en}")]
    Conflict { en: String, de: String },
    #[error("the CSRF token is missing or wrong")]
    CsrfMismatch,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Stable machine-readable code, part of the API contract.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::Throttled { .. } => "throttled",
            AppError::TotpRequired => "totp_required",
            AppError::BadSecondFactor => "bad_second_factor",
            AppError::TotpEnrollmentRequired => "totp_enrollment_required",
            AppError::TwoFactorRequiredByRole => "two_factor_required_by_role",
            AppError::Forbidden { .. } => "forbidden",
            AppError::AdminOnly => "admin_only",
            AppError::NotFound { .. } => "not_found",
            AppError::Invalid(_) => "invalid_input",
            AppError::AlreadyExists { .. } => "already_exists",
            AppError::VersionConflict { .. } => "version_conflict",
            AppError::PreconditionRequired => "precondition_required",
            AppError::CsrfMismatch => "csrf_mismatch",
            AppError::InvitationUnusable => "invitation_unusable",
            AppError::Conflict { .. } => "conflict",
            AppError::SeparationOfDuties { .. } => "separation_of_duties",
            AppError::TokenNotAllowed => "token_not_allowed",
            AppError::Store(StoreError::Unavailable(_)) => "store_unavailable",
            AppError::Store(_) => "store_error",
            AppError::Blob(_) => "blob_error",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn invalid(e: ParseError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl From<ParseError> for AppError {
    fn from(e: ParseError) -> Self {
        AppError::invalid(e)
    }
}
