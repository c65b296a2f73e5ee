//! SEPA credit transfer files (pain.001): version .001.09 (current ISO
//! 20022, the DK format since November 2025) and .001.03 (for banks that
//! still need it). One payment information block per execution date, the
//! texts in the SEPA character set, bytes fully determined by the input
//! (a re-download of the same run is byte-identical).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kontor_core::partner::Iban;

use crate::bic::Bic;
use crate::{cents_dot, iso_date, FormatError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PainVersion {
    #[serde(rename = "pain.001.001.09")]
    V09,
    #[serde(rename = "pain.001.001.03")]
    V03,
}

impl PainVersion {
    pub fn parse(s: &str) -> Option<PainVersion> {
        match s {
            "pain.001.001.09" | "09" => Some(PainVersion::V09),
            "pain.001.001.03" | "03" => Some(PainVersion::V03),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PainVersion::V09 => "pain.001.001.09",
            PainVersion::V03 => "pain.001.001.03",
        }
    }
}

/// The paying account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Debtor {
    pub name: String,
    pub iban: String,
    pub bic: Option<String>,
}

/// One transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Unique per transfer; the bank statement repeats it (matching).
    pub end_to_end_id: String,
    /// Cents, positive.
    pub amount: i64,
    pub creditor_name: String,
    pub creditor_iban: String,
    pub creditor_bic: Option<String>,
    /// Verwendungszweck (at most 140 characters are sent).
    pub remittance: String,
    /// ISO date the bank should execute it.
    pub execution_date: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditTransfer {
    /// At most 35 characters, unique per file sent.
    pub message_id: String,
    /// ISO date-time written into the file (the run's release time, so the
    /// file does not change on re-download).
    pub created: String,
    pub initiating_party: String,
    pub debtor: Debtor,
    pub transfers: Vec<Transfer>,
}

/// Maps text into the SEPA basic character set (EPC: a–z A–Z 0–9
/// / - ? : ( ) . , ' + space); umlauts become ae/oe/ue/ss, other characters
/// a space; cut to `max` characters.
pub fn sepa_text(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let rep: &str = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'Ä' => "Ae",
            'Ö' => "Oe",
            'Ü' => "Ue",
            'ß' => "ss",
            '&' => "+",
            'é' | 'è' | 'ê' => "e",
            'á' | 'à' | 'â' => "a",
            c if c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c) => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        out.push_str(rep);
    }
    let collapsed: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(max).collect()
}

fn id_text(s: &str, max: usize) -> String {
    // Identifiers: the basic set without spaces.
    sepa_text(s, max * 2).replace(' ', "").chars().take(max).collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
}

/// Checks the input; every problem names the transfer and what to fix.
pub fn check(ct: &CreditTransfer) -> Result<(), FormatError> {
    if ct.transfers.is_empty() {
        return Err(FormatError::new(
            "payment run",
            "the run has no transfers; there is nothing to send to the bank.",
            "Der Zahllauf enthält keine Überweisungen; es gibt nichts an die Bank zu senden.",
        ));
    }
    if ct.message_id.is_empty() || ct.message_id.len() > 35 {
        return Err(FormatError::new(
            "MsgId",
            "the message id must have 1 to 35 characters.",
            "Die Nachrichten-ID muss 1 bis 35 Zeichen haben.",
        ));
    }
    Iban::parse(&ct.debtor.iban).map_err(|e| {
        FormatError::new(
            "debtor account",
            format!("the paying account's IBAN is invalid: {}", e.en),
            format!("Die IBAN des Zahlungskontos ist ungültig: {}", e.de),
        )
    })?;
    if let Some(b) = &ct.debtor.bic {
        Bic::parse(b)?;
    }
    let mut seen = std::collections::HashSet::new();
    for (i, t) in ct.transfers.iter().enumerate() {
        let at = format!("transfer {} ({})", i + 1, t.creditor_name);
        if t.amount <= 0 || t.amount > 99_999_999_999 {
            return Err(FormatError::new(
                &at,
                format!(
                    "the amount {} must be between 0.01 and 999,999,999.99 EUR.",
                    cents_dot(t.amount)
                ),
                format!(
                    "Der Betrag {} muss zwischen 0,01 und 999.999.999,99 EUR liegen.",
                    cents_dot(t.amount)
                ),
            ));
        }
        Iban::parse(&t.creditor_iban).map_err(|e| {
            FormatError::new(
                &at,
                format!("the payee's IBAN is invalid: {}", e.en),
                format!("Die IBAN des Empfängers ist ungültig: {}", e.de),
            )
        })?;
        if let Some(b) = &t.creditor_bic {
            Bic::parse(b).map_err(|e| FormatError::new(&at, e.en, e.de))?;
        }
        if sepa_text(&t.creditor_name, 70).is_empty() {
            return Err(FormatError::new(
                &at,
                "the payee has no name.",
                "Der Empfänger hat keinen Namen.",
            ));
        }
        if iso_date(&t.execution_date).is_none() {
            return Err(FormatError::new(
                &at,
                "the execution date is not a date.",
                "Das Ausführungsdatum ist kein Datum.",
            ));
        }
        let e2e = id_text(&t.end_to_end_id, 35);
        if e2e.is_empty() || !seen.insert(e2e) {
            return Err(FormatError::new(
                &at,
                "the end-to-end id is empty or used twice in this run.",
                "Die End-to-End-ID ist leer oder in diesem Lauf doppelt.",
            ));
        }
    }
    Ok(())
}

