//! A readable, printable, self-contained HTML view of an invoice (no
//! scripts, no external resources), in German or English, with the
//! validation result at the top. The web UI embeds the same document.

use rust_decimal::Decimal;

use crate::model::*;
use crate::validate::{ErrorClass, Report, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

impl Lang {
    fn pick<'a>(self, de: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::De => de,
            Lang::En => en,
        }
    }
}

/// HTML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An amount for people: grouped thousands, two decimals at least, the
/// value exactly as written beyond that.
fn money(a: &Option<Amount>, currency: &str, lang: Lang) -> String {
    match a {
        Some(Amount { value: Some(v), .. }) => format!("{} {}", number(*v, 2, lang), esc(currency)),
        Some(a) => esc(&a.raw),
        None => String::new(),
    }
}

fn number(v: Decimal, min_scale: u32, lang: Lang) -> String {
    let mut v = v;
    if v.scale() < min_scale {
        v.rescale(min_scale);
    }
    let s = v.abs().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (group, dec) = match lang {
        Lang::De => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let sign = if v.is_sign_negative() && !v.is_zero() { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{dec}{frac}")
    }
}

fn qty(a: &Option<Amount>, lang: Lang) -> String {
    match a {
        Some(Amount { value: Some(v), .. }) => number(v.normalize(), 0, lang),
        Some(a) => esc(&a.raw),
        None => String::new(),
    }
}

fn date(d: &Option<String>, lang: Lang) -> String {
    let Some(d) = d else { return String::new() };
    let digits: String = d.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 8 {
        match lang {
            Lang::De => format!("{}.{}.{}", &digits[6..], &digits[4..6], &digits[..4]),
            Lang::En => format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]),
        }
    } else {
        esc(d)
    }
}

fn type_name(code: Option<&str>, lang: Lang) -> &'static str {
    match (code.unwrap_or(""), lang) {
        ("380", Lang::De) => "Rechnung",
        ("380", Lang::En) => "Invoice",
        ("381", Lang::De) => "Gutschrift (Rechnungskorrektur)",
        ("381", Lang::En) => "Credit note",
        ("384", Lang::De) => "Korrigierte Rechnung",
        ("384", Lang::En) => "Corrected invoice",
        ("389", Lang::De) => "Gutschrift im Gutschriftverfahren",
        ("389", Lang::En) => "Self-billed invoice",
        ("326", Lang::De) => "Teilrechnung",
        ("326", Lang::En) => "Partial invoice",
        ("386", Lang::De) => "Vorauszahlungsrechnung",
        ("386", Lang::En) => "Prepayment invoice",
        ("875", Lang::De) => "Abschlagsrechnung (Bauleistung)",
        ("875", Lang::En) => "Partial construction invoice",
        ("876", Lang::De) => "Teilschlussrechnung (Bauleistung)",
        ("876", Lang::En) => "Partial final construction invoice",
        ("877", Lang::De) => "Schlussrechnung (Bauleistung)",
        ("877", Lang::En) => "Final construction invoice",
        (_, Lang::De) => "Rechnung",
        (_, Lang::En) => "Invoice",
    }
}

fn means_name(code: &str, lang: Lang) -> String {
    let (de, en) = match code.trim() {
        "10" => ("Barzahlung", "Cash"),
        "30" => ("Überweisung", "Credit transfer"),
        "31" => ("Auslandsüberweisung", "Debit transfer"),
        "42" => ("Zahlung auf Bankkonto", "Payment to bank account"),
        "48" => ("Kartenzahlung", "Bank card"),
        "49" => ("Lastschrift", "Direct debit"),
        "54" => ("Kreditkarte", "Credit card"),
        "55" => ("Debitkarte", "Debit card"),
        "57" => ("Dauerauftrag", "Standing agreement"),
        "58" => ("SEPA-Überweisung", "SEPA credit transfer"),
        "59" => ("SEPA-Lastschrift", "SEPA direct debit"),
        "97" => ("Verrechnung", "Clearing between partners"),
        "1" => ("nicht angegeben", "not defined"),
        _ => ("", ""),
    };
    let name = lang.pick(de, en);
    if name.is_empty() {
        esc(code)
    } else {
        format!("{name} ({})", esc(code))
    }
}

