//! Writing ZUGFeRD / Factur-X: a PDF/A-3b document with a visible invoice
//! page and the CII XML embedded as an associated file (`/AF`,
//! relationship `Alternative`), the Factur-X XMP metadata (with its PDF/A
//! extension schema), an sRGB output intent and an embedded TrueType font.
//! The font is passed in (kontor finds a system font), so the crate stays
//! pure.

use lopdf::{dictionary, Document, Object, Stream, StringFormat};

use crate::model::*;
use crate::render::Lang;

/// The Factur-X / ZUGFeRD profile written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// EN 16931 (COMFORT): `factur-x.xml`, BT-24 `urn:cen.eu:en16931:2017`.
    En16931,
    /// XRECHNUNG: `xrechnung.xml`, BT-24 the XRechnung 3.0 identifier.
    XRechnung,
}

impl Profile {
    pub fn file_name(self) -> &'static str {
        match self {
            Profile::En16931 => "factur-x.xml",
            Profile::XRechnung => "xrechnung.xml",
        }
    }

    fn conformance(self) -> &'static str {
        match self {
            Profile::En16931 => "EN 16931",
            Profile::XRechnung => "XRECHNUNG",
        }
    }

    pub fn specification(self) -> &'static str {
        match self {
            Profile::En16931 => "urn:cen.eu:en16931:2017",
            Profile::XRechnung => crate::validate::XRECHNUNG_30,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ZugferdError {
    #[error("the font is not a readable TrueType font")]
    Font,
    #[error("the creation time must look like 2026-11-27T09:30:00Z")]
    Time,
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// A TrueType font's data and the metrics the PDF needs.
struct Font {
    name: String,
    widths: Vec<i64>,
    ascent: i64,
    descent: i64,
    cap_height: i64,
    bbox: [i64; 4],
    italic_angle: f32,
}

/// The byte of each Windows-1252 code 0x80–0x9F.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

fn cp1252_char(code: u8) -> char {
    match code {
        0x80..=0x9F => CP1252_HIGH[usize::from(code - 0x80)],
        c => char::from(c),
    }
}

/// Text in WinAnsi encoding (characters outside it become `?`).
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match u32::from(c) {
            0x20..=0x7E | 0xA0..=0xFF => c as u8,
            _ => CP1252_HIGH
                .iter()
                .position(|x| *x == c)
                .map_or(b'?', |i| 0x80 + i as u8),
        })
        .collect()
}

fn load_font(data: &[u8]) -> Result<Font, ZugferdError> {
    let face = ttf_parser::Face::parse(data, 0).map_err(|_| ZugferdError::Font)?;
    let upem = i64::from(face.units_per_em()).max(1);
    let scale = |v: i64| v * 1000 / upem;
    let widths = (32u8..=255)
        .map(|code| {
            let c = cp1252_char(code);
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(0, |w| scale(i64::from(w)))
        })
        .collect();
    let name = face
        .names()
        .into_iter()
        .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .and_then(|n| n.to_string())
        .unwrap_or_else(|| "KontorSans".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let b = face.global_bounding_box();
    Ok(Font {
        name,
        widths,
        ascent: scale(i64::from(face.ascender())),
        descent: scale(i64::from(face.descender())),
        cap_height: scale(i64::from(face.capital_height().unwrap_or(face.ascender()))),
        bbox: [
            scale(i64::from(b.x_min)),
            scale(i64::from(b.y_min)),
            scale(i64::from(b.x_max)),
            scale(i64::from(b.y_max)),
        ],
        italic_angle: face.italic_angle(),
    })
}

impl Font {
    /// Width of text in points at `size`.
    fn width(&self, text: &[u8], size: f32) -> f32 {
        text.iter()
            .map(|b| {
                self.widths
                    .get(usize::from(b.saturating_sub(32)))
                    .copied()
                    .unwrap_or(500) as f32
            })
            .sum::<f32>()
            * size
            / 1000.0
    }
}

/// Lays out text on A4 pages, top to bottom, starting new pages as needed.
struct Pages<'f> {
    font: &'f Font,
    pages: Vec<Vec<u8>>,
    y: f32,
}

