//! Social-insurance parameters by validity date, read from the data files in
//! `params/` (one per year: `sv2026.toml`, …). Adding a year means adding a
//! file; the build embeds every `params/sv*.toml`.
//!
//! Every value keeps its status from the file: `confirmed`, `statutory` or
//! `unconfirmed`. Calculations name the parameters they used in the
//! explanation trace, with that status, so an unconfirmed value is never
//! hidden in a result.

use std::sync::OnceLock;

use serde::Serialize;

use crate::dec::Dec;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/params.rs"));
}

/// How well a parameter value is established (from the data file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Confirmed,
    Statutory,
    Unconfirmed,
}

/// One numeric parameter with its provenance.
#[derive(Clone, Debug, Serialize)]
pub struct Param {
    /// `section.key`, e.g. `kv.rate_general`.
    pub key: String,
    pub value: Dec,
    pub unit: String,
    pub status: Status,
    pub source: String,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ParamError {
    #[error("{file}: not valid TOML: {detail}")]
    Toml { file: String, detail: String },
    #[error("{file}: {key} is missing or not a number")]
    Missing { file: String, key: String },
    #[error("{file}: {key} has the unknown status {status:?} (confirmed, statutory, unconfirmed)")]
    Status { file: String, key: String, status: String },
    #[error("{file}: [meta] valid_from/valid_to must be dates YYYY-MM-DD")]
    Validity { file: String },
    #[error("no social-insurance parameters are valid for {year}-{month:02} (files: {files})")]
    NoneValid { year: i32, month: u32, files: String },
}

/// The social-insurance parameters of one period.
#[derive(Clone, Debug)]
pub struct SvParams {
    pub file: String,
    pub valid_from: (i32, u32, u32),
    pub valid_to: (i32, u32, u32),
    /// Every numeric parameter of the file, with status and source.
    pub all: Vec<Param>,
    /// Entries that are not numbers (e.g. "per Krankenkasse"), kept with
    /// their status so that unconfirmed ones stay visible.
    pub notes: Vec<ParamNote>,
}

/// A non-numeric entry of a parameter file.
#[derive(Clone, Debug, Serialize)]
pub struct ParamNote {
    pub key: String,
    pub text: String,
    pub status: Status,
    pub source: String,
}

fn date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    (it.next().is_none() && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// The keys every parameter file must define (numeric).
pub const REQUIRED: [&str; 37] = [
    "rechengroessen.bbg_kv_pv_month",
    "rechengroessen.bbg_rv_av_month",
    "kv.rate_general",
    "kv.rate_reduced",
    "kv.avg_zusatzbeitrag",
    "pv.rate_total",
    "pv.employee_share",
    "pv.employer_share",
    "pv.employee_share_sachsen",
    "pv.employer_share_sachsen",
    "pv.childless_surcharge",
    "pv.childless_min_age",
    "pv.child_discount_per_child",
    "pv.child_discount_from_child",
    "pv.child_discount_to_child",
    "pv.child_age_limit",
    "rv.rate_total",
    "rv.employee_share",
    "rv.employer_share",
    "av.rate_total",
    "av.employee_share",
    "av.employer_share",
    "umlagen.u3_insolvenzgeld",
    "umlagen.u1_minijob",
    "umlagen.u2_minijob",
    "minijob.limit_month",
    "minijob.kv_pauschal",
    "minijob.rv_employer",
    "minijob.rv_min_base_month",
    "minijob.pauschsteuer",
    "midijob.lower_bound_month",
    "midijob.upper_bound_month",
    "midijob.factor_f",
    "azubi.geringverdiener_limit_month",
    "lohnsteuer.kirchensteuer_rate_by_bw",
    "lohnsteuer.kirchensteuer_rate_other",
    "kv.employee_share_general",
];

impl SvParams {
    /// Parses one parameter file.
    pub fn parse(file: &str, text: &str) -> Result<SvParams, ParamError> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| ParamError::Toml {
            file: file.into(),
            detail: e.to_string(),
        })?;
        let meta = doc.get("meta").and_then(|m| m.as_table());
        let validity = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(|v| v.as_str())
                .and_then(date)
                .ok_or_else(|| ParamError::Validity { file: file.into() })
        };
        let valid_from = validity("valid_from")?;
        let valid_to = validity("valid_to")?;
        let mut all = Vec::new();
        let mut notes = Vec::new();
        for (section, table) in doc.iter().filter(|(k, _)| *k != "meta") {
            let Some(table) = table.as_table() else { continue };
            for (key, entry) in table {
                let Some(entry) = entry.as_table() else { continue };
                let text = entry.get("value").and_then(|v| v.as_str()).unwrap_or("");
                let status_text = entry.get("status").and_then(|v| v.as_str()).unwrap_or("");
                let status = match status_text {
                    "confirmed" => Status::Confirmed,
                    "statutory" => Status::Statutory,
                    "unconfirmed" => Status::Unconfirmed,
                    other => {
                        return Err(ParamError::Status {
                            file: file.into(),
                            key: format!("{section}.{key}"),
                            status: other.into(),
                        })
                    }
                };
                let source = entry.get("source").and_then(|v| v.as_str()).unwrap_or("").to_string();
                // Values like "per Krankenkasse" are notes, not numbers.
                let Some(value) = Dec::parse(text) else {
                    notes.push(ParamNote {
                        key: format!("{section}.{key}"),
                        text: text.into(),
                        status,
                        source,
                    });
                    continue;
                };
                all.push(Param {
                    key: format!("{section}.{key}"),
                    value,
                    unit: entry.get("unit").and_then(|v| v.as_str()).unwrap_or("").into(),
                    status,
                    source,
                });
            }
        }
        let p = SvParams {
            file: file.into(),
            valid_from,
            valid_to,
            all,
            notes,
        };
        for key in REQUIRED {
            if p.find(key).is_none() {
                return Err(ParamError::Missing {
                    file: file.into(),
                    key: key.into(),
                });
            }
        }
        Ok(p)
    }

    fn find(&self, key: &str) -> Option<&Param> {
        self.all.iter().find(|p| p.key == key)
    }

    /// A parameter that [`REQUIRED`] guarantees (zero if asked for another).
    pub fn param(&self, key: &str) -> Param {
        self.find(key).cloned().unwrap_or_else(|| Param {
            key: key.into(),
            value: Dec::ZERO,
            unit: String::new(),
            status: Status::Unconfirmed,
            source: "missing".into(),
        })
    }

    /// The value of a required parameter.
    pub fn v(&self, key: &str) -> Dec {
        self.find(key).map_or(Dec::ZERO, |p| p.value)
    }

    /// A percentage parameter as a fraction (14.6 → 0.146).
    pub fn rate(&self, key: &str) -> Dec {
        self.v(key).divide(Dec::lit(100, 0))
    }

    /// The parameters whose status is `unconfirmed`.
    pub fn unconfirmed(&self) -> Vec<&Param> {
        self.all.iter().filter(|p| p.status == Status::Unconfirmed).collect()
    }

    /// The parameters valid on the first day of `year`-`month`.
    pub fn for_month(year: i32, month: u32) -> Result<&'static SvParams, ParamError> {
        let day = (year, month, 1);
        let all = embedded_params();
        all.iter()
            .filter_map(|p| p.as_ref().ok())
            .find(|p| p.valid_from <= day && day <= p.valid_to)
            .ok_or_else(|| ParamError::NoneValid {
                year,
                month,
                files: embedded::FILES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
            })
    }

    /// Every embedded file, parsed (errors included, for the tests).
    pub fn embedded() -> &'static [Result<SvParams, ParamError>] {
        embedded_params()
    }
}