fn category_name(code: &str, lang: Lang) -> &'static str {
    match (code, lang) {
        ("S", Lang::De) => "Normalsatz",
        ("S", Lang::En) => "Standard rate",
        ("Z", Lang::De) => "Nullsatz",
        ("Z", Lang::En) => "Zero rated",
        ("E", Lang::De) => "steuerbefreit",
        ("E", Lang::En) => "Exempt",
        ("AE", Lang::De) => "Steuerschuldnerschaft des Leistungsempfängers",
        ("AE", Lang::En) => "Reverse charge",
        ("K", Lang::De) => "innergemeinschaftliche Lieferung",
        ("K", Lang::En) => "Intra-community supply",
        ("G", Lang::De) => "Ausfuhr",
        ("G", Lang::En) => "Export outside the EU",
        ("O", Lang::De) => "nicht steuerbar",
        ("O", Lang::En) => "Not subject to VAT",
        ("L", _) => "IGIC",
        ("M", _) => "IPSI",
        _ => "",
    }
}

fn unit_name(code: &str, lang: Lang) -> String {
    let (de, en) = match code {
        "C62" | "H87" | "XPP" | "EA" => ("Stk.", "pcs"),
        "HUR" => ("Std.", "h"),
        "DAY" => ("Tag(e)", "day(s)"),
        "WEE" => ("Woche(n)", "week(s)"),
        "MON" => ("Monat(e)", "month(s)"),
        "ANN" => ("Jahr(e)", "year(s)"),
        "MIN" => ("Min.", "min"),
        "KGM" => ("kg", "kg"),
        "GRM" => ("g", "g"),
        "TNE" => ("t", "t"),
        "MTR" => ("m", "m"),
        "KMT" => ("km", "km"),
        "MTK" => ("m²", "m²"),
        "MTQ" => ("m³", "m³"),
        "LTR" => ("l", "l"),
        "KWH" => ("kWh", "kWh"),
        "LS" => ("pauschal", "lump sum"),
        "SET" => ("Satz", "set"),
        "P1" => ("%", "%"),
        _ => ("", ""),
    };
    let name = lang.pick(de, en);
    if name.is_empty() {
        esc(code)
    } else {
        name.to_string()
    }
}