const TOP: f32 = 800.0;
const LEFT: f32 = 50.0;
const RIGHT: f32 = 545.0;
const BOTTOM: f32 = 60.0;

impl<'f> Pages<'f> {
    fn new(font: &'f Font) -> Self {
        Self {
            font,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn need(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn text_at(&mut self, x: f32, size: f32, text: &str) {
        let bytes = win_ansi(text);
        let mut escaped = Vec::with_capacity(bytes.len());
        for b in bytes {
            if matches!(b, b'(' | b')' | b'\\') {
                escaped.push(b'\\');
            }
            escaped.push(b);
        }
        let Some(page) = self.pages.last_mut() else { return };
        page.extend_from_slice(format!("BT /F1 {size} Tf {x:.2} {:.2} Td (", self.y).as_bytes());
        page.extend_from_slice(&escaped);
        page.extend_from_slice(b") Tj ET\n");
    }

    /// Text ending at `x` (right-aligned).
    fn right_at(&mut self, x: f32, size: f32, text: &str) {
        let w = self.font.width(&win_ansi(text), size);
        self.text_at(x - w, size, text);
    }

    /// Cuts text to fit `max` points.
    fn fit(&self, text: &str, size: f32, max: f32) -> String {
        let mut out = String::new();
        for c in text.chars() {
            out.push(c);
            if self.font.width(&win_ansi(&out), size) > max {
                out.pop();
                out.push('…');
                break;
            }
        }
        out
    }

    fn line(&mut self, size: f32, text: &str) {
        self.need(size * 1.4);
        let t = self.fit(text, size, RIGHT - LEFT);
        self.text_at(LEFT, size, &t);
        self.y -= size * 1.4;
    }

    fn rule(&mut self) {
        let Some(page) = self.pages.last_mut() else { return };
        page.extend_from_slice(
            format!("0.5 w {LEFT} {:.2} m {RIGHT} {:.2} l S\n", self.y + 3.0, self.y + 3.0).as_bytes(),
        );
        self.y -= 11.0;
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }
}

fn amount_text(a: &Option<Amount>, cur: &str) -> String {
    a.as_ref().map(|a| format!("{} {cur}", a.raw)).unwrap_or_default()
}

fn address_lines(a: &Option<Address>) -> Vec<String> {
    let Some(a) = a else { return vec![] };
    let mut v: Vec<String> = [&a.line1, &a.line2, &a.line3].into_iter().flatten().cloned().collect();
    let city = [a.postcode.as_deref(), a.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !city.is_empty() {
        v.push(city);
    }
    if let Some(c) = &a.country {
        v.push(c.clone());
    }
    v
}

/// The visible page: the invoice as people read it.
fn draw(inv: &Invoice, font: &Font, lang: Lang) -> Vec<Vec<u8>> {
    let de = lang == Lang::De;
    let l = |g: &'static str, e: &'static str| if de { g } else { e };
    let cur = inv.currency.clone().unwrap_or_default();
    let mut p = Pages::new(font);
    p.line(9.0, inv.seller.name.as_deref().unwrap_or(""));
    for a in address_lines(&inv.seller.address) {
        p.line(9.0, &a);
    }
    p.gap(14.0);
    p.line(10.0, inv.buyer.name.as_deref().unwrap_or(""));
    for a in address_lines(&inv.buyer.address) {
        p.line(10.0, &a);
    }
    p.gap(18.0);
    let title = if crate::write::is_credit_note(inv) {
        l("Gutschrift", "Credit note")
    } else {
        l("Rechnung", "Invoice")
    };
    p.line(16.0, &format!("{title} {}", inv.number.as_deref().unwrap_or("")));
    let mut meta = vec![(l("Rechnungsdatum", "Issue date"), inv.issue_date.clone())];
    meta.push((l("Fällig am", "Due date"), inv.due_date.clone()));
    meta.push((l("Käuferreferenz", "Buyer reference"), inv.buyer_reference.clone()));
    meta.push((
        l("Bestellnummer", "Purchase order"),
        inv.purchase_order_reference.clone(),
    ));
    if let Some(per) = &inv.period {
        meta.push((
            l("Leistungszeitraum", "Period"),
            Some(format!(
                "{} – {}",
                per.start.as_deref().unwrap_or(""),
                per.end.as_deref().unwrap_or("")
            )),
        ));
    }
    meta.push((
        l("Leistungsdatum", "Delivery date"),
        inv.delivery.as_ref().and_then(|d| d.date.clone()),
    ));
    for (k, v) in meta {
        if let Some(v) = v {
            p.line(9.0, &format!("{k}: {v}"));
        }
    }
    p.gap(10.0);
    // Lines.
    let size = 8.5;
    p.need(20.0);
    p.text_at(LEFT, size, l("Pos.", "No."));
    p.text_at(LEFT + 35.0, size, l("Bezeichnung", "Item"));
    p.right_at(370.0, size, l("Menge", "Quantity"));
    p.right_at(440.0, size, l("Preis", "Price"));
    p.right_at(475.0, size, l("USt.", "VAT"));
    p.right_at(RIGHT, size, l("Netto", "Net"));
    p.gap(size * 1.2);
    p.rule();
    for line in &inv.lines {
        p.need(size * 1.5);
        p.text_at(LEFT, size, line.id.as_deref().unwrap_or(""));
        let name = p.fit(line.item.name.as_deref().unwrap_or(""), size, 240.0);
        p.text_at(LEFT + 35.0, size, &name);
        let q = format!(
            "{} {}",
            line.quantity.as_ref().map(|q| q.raw.as_str()).unwrap_or(""),
            line.unit.as_deref().unwrap_or("")
        );
        p.right_at(370.0, size, &q);
        p.right_at(
            440.0,
            size,
            &line.price.net.as_ref().map(|a| a.raw.clone()).unwrap_or_default(),
        );
        let rate = line
            .vat_rate
            .as_ref()
            .map(|r| format!("{} %", r.raw))
            .unwrap_or_default();
        p.right_at(475.0, size, &rate);
        p.right_at(RIGHT, size, &amount_text(&line.net_amount, &cur));
        p.gap(size * 1.5);
    }
    p.rule();
    // VAT and totals.
    for b in &inv.vat_breakdown {
        p.need(size * 1.5);
        let label = format!(
            "{} {} {} % {} {}",
            l("USt.", "VAT"),
            b.category.as_deref().unwrap_or(""),
            b.rate.as_ref().map(|r| r.raw.as_str()).unwrap_or(""),
            l("auf", "on"),
            amount_text(&b.taxable, &cur)
        );
        p.text_at(300.0, size, &label);
        p.right_at(RIGHT, size, &amount_text(&b.tax, &cur));
        p.gap(size * 1.5);
    }
    let t = &inv.totals;
    for (label, a) in [
        (l("Gesamt netto", "Total net"), &t.without_vat),
        (l("Umsatzsteuer", "VAT"), &t.vat),
        (l("Gesamt brutto", "Total"), &t.with_vat),
        (l("Bereits gezahlt", "Paid"), &t.prepaid),
        (l("Zu zahlen", "Amount due"), &t.payable),
    ] {
        if a.is_some() {
            p.need(size * 1.6);
            p.text_at(300.0, size + 0.5, label);
            p.right_at(RIGHT, size + 0.5, &amount_text(a, &cur));
            p.gap(size * 1.6);
        }
    }
    p.gap(10.0);
    if let Some(pay) = &inv.payment {
        for ct in &pay.credit_transfers {
            if let Some(acc) = &ct.account {
                p.line(
                    9.0,
                    &format!(
                        "IBAN {acc}  {}",
                        ct.provider.as_deref().map(|b| format!("BIC {b}")).unwrap_or_default()
                    ),
                );
            }
        }
        if let Some(r) = &pay.remittance {
            p.line(9.0, &format!("{}: {r}", l("Verwendungszweck", "Reference")));
        }
        if let Some(m) = &pay.mandate {
            p.line(9.0, &format!("{}: {m}", l("Mandatsreferenz", "Mandate")));
        }
    }
    if let Some(terms) = &inv.payment_terms {
        for line in terms.lines().filter(|x| !x.trim().is_empty()) {
            p.line(9.0, line.trim());
        }
    }
    for n in &inv.notes {
        for line in n.text.lines().filter(|x| !x.trim().is_empty()) {
            p.line(8.0, line.trim());
        }
    }
    p.gap(8.0);
    let mut footer = vec![];
    if let Some(v) = &inv.seller.vat_id {
        footer.push(format!("{} {v}", l("USt-IdNr.", "VAT ID")));
    }
    if let Some(v) = &inv.seller.tax_registration {
        footer.push(format!("{} {v}", l("Steuernummer", "Tax number")));
    }
    if let Some(v) = &inv.seller.legal_info {
        footer.push(v.clone());
    }
    for f in footer {
        p.line(7.5, &f);
    }
    p.line(
        7.5,
        l(
            "Diese PDF-Datei enthält die Rechnung als strukturierte Daten (ZUGFeRD/Factur-X); maßgeblich sind diese Daten.",
            "This PDF contains the invoice as structured data (ZUGFeRD/Factur-X); the data is authoritative.",
        ),
    );
    p.pages
}

/// A minimal ICC v2 display profile with the sRGB primaries (D50-adapted)
/// and a 2.2 gamma, for the PDF/A output intent.
fn srgb_icc() -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
        let mut v = b"XYZ \0\0\0\0".to_vec();
        v.extend(s15(x));
        v.extend(s15(y));
        v.extend(s15(z));
        v
    }
    let curve = {
        let mut v = b"curv\0\0\0\0".to_vec();
        v.extend(1u32.to_be_bytes());
        v.extend(0x0233u16.to_be_bytes());
        v.extend([0, 0]);
        v
    };
    let desc = {
        let text = b"kontor sRGB\0";
        let mut v = b"desc\0\0\0\0".to_vec();
        v.extend((text.len() as u32).to_be_bytes());
        v.extend(text);
        v.extend([0u8; 4 + 4 + 2 + 1 + 67]);
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    };
    let cprt = {
        let mut v = b"text\0\0\0\0".to_vec();
        v.extend(b"No copyright, use freely\0");
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    };
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"cprt", cprt),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let table_len = 4 + 12 * tags.len();
    let mut offset = 128 + table_len;
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut data: Vec<u8> = Vec::new();
    for (sig, body) in &tags {
        table.extend(*sig);
        table.extend((offset as u32).to_be_bytes());
        table.extend((body.len() as u32).to_be_bytes());
        data.extend(body);
        offset += body.len();
    }
    let size = 128 + table.len() + data.len();
    let mut h = Vec::with_capacity(size);
    h.extend((size as u32).to_be_bytes());
    h.extend([0u8; 4]); // CMM
    h.extend(0x0210_0000u32.to_be_bytes());
    h.extend(b"mntr");
    h.extend(b"RGB ");
    h.extend(b"XYZ ");
    for v in [2026u16, 1, 1, 0, 0, 0] {
        h.extend(v.to_be_bytes());
    }
    h.extend(b"acsp");
    h.extend([0u8; 4 + 4 + 4 + 4 + 8]); // platform, flags, manufacturer, model, attributes
    h.extend(0u32.to_be_bytes()); // rendering intent
    h.extend(s15(0.9642));
    h.extend(s15(1.0));
    h.extend(s15(0.8249));
    h.extend([0u8; 4]); // creator
    h.resize(128, 0);
    h.extend(table);
    h.extend(data);
    h
}

/// `2026-11-27T09:30:00Z` → the parts.
fn parse_time(t: &str) -> Option<[u32; 6]> {
    let b = t.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| t.get(r)?.parse::<u32>().ok();
    Some([n(0..4)?, n(5..7)?, n(8..10)?, n(11..13)?, n(14..16)?, n(17..19)?])
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xmp(profile: Profile, title: &str, author: &str, created: &str) -> String {
    let prop = |name: &str, desc: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>{desc}</pdfaProperty:description></rdf:li>"
        )
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:format>application/pdf</dc:format><dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title><dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"><xmp:CreatorTool>kontor</xmp:CreatorTool><xmp:CreateDate>{created}</xmp:CreateDate><xmp:ModifyDate>{created}</xmp:ModifyDate></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"><pdf:Producer>kontor</pdf:Producer></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:fx=\"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#\"><fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>{file}</fx:DocumentFileName><fx:Version>1.0</fx:Version><fx:ConformanceLevel>{level}</fx:ConformanceLevel></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\"><pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\"><pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema><pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>{p1}{p2}{p3}{p4}</rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>\n\
</rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>",
        file = profile.file_name(),
        level = profile.conformance(),
        p1 = prop("DocumentFileName", "The name of the embedded XML document"),
        p2 = prop("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE"),
        p3 = prop("Version", "The version of the standard applying to the embedded XML document"),
        p4 = prop("ConformanceLevel", "The conformance level of the embedded XML document"),
    )
}

