//! ISO 20022 cash management messages: camt.052 (account report),
//! camt.053 (statement), camt.054 (debit/credit notification), all
//! versions. The versions differ in details kontor reads tolerantly:
//! `BIC`/`BICFI`, `Sts` as text or `Sts/Cd`, parties directly or under
//! `Pty`, the transaction amount in `AmtDtls/TxAmt/Amt` or `Amt`.

use crate::xml::{self, Tree};
use crate::{
    cents_of, iso_date, AccountRef, Balance, BalanceKind, Detail, Format, FormatError, Line, Statement, Status,
};

/// Reads a CAMT message into its statements (reports, notifications).
pub fn read(bytes: &[u8]) -> Result<Vec<Statement>, FormatError> {
    let tree = xml::parse(bytes)?;
    let root = tree.root();
    let ns = tree.namespace.clone();
    let version = ns.rsplit(':').next().unwrap_or("").to_string();
    let format = if version.starts_with("camt.052") {
        Format::Camt052
    } else if version.starts_with("camt.053") {
        Format::Camt053
    } else if version.starts_with("camt.054") {
        Format::Camt054
    } else if ns.contains("pain.") {
        return Err(FormatError::new(
            "Document",
            format!("this is a payment order ({}), not a bank statement. Import statements as CAMT.052/053/054 or MT940.", ns.rsplit(['$', ':']).next().unwrap_or("")),
            format!("Das ist ein Zahlungsauftrag ({}), kein Kontoauszug. Bitte Auszüge als CAMT.052/053/054 oder MT940 importieren.", ns.rsplit(['$', ':']).next().unwrap_or("")),
        ));
    } else {
        return Err(FormatError::new(
            "Document",
            format!(
                "the XML is not a CAMT bank message (namespace {:?}). Import statements as CAMT.052/053/054 or MT940.",
                if ns.is_empty() { "none" } else { ns.as_str() }
            ),
            format!(
                "Das XML ist keine CAMT-Banknachricht (Namensraum {:?}). Bitte Auszüge als CAMT.052/053/054 oder MT940 importieren.",
                if ns.is_empty() { "keiner" } else { ns.as_str() }
            ),
        ));
    };
    if tree.name(root) != "Document" {
        return Err(FormatError::new(
            tree.name(root),
            "the root element must be <Document>.",
            "Das Wurzelelement muss <Document> sein.",
        ));
    }
    let (body_name, record_name) = match format {
        Format::Camt052 => ("BkToCstmrAcctRpt", "Rpt"),
        Format::Camt053 => ("BkToCstmrStmt", "Stmt"),
        _ => ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    };
    let body = tree.nodes[root]
        .children
        .iter()
        .copied()
        .find(|c| tree.name(*c).starts_with(body_name))
        .ok_or_else(|| {
            FormatError::new(
                "Document",
                format!("the {version} message has no <{body_name}> element."),
                format!("Die {version}-Nachricht hat kein <{body_name}>-Element."),
            )
        })?;
    let message_id = tree.text_at(body, &["GrpHdr", "MsgId"]);
    let mut out = Vec::new();
    for (i, rec) in tree.children(body, record_name).enumerate() {
        let at = format!("{record_name}[{}]", i + 1);
        out.push(record(&tree, rec, format, &version, message_id.clone(), &at)?);
    }
    if out.is_empty() {
        return Err(FormatError::new(
            body_name,
            format!("the {version} message contains no <{record_name}> (no statement, report or notification). Download the statement again."),
            format!("Die {version}-Nachricht enthält kein <{record_name}> (keinen Auszug, Bericht oder Avis). Bitte den Auszug erneut abrufen."),
        ));
    }
    Ok(out)
}

