//! SWIFT MT940 (statement) and MT942 (interim report), as German, Dutch,
//! Swiss and other banks write them: the optional SWIFT envelope, fields
//! that wrap over lines, `:86:` with the German `?NN` subfields and SEPA
//! keywords (`EREF+`, `SVWZ+`, …) or the `/KEY/value` style.
//!
//! Text is read as UTF-8, and as ISO 8859-1 when it is not valid UTF-8
//! (German banks still send Latin-1).

use crate::{
    cents_of, days_in_month, AccountRef, Balance, BalanceKind, Detail, Format, FormatError, Line, Statement, Status,
};

/// Reads an MT940/MT942 file into its statements.
pub fn read(bytes: &[u8]) -> Result<Vec<Statement>, FormatError> {
    let text: String = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|b| *b as char).collect(),
    };
    // Transmission control characters (SOH/ETX of bank transfer envelopes).
    let text: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect();
    let fields = fields(&text)?;
    if fields.is_empty() {
        return Err(FormatError::new(
            "line 1",
            "the file contains no MT940 field (lines like :20:, :25:, :61:). It is neither a CAMT nor an MT940 statement; download the statement again in one of these formats.",
            "Die Datei enthält kein MT940-Feld (Zeilen wie :20:, :25:, :61:). Sie ist weder ein CAMT- noch ein MT940-Auszug; bitte den Auszug erneut in einem dieser Formate abrufen.",
        ));
    }
    let mut out: Vec<Statement> = Vec::new();
    let mut cur: Option<Statement> = None;
    for f in &fields {
        let at = format!("line {} (:{}:)", f.line, f.tag);
        if f.tag == "20" {
            if let Some(s) = cur.take() {
                out.push(s);
            }
        }
        let s = cur.get_or_insert_with(new_statement);
        match f.tag.as_str() {
            "20" => s.id = non_empty(&f.value),
            "25" => {
                if !s.lines.is_empty() {
                    return Err(FormatError::new(
                        at,
                        "an account identification (:25:) stands between the transactions of a statement; the file is damaged (a :86: line may have been overwritten). Download the statement again.",
                        "Eine Kontokennung (:25:) steht zwischen den Umsätzen eines Auszugs; die Datei ist beschädigt (vielleicht wurde eine :86:-Zeile überschrieben). Bitte den Auszug erneut abrufen.",
                    ));
                }
                s.account = account(&f.value);
            }
            "28" | "28C" => s.sequence = non_empty(&f.value),
            "13" | "13D" => {
                s.format = Format::Mt942;
                s.version = "MT942".into();
                s.created = non_empty(&f.value);
            }
            "34F" | "90D" | "90C" => {
                s.format = Format::Mt942;
                s.version = "MT942".into();
            }
            "60F" | "60M" | "62F" | "62M" | "64" | "65" => {
                let kind = match f.tag.as_str() {
                    "60F" => BalanceKind::Opening,
                    "62F" => BalanceKind::Closing,
                    // A page's opening balance is the previous page's close.
                    "60M" => BalanceKind::PreviouslyClosed,
                    "62M" => BalanceKind::Interim,
                    "64" => BalanceKind::ClosingAvailable,
                    _ => BalanceKind::ForwardAvailable,
                };
                s.balances.push(balance(&f.value, kind, &at)?);
            }
            "61" => s.lines.push(line(&f.value, &at)?),
            "86" => {
                if let Some(l) = s.lines.last_mut() {
                    details(&f.value, l);
                } else {
                    s.account.name = s.account.name.take().or_else(|| non_empty(&f.value));
                }
            }
            _ => {}
        }
    }
    if let Some(s) = cur.take() {
        out.push(s);
    }
    for s in &mut out {
        let ccy = s
            .account
            .currency
            .clone()
            .or_else(|| s.balances.first().map(|b| b.currency.clone()))
            .unwrap_or_default();
        if s.account.currency.is_none() && !ccy.is_empty() {
            s.account.currency = Some(ccy.clone());
        }
        for l in &mut s.lines {
            l.currency = ccy.clone();
            for d in &mut l.details {
                d.currency = Some(ccy.clone());
            }
        }
    }
    Ok(out)
}

