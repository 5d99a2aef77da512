//! The self-contained HTML report.
//!
//! One file, no external resources: CSS is inline, SVG figures are inlined, PNG figures are
//! `data:image/png;base64,...` URIs. All text passed in (titles, warnings, table cells, option
//! values) is HTML-escaped. The output depends only on the builder's content (no clock, no
//! random ids), so the same inputs give byte-identical files.
//!
//! Layout: title, summary, QC warnings (highlighted, before everything else), a contents list,
//! the sections in insertion order, then the options used and the platesyn version.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::ReportError;
use crate::output::OutputGuard;
use crate::table::Table;

/// Significant digits for floats in HTML tables.
pub const HTML_FLOAT_DIGITS: usize = 4;

/// Escapes `&`, `<`, `>`, `"` and `'` for use in HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
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

/// Standard base64 (RFC 4648, with `=` padding) of `bytes`.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let idx = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (k, i) in idx.iter().enumerate() {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[*i as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One piece of content in a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A highlighted warning.
    Warning(String),
    /// A paragraph of plain text.
    Paragraph(String),
    /// An SVG figure produced by this crate's renderers (inserted as markup, not escaped; the
    /// caption is escaped). Anything before `<svg` (an XML declaration) is dropped.
    Svg {
        /// Caption under the figure.
        caption: String,
        /// The SVG document.
        svg: String,
    },
    /// A PNG figure, embedded as a base64 data URI.
    Png {
        /// Caption under the figure, also the image's alt text.
        caption: String,
        /// The PNG bytes.
        png: Vec<u8>,
    },
    /// A table, rendered as an HTML table (floats to [`HTML_FLOAT_DIGITS`] significant digits).
    Table {
        /// Caption above the table.
        caption: String,
        /// The table.
        table: Table,
    },
}

/// A titled section of the report (e.g. one combination block).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    /// Anchor id (`section-N` when `None`).
    pub id: Option<String>,
    /// Section heading.
    pub title: String,
    /// Content, in order.
    pub items: Vec<Item>,
}

impl Section {
    /// An empty section.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            id: None,
            title: title.into(),
            items: Vec::new(),
        }
    }

    /// Sets the anchor id (letters, digits and `-` only are kept).
    #[must_use]
    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(
            id.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect(),
        );
        self
    }

    fn anchor(&self, index: usize) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("section-{}", index + 1))
    }

    /// Adds a highlighted warning.
    #[must_use]
    pub fn warning(mut self, text: impl Into<String>) -> Self {
        self.items.push(Item::Warning(text.into()));
        self
    }

    /// Adds a paragraph.
    #[must_use]
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.items.push(Item::Paragraph(text.into()));
        self
    }

    /// Adds an inline SVG figure (from this crate's renderers).
    #[must_use]
    pub fn svg(mut self, caption: impl Into<String>, svg: impl Into<String>) -> Self {
        self.items.push(Item::Svg {
            caption: caption.into(),
            svg: svg.into(),
        });
        self
    }

    /// Adds a PNG figure.
    #[must_use]
    pub fn png(mut self, caption: impl Into<String>, png: Vec<u8>) -> Self {
        self.items.push(Item::Png {
            caption: caption.into(),
            png,
        });
        self
    }

    /// Adds a table.
    #[must_use]
    pub fn table(mut self, caption: impl Into<String>, table: Table) -> Self {
        self.items.push(Item::Table {
            caption: caption.into(),
            table,
        });
        self
    }
}

/// Builder for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlReport {
    /// Page title and top heading.
    pub title: String,
    /// Summary lines (label, value), shown first.
    pub summary: Vec<(String, String)>,
    /// QC warnings for the whole run, shown right after the summary, highlighted.
    pub warnings: Vec<String>,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Options used for the run (name, value), listed at the end.
    pub options: Vec<(String, String)>,
    /// platesyn version printed in the footer (defaults to [`crate::VERSION`]).
    pub version: String,
}

const CSS: &str = "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;border-bottom:2px solid #444;padding-bottom:.2em}\
h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #bbb}\
.warnings{background:#fff4e5;border:2px solid #e67e00;border-radius:6px;padding:.6em 1.2em;margin:1em 0}\
.warnings h2{border:none;margin:.2em 0;color:#a94400}\
.warning{background:#fff4e5;border-left:5px solid #e67e00;padding:.4em .8em;margin:.6em 0}\
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}\
caption{text-align:left;font-weight:bold;padding:.3em 0}\
th,td{border:1px solid #ccc;padding:.25em .6em}th{background:#f0f0f0}\
td.num{text-align:right;font-variant-numeric:tabular-nums}td.na{color:#999;text-align:center}\
dl.kv{display:grid;grid-template-columns:max-content auto;gap:.2em 1.2em}dl.kv dt{font-weight:bold}dl.kv dd{margin:0}\
figure{margin:1em 0}figure svg,figure img{max-width:100%;height:auto}figcaption{color:#555;font-size:.9em}\
footer{margin-top:3em;color:#666;font-size:.85em;border-top:1px solid #ccc;padding-top:.5em}";