fn record(
    t: &Tree,
    rec: usize,
    format: Format,
    version: &str,
    message_id: Option<String>,
    at: &str,
) -> Result<Statement, FormatError> {
    let acct = t.child(rec, "Acct").ok_or_else(|| {
        FormatError::new(
            at,
            "the statement names no account (<Acct>).",
            "Der Auszug nennt kein Konto (<Acct>).",
        )
    })?;
    let account = AccountRef {
        iban: t.text_at(acct, &["Id", "IBAN"]),
        other: t
            .text_at(acct, &["Id", "Othr", "Id"])
            .or_else(|| t.text_at(acct, &["Id", "PrtryAcct", "Id"]))
            .or_else(|| t.text_at(acct, &["Id", "BBAN"])),
        currency: t.text_at(acct, &["Ccy"]),
        name: t.text_at(acct, &["Nm"]),
        bic: t
            .text_at(acct, &["Svcr", "FinInstnId", "BIC"])
            .or_else(|| t.text_at(acct, &["Svcr", "FinInstnId", "BICFI"])),
    };
    if account.identification().is_none() {
        return Err(FormatError::new(
            format!("{at}/Acct"),
            "the account has no identification (IBAN or other id).",
            "Das Konto hat keine Kennung (IBAN oder andere Kennung).",
        ));
    }
    let mut balances = Vec::new();
    for (i, b) in t.children(rec, "Bal").enumerate() {
        balances.push(balance(t, b, &format!("{at}/Bal[{}]", i + 1))?);
    }
    let mut lines = Vec::new();
    for (i, n) in t.children(rec, "Ntry").enumerate() {
        lines.push(entry(t, n, &format!("{at}/Ntry[{}]", i + 1))?);
    }
    Ok(Statement {
        format,
        version: version.to_string(),
        message_id,
        id: t.text_at(rec, &["Id"]),
        sequence: t
            .text_at(rec, &["ElctrncSeqNb"])
            .or_else(|| t.text_at(rec, &["LglSeqNb"])),
        created: t.text_at(rec, &["CreDtTm"]),
        from: t.text_at(rec, &["FrToDt", "FrDtTm"]).and_then(|d| iso_date(&d)),
        to: t.text_at(rec, &["FrToDt", "ToDtTm"]).and_then(|d| iso_date(&d)),
        account,
        balances,
        lines,
    })
}

fn amount(t: &Tree, amt: usize, at: &str) -> Result<(i64, String), FormatError> {
    let text = t.text(amt);
    let cents = cents_of(text, '.').ok_or_else(|| {
        FormatError::new(
            at,
            format!("the amount {text:?} is not a decimal amount with at most two non-zero decimals."),
            format!("Der Betrag {text:?} ist kein Dezimalbetrag mit höchstens zwei Nachkommastellen."),
        )
    })?;
    if cents < 0 {
        return Err(FormatError::new(
            at,
            format!("the amount {text} is negative; CAMT gives the direction in CdtDbtInd."),
            format!("Der Betrag {text} ist negativ; CAMT gibt die Richtung in CdtDbtInd an."),
        ));
    }
    let ccy = t.attr(amt, "Ccy").unwrap_or("").to_string();
    if ccy.len() != 3 || !ccy.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(FormatError::new(
            at,
            format!("the amount has no valid currency (Ccy={ccy:?})."),
            format!("Der Betrag hat keine gültige Währung (Ccy={ccy:?})."),
        ));
    }
    Ok((cents, ccy))
}

fn sign(t: &Tree, n: usize, at: &str) -> Result<i64, FormatError> {
    match t.text_at(n, &["CdtDbtInd"]).as_deref() {
        Some("CRDT") => Ok(1),
        Some("DBIT") => Ok(-1),
        other => Err(FormatError::new(
            format!("{at}/CdtDbtInd"),
            format!("the credit/debit indicator is {other:?}; it must be CRDT or DBIT."),
            format!("Das Soll/Haben-Kennzeichen ist {other:?}; es muss CRDT oder DBIT sein."),
        )),
    }
}

fn date_of(t: &Tree, n: Option<usize>, at: &str) -> Result<Option<String>, FormatError> {
    let Some(n) = n else { return Ok(None) };
    let text = t.text_at(n, &["Dt"]).or_else(|| t.text_at(n, &["DtTm"]));
    match text {
        None => Ok(None),
        Some(d) => iso_date(&d).map(Some).ok_or_else(|| {
            FormatError::new(
                at,
                format!("{d:?} is not a valid date."),
                format!("{d:?} ist kein gültiges Datum."),
            )
        }),
    }
}