fn new_statement() -> Statement {
    Statement {
        format: Format::Mt940,
        version: "MT940".into(),
        message_id: None,
        id: None,
        sequence: None,
        created: None,
        from: None,
        to: None,
        account: AccountRef::default(),
        balances: Vec::new(),
        lines: Vec::new(),
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

struct Field {
    tag: String,
    value: String,
    line: usize,
}

/// A field tag at the start of a line: `:NN:` or `:NNA:` (also `:NS:`).
fn tag_of(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix(':')?;
    let end = rest.find(':')?;
    let tag = &rest[..end];
    let ok = (2..=3).contains(&tag.len())
        && tag.bytes().take(2).all(|b| b.is_ascii_alphanumeric())
        && tag.bytes().skip(2).all(|b| b.is_ascii_uppercase());
    ok.then(|| (tag, &rest[end + 1..]))
}

fn fields(text: &str) -> Result<Vec<Field>, FormatError> {
    let mut out: Vec<Field> = Vec::new();
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut i = 0;
    while i < lines.len() {
        let mut raw = lines[i].to_string();
        let no = i + 1;
        i += 1;
        // A tag broken over two lines (":" then "86:…").
        if raw == ":" && i < lines.len() && tag_of(&format!(":{}", lines[i])).is_some() {
            raw = format!(":{}", lines[i]);
            i += 1;
        }
        // The SWIFT envelope: {1:…}{2:…}{4: starts, -} ends.
        let mut l = raw.as_str();
        if l.starts_with("{1:") || l.starts_with("{2:") || l.starts_with("{4:") {
            match l.find("{4:") {
                Some(p) => l = &l[p + 3..],
                None => continue,
            }
        }
        // The envelope's end (`-}`, then `{5:…}` trailers) may share a line
        // with the last field.
        if let Some(p) = l.find("-}") {
            l = &l[..p];
        }
        if l.trim() == "-}" || l.trim() == "-" || l.trim().is_empty() {
            continue;
        }
        if let Some((tag, value)) = tag_of(l) {
            out.push(Field {
                tag: tag.to_string(),
                value: value.to_string(),
                line: no,
            });
        } else if out.last().is_some_and(|f| !continues(&f.tag)) && first_tag_ahead(&lines[i..]) {
            // Bank headers between statements (ABN AMRO repeats its own).
            continue;
        } else if let Some(last) = out.last_mut() {
            last.value.push('\n');
            last.value.push_str(l);
        } else if first_tag_ahead(&lines[i..]) {
            // Bank headers before the first field (ABN AMRO's "ABNANL2A",
            // "940", ING's sender line, Rabobank's ":940:").
            continue;
        } else {
            return Err(FormatError::new(
                format!("line {no}"),
                format!("the line {:?} is not an MT940 field (fields start like :20:). This is not an MT940 statement, or its start is missing.", l.chars().take(40).collect::<String>()),
                format!("Die Zeile {:?} ist kein MT940-Feld (Felder beginnen wie :20:). Das ist kein MT940-Auszug, oder sein Anfang fehlt.", l.chars().take(40).collect::<String>()),
            ));
        }
    }
    // `:NS:` (non-SWIFT) fields carry bank-internal data only.
    out.retain(|f| f.tag != "NS");
    Ok(out)
}

/// Fields whose value may go on over further lines.
fn continues(tag: &str) -> bool {
    matches!(tag, "61" | "86" | "NS")
}

fn first_tag_ahead(lines: &[&str]) -> bool {
    lines
        .iter()
        .take(8)
        .any(|l| tag_of(l).is_some_and(|(t, _)| t == "20" || t == "25"))
}

fn account(v: &str) -> AccountRef {
    let v = v.trim();
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    let b = compact.as_bytes();
    let looks_iban = b.len() >= 15
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit();
    if looks_iban {
        // Some banks append the currency: NL…EUR.
        let (iban, ccy) = match compact
            .len()
            .checked_sub(3)
            .filter(|p| compact.is_char_boundary(*p))
            .map(|p| compact.split_at(p))
        {
            Some((head, tail))
                if tail.bytes().all(|b| b.is_ascii_uppercase()) && kontor_core::partner::Iban::parse(head).is_ok() =>
            {
                (head.to_string(), Some(tail.to_string()))
            }
            _ => (compact.clone(), None),
        };
        AccountRef {
            iban: Some(iban),
            currency: ccy,
            ..AccountRef::default()
        }
    } else {
        AccountRef {
            other: Some(v.to_string()),
            ..AccountRef::default()
        }
    }
}

/// `YYMMDD`; 30 February and other day overflows that banks use for
/// closing entries are moved to the month's last day.
fn date6(s: &str, at: &str) -> Result<String, FormatError> {
    let bad = || {
        FormatError::new(
            at,
            format!("{s:?} is not a date in the form YYMMDD."),
            format!("{s:?} ist kein Datum der Form JJMMTT."),
        )
    };
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let yy: i32 = s[..2].parse().map_err(|_| bad())?;
    let m: u32 = s[2..4].parse().map_err(|_| bad())?;
    let d: u32 = s[4..6].parse().map_err(|_| bad())?;
    let y = if yy < 80 { 2000 + yy } else { 1900 + yy };
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return Err(bad());
    }
    let d = d.min(days_in_month(y, m));
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

fn balance(v: &str, kind: BalanceKind, at: &str) -> Result<Balance, FormatError> {
    let v = v.trim();
    let bad = |what: &str, was: &str| {
        FormatError::new(
            at,
            format!("the balance {v:?} is malformed: {what}. Expected D or C, YYMMDD, currency, amount (C230209EUR100,00)."),
            format!("Der Saldo {v:?} ist fehlerhaft: {was}. Erwartet: D oder C, JJMMTT, Währung, Betrag (C230209EUR100,00)."),
        )
    };
    let sign = match v.as_bytes().first() {
        Some(b'C') => 1,
        Some(b'D') => -1,
        _ => return Err(bad("no D/C mark", "kein Soll/Haben-Kennzeichen")),
    };
    let date = date6(v.get(1..7).ok_or_else(|| bad("too short", "zu kurz"))?, at)?;
    let ccy = v.get(7..10).ok_or_else(|| bad("no currency", "keine Währung"))?;
    if !ccy.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("no currency", "keine Währung"));
    }
    let amount =
        cents_of(&v[10..], ',').ok_or_else(|| bad("the amount is not a number", "der Betrag ist keine Zahl"))?;
    Ok(Balance {
        kind,
        amount: sign * amount,
        currency: ccy.to_string(),
        date: Some(date),
    })
}

