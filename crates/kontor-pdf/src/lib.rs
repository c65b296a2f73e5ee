//! Report PDFs: a title, a few lines of context and a table, on A4 pages
//! with the table heading repeated and "page n of m" at the foot. Text is
//! set in the PDF standard fonts Helvetica and Helvetica-Bold with
//! WinAnsiEncoding, so nothing is embedded and no font must be installed;
//! numbers are right-aligned with the fonts' real widths. The output is
//! deterministic: the same table gives the same bytes.

use lopdf::{dictionary, Document, Object, Stream, StringFormat};

/// Advance widths (1/1000 em) of WinAnsi codes 32–255 in Helvetica
/// (measured from Liberation Sans, which is metric-compatible).
const REGULAR: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584, 0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222, 333,
    333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370,
    556, 584, 333, 737, 552, 400, 549, 333, 333, 333, 576, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667,
    667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778,
    722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 549, 611, 556, 556, 556, 556, 500, 556, 500,
];
/// The same for Helvetica-Bold.
const BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611,
    556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
    280, 389, 584, 0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278, 500,
    500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370,
    556, 584, 333, 737, 552, 400, 549, 333, 333, 333, 576, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, 722, 722,
    722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778,
    722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 549, 611, 611, 611, 611, 611, 556, 611, 556,
];

/// The characters of Windows-1252 codes 0x80–0x9F.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Text in WinAnsi encoding; characters outside it become `?` (the minus
/// sign becomes a hyphen).
pub fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match u32::from(c) {
            0x20..=0x7E | 0xA0..=0xFF => c as u8,
            0x2212 => b'-',
            _ => CP1252_HIGH
                .iter()
                .position(|x| *x == c)
                .map_or(b'?', |i| 0x80 + i as u8),
        })
        .collect()
}

fn width(text: &[u8], bold: bool, size: f32) -> f32 {
    let table = if bold { &BOLD } else { &REGULAR };
    text.iter()
        .map(|b| f32::from(table.get(usize::from(b.saturating_sub(32))).copied().unwrap_or(556)))
        .sum::<f32>()
        * size
        / 1000.0
}

/// A column: its heading, whether it holds amounts (right-aligned), and its
/// share of the page width relative to the other columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub heading: String,
    pub numeric: bool,
    pub weight: f32,
}

impl Column {
    pub fn text(heading: &str, weight: f32) -> Self {
        Self {
            heading: heading.into(),
            numeric: false,
            weight,
        }
    }

    pub fn number(heading: &str, weight: f32) -> Self {
        Self {
            heading: heading.into(),
            numeric: true,
            weight,
        }
    }
}

/// A row; `bold` for totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub cells: Vec<String>,
    pub bold: bool,
}

/// A report: title, context lines (company, period, as-of), columns, rows
/// and a footer text (e.g. who printed it when).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub title: String,
    pub context: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub footer: String,
    /// "Seite" or "Page".
    pub page_word: String,
    /// "von" or "of".
    pub of_word: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("a report needs at least one column")]
    NoColumns,
    #[error("row {row} has {got} cells, the report has {want} columns")]
    Cells { row: usize, got: usize, want: usize },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 40.0;
const RIGHT: f32 = PAGE_W - 40.0;
const TOP: f32 = PAGE_H - 45.0;
const BOTTOM: f32 = 55.0;
const SIZE: f32 = 8.0;
const LINE: f32 = 11.0;
const GAP: f32 = 6.0;

struct Writer {
    pages: Vec<Vec<u8>>,
    y: f32,
}

impl Writer {
    fn page(&mut self) -> &mut Vec<u8> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &[u8]) {
        let page = self.page();
        page.extend_from_slice(
            format!("BT /{} {size} Tf {x:.2} {y:.2} Td (", if bold { "F2" } else { "F1" }).as_bytes(),
        );
        for &b in text {
            if matches!(b, b'(' | b')' | b'\\') {
                page.push(b'\\');
            }
            page.push(b);
        }
        page.extend_from_slice(b") Tj ET\n");
    }

    fn rule(&mut self, y: f32, w: f32) {
        self.page()
            .extend_from_slice(format!("{w} w {LEFT} {y:.2} m {RIGHT} {y:.2} l S\n").as_bytes());
    }
}