fn embedded_params() -> &'static [Result<SvParams, ParamError>] {
    static ALL: OnceLock<Vec<Result<SvParams, ParamError>>> = OnceLock::new();
    ALL.get_or_init(|| {
        embedded::FILES
            .iter()
            .map(|(name, text)| SvParams::parse(name, text))
            .collect()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_parses_and_2026_is_selected_by_date() {
        for p in SvParams::embedded() {
            assert!(p.is_ok(), "{p:?}");
        }
        let p = SvParams::for_month(2026, 7).unwrap();
        assert_eq!(p.file, "sv2026.toml");
        assert_eq!(p.v("rechengroessen.bbg_kv_pv_month"), Dec::parse("5812.50").unwrap());
        assert_eq!(p.rate("kv.rate_general"), Dec::parse("0.146").unwrap());
        assert!(matches!(
            SvParams::for_month(2031, 1),
            Err(ParamError::NoneValid { .. })
        ));
        // The one unconfirmed entry of the 2026 file (private-household
        // Minijob rates) stays visible, although it is not a number.
        let unconfirmed: Vec<&str> = p
            .notes
            .iter()
            .filter(|n| n.status == Status::Unconfirmed)
            .map(|n| n.key.as_str())
            .collect();
        assert_eq!(unconfirmed, ["minijob.privathaushalt_rates"]);
        assert!(p
            .notes
            .iter()
            .any(|n| n.key == "umlagen.u1_regular" && n.text == "per Krankenkasse"));
        // The Minijob RV minimum base is statutory, not confirmed for 2026.
        assert_eq!(p.param("minijob.rv_min_base_month").status, Status::Statutory);
    }

    #[test]
    fn a_file_without_a_required_value_or_with_an_odd_status_is_refused() {
        let text = "[meta]\nvalid_from = \"2027-01-01\"\nvalid_to = \"2027-12-31\"\n[kv]\nrate_general = { value = \"14.6\", unit = \"percent\", status = \"confirmed\", source = \"x\" }\n";
        assert!(matches!(
            SvParams::parse("t.toml", text),
            Err(ParamError::Missing { .. })
        ));
        let odd = text.replace("\"confirmed\"", "\"maybe\"");
        assert!(matches!(
            SvParams::parse("t.toml", &odd),
            Err(ParamError::Status { .. })
        ));
        assert!(matches!(
            SvParams::parse("t.toml", "not toml ["),
            Err(ParamError::Toml { .. })
        ));
    }
}