/// `:61:` — value date, optional entry date, mark, funds code, amount,
/// transaction type, references, supplementary details.
fn line(v: &str, at: &str) -> Result<Line, FormatError> {
    let bad = |en: &str, de: &str| {
        FormatError::new(
            at,
            format!(
                "the transaction {:?} is malformed: {en}.",
                v.lines().next().unwrap_or("")
            ),
            format!("Der Umsatz {:?} ist fehlerhaft: {de}.", v.lines().next().unwrap_or("")),
        )
    };
    // The head (up to the transaction type) sometimes wraps; read it
    // without line breaks, keep the rest as written.
    let chars: Vec<char> = v.chars().collect();
    let mut pos = 0;
    let take = |n: usize, pos: &mut usize| -> String {
        let mut s = String::new();
        while s.chars().count() < n && *pos < chars.len() {
            if chars[*pos] != '\n' && chars[*pos] != '\r' {
                s.push(chars[*pos]);
            }
            *pos += 1;
        }
        s
    };
    let peek = |pos: usize| chars[pos..].iter().copied().find(|c| *c != '\n' && *c != '\r');
    let vd = take(6, &mut pos);
    let value_date = date6(&vd, at)?;
    let mut booking_date = None;
    if peek(pos).is_some_and(|c| c.is_ascii_digit()) {
        let md = take(4, &mut pos);
        if md.len() == 4 && md.bytes().all(|b| b.is_ascii_digit()) {
            let vy: i32 = value_date[..4].parse().unwrap_or(2000);
            let vm: u32 = value_date[5..7].parse().unwrap_or(1);
            let m: u32 = md[..2].parse().unwrap_or(0);
            let d: u32 = md[2..].parse().unwrap_or(0);
            let y = if vm == 12 && m == 1 {
                vy + 1
            } else if vm == 1 && m == 12 {
                vy - 1
            } else {
                vy
            };
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                booking_date = Some(format!("{y:04}-{m:02}-{:02}", d.min(days_in_month(y, m))));
            } else {
                return Err(bad("the entry date is not MMDD", "das Buchungsdatum ist nicht MMTT"));
            }
        }
    }
    let mark = {
        let first = take(1, &mut pos);
        match first.as_str() {
            "R" | "E" => first + &take(1, &mut pos),
            _ => first,
        }
    };
    let (sign, reversal) = match mark.as_str() {
        "C" | "EC" => (1, false),
        "D" | "ED" => (-1, false),
        // Reversal of a credit is money out, reversal of a debit money in.
        "RC" => (-1, true),
        "RD" => (1, true),
        _ => {
            return Err(bad(
                "no debit/credit mark (C, D, RC, RD)",
                "kein Soll/Haben-Kennzeichen (C, D, RC, RD)",
            ))
        }
    };
    // Optional funds code (third letter of the currency).
    if peek(pos).is_some_and(|c| c.is_ascii_alphabetic()) {
        take(1, &mut pos);
    }
    let mut amount_text = String::new();
    while let Some(c) = peek(pos) {
        if c.is_ascii_digit() || c == ',' {
            amount_text.push_str(&take(1, &mut pos));
        } else {
            break;
        }
    }
    let amount = cents_of(&amount_text, ',').ok_or_else(|| {
        bad(
            "the amount is missing or not a number",
            "der Betrag fehlt oder ist keine Zahl",
        )
    })?;
    let ttype = take(4, &mut pos);
    // SWIFT says N, F or S plus three characters; some banks write other
    // codes (MCI0), which carry no meaning for kontor, so any is kept.
    if ttype.chars().count() != 4
        || !ttype.starts_with(|c: char| c.is_ascii_alphabetic())
        || !ttype.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
    {
        return Err(bad(
            "no transaction type (four letters or digits such as NTRF) after the amount",
            "kein Buchungsschlüssel (vier Buchstaben oder Ziffern wie NTRF) nach dem Betrag",
        ));
    }
    let rest: String = chars[pos..].iter().collect();
    let (first, supplementary) = match rest.split_once('\n') {
        Some((a, b)) => (a.to_string(), non_empty(b)),
        None => (rest.clone(), None),
    };
    let (customer, bank) = match first.split_once("//") {
        Some((c, b)) => (c.to_string(), non_empty(b)),
        None => (first.clone(), None),
    };
    let reference = non_empty(&customer).filter(|c| c != "NONREF");
    Ok(Line {
        amount: sign * amount,
        currency: String::new(),
        booking_date: booking_date.or_else(|| Some(value_date.clone())),
        value_date: Some(value_date),
        status: Some(Status::Booked),
        reversal,
        reference,
        account_servicer_ref: bank,
        bank_code: Some(ttype),
        additional_info: supplementary,
        details: Vec::new(),
    })
}