/// Cuts `text` to fit `max` points, ending in an ellipsis when cut.
fn fit(text: &str, bold: bool, size: f32, max: f32) -> Vec<u8> {
    let bytes = win_ansi(text);
    if width(&bytes, bold, size) <= max {
        return bytes;
    }
    let ellipsis = width(&[0x85], bold, size);
    let mut out = Vec::new();
    for b in bytes {
        if width(&out, bold, size) + width(&[b], bold, size) + ellipsis > max {
            break;
        }
        out.push(b);
    }
    out.push(0x85);
    out
}

/// Lays the report out and writes the PDF.
pub fn report(r: &Report) -> Result<Vec<u8>, PdfError> {
    if r.columns.is_empty() {
        return Err(PdfError::NoColumns);
    }
    if let Some((i, row)) = r
        .rows
        .iter()
        .enumerate()
        .find(|(_, row)| row.cells.len() != r.columns.len())
    {
        return Err(PdfError::Cells {
            row: i + 1,
            got: row.cells.len(),
            want: r.columns.len(),
        });
    }
    let total: f32 = r.columns.iter().map(|c| c.weight.max(0.1)).sum();
    let mut xs = Vec::with_capacity(r.columns.len());
    let mut x = LEFT;
    for c in &r.columns {
        let w = (RIGHT - LEFT) * c.weight.max(0.1) / total;
        xs.push((x, w));
        x += w;
    }
    let mut w = Writer {
        pages: Vec::new(),
        y: 0.0,
    };
    let heading = |w: &mut Writer| {
        w.pages.push(Vec::new());
        w.y = TOP;
        let title = fit(&r.title, true, 13.0, RIGHT - LEFT);
        w.text(LEFT, w.y, 13.0, true, &title);
        w.y -= 17.0;
        for line in &r.context {
            let t = fit(line, false, 9.0, RIGHT - LEFT);
            w.text(LEFT, w.y, 9.0, false, &t);
            w.y -= 12.0;
        }
        w.y -= GAP;
        for (c, (x, cw)) in r.columns.iter().zip(&xs) {
            let t = fit(&c.heading, true, SIZE, cw - 4.0);
            let tx = if c.numeric {
                x + cw - 2.0 - width(&t, true, SIZE)
            } else {
                *x
            };
            w.text(tx, w.y, SIZE, true, &t);
        }
        w.rule(w.y - 3.0, 0.6);
        w.y -= LINE + 1.0;
    };
    heading(&mut w);
    for row in &r.rows {
        if w.y < BOTTOM {
            heading(&mut w);
        }
        if row.bold {
            w.rule(w.y + LINE - 2.5, 0.3);
        }
        for ((cell, c), (x, cw)) in row.cells.iter().zip(&r.columns).zip(&xs) {
            let t = fit(cell, row.bold, SIZE, cw - 4.0);
            let tx = if c.numeric {
                x + cw - 2.0 - width(&t, row.bold, SIZE)
            } else {
                *x
            };
            w.text(tx, w.y, SIZE, row.bold, &t);
        }
        w.y -= LINE;
    }
    // Footers, now that the page count is known.
    let n = w.pages.len();
    for i in 0..n {
        let foot = win_ansi(&format!("{} {} {} {n}", r.page_word, i + 1, r.of_word));
        let mut page = std::mem::take(&mut w.pages[i]);
        let mut tmp = Writer {
            pages: vec![std::mem::take(&mut page)],
            y: 0.0,
        };
        tmp.rule(BOTTOM - 12.0, 0.3);
        let left = fit(&r.footer, false, 7.0, (RIGHT - LEFT) * 0.7);
        tmp.text(LEFT, BOTTOM - 22.0, 7.0, false, &left);
        tmp.text(RIGHT - width(&foot, false, 7.0), BOTTOM - 22.0, 7.0, false, &foot);
        w.pages[i] = tmp.pages.pop().unwrap_or_default();
    }
    assemble(&r.title, w.pages)
}