fn balance(t: &Tree, b: usize, at: &str) -> Result<Balance, FormatError> {
    let code = t
        .text_at(b, &["Tp", "CdOrPrtry", "Cd"])
        .or_else(|| t.text_at(b, &["Tp", "CdOrPrtry", "Prtry"]))
        .or_else(|| t.text_at(b, &["Tp", "Cd"]))
        .ok_or_else(|| {
            FormatError::new(
                format!("{at}/Tp"),
                "the balance has no type code.",
                "Der Saldo hat keinen Typcode.",
            )
        })?;
    let amt = t.child(b, "Amt").ok_or_else(|| {
        FormatError::new(
            at,
            "the balance has no amount (<Amt>).",
            "Der Saldo hat keinen Betrag (<Amt>).",
        )
    })?;
    let (cents, currency) = amount(t, amt, &format!("{at}/Amt"))?;
    let s = sign(t, b, at)?;
    let date = date_of(t, t.child(b, "Dt"), &format!("{at}/Dt"))?;
    Ok(Balance {
        kind: BalanceKind::from_code(&code),
        amount: s * cents,
        currency,
        date,
    })
}

fn bank_code(t: &Tree, n: usize) -> Option<String> {
    let b = t.child(n, "BkTxCd")?;
    if let Some(d) = t.child(b, "Domn") {
        let dom = t.text_at(d, &["Cd"]).unwrap_or_default();
        let fam = t.text_at(d, &["Fmly", "Cd"]).unwrap_or_default();
        let sub = t.text_at(d, &["Fmly", "SubFmlyCd"]).unwrap_or_default();
        if !dom.is_empty() {
            return Some(format!("{dom}/{fam}/{sub}"));
        }
    }
    t.text_at(b, &["Prtry", "Cd"])
}

fn entry(t: &Tree, n: usize, at: &str) -> Result<Line, FormatError> {
    let amt = t.child(n, "Amt").ok_or_else(|| {
        FormatError::new(
            at,
            "the entry has no amount (<Amt>).",
            "Der Umsatz hat keinen Betrag (<Amt>).",
        )
    })?;
    let (cents, currency) = amount(t, amt, &format!("{at}/Amt"))?;
    let s = sign(t, n, at)?;
    let status = match t
        .text_at(n, &["Sts"])
        .or_else(|| t.text_at(n, &["Sts", "Cd"]))
        .as_deref()
    {
        Some("BOOK") => Some(Status::Booked),
        Some("PDNG") => Some(Status::Pending),
        Some("INFO") => Some(Status::Info),
        None => None,
        Some(other) => {
            return Err(FormatError::new(
                format!("{at}/Sts"),
                format!("unknown entry status {other:?} (BOOK, PDNG or INFO expected)."),
                format!("Unbekannter Buchungsstatus {other:?} (erwartet: BOOK, PDNG oder INFO)."),
            ))
        }
    };
    let mut details = Vec::new();
    for nd in t.children(n, "NtryDtls") {
        for (i, tx) in t.children(nd, "TxDtls").enumerate() {
            details.push(detail(t, tx, s, &format!("{at}/TxDtls[{}]", i + 1))?);
        }
    }
    Ok(Line {
        amount: s * cents,
        currency,
        booking_date: date_of(t, t.child(n, "BookgDt"), &format!("{at}/BookgDt"))?,
        value_date: date_of(t, t.child(n, "ValDt"), &format!("{at}/ValDt"))?,
        status,
        reversal: t.text_at(n, &["RvslInd"]).as_deref() == Some("true"),
        reference: t.text_at(n, &["NtryRef"]),
        account_servicer_ref: t.text_at(n, &["AcctSvcrRef"]),
        bank_code: bank_code(t, n),
        additional_info: t.text_at(n, &["AddtlNtryInf"]),
        details,
    })
}