impl HtmlReport {
    /// An empty report.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            summary: Vec::new(),
            warnings: Vec::new(),
            sections: Vec::new(),
            options: Vec::new(),
            version: crate::VERSION.to_string(),
        }
    }

    /// Adds a summary line.
    pub fn summary(&mut self, label: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.summary.push((label.into(), value.into()));
        self
    }

    /// Adds a run-level QC warning.
    pub fn warning(&mut self, text: impl Into<String>) -> &mut Self {
        self.warnings.push(text.into());
        self
    }

    /// Adds a section.
    pub fn section(&mut self, section: Section) -> &mut Self {
        self.sections.push(section);
        self
    }

    /// Records an option used for the run.
    pub fn option(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.options.push((name.into(), value.into()));
        self
    }

    /// Overrides the version printed in the footer.
    pub fn version(&mut self, version: impl Into<String>) -> &mut Self {
        self.version = version.into();
        self
    }

    /// The complete HTML document.
    pub fn render(&self) -> String {
        let e = escape_html;
        let mut o = String::new();
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"platesyn {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            e(&self.version),
            e(&self.title),
            e(&self.title)
        );
        if !self.summary.is_empty() {
            o.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
            kv_list(&mut o, &self.summary);
            o.push_str("</section>\n");
        }
        if !self.warnings.is_empty() {
            let _ = write!(
                o,
                "<section id=\"qc-warnings\" class=\"warnings\">\n<h2>QC warnings ({})</h2>\n<ul>\n",
                self.warnings.len()
            );
            for w in &self.warnings {
                let _ = writeln!(o, "<li>{}</li>", e(w));
            }
            o.push_str("</ul>\n</section>\n");
        }
        if !self.sections.is_empty() {
            o.push_str("<nav>\n<h2>Contents</h2>\n<ol>\n");
            for (i, s) in self.sections.iter().enumerate() {
                let n_warn = s
                    .items
                    .iter()
                    .filter(|it| matches!(it, Item::Warning(_)))
                    .count();
                let flag = if n_warn > 0 {
                    format!(
                        " <span style=\"color:#a94400\">({n_warn} warning{})</span>",
                        if n_warn == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(
                    o,
                    "<li><a href=\"#{}\">{}</a>{flag}</li>",
                    s.anchor(i),
                    e(&s.title)
                );
            }
            o.push_str("</ol>\n</nav>\n");
        }
        for (i, s) in self.sections.iter().enumerate() {
            let _ = writeln!(
                o,
                "<section id=\"{}\">\n<h2>{}</h2>",
                s.anchor(i),
                e(&s.title)
            );
            // Warnings first within a section too.
            let (warn, rest): (Vec<&Item>, Vec<&Item>) = s
                .items
                .iter()
                .partition(|it| matches!(it, Item::Warning(_)));
            for item in warn.into_iter().chain(rest) {
                render_item(&mut o, item);
            }
            o.push_str("</section>\n");
        }
        o.push_str("<footer>\n");
        if !self.options.is_empty() {
            o.push_str("<h2 id=\"options\">Options used</h2>\n");
            kv_list(&mut o, &self.options);
        }
        let _ = writeln!(
            o,
            "<p>Generated by platesyn {}.</p>\n</footer>\n<script>{LOAD_CHECK}</script>\n</body>\n</html>",
            e(&self.version)
        );
        o
    }

    /// Writes the report to `path` atomically; refuses when `path` is a protected input.
    pub fn write(&self, path: &Path, guard: &OutputGuard) -> Result<(), ReportError> {
        guard.write_atomic(path, self.render().as_bytes())
    }
}

/// Runs once the page has loaded: counts figures that rendered (inline SVGs, and images that
/// decoded with a non-zero width) and writes `data-figures-loaded="LOADED/TOTAL"` on `<body>`,
/// which `scripts/check_report_browser.sh` reads from headless Chromium.
const LOAD_CHECK: &str = "window.addEventListener('load',function(){var im=document.images,ok=0;\
for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0){ok++;}}\
var sv=document.querySelectorAll('figure svg').length;\
document.body.setAttribute('data-figures-loaded',(ok+sv)+'/'+(im.length+sv));});";