const SEPA_KEYS: [&str; 11] = [
    "EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+", "COAM+",
];

/// `:86:` information to the account owner, into the line's detail.
fn details(v: &str, l: &mut Line) {
    let mut d = Detail::default();
    let joined: String = v.split('\n').collect::<Vec<_>>().join("");
    let structured =
        joined.len() > 4 && joined.as_bytes()[3] == b'?' && joined.as_bytes()[..3].iter().all(u8::is_ascii_digit);
    if structured {
        let gvc = &joined[..3];
        let mut purpose = String::new();
        let mut name = String::new();
        let mut posting_text = None;
        for part in joined[3..].split('?').skip(1) {
            if part.len() < 2 || !part.is_char_boundary(2) {
                continue;
            }
            let (code, value) = part.split_at(2);
            match code {
                "00" => posting_text = non_empty(value),
                "20" | "21" | "22" | "23" | "24" | "25" | "26" | "27" | "28" | "29" | "60" | "61" | "62" | "63" => {
                    purpose.push_str(value)
                }
                "30" => d.counterparty_bic = non_empty(value),
                "31" => {
                    let acct = value.trim();
                    if acct.len() >= 15 && acct.as_bytes()[..2].iter().all(u8::is_ascii_uppercase) {
                        d.counterparty_iban = Some(acct.to_string());
                    }
                }
                "32" | "33" => name.push_str(value),
                _ => {}
            }
        }
        if matches!(gvc, "108" | "109" | "159" | "160") {
            d.return_reason = Some(format!("GVC{gvc}"));
        }
        d.counterparty_name = non_empty(&name.split_whitespace().collect::<Vec<_>>().join(" "));
        d.additional_info = posting_text;
        // SEPA keywords split the purpose into fields.
        let mut marks: Vec<(usize, &str)> = SEPA_KEYS
            .iter()
            .filter_map(|k| purpose.find(k).map(|p| (p, *k)))
            .collect();
        marks.sort();
        if marks.is_empty() {
            d.remittance = non_empty(&purpose);
        } else {
            let head = purpose[..marks[0].0].trim();
            let mut remit: Vec<String> = Vec::new();
            if !head.is_empty() {
                remit.push(head.to_string());
            }
            for (i, (p, k)) in marks.iter().enumerate() {
                let end = marks.get(i + 1).map(|m| m.0).unwrap_or(purpose.len());
                let value = purpose[p + k.len()..end].trim().to_string();
                match *k {
                    "EREF+" => d.end_to_end_id = non_empty(&value),
                    "MREF+" => d.mandate_id = non_empty(&value),
                    "KREF+" => d.instruction_id = non_empty(&value),
                    "SVWZ+" => remit.push(value),
                    "IBAN+" if d.counterparty_iban.is_none() => d.counterparty_iban = non_empty(&value),
                    _ => {}
                }
            }
            d.remittance = non_empty(&remit.join(" "));
        }
        l.bank_code = Some(match &l.bank_code {
            Some(t) => format!("{t}+{gvc}"),
            None => gvc.to_string(),
        });
    } else if joined.contains("/NAME/") || joined.contains("/REMI/") || joined.contains("/IBAN/") {
        // `/KEY/value/KEY/value` (Dutch banks).
        let keys = [
            "TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "ORDP", "BENM", "ADDR", "ISDT", "RTRN",
        ];
        let parts: Vec<&str> = joined.split('/').collect();
        let mut i = 0;
        while i < parts.len() {
            let key = parts[i].trim();
            if keys.contains(&key) {
                let mut j = i + 1;
                let mut value = Vec::new();
                while j < parts.len() && !keys.contains(&parts[j].trim()) {
                    value.push(parts[j]);
                    j += 1;
                }
                let value = value.join("/");
                match key {
                    "NAME" => d.counterparty_name = d.counterparty_name.take().or_else(|| non_empty(&value)),
                    "IBAN" => d.counterparty_iban = non_empty(&value),
                    "BIC" => d.counterparty_bic = non_empty(&value),
                    "REMI" => d.remittance = non_empty(&value),
                    "EREF" => d.end_to_end_id = non_empty(&value).filter(|e| e != "NOTPROVIDED"),
                    "RTRN" => d.return_reason = non_empty(&value),
                    _ => {}
                }
                i = j;
            } else {
                i += 1;
            }
        }
        if d.remittance.is_none() {
            d.remittance = non_empty(&v.replace('\n', " "));
        }
    } else {
        d.remittance = non_empty(&v.replace('\n', " "));
    }
    d.amount = Some(l.amount);
    l.details = vec![d];
}