fn address_html(a: &Option<Address>) -> String {
    let Some(a) = a else { return String::new() };
    let mut lines: Vec<String> = [&a.line1, &a.line2, &a.line3]
        .into_iter()
        .flatten()
        .map(|l| esc(l))
        .collect();
    let city = [a.postcode.as_deref(), a.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !city.is_empty() {
        lines.push(esc(&city));
    }
    if let Some(s) = &a.subdivision {
        lines.push(esc(s));
    }
    if let Some(c) = &a.country {
        lines.push(esc(c));
    }
    lines.join("<br>")
}

fn row(out: &mut String, label: &str, value: &str) {
    if !value.is_empty() {
        out.push_str(&format!("<tr><th>{}</th><td>{value}</td></tr>", esc(label)));
    }
}

fn party_html(title: &str, p: &Party, lang: Lang) -> String {
    let mut out = format!("<section class=\"party\"><h2>{}</h2>", esc(title));
    out.push_str(&format!(
        "<p class=\"name\">{}</p>",
        esc(p.name.as_deref().unwrap_or(""))
    ));
    if let Some(t) = &p.trading_name {
        out.push_str(&format!("<p>{}</p>", esc(t)));
    }
    out.push_str(&format!("<p>{}</p><table class=\"kv\">", address_html(&p.address)));
    row(
        &mut out,
        lang.pick("USt-IdNr.", "VAT ID"),
        &esc(p.vat_id.as_deref().unwrap_or("")),
    );
    row(
        &mut out,
        lang.pick("Steuernummer", "Tax number"),
        &esc(p.tax_registration.as_deref().unwrap_or("")),
    );
    if let Some(l) = &p.legal_registration {
        row(&mut out, lang.pick("Registernummer", "Registration"), &esc(&l.value));
    }
    for i in &p.identifiers {
        row(&mut out, lang.pick("Kennung", "Identifier"), &esc(&i.value));
    }
    if let Some(e) = &p.electronic_address {
        row(
            &mut out,
            lang.pick("Elektronische Adresse", "Electronic address"),
            &esc(&e.value),
        );
    }
    if let Some(c) = &p.contact {
        row(
            &mut out,
            lang.pick("Ansprechpartner", "Contact"),
            &esc(c.name.as_deref().unwrap_or("")),
        );
        row(
            &mut out,
            lang.pick("Telefon", "Phone"),
            &esc(c.phone.as_deref().unwrap_or("")),
        );
        row(&mut out, "E-Mail", &esc(c.email.as_deref().unwrap_or("")));
    }
    row(
        &mut out,
        lang.pick("Rechtliche Angaben", "Legal information"),
        &esc(p.legal_info.as_deref().unwrap_or("")),
    );
    out.push_str("</table></section>");
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1a;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.4}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .4rem;vertical-align:top}\
table.lines th,table.lines td{border-bottom:1px solid #e2e2e2}td.num,th.num{text-align:right;white-space:nowrap}\
table.kv th{width:14rem;font-weight:normal;color:#555}.parties{display:grid;grid-template-columns:1fr 1fr;gap:2rem}\
.name{font-weight:bold;margin:.2rem 0}.status{padding:.6rem 1rem;border-radius:.3rem;margin-bottom:1rem}\
.ok{background:#e6f4ea;border:1px solid #34a853}.bad{background:#fce8e6;border:1px solid #d93025}.warn{background:#fef7e0;border:1px solid #f9ab00}\
.status ul{margin:.4rem 0 0;padding-left:1.2rem}.muted{color:#666;font-size:.9rem}.total td,.total th{font-weight:bold;border-top:2px solid #1a1a1a}\
@media print{body{margin:0;max-width:none}.status{break-inside:avoid}tr{break-inside:avoid}}";

/// The invoice as a complete HTML document.
pub fn html(inv: &Invoice, report: &Report, lang: Lang) -> String {
    let cur = inv.currency.clone().unwrap_or_default();
    let l = |de: &'static str, en: &'static str| lang.pick(de, en);
    let title = type_name(inv.type_code.as_deref(), lang);
    let mut o = String::new();
    o.push_str(&format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} {}</title><style>{STYLE}</style></head><body>",
        l("de", "en"),
        esc(title),
        esc(inv.number.as_deref().unwrap_or(""))
    ));
    // Validation result first.
    let fatal: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fatal)
        .collect();
    let warnings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    let (class, headline) = match report.error_class {
        None if warnings.is_empty() => (
            "ok",
            l(
                "Gültige E-Rechnung nach EN 16931",
                "Valid e-invoice according to EN 16931",
            )
            .to_string(),
        ),
        None => (
            "warn",
            format!(
                "{} – {} {}",
                l("Gültige E-Rechnung", "Valid e-invoice"),
                warnings.len(),
                l("Hinweise", "notes")
            ),
        ),
        Some(ErrorClass::Format) => (
            "bad",
            l(
                "Formatfehler: keine gültige E-Rechnung",
                "Format error: not a valid e-invoice",
            )
            .to_string(),
        ),
        Some(ErrorClass::BusinessRule) => (
            "bad",
            l("Verstoß gegen Geschäftsregeln", "Business-rule error").to_string(),
        ),
    };
    o.push_str(&format!(
        "<div class=\"status {class}\"><strong>{}</strong>",
        esc(&headline)
    ));
    if let Some(spec) = &report.customization_id {
        o.push_str(&format!(" <span class=\"muted\">({})</span>", esc(spec)));
    }
    if !fatal.is_empty() || !warnings.is_empty() {
        o.push_str("<ul>");
        for f in fatal.iter().chain(warnings.iter()) {
            let msg = if lang == Lang::De { &f.de } else { &f.en };
            let kind = if f.severity == Severity::Fatal {
                l("Fehler", "Error")
            } else {
                l("Hinweis", "Note")
            };
            o.push_str(&format!("<li>{kind} <code>{}</code>: {}</li>", esc(&f.rule), esc(msg)));
        }
        o.push_str("</ul>");
    }
    o.push_str("</div>");
    // Header.
    o.push_str(&format!(
        "<header><h1>{} {}</h1><table class=\"kv\">",
        esc(title),
        esc(inv.number.as_deref().unwrap_or(""))
    ));
    row(&mut o, l("Rechnungsdatum", "Issue date"), &date(&inv.issue_date, lang));
    row(&mut o, l("Fällig am", "Due date"), &date(&inv.due_date, lang));
    row(
        &mut o,
        l("Leistungsdatum", "Delivery date"),
        &date(&inv.delivery.as_ref().and_then(|d| d.date.clone()), lang),
    );
    if let Some(p) = &inv.period {
        row(
            &mut o,
            l("Leistungszeitraum", "Invoicing period"),
            &format!("{} – {}", date(&p.start, lang), date(&p.end, lang)),
        );
    }
    row(&mut o, l("Währung", "Currency"), &esc(&cur));
    row(
        &mut o,
        l("Käuferreferenz (Leitweg-ID)", "Buyer reference"),
        &esc(inv.buyer_reference.as_deref().unwrap_or("")),
    );
    row(
        &mut o,
        l("Bestellnummer", "Purchase order"),
        &esc(inv.purchase_order_reference.as_deref().unwrap_or("")),
    );
    row(
        &mut o,
        l("Auftragsnummer", "Sales order"),
        &esc(inv.sales_order_reference.as_deref().unwrap_or("")),
    );
    row(
        &mut o,
        l("Vertrag", "Contract"),
        &esc(inv.contract_reference.as_deref().unwrap_or("")),
    );
    row(
        &mut o,
        l("Projekt", "Project"),
        &esc(inv.project_reference.as_deref().unwrap_or("")),
    );
    row(
        &mut o,
        l("Vergabe / Los", "Tender or lot"),
        &esc(inv.tender_reference.as_deref().unwrap_or("")),
    );
    for p in &inv.preceding {
        row(
            &mut o,
            l("Bezug auf Rechnung", "Preceding invoice"),
            &format!("{} {}", esc(p.number.as_deref().unwrap_or("")), date(&p.date, lang)),
        );
    }
    o.push_str("</table></header>");
    o.push_str("<div class=\"parties\">");
    o.push_str(&party_html(l("Verkäufer", "Seller"), &inv.seller, lang));
    o.push_str(&party_html(l("Käufer", "Buyer"), &inv.buyer, lang));
    o.push_str("</div>");
    if let Some(p) = &inv.payee {
        o.push_str(&format!(
            "<h2>{}</h2><p>{}</p>",
            l("Zahlungsempfänger", "Payee"),
            esc(p.name.as_deref().unwrap_or(""))
        ));
    }
    if let Some(t) = &inv.tax_representative {
        o.push_str(&format!(
            "<h2>{}</h2><p>{}<br>{}<br>{}</p>",
            l("Steuervertreter", "Tax representative"),
            esc(t.name.as_deref().unwrap_or("")),
            address_html(&t.address),
            esc(t.vat_id.as_deref().unwrap_or(""))
        ));
    }
    if let Some(d) = &inv.delivery {
        if d.address.is_some() || d.party_name.is_some() {
            o.push_str(&format!(
                "<h2>{}</h2><p>{}<br>{}</p>",
                l("Lieferanschrift", "Deliver to"),
                esc(d.party_name.as_deref().unwrap_or("")),
                address_html(&d.address)
            ));
        }
    }
    // Lines.
    o.push_str(&format!(
        "<h2>{}</h2><table class=\"lines\"><thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        l("Positionen", "Lines"),
        l("Pos.", "No."),
        l("Bezeichnung", "Item"),
        l("Menge", "Quantity"),
        l("Einzelpreis", "Unit price"),
        l("USt.", "VAT"),
        l("Netto", "Net")
    ));
    for line in &inv.lines {
        let mut item = format!("<strong>{}</strong>", esc(line.item.name.as_deref().unwrap_or("")));
        if let Some(d) = &line.item.description {
            item.push_str(&format!("<br><span class=\"muted\">{}</span>", esc(d)));
        }
        if let Some(sid) = &line.item.seller_id {
            item.push_str(&format!(
                "<br><span class=\"muted\">{} {}</span>",
                l("Art.-Nr.", "Item no."),
                esc(sid)
            ));
        }
        if let Some(n) = &line.note {
            item.push_str(&format!("<br><span class=\"muted\">{}</span>", esc(n)));
        }
        for ac in &line.allowances_charges {
            let what = if ac.charge {
                l("Zuschlag", "Charge")
            } else {
                l("Nachlass", "Allowance")
            };
            item.push_str(&format!(
                "<br><span class=\"muted\">{what}: {} {}</span>",
                money(&ac.amount, &cur, lang),
                esc(ac.reason.as_deref().or(ac.reason_code.as_deref()).unwrap_or(""))
            ));
        }
        let rate = line
            .vat_rate
            .as_ref()
            .and_then(|r| r.value)
            .map(|r| format!("{} %", number(r.normalize(), 0, lang)))
            .unwrap_or_default();
        o.push_str(&format!(
            "<tr><td>{}</td><td>{item}</td><td class=\"num\">{} {}</td><td class=\"num\">{}</td><td class=\"num\">{} {}</td><td class=\"num\">{}</td></tr>",
            esc(line.id.as_deref().unwrap_or("")),
            qty(&line.quantity, lang),
            unit_name(line.unit.as_deref().unwrap_or(""), lang),
            money(&line.price.net, &cur, lang),
            esc(line.vat_category.as_deref().unwrap_or("")),
            rate,
            money(&line.net_amount, &cur, lang)
        ));
    }
    o.push_str("</tbody></table>");
    if !inv.allowances_charges.is_empty() {
        o.push_str(&format!(
            "<h2>{}</h2><table class=\"lines\"><tbody>",
            l("Nachlässe und Zuschläge", "Allowances and charges")
        ));
        for ac in &inv.allowances_charges {
            let what = if ac.charge {
                l("Zuschlag", "Charge")
            } else {
                l("Nachlass", "Allowance")
            };
            o.push_str(&format!(
                "<tr><td>{what}</td><td>{}</td><td>{} {}</td><td class=\"num\">{}</td></tr>",
                esc(ac.reason.as_deref().or(ac.reason_code.as_deref()).unwrap_or("")),
                esc(ac.vat_category.as_deref().unwrap_or("")),
                ac.vat_rate
                    .as_ref()
                    .map(|r| format!("{} %", esc(&r.raw)))
                    .unwrap_or_default(),
                money(&ac.amount, &cur, lang)
            ));
        }
        o.push_str("</tbody></table>");
    }
    // VAT breakdown.
    o.push_str(&format!(
        "<h2>{}</h2><table class=\"lines\"><thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        l("Umsatzsteuer", "VAT breakdown"),
        l("Kategorie", "Category"),
        l("Satz", "Rate"),
        l("Nettobetrag", "Taxable amount"),
        l("Steuer", "VAT")
    ));
    for b in &inv.vat_breakdown {
        let code = b.category.as_deref().unwrap_or("");
        let mut cat = format!("{} {}", esc(code), category_name(code, lang));
        if let Some(r) = b.exemption_reason.as_deref().or(b.exemption_code.as_deref()) {
            cat.push_str(&format!("<br><span class=\"muted\">{}</span>", esc(r)));
        }
        o.push_str(&format!(
            "<tr><td>{cat}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            b.rate
                .as_ref()
                .map(|r| format!("{} %", esc(&r.raw)))
                .unwrap_or_default(),
            money(&b.taxable, &cur, lang),
            money(&b.tax, &cur, lang)
        ));
    }
    o.push_str("</tbody></table>");
    // Totals.
    let t = &inv.totals;
    o.push_str(&format!("<h2>{}</h2><table class=\"kv\">", l("Summen", "Totals")));
    row(
        &mut o,
        l("Summe Positionen", "Sum of lines"),
        &money(&t.line_net, &cur, lang),
    );
    row(&mut o, l("Nachlässe", "Allowances"), &money(&t.allowances, &cur, lang));
    row(&mut o, l("Zuschläge", "Charges"), &money(&t.charges, &cur, lang));
    row(
        &mut o,
        l("Gesamt netto", "Total without VAT"),
        &money(&t.without_vat, &cur, lang),
    );
    row(&mut o, l("Umsatzsteuer", "VAT"), &money(&t.vat, &cur, lang));
    if let Some(v) = &t.vat_accounting {
        row(
            &mut o,
            l("Umsatzsteuer in Steuerwährung", "VAT in accounting currency"),
            &money(&Some(v.clone()), inv.tax_currency.as_deref().unwrap_or(""), lang),
        );
    }
    row(
        &mut o,
        l("Gesamt brutto", "Total with VAT"),
        &money(&t.with_vat, &cur, lang),
    );
    row(
        &mut o,
        l("Bereits gezahlt", "Paid amount"),
        &money(&t.prepaid, &cur, lang),
    );
    row(&mut o, l("Rundung", "Rounding"), &money(&t.rounding, &cur, lang));
    o.push_str(&format!(
        "<tr class=\"total\"><th>{}</th><td>{}</td></tr></table>",
        l("Zu zahlen", "Amount due"),
        money(&t.payable, &cur, lang)
    ));
    // Payment.
    o.push_str(&format!("<h2>{}</h2><table class=\"kv\">", l("Zahlung", "Payment")));
    if let Some(p) = &inv.payment {
        if let Some(c) = &p.means_code {
            row(&mut o, l("Zahlungsart", "Payment means"), &means_name(c, lang));
        }
        for ct in &p.credit_transfers {
            row(&mut o, "IBAN / Konto", &esc(ct.account.as_deref().unwrap_or("")));
            row(
                &mut o,
                l("Kontoinhaber", "Account name"),
                &esc(ct.account_name.as_deref().unwrap_or("")),
            );
            row(&mut o, "BIC", &esc(ct.provider.as_deref().unwrap_or("")));
        }
        row(
            &mut o,
            l("Verwendungszweck", "Remittance information"),
            &esc(p.remittance.as_deref().unwrap_or("")),
        );
        if let Some((number, holder)) = &p.card {
            row(
                &mut o,
                l("Karte", "Card"),
                &format!("…{} {}", esc(number), esc(holder.as_deref().unwrap_or(""))),
            );
        }
        row(
            &mut o,
            l("Mandatsreferenz", "Mandate reference"),
            &esc(p.mandate.as_deref().unwrap_or("")),
        );
        row(
            &mut o,
            l("Gläubiger-ID", "Creditor ID"),
            &esc(p.creditor_id.as_deref().unwrap_or("")),
        );
        row(
            &mut o,
            l("Belastetes Konto", "Debited account"),
            &esc(p.debited_account.as_deref().unwrap_or("")),
        );
    }
    if let Some(terms) = &inv.payment_terms {
        row(
            &mut o,
            l("Zahlungsbedingungen", "Payment terms"),
            &esc(terms).replace('\n', "<br>"),
        );
    }
    o.push_str("</table>");
    if !inv.notes.is_empty() {
        o.push_str(&format!("<h2>{}</h2>", l("Bemerkungen", "Notes")));
        for n in &inv.notes {
            o.push_str(&format!("<p>{}</p>", esc(&n.text).replace('\n', "<br>")));
        }
    }
    if !inv.supporting_documents.is_empty() {
        o.push_str(&format!("<h2>{}</h2><ul>", l("Anlagen", "Attachments")));
        for d in &inv.supporting_documents {
            let mut entry = esc(d.id.as_deref().unwrap_or(""));
            if let Some(desc) = &d.description {
                entry.push_str(&format!(" – {}", esc(desc)));
            }
            if let Some(a) = &d.attachment {
                let bytes = a.base64.trim().len() * 3 / 4;
                entry.push_str(&format!(
                    " <span class=\"muted\">({}, {}, ca. {} KB)</span>",
                    esc(a.filename.as_deref().unwrap_or("")),
                    esc(a.mime.as_deref().unwrap_or("")),
                    bytes / 1024
                ));
            }
            if let Some(u) = &d.uri {
                entry.push_str(&format!(" <span class=\"muted\">{}</span>", esc(u)));
            }
            o.push_str(&format!("<li>{entry}</li>"));
        }
        o.push_str("</ul>");
    }
    o.push_str(&format!(
        "<p class=\"muted\">{} {}</p></body></html>\n",
        l(
            "Darstellung der elektronischen Rechnung durch kontor. Maßgeblich ist die XML-Datei",
            "Rendering of the electronic invoice by kontor. The XML file is authoritative"
        ),
        esc(report
            .container
            .as_deref()
            .map(|c| format!("({c})"))
            .as_deref()
            .unwrap_or(""))
    ));
    o
}

/// Reads, validates and renders any input (XML or PDF). An unreadable file
/// gives a page that says why; `Err` carries that page too, so callers can
/// show it and still know the invoice could not be read.
pub fn page(bytes: &[u8], lang: Lang, options: crate::validate::Options) -> Result<String, String> {
    let report = crate::validate::validate_with(bytes, options);
    match crate::read::read(bytes) {
        Ok(r) => Ok(html(&r.invoice, &report, lang)),
        Err(_) => {
            let l = |de: &'static str, en: &'static str| lang.pick(de, en);
            let mut o = format!(
                "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><div class=\"status bad\"><strong>{}</strong><ul>",
                l("de", "en"),
                l("Keine lesbare E-Rechnung", "No readable e-invoice"),
                l("Formatfehler: keine lesbare E-Rechnung", "Format error: no readable e-invoice")
            );
            for f in &report.findings {
                o.push_str(&format!(
                    "<li>{}</li>",
                    esc(if lang == Lang::De { &f.de } else { &f.en })
                ));
            }
            o.push_str("</ul></div></body></html>\n");
            Err(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        let d = |s: &str| crate::model::parse_decimal(s).unwrap_or_default();
        assert_eq!(number(d("1234567.5"), 2, Lang::De), "1.234.567,50");
        assert_eq!(number(d("1234567.5"), 2, Lang::En), "1,234,567.50");
        assert_eq!(number(d("-12.345"), 2, Lang::De), "-12,345");
        assert_eq!(esc("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