/// The pain.001 XML (UTF-8, two-space indentation).
pub fn write(ct: &CreditTransfer, version: PainVersion) -> Result<Vec<u8>, FormatError> {
    check(ct)?;
    let v09 = version == PainVersion::V09;
    let bic_tag = if v09 { "BICFI" } else { "BIC" };
    let mut by_date: BTreeMap<&str, Vec<&Transfer>> = BTreeMap::new();
    for t in &ct.transfers {
        by_date.entry(t.execution_date.as_str()).or_default().push(t);
    }
    let total: i64 = ct.transfers.iter().map(|t| t.amount).sum();
    let ns = format!("urn:iso:std:iso:20022:tech:xsd:{}", version.as_str());
    let mut x = String::with_capacity(1024 + 800 * ct.transfers.len());
    let _ = writeln!(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        x,
        "<Document xmlns=\"{ns}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{ns} {}.xsd\">",
        version.as_str()
    );
    x.push_str("  <CstmrCdtTrfInitn>\n    <GrpHdr>\n");
    let _ = writeln!(x, "      <MsgId>{}</MsgId>", esc(&id_text(&ct.message_id, 35)));
    let _ = writeln!(x, "      <CreDtTm>{}</CreDtTm>", esc(&ct.created));
    let _ = writeln!(x, "      <NbOfTxs>{}</NbOfTxs>", ct.transfers.len());
    let _ = writeln!(x, "      <CtrlSum>{}</CtrlSum>", cents_dot(total));
    let _ = writeln!(
        x,
        "      <InitgPty>\n        <Nm>{}</Nm>\n      </InitgPty>",
        esc(&sepa_text(&ct.initiating_party, 70))
    );
    x.push_str("    </GrpHdr>\n");
    for (n, (date, ts)) in by_date.iter().enumerate() {
        let sum: i64 = ts.iter().map(|t| t.amount).sum();
        x.push_str("    <PmtInf>\n");
        let _ = writeln!(
            x,
            "      <PmtInfId>{}</PmtInfId>",
            esc(&id_text(&format!("{}-{}", ct.message_id, n + 1), 35))
        );
        x.push_str("      <PmtMtd>TRF</PmtMtd>\n      <BtchBookg>true</BtchBookg>\n");
        let _ = writeln!(x, "      <NbOfTxs>{}</NbOfTxs>", ts.len());
        let _ = writeln!(x, "      <CtrlSum>{}</CtrlSum>", cents_dot(sum));
        x.push_str(
            "      <PmtTpInf>\n        <SvcLvl>\n          <Cd>SEPA</Cd>\n        </SvcLvl>\n      </PmtTpInf>\n",
        );
        if v09 {
            let _ = writeln!(x, "      <ReqdExctnDt>\n        <Dt>{date}</Dt>\n      </ReqdExctnDt>");
        } else {
            let _ = writeln!(x, "      <ReqdExctnDt>{date}</ReqdExctnDt>");
        }
        let _ = writeln!(
            x,
            "      <Dbtr>\n        <Nm>{}</Nm>\n      </Dbtr>",
            esc(&sepa_text(&ct.debtor.name, 70))
        );
        let iban = Iban::parse(&ct.debtor.iban)
            .map(|i| i.as_str().to_string())
            .unwrap_or_default();
        let _ = writeln!(
            x,
            "      <DbtrAcct>\n        <Id>\n          <IBAN>{iban}</IBAN>\n        </Id>\n      </DbtrAcct>"
        );
        x.push_str("      <DbtrAgt>\n        <FinInstnId>\n");
        match &ct.debtor.bic {
            Some(b) => {
                let _ = writeln!(
                    x,
                    "          <{bic_tag}>{}</{bic_tag}>",
                    Bic::parse(b).map(|b| b.as_str().to_string()).unwrap_or_default()
                );
            }
            None => x.push_str("          <Othr>\n            <Id>NOTPROVIDED</Id>\n          </Othr>\n"),
        }
        x.push_str("        </FinInstnId>\n      </DbtrAgt>\n      <ChrgBr>SLEV</ChrgBr>\n");
        for t in ts {
            x.push_str("      <CdtTrfTxInf>\n        <PmtId>\n");
            let _ = writeln!(
                x,
                "          <EndToEndId>{}</EndToEndId>",
                esc(&id_text(&t.end_to_end_id, 35))
            );
            x.push_str("        </PmtId>\n        <Amt>\n");
            let _ = writeln!(x, "          <InstdAmt Ccy=\"EUR\">{}</InstdAmt>", cents_dot(t.amount));
            x.push_str("        </Amt>\n");
            if let Some(b) = &t.creditor_bic {
                let b = Bic::parse(b).map(|b| b.as_str().to_string()).unwrap_or_default();
                let _ = writeln!(x, "        <CdtrAgt>\n          <FinInstnId>\n            <{bic_tag}>{b}</{bic_tag}>\n          </FinInstnId>\n        </CdtrAgt>");
            }
            let _ = writeln!(
                x,
                "        <Cdtr>\n          <Nm>{}</Nm>\n        </Cdtr>",
                esc(&sepa_text(&t.creditor_name, 70))
            );
            let iban = Iban::parse(&t.creditor_iban)
                .map(|i| i.as_str().to_string())
                .unwrap_or_default();
            let _ = writeln!(x, "        <CdtrAcct>\n          <Id>\n            <IBAN>{iban}</IBAN>\n          </Id>\n        </CdtrAcct>");
            let remit = sepa_text(&t.remittance, 140);
            if !remit.is_empty() {
                let _ = writeln!(
                    x,
                    "        <RmtInf>\n          <Ustrd>{}</Ustrd>\n        </RmtInf>",
                    esc(&remit)
                );
            }
            x.push_str("      </CdtTrfTxInf>\n");
        }
        x.push_str("    </PmtInf>\n");
    }
    x.push_str("  </CstmrCdtTrfInitn>\n</Document>\n");
    Ok(x.into_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn sample() -> CreditTransfer {
        CreditTransfer {
            message_id: "KONTOR-RUN-1".into(),
            created: "2026-11-27T10:00:00Z".into(),
            initiating_party: "Müller & Söhne GmbH".into(),
            debtor: Debtor {
                name: "Müller & Söhne GmbH".into(),
                iban: "DE89 3704 0044 0532 0130 00".into(),
                bic: Some("COBADEFFXXX".into()),
            },
            transfers: vec![Transfer {
                end_to_end_id: "RUN1-1".into(),
                amount: 123456,
                creditor_name: "Büro <Bedarf> GmbH".into(),
                creditor_iban: "DE02120300000000202051".into(),
                creditor_bic: None,
                remittance: "Rechnung R-2026-17 vom 1.11.".into(),
                execution_date: "2026-11-30".into(),
            }],
        }
    }

    #[test]
    fn writes_both_versions() {
        let x = String::from_utf8(write(&sample(), PainVersion::V09).unwrap()).unwrap();
        assert!(x.contains("<Dt>2026-11-30</Dt>"));
        assert!(x.contains("<BICFI>COBADEFFXXX</BICFI>"));
        assert!(x.contains("<Nm>Buero Bedarf GmbH</Nm>"));
        assert!(x.contains("<Nm>Mueller + Soehne GmbH</Nm>"));
        assert!(x.contains("<InstdAmt Ccy=\"EUR\">1234.56</InstdAmt>"));
        let y = String::from_utf8(write(&sample(), PainVersion::V03).unwrap()).unwrap();
        assert!(y.contains("<ReqdExctnDt>2026-11-30</ReqdExctnDt>"));
        assert!(y.contains("<BIC>COBADEFFXXX</BIC>"));
    }

    #[test]
    fn refuses_bad_input() {
        let mut s = sample();
        s.transfers[0].creditor_iban = "DE02120300000000202052".into();
        assert!(write(&s, PainVersion::V09).unwrap_err().location.contains("Bedarf"));
        let mut s = sample();
        s.transfers[0].amount = 0;
        assert!(write(&s, PainVersion::V09).is_err());
        let mut s = sample();
        s.transfers.push(s.transfers[0].clone());
        assert!(write(&s, PainVersion::V09).unwrap_err().en.contains("twice"));
    }
}