/// A party's name in either layout (`Dbtr/Nm` or `Dbtr/Pty/Nm`).
fn party_name(t: &Tree, parties: usize, role: &str) -> Option<String> {
    t.text_at(parties, &[role, "Nm"])
        .or_else(|| t.text_at(parties, &[role, "Pty", "Nm"]))
        .or_else(|| t.text_at(parties, &[role, "Agt", "FinInstnId", "Nm"]))
}

fn detail(t: &Tree, tx: usize, entry_sign: i64, at: &str) -> Result<Detail, FormatError> {
    let amount_node = t
        .at(tx, &["AmtDtls", "TxAmt", "Amt"])
        .or_else(|| t.child(tx, "Amt"))
        .or_else(|| t.at(tx, &["AmtDtls", "InstdAmt", "Amt"]));
    let (amount, currency) = match amount_node {
        Some(a) => {
            let (c, ccy) = amount(t, a, &format!("{at}/Amt"))?;
            let s = if t.child(tx, "CdtDbtInd").is_some() {
                sign(t, tx, at)?
            } else {
                entry_sign
            };
            (Some(s * c), Some(ccy))
        }
        None => (None, None),
    };
    let (cp_role, cp_acct) = if entry_sign > 0 {
        ("Dbtr", "DbtrAcct")
    } else {
        ("Cdtr", "CdtrAcct")
    };
    let (agent_role, ultimate) = if entry_sign > 0 {
        ("DbtrAgt", "UltmtDbtr")
    } else {
        ("CdtrAgt", "UltmtCdtr")
    };
    let parties = t.child(tx, "RltdPties");
    let agents = t.child(tx, "RltdAgts");
    let mut remittance = Vec::new();
    let mut creditor_ref = None;
    if let Some(r) = t.child(tx, "RmtInf") {
        for u in t.children(r, "Ustrd") {
            let s = t.text(u);
            if !s.is_empty() {
                remittance.push(s.to_string());
            }
        }
        for s in t.children(r, "Strd") {
            if creditor_ref.is_none() {
                creditor_ref = t.text_at(s, &["CdtrRefInf", "Ref"]);
            }
            if let Some(a) = t.text_at(s, &["AddtlRmtInf"]) {
                remittance.push(a);
            }
        }
    }
    Ok(Detail {
        amount,
        currency,
        end_to_end_id: t.text_at(tx, &["Refs", "EndToEndId"]),
        instruction_id: t.text_at(tx, &["Refs", "InstrId"]),
        mandate_id: t.text_at(tx, &["Refs", "MndtId"]),
        account_servicer_ref: t.text_at(tx, &["Refs", "AcctSvcrRef"]),
        counterparty_name: parties.and_then(|p| party_name(t, p, cp_role).or_else(|| party_name(t, p, ultimate))),
        counterparty_iban: parties.and_then(|p| t.text_at(p, &[cp_acct, "Id", "IBAN"])),
        counterparty_bic: agents.and_then(|a| {
            t.text_at(a, &[agent_role, "FinInstnId", "BIC"])
                .or_else(|| t.text_at(a, &[agent_role, "FinInstnId", "BICFI"]))
        }),
        remittance: (!remittance.is_empty()).then(|| remittance.join(" ")),
        creditor_ref,
        return_reason: t
            .text_at(tx, &["RtrInf", "Rsn", "Cd"])
            .or_else(|| t.text_at(tx, &["RtrInf", "Rsn", "Prtry"])),
        additional_info: t.text_at(tx, &["AddtlTxInf"]),
        charges: charges(t, tx, at)?,
    })
}

/// Charges the bank took on a transaction (e.g. the fee of a return),
/// signed like money out.
fn charges(t: &Tree, tx: usize, at: &str) -> Result<Option<i64>, FormatError> {
    let mut total: Option<i64> = None;
    for c in t.children(tx, "Chrgs") {
        let amts: Vec<usize> = t
            .children(c, "Amt")
            .chain(t.children(c, "Rcrd").filter_map(|r| t.child(r, "Amt")))
            .collect();
        for a in amts {
            let (v, _) = amount(t, a, &format!("{at}/Chrgs"))?;
            total = Some(total.unwrap_or(0) - v);
        }
    }
    Ok(total.filter(|v| *v != 0))
}