fn kv_list(o: &mut String, kv: &[(String, String)]) {
    o.push_str("<dl class=\"kv\">\n");
    for (k, v) in kv {
        let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", escape_html(k), escape_html(v));
    }
    o.push_str("</dl>\n");
}

fn render_item(o: &mut String, item: &Item) {
    let e = escape_html;
    match item {
        Item::Warning(w) => {
            let _ = writeln!(
                o,
                "<p class=\"warning\"><strong>Warning:</strong> {}</p>",
                e(w)
            );
        }
        Item::Paragraph(p) => {
            let _ = writeln!(o, "<p>{}</p>", e(p));
        }
        Item::Svg { caption, svg } => {
            let start = svg.find("<svg").unwrap_or(0);
            let _ = writeln!(
                o,
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                svg[start..].trim_end(),
                e(caption)
            );
        }
        Item::Png { caption, png } => {
            let _ = writeln!(
                o,
                "<figure>\n<img alt=\"{}\" src=\"data:image/png;base64,{}\">\n<figcaption>{}</figcaption>\n</figure>",
                e(caption),
                base64_encode(png),
                e(caption)
            );
        }
        Item::Table { caption, table } => render_table(o, caption, table),
    }
}

fn render_table(o: &mut String, caption: &str, table: &Table) {
    let _ = writeln!(
        o,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        escape_html(caption)
    );
    for name in table.column_names() {
        let _ = write!(o, "<th>{}</th>", escape_html(name));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in 0..table.n_rows() {
        o.push_str("<tr>");
        for (_, col) in table.columns() {
            match col.display_cell(row, HTML_FLOAT_DIGITS) {
                None => o.push_str("<td class=\"na\">–</td>"),
                Some(v) if col.is_numeric() => {
                    let _ = write!(o, "<td class=\"num\">{}</td>", escape_html(&v));
                }
                Some(v) => {
                    let _ = write!(o, "<td>{}</td>", escape_html(&v));
                }
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five() {
        assert_eq!(
            escape_html(r#"<b>"A&B"</b> 'x'"#),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; &#39;x&#39;"
        );
    }

    #[test]
    fn base64_rfc4648_vectors() {
        // RFC 4648 section 10 test vectors.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (i, o) in cases {
            assert_eq!(base64_encode(i.as_bytes()), o, "{i}");
        }
        assert_eq!(base64_encode(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn report_escapes_text_and_orders_warnings_first() {
        let mut t = Table::new();
        t.push_str("drug", [Some("<script>alert(1)</script>"), None])
            .unwrap();
        t.push_f64("ic50", [Some(1.234_567), Some(f64::NAN)])
            .unwrap();
        let mut r = HtmlReport::new("Screen <A&B>");
        r.summary("plates", "2")
            .warning("edge effect on plate \"P1\"")
            .option("--method", "zip & bliss")
            .version("9.9.9")
            .section(
                Section::new("Block 1")
                    .paragraph("x < y")
                    .table("fits", t)
                    .warning("control CV 25% > 20%"),
            );
        let html = r.render();
        assert!(html.contains("<title>Screen &lt;A&amp;B&gt;</title>"));
        assert!(html.contains("edge effect on plate &quot;P1&quot;"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("<td class=\"num\">1.235</td>"));
        assert!(html.contains("<td class=\"num\">NaN</td>"));
        assert!(html.contains("<td class=\"na\">–</td>"));
        assert!(html.contains("zip &amp; bliss"));
        assert!(html.contains("platesyn 9.9.9"));
        // Run-level warnings come before the first section; section warnings before its content.
        let w = html.find("qc-warnings").unwrap();
        let s = html.find("id=\"section-1\"").unwrap();
        assert!(w < s);
        let sw = html.find("control CV 25% &gt; 20%").unwrap();
        let p = html.find("<p>x &lt; y</p>").unwrap();
        assert!(s < sw && sw < p);
        // Self-contained: no external references.
        assert!(
            !html.contains("http://") && !html.contains("https://") && !html.contains("src=\"/")
        );
        assert_eq!(html, r.render(), "deterministic");
    }

    #[test]
    fn figures_are_inlined() {
        let mut r = HtmlReport::new("t");
        r.section(
            Section::new("s")
                .svg(
                    "fig <1>",
                    "<?xml version=\"1.0\"?>\n<svg width=\"10\"></svg>\n",
                )
                .png("fig 2", vec![0x89, b'P', b'N', b'G']),
        );
        let html = r.render();
        assert!(html.contains(
            "<figure>\n<svg width=\"10\"></svg>\n<figcaption>fig &lt;1&gt;</figcaption>"
        ));
        assert!(!html.contains("<?xml"));
        assert!(html.contains("src=\"data:image/png;base64,iVBORw==\""));
    }
}