/// Two FNV-1a hashes of the content as the PDF file identifier.
fn file_id(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    for seed in [0xcbf2_9ce4_8422_2325u64, 0x8422_2325_cbf2_9ce4] {
        let mut h = seed;
        for p in parts {
            for b in *p {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        out.extend(h.to_be_bytes());
    }
    out
}

/// Writes the invoice as a ZUGFeRD / Factur-X PDF/A-3b. The invoice's BT-24
/// is set to the profile's identifier; `created` (UTC, `2026-11-27T09:30:00Z`)
/// dates the document; `font` is a TrueType font for the visible page.
pub fn pdf(inv: &Invoice, profile: Profile, lang: Lang, font: &[u8], created: &str) -> Result<Vec<u8>, ZugferdError> {
    let t = parse_time(created).ok_or(ZugferdError::Time)?;
    let metrics = load_font(font)?;
    let mut inv = inv.clone();
    inv.syntax = Syntax::Cii;
    // An XRechnung extension or CVD invoice keeps its identifier.
    let keep = profile == Profile::XRechnung && inv.specification.as_deref().is_some_and(crate::validate::is_xrechnung);
    if !keep {
        inv.specification = Some(profile.specification().to_string());
    }
    let xml = crate::write::cii(&inv);
    let pdf_date = format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        t[0], t[1], t[2], t[3], t[4], t[5]
    );
    let xmp_date = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        t[0], t[1], t[2], t[3], t[4], t[5]
    );
    let title = format!(
        "{} {}",
        if lang == Lang::De { "Rechnung" } else { "Invoice" },
        inv.number.as_deref().unwrap_or("")
    );
    let author = inv.seller.name.clone().unwrap_or_default();

    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    // Font.
    let mut font_file = Stream::new(dictionary! { "Length1" => font.len() as i64 }, font.to_vec());
    font_file.compress().map_err(|e| ZugferdError::Pdf(e.to_string()))?;
    let font_file_id = doc.add_object(font_file);
    let descriptor_id = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(metrics.name.clone().into_bytes()),
        "Flags" => 32,
        "FontBBox" => metrics.bbox.iter().map(|v| Object::Integer(*v)).collect::<Vec<_>>(),
        "ItalicAngle" => Object::Real(metrics.italic_angle),
        "Ascent" => metrics.ascent,
        "Descent" => metrics.descent,
        "CapHeight" => metrics.cap_height,
        "StemV" => 80,
        "FontFile2" => font_file_id,
    });
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "TrueType",
        "BaseFont" => Object::Name(metrics.name.clone().into_bytes()),
        "FirstChar" => 32,
        "LastChar" => 255,
        "Widths" => metrics.widths.iter().map(|w| Object::Integer(*w)).collect::<Vec<_>>(),
        "Encoding" => "WinAnsiEncoding",
        "FontDescriptor" => descriptor_id,
    });
    // Pages.
    let mut kids = Vec::new();
    for content in draw(&inv, &metrics, lang) {
        let mut stream = Stream::new(dictionary! {}, content);
        stream.compress().map_err(|e| ZugferdError::Pdf(e.to_string()))?;
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(595.28), Object::Real(841.89)],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
            "Contents" => content_id,
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    // The embedded invoice XML.
    let mut embedded = Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => Object::Name(b"text/xml".to_vec()),
            "Params" => dictionary! {
                "ModDate" => Object::String(pdf_date.clone().into_bytes(), StringFormat::Literal),
                "Size" => xml.len() as i64,
            },
        },
        xml.clone(),
    );
    embedded.compress().map_err(|e| ZugferdError::Pdf(e.to_string()))?;
    let embedded_id = doc.add_object(embedded);
    let name = || Object::String(profile.file_name().as_bytes().to_vec(), StringFormat::Literal);
    let filespec_id = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => name(),
        "UF" => name(),
        "Desc" => Object::string_literal("Factur-X / ZUGFeRD invoice data"),
        "AFRelationship" => "Alternative",
        "EF" => dictionary! { "F" => embedded_id, "UF" => embedded_id },
    });
    // Metadata and output intent.
    let metadata = xmp(profile, &xml_escape(&title), &xml_escape(&author), &xmp_date);
    let metadata_id = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        metadata.into_bytes(),
    ));
    let mut icc = Stream::new(dictionary! { "N" => 3 }, srgb_icc());
    icc.compress().map_err(|e| ZugferdError::Pdf(e.to_string()))?;
    let icc_id = doc.add_object(icc);
    let intent_id = doc.add_object(dictionary! {
        "Type" => "OutputIntent",
        "S" => "GTS_PDFA1",
        "OutputConditionIdentifier" => Object::string_literal("sRGB"),
        "Info" => Object::string_literal("sRGB IEC61966-2.1"),
        "DestOutputProfile" => icc_id,
    });
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Metadata" => metadata_id,
        "OutputIntents" => vec![Object::Reference(intent_id)],
        "Names" => dictionary! {
            "EmbeddedFiles" => dictionary! { "Names" => vec![name(), Object::Reference(filespec_id)] },
        },
        "AF" => vec![Object::Reference(filespec_id)],
        "Lang" => Object::string_literal(if lang == Lang::De { "de-DE" } else { "en" }),
        "ViewerPreferences" => dictionary! { "DisplayDocTitle" => true },
    });
    let info_id = doc.add_object(dictionary! {
        "Title" => Object::String(win_ansi(&title), StringFormat::Literal),
        "Author" => Object::String(win_ansi(&author), StringFormat::Literal),
        "Creator" => Object::string_literal("kontor"),
        "Producer" => Object::string_literal("kontor"),
        "CreationDate" => Object::String(pdf_date.clone().into_bytes(), StringFormat::Literal),
        "ModDate" => Object::String(pdf_date.into_bytes(), StringFormat::Literal),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let id = file_id(&[&xml, created.as_bytes()]);
    doc.trailer.set(
        "ID",
        vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ],
    );
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| ZugferdError::Pdf(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icc_profile_header_is_consistent() {
        let icc = srgb_icc();
        assert_eq!(u32::from_be_bytes([icc[0], icc[1], icc[2], icc[3]]) as usize, icc.len());
        assert_eq!(&icc[36..40], b"acsp");
        assert_eq!(&icc[12..20], b"mntrRGB ");
    }

    #[test]
    fn text_is_win_ansi() {
        assert_eq!(
            win_ansi("Größe 5 €"),
            vec![b'G', b'r', 0xF6, 0xDF, b'e', b' ', b'5', b' ', 0x80]
        );
        assert_eq!(win_ansi("日"), vec![b'?']);
        assert_eq!(parse_time("2026-11-27T09:30:00Z"), Some([2026, 11, 27, 9, 30, 0]));
        assert_eq!(parse_time("2026-11-27 09:30"), None);
    }
}
