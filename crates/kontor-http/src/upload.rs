//! Reading `multipart/form-data` uploads (API and web forms alike).

use axum::extract::Multipart;
use bytes::Bytes;

use crate::problem::ApiError;

/// The fields of a document upload.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub kind: String,
    pub period: Option<String>,
    pub title: Option<String>,
    pub filename: String,
    pub content: Bytes,
    /// The web form's CSRF token (API clients send the header instead).
    pub csrf: Option<String>,
}

fn bad(de: &str, en: &str) -> ApiError {
    ApiError {
        code: "bad_request",
        detail: Some((de.to_string(), en.to_string())),
        fields: vec![],
    }
}

/// Reads the form; the file part must be named `file`.
pub async fn read_upload(mut mp: Multipart) -> Result<UploadForm, ApiError> {
    let mut form = UploadForm::default();
    let mut has_file = false;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::code("payload_too_large"))
            }
            Err(_) => {
                return Err(bad(
                    "Der Upload ist kein gültiges multipart/form-data.",
                    "The upload is not valid multipart/form-data.",
                ))
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            form.filename = field.file_name().unwrap_or("dokument").to_string();
            form.content = field.bytes().await.map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::code("payload_too_large")
                } else {
                    bad("Die Datei kam unvollständig an.", "The file arrived incomplete.")
                }
            })?;
            has_file = true;
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|_| bad("Ein Formularfeld ist kein Text.", "A form field is not text."))?;
        let value = value.chars().take(500).collect::<String>();
        match name.as_str() {
            "kind" => form.kind = value,
            "period" => form.period = Some(value),
            "title" => form.title = Some(value),
            "csrf" => form.csrf = Some(value),
            _ => {}
        }
    }
    if !has_file {
        return Err(bad(
            "Es fehlt die Datei (Feld 'file').",
            "The file is missing (field 'file').",
        ));
    }
    Ok(form)
}

/// Reads a form of several files (every part named `file`) and the CSRF
/// token, for the archive's upload page.
pub async fn read_files(mut mp: Multipart) -> Result<(Option<String>, Vec<(String, Bytes)>), ApiError> {
    let mut csrf = None;
    let mut files = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::code("payload_too_large"))
            }
            Err(_) => {
                return Err(bad(
                    "Der Upload ist kein gültiges multipart/form-data.",
                    "The upload is not valid multipart/form-data.",
                ))
            }
        };
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("dokument").to_string();
                let content = field.bytes().await.map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::code("payload_too_large")
                    } else {
                        bad("Eine Datei kam unvollständig an.", "A file arrived incomplete.")
                    }
                })?;
                // Browsers send an empty part when no file was chosen.
                if !(content.is_empty() && name.is_empty()) {
                    files.push((name, content));
                }
            }
            "csrf" => {
                csrf = Some(
                    field
                        .text()
                        .await
                        .map_err(|_| bad("Ein Formularfeld ist kein Text.", "A form field is not text."))?,
                )
            }
            _ => {}
        }
    }
    Ok((csrf, files))
}