/// A plain document page by page: each line in 10 pt (a line starting
/// with `# ` in bold 13 pt), long lines wrapped at the margin. Demo
/// documents and generated test archives are written this way.
pub fn letter(title: &str, lines: &[String]) -> Result<Vec<u8>, PdfError> {
    let mut w = Writer {
        pages: vec![Vec::new()],
        y: TOP,
    };
    for line in lines {
        let (bold, size, text) = match line.strip_prefix("# ") {
            Some(t) => (true, 13.0, t),
            None => (false, 10.0, line.as_str()),
        };
        let mut rest = win_ansi(text);
        loop {
            if w.y < BOTTOM {
                w.pages.push(Vec::new());
                w.y = TOP;
            }
            // As many whole words as fit.
            let mut cut = rest.len();
            while width(&rest[..cut], bold, size) > RIGHT - LEFT {
                cut = rest[..cut].iter().rposition(|&b| b == b' ').unwrap_or(cut - 1).max(1);
            }
            let (now, later) = rest.split_at(cut);
            w.text(LEFT, w.y, size, bold, now);
            w.y -= size * 1.4;
            let later: Vec<u8> = later.iter().copied().skip_while(|&b| b == b' ').collect();
            if later.is_empty() {
                break;
            }
            rest = later;
        }
    }
    assemble(title, w.pages)
}

fn assemble(title: &str, pages: Vec<Vec<u8>>) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = |name: &str| {
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => Object::Name(name.as_bytes().to_vec()),
            "Encoding" => "WinAnsiEncoding",
        }
    };
    let f1 = doc.add_object(font("Helvetica"));
    let f2 = doc.add_object(font("Helvetica-Bold"));
    let mut kids = Vec::new();
    for content in pages {
        let mut stream = Stream::new(dictionary! {}, content);
        stream.compress().map_err(|e| PdfError::Write(e.to_string()))?;
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(PAGE_W), Object::Real(PAGE_H)],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => f1, "F2" => f2 } },
            "Contents" => content_id,
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info = doc.add_object(dictionary! {
        "Title" => Object::String(win_ansi(title), StringFormat::Literal),
        "Producer" => Object::string_literal("kontor"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample(rows: usize) -> Report {
        Report {
            title: "Summen- und Saldenliste · Müller GmbH".into(),
            context: vec!["01.01.2026 – 31.12.2026".into()],
            columns: vec![
                Column::text("Konto", 1.0),
                Column::text("Bezeichnung", 4.0),
                Column::number("Saldo", 2.0),
            ],
            rows: (0..rows)
                .map(|i| Row {
                    cells: vec![
                        format!("{:04}", 1000 + i),
                        "Forderungen (Ärger) €".into(),
                        format!("−{i}.234,56"),
                    ],
                    bold: i + 1 == rows,
                })
                .collect(),
            footer: "kontor".into(),
            page_word: "Seite".into(),
            of_word: "von".into(),
        }
    }

    #[test]
    fn a_long_table_breaks_into_numbered_pages_and_is_deterministic() {
        let a = report(&sample(200)).unwrap();
        assert_eq!(a, report(&sample(200)).unwrap());
        let doc = Document::load_mem(&a).unwrap();
        let pages = doc.get_pages();
        assert!(pages.len() >= 3, "{}", pages.len());
        let text = doc.extract_text(&[1]).unwrap();
        assert!(text.contains("Summen- und Saldenliste"), "{text}");
        let last = doc.extract_text(&[pages.len() as u32]).unwrap();
        assert!(
            last.contains(&format!("Seite {} von {}", pages.len(), pages.len())),
            "{last}"
        );
    }

    #[test]
    fn a_letter_wraps_long_lines_and_keeps_umlauts() {
        let mut lines = vec![
            "# Rechnung Nr. 4711".to_string(),
            "Sehr geehrte Frau Müller,".to_string(),
        ];
        lines.push("Wort ".repeat(300));
        lines.extend((0..80).map(|i| format!("Zeile {i}")));
        let pdf = letter("Rechnung", &lines).unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        assert!(doc.get_pages().len() >= 2);
        let text = doc.extract_text(&[1]).unwrap();
        assert!(text.contains("Rechnung Nr. 4711"), "{text}");
    }

    #[test]
    fn text_is_win_ansi_and_bad_shapes_are_refused() {
        assert_eq!(win_ansi("Ä€−x✓"), vec![0xC4, 0x80, b'-', b'x', b'?']);
        let mut r = sample(2);
        r.rows[1].cells.pop();
        assert_eq!(
            report(&r),
            Err(PdfError::Cells {
                row: 2,
                got: 2,
                want: 3
            })
        );
        assert_eq!(report(&Report::default()), Err(PdfError::NoColumns));
        // Long text is cut to its column.
        let cut = fit(&"x".repeat(500), false, 8.0, 50.0);
        assert!(width(&cut, false, 8.0) <= 50.0);
        assert_eq!(cut.last(), Some(&0x85));
    }
}
