//! Export of the employer's current filter of presence registrations to CSV
//! and to XLSX, with no dependency: the XLSX zip is written by hand (STORED
//! entries, own CRC-32), deterministically (fixed 1980-01-01 timestamps).
//! `read_zip` and `read_xlsx_rows` read back what `xlsx` wrote, for tests.

use std::fmt::Write as _;

/// A cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// An identifier of digits (an enterprise number, an SSIN) that must
    /// stay text: a spreadsheet would drop its leading zero.
    Code(String),
    /// A moment: its local (Brussels) time, and its text for CSV (ISO 8601
    /// with the offset). XLSX writes a real date-time of the local time.
    Time(time::PrimitiveDateTime, String),
    Empty,
}

/// Excel's serial number of a local date-time: days since 1899-12-30, the
/// time of day as the fraction.
fn serial(t: time::PrimitiveDateTime) -> f64 {
    let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).unwrap_or(time::Date::MIN);
    let days = (t.date() - epoch).whole_days() as f64;
    let seconds = f64::from(t.hour()) * 3600.0 + f64::from(t.minute()) * 60.0 + f64::from(t.second());
    days + seconds / 86_400.0
}

/// Excel's limits: columns (XFD), rows, characters (UTF-16 units) in a cell.
const MAX_COLS: usize = 16_384;
const MAX_ROWS: usize = 1_048_576;
const MAX_CELL_TEXT: usize = 32_767;

/// A number as text: Rust's shortest representation, never an exponent (so
/// integers are plain digits); `-0` as `0`; NaN and infinities as nothing.
fn number(n: f64) -> String {
    if n.is_finite() { (n + 0.0).to_string() } else { String::new() } // -0 + 0 is 0
}

/// CSV as Excel reads it in Belgium (where the list separator is `;`):
/// UTF-8 with a BOM (so Excel opens it as UTF-8), CRLF line ends, **semicolon**
/// separator (no `sep=` line: with one, Excel ignores the BOM); fields quoted
/// when they contain a separator (`;` or `,`), quote, CR or LF, quotes doubled.
/// Formula injection guard (OWASP CSV injection): a text field (headers
/// included) starting with = + - @ TAB or CR gets a leading `'`. Numbers are
/// written as is (integers in practice). An identifier ([`Cell::Code`], ASCII
/// letters and digits only) is written `="0990002091"`, the one form Excel
/// keeps as text with its leading zero; a moment as ISO 8601 with its offset.
/// Rows shorter than the headers are padded with empty fields.
pub fn csv(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header_row: Vec<Cell> = headers.iter().map(|h| Cell::Text((*h).to_owned())).collect();
    let guard = |t: &str| if t.starts_with(['=', '+', '-', '@', '\t', '\r']) { "'" } else { "" };
    for row in std::iter::once(&header_row).chain(rows) {
        for i in 0..row.len().max(headers.len()) {
            let sep = if i > 0 { ";" } else { "" };
            let _ = match row.get(i) {
                Some(Cell::Code(c)) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                    write!(out, "{sep}\"=\"\"{c}\"\"\"")
                }
                Some(Cell::Text(t) | Cell::Code(t) | Cell::Time(_, t)) if t.contains([';', ',', '"', '\r', '\n']) => {
                    write!(out, "{sep}\"{}{}\"", guard(t), t.replace('"', "\"\""))
                }
                Some(Cell::Text(t) | Cell::Code(t) | Cell::Time(_, t)) => write!(out, "{sep}{}{t}", guard(t)),
                Some(Cell::Number(n)) => write!(out, "{sep}{}", number(*n)),
                Some(Cell::Empty) | None => write!(out, "{sep}"),
            };
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// Characters written as entities in XML; CR too, as a parser would turn a
/// raw CR into LF.
const ENTITIES: [(char, &str); 6] =
    [('&', "amp"), ('<', "lt"), ('>', "gt"), ('"', "quot"), ('\'', "apos"), ('\r', "#13")];

/// Whether XML 1.0 allows `c` (Rust chars are never surrogates).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

/// XML text or attribute value: `text` escaped, characters XML 1.0 does not
/// allow removed.
fn xml_escape(out: &mut String, text: &str) {
    for c in text.chars().filter(|&c| xml_char(c)) {
        match ENTITIES.iter().find(|(e, _)| *e == c) {
            Some((_, name)) => _ = write!(out, "&{name};"),
            None => out.push(c),
        }
    }
}

/// A sheet name by Excel's rules: none of []:*?/\ nor control characters, no
/// leading or trailing apostrophe, at most 31 characters, not empty, not the
/// reserved "History".
fn sheet_name(name: &str) -> String {
    let cleaned: String = name.chars().filter(|&c| !"[]:*?/\\".contains(c) && !c.is_control() && xml_char(c)).collect();
    let name: String = cleaned.trim_matches('\'').chars().take(31).collect();
    match name.trim_end_matches('\'') {
        n if n.trim().is_empty() => "Sheet1".to_owned(),
        n if n.eq_ignore_ascii_case("history") => format!("{n}_"),
        n => n.to_owned(),
    }
}

/// `text` cut to what a cell holds.
fn cell_text(text: &str) -> &str {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_TEXT {
            return text.get(..i).unwrap_or(text);
        }
    }
    text
}

/// Column letters of a 0-based column index: A … Z, AA, AB, …
fn col_name(index: usize) -> String {
    let letter = char::from(b'A' + (index % 26) as u8);
    if index < 26 { letter.to_string() } else { format!("{}{letter}", col_name(index / 26 - 1)) }
}

/// 0-based column index of the letters starting a cell reference ("AD7" -> 29).
fn col_index(reference: &str) -> Option<usize> {
    let letters = reference.bytes().take_while(u8::is_ascii_uppercase);
    let n = letters.clone().count();
    (1..=3).contains(&n).then(|| letters.fold(0, |acc, b| acc * 26 + usize::from(b - b'A') + 1) - 1)
}

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_PKG: &str = "http://schemas.openxmlformats.org/package/2006";
const CT: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml";

/// A minimal valid XLSX workbook (SpreadsheetML) with one sheet named
/// `sheet` (sanitised to Excel's rules): a bold frozen header row, inline
/// strings for text and identifiers, numbers as values, moments as real
/// date-times (Excel serials of the local time, shown yyyy-mm-dd hh:mm:ss), empty cells left out, column widths
/// guessed from the content (8 to 60). Rows and columns beyond Excel's limits
/// are dropped, text longer than a cell holds is cut.
pub fn xlsx(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let rows = rows.get(..rows.len().min(MAX_ROWS - 1)).unwrap_or(rows);
    let ncols = rows.iter().map(Vec::len).chain([headers.len()]).max().unwrap_or(0).min(MAX_COLS);
    let mut widths = vec![0usize; ncols];
    let mut data = String::new();
    let header_row: Vec<Cell> = headers.iter().map(|h| Cell::Text((*h).to_owned())).collect();
    for (i, row) in std::iter::once(&header_row).chain(rows).enumerate() {
        let (r, style) = (i + 1, if i == 0 { r#" s="1""# } else { "" });
        let _ = write!(data, r#"<row r="{r}">"#);
        for (cell, (j, width)) in row.iter().zip(widths.iter_mut().enumerate()) {
            let col = col_name(j);
            *width = (*width).max(match cell {
                Cell::Time(local, _) => {
                    let _ = write!(data, r#"<c r="{col}{r}" s="2"><v>{}</v></c>"#, number(serial(*local)));
                    19
                }
                Cell::Text(text) | Cell::Code(text) => {
                    let text = cell_text(text);
                    let _ = write!(data, r#"<c r="{col}{r}"{style} t="inlineStr"><is><t xml:space="preserve">"#);
                    xml_escape(&mut data, text);
                    data.push_str("</t></is></c>");
                    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
                }
                Cell::Number(n) if n.is_finite() => {
                    let value = number(*n);
                    let _ = write!(data, r#"<c r="{col}{r}"{style}><v>{value}</v></c>"#);
                    value.len()
                }
                Cell::Number(_) | Cell::Empty => 0,
            });
        }
        data.push_str("</row>");
    }
    let last = if ncols == 0 { String::new() } else { format!(":{}{}", col_name(ncols - 1), rows.len() + 1) };
    let mut cols = String::new();
    for (j, w) in widths.iter().enumerate() {
        let (n, w) = (j + 1, (w + 2).clamp(8, 60));
        let _ = write!(cols, r#"<col min="{n}" max="{n}" width="{w}" customWidth="1"/>"#);
    }
    let cols = if cols.is_empty() { cols } else { format!("<cols>{cols}</cols>") };
    let worksheet = format!(
        r#"{XML_HEAD}<worksheet xmlns="{NS_MAIN}"><dimension ref="A1{last}"/><sheetViews>
<sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>
<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>
<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>{data}</sheetData></worksheet>"#
    );
    let mut name = String::new();
    xml_escape(&mut name, &sheet_name(sheet));
    let content_types = format!(
        r#"{XML_HEAD}<Types xmlns="{NS_PKG}/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/></Types>"#
    );
    let rels = format!(
        r#"{XML_HEAD}<Relationships xmlns="{NS_PKG}/relationships">
<Relationship Id="rId1" Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"{XML_HEAD}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let workbook_rels = format!(
        r#"{XML_HEAD}<Relationships xmlns="{NS_PKG}/relationships">
<Relationship Id="rId1" Type="{NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{NS_REL}/styles" Target="styles.xml"/></Relationships>"#
    );
    let styles = format!(
        r#"{XML_HEAD}<styleSheet xmlns="{NS_MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2">
<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#
    );
    zip(&[
        ("[Content_Types].xml", &content_types),
        ("_rels/.rels", &rels),
        ("xl/workbook.xml", &workbook),
        ("xl/_rels/workbook.xml.rels", &workbook_rels),
        ("xl/styles.xml", &styles),
        ("xl/worksheets/sheet1.xml", &worksheet),
    ])
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, as zip uses it).
fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8))
}

const LOCAL_SIG: usize = 0x0403_4b50;
const CENTRAL_SIG: usize = 0x0201_4b50;
const END_SIG: usize = 0x0605_4b50;

/// A zip of STORED entries, UTF-8 names (flag bit 11), all dated 1980-01-01
/// 00:00. Sizes and offsets above 4 GiB are not supported.
fn zip(entries: &[(&str, &String)]) -> Vec<u8> {
    /// Appends little-endian fields of the given byte widths.
    fn put(out: &mut Vec<u8>, fields: &[(usize, usize)]) {
        for &(value, width) in fields {
            out.extend((value as u64).to_le_bytes().iter().take(width));
        }
    }
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let (data, crc, offset) = (data.as_bytes(), crc32(data.as_bytes()) as usize, out.len());
        // version needed, flags (UTF-8), method (STORED), time, date (1980-01-01), crc, sizes, name and extra lengths
        let common = [(20, 2), (1 << 11, 2), (0, 2), (0, 2), ((1 << 5) | 1, 2), (crc, 4)];
        let common = [&common[..], &[(data.len(), 4), (data.len(), 4), (name.len(), 2), (0, 2)]].concat();
        put(&mut out, &[(LOCAL_SIG, 4)]);
        put(&mut out, &common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        put(&mut central, &[(CENTRAL_SIG, 4), (20, 2)]);
        put(&mut central, &common);
        // comment length, disk, internal and external attributes, local header offset
        put(&mut central, &[(0, 2), (0, 2), (0, 2), (0, 4), (offset, 4)]);
        central.extend_from_slice(name.as_bytes());
    }
    let (count, central_size, central_offset) = (entries.len(), central.len(), out.len());
    out.extend_from_slice(&central);
    put(
        &mut out,
        &[(END_SIG, 4), (0, 2), (0, 2), (count, 2), (count, 2), (central_size, 4), (central_offset, 4), (0, 2)],
    );
    out
}

/// The little-endian unsigned integer of `width` bytes at `at`.
fn uint_at(bytes: &[u8], at: usize, width: usize) -> Result<usize, String> {
    Ok(slice_at(bytes, at, width)?.iter().rev().fold(0, |acc, &b| (acc << 8) | usize::from(b)))
}

fn slice_at(bytes: &[u8], at: usize, len: usize) -> Result<&[u8], String> {
    at.checked_add(len).and_then(|end| bytes.get(at..end)).ok_or_else(|| format!("truncated zip at {at}"))
}

/// The entries (name, bytes) of a zip of STORED entries, in central directory
/// order, every CRC checked.
pub fn read_zip(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let end = (0..=bytes.len().saturating_sub(22))
        .rev()
        .find(|&i| uint_at(bytes, i, 4) == Ok(END_SIG))
        .ok_or("no end of central directory record")?;
    let (count, mut p) = (uint_at(bytes, end + 10, 2)?, uint_at(bytes, end + 16, 4)?);
    let mut entries = Vec::new();
    for _ in 0..count {
        let field = |at: usize, width: usize| uint_at(bytes, p.saturating_add(at), width);
        if field(0, 4)? != CENTRAL_SIG {
            return Err(format!("bad central directory header at {p}"));
        }
        let (method, crc, size, full_size, offset) =
            (field(10, 2)?, field(16, 4)?, field(20, 4)?, field(24, 4)?, field(42, 4)?);
        let name_bytes = slice_at(bytes, p.saturating_add(46), field(28, 2)?)?;
        let name = String::from_utf8(name_bytes.to_vec()).map_err(|_| "entry name is not UTF-8".to_owned())?;
        p = p.saturating_add(46 + name_bytes.len() + field(30, 2)? + field(32, 2)?);
        if method != 0 || size != full_size {
            return Err(format!("{name}: method {method}, sizes {size}/{full_size}: only STORED is supported"));
        }
        if uint_at(bytes, offset, 4)? != LOCAL_SIG
            || slice_at(bytes, offset.saturating_add(30), name_bytes.len())? != name_bytes
        {
            return Err(format!("{name}: bad local file header at {offset}"));
        }
        let start =
            offset.saturating_add(30 + name_bytes.len()).saturating_add(uint_at(bytes, offset.saturating_add(28), 2)?);
        let data = slice_at(bytes, start, size)?;
        let actual = crc32(data) as usize;
        if actual != crc {
            return Err(format!("{name}: CRC mismatch (recorded {crc:08x}, computed {actual:08x})"));
        }
        entries.push((name, data.to_vec()));
    }
    Ok(entries)
}

/// The value of attribute `name` in the start tag `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let rest = tag.get(tag.find(&format!(" {name}=\""))? + name.len() + 3..)?;
    rest.get(..rest.find('"')?)
}

/// XML text with its entities resolved.
fn unescape(text: &str) -> Result<String, String> {
    let (mut out, mut rest) = (String::new(), text);
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let len = rest[i..].find(';').ok_or("unterminated XML entity")?;
        let entity = &rest[i + 1..i + len];
        let numeric = entity.strip_prefix("#x").map(|h| u32::from_str_radix(h, 16));
        let numeric = numeric.or_else(|| entity.strip_prefix('#').map(str::parse)).and_then(Result::ok);
        let named = ENTITIES.iter().find(|(_, e)| *e == entity).map(|(c, _)| *c);
        out.push(named.or(numeric.and_then(char::from_u32)).ok_or(format!("unknown XML entity &{entity};"))?);
        rest = &rest[i + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The elements `<name …>…</name>` (or `<name …/>`) in `xml`, as (start tag, content).
fn elements<'a>(xml: &'a str, name: &str) -> Result<Vec<(&'a str, &'a str)>, String> {
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let (mut found, mut rest) = (Vec::new(), xml);
    while let Some(i) = rest.find(&open) {
        rest = &rest[i..];
        let tag = &rest[..rest.find('>').ok_or(format!("unterminated <{name}> tag"))?];
        if tag.len() > open.len() && !tag[open.len()..].starts_with([' ', '/']) {
            rest = &rest[open.len()..]; // a longer name, such as <cols> when looking for <c>
        } else if tag.ends_with('/') {
            found.push((tag, ""));
            rest = &rest[tag.len() + 1..];
        } else {
            let end = rest.find(&close).ok_or(format!("no </{name}>"))?;
            found.push((tag, &rest[tag.len() + 1..end]));
            rest = &rest[end + close.len()..];
        }
    }
    Ok(found)
}

/// The cells of sheet1 of an XLSX written by `xlsx`, as text rows in order:
/// inline strings and numbers as written, empty cells as "", every row padded
/// to the width of the sheet's dimension.
pub fn read_xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let entries = read_zip(bytes)?;
    let sheet = entries.iter().find(|(n, _)| n == "xl/worksheets/sheet1.xml").ok_or("no xl/worksheets/sheet1.xml")?;
    let xml = std::str::from_utf8(&sheet.1).map_err(|_| "sheet1.xml is not UTF-8".to_owned())?;
    let dimension = elements(xml, "dimension")?.first().and_then(|(tag, _)| attr(tag, "ref"));
    let width = dimension.and_then(|r| r.split(':').nth(1)).and_then(col_index).map_or(0, |c| c + 1);
    let mut rows = Vec::new();
    for (_, body) in elements(xml, "row")? {
        let mut row = Vec::new();
        for (cell, content) in elements(body, "c")? {
            let col = attr(cell, "r").and_then(col_index).unwrap_or(row.len());
            if row.len() > col {
                return Err(format!("cell {} out of order", attr(cell, "r").unwrap_or("?")));
            }
            let text =
                if attr(cell, "t") == Some("inlineStr") { elements(content, "t")? } else { elements(content, "v")? };
            row.resize(col, String::new());
            row.push(text.iter().map(|(_, t)| unescape(t)).collect::<Result<String, _>>()?);
        }
        row.resize(row.len().max(width), String::new());
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    #[test]
    fn csv_quotes_guards_and_keeps_utf8() {
        let rows = vec![
            vec![text("a,b"), text("say \"hi\""), text("two\nlines"), Cell::Number(42.0), Cell::Number(-1.5)],
            vec![text("=SUM(A1)"), text("+1"), text("-2"), text("@x"), text("\tt")],
            vec![text("\rcr"), text("é ü 中"), Cell::Empty, Cell::Number(1e21), Cell::Number(f64::NAN)],
            vec![text("short")],
        ];
        let out = csv(&["Name", "Note", "x", "y", "z"], &rows);
        assert!(out.starts_with(&[0xEF, 0xBB, 0xBF]));
        let s = std::str::from_utf8(&out[3..]).unwrap();
        let expected = "Name;Note;x;y;z\r\n\
            \"a,b\";\"say \"\"hi\"\"\";\"two\nlines\";42;-1.5\r\n\
            '=SUM(A1);'+1;'-2;'@x;'\tt\r\n\
            \"'\rcr\";é ü 中;;1000000000000000000000;\r\n\
            short;;;;\r\n";
        assert_eq!(s, expected);
    }

    #[test]
    fn identifiers_keep_their_zero_and_moments_are_dates() {
        let at = time::macros::datetime!(2026-12-06 20:21:57);
        let rows = vec![vec![
            Cell::Code("0990002091".into()),
            Cell::Code("BE 1;2".into()),
            Cell::Time(at, "2026-12-06T20:21:57+01:00".into()),
        ]];
        let out = csv(&["Employer", "Other", "Time"], &rows);
        let s = std::str::from_utf8(&out[3..]).unwrap();
        assert_eq!(s, "Employer;Other;Time\r\n\"=\"\"0990002091\"\"\";\"BE 1;2\";2026-12-06T20:21:57+01:00\r\n");
        let out = xlsx("x", &["Employer", "Other", "Time"], &rows);
        let got = read_xlsx_rows(&out).unwrap();
        assert_eq!(got[1][0], "0990002091");
        // 2026-12-06 is day 46362 since 1899-12-30; 20:21:57 is 73317 s of 86400.
        let serial: f64 = got[1][2].parse().unwrap();
        assert!((serial - (46362.0 + 73317.0 / 86400.0)).abs() < 1e-9, "{serial}");
        let entries = read_zip(&out).unwrap();
        let styles = String::from_utf8(entries[4].1.clone()).unwrap();
        assert!(styles.contains("formatCode=\"yyyy-mm-dd hh:mm:ss\""), "{styles}");
        let sheet = String::from_utf8(entries[5].1.clone()).unwrap();
        assert!(sheet.contains("<c r=\"C2\" s=\"2\">"), "{sheet}");
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn column_names() {
        for (i, name) in [(0, "A"), (25, "Z"), (26, "AA"), (29, "AD"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")] {
            assert_eq!(col_name(i), name);
            assert_eq!(col_index(&format!("{name}12")), Some(i));
        }
        assert_eq!(col_index("12"), None);
    }

    #[test]
    fn sheet_names_follow_excel_rules() {
        assert_eq!(sheet_name("Présences [2024/05]: *?\\"), "Présences 202405 ");
        assert_eq!(sheet_name("'quoted'"), "quoted");
        assert_eq!(sheet_name(&"x".repeat(40)), "x".repeat(31));
        assert_eq!(sheet_name("[]"), "Sheet1");
        assert_eq!(sheet_name("History"), "History_");
    }

    fn sample() -> (Vec<&'static str>, Vec<Vec<Cell>>) {
        let headers = vec!["Nom", "Naam", "Hours"];
        let mut wide: Vec<Cell> = (0..30).map(|i| Cell::Number(f64::from(i))).collect();
        wide[29] = text("last in AD");
        let rows = vec![
            vec![text("<tag> & \"quotes\" 'x'"), text("Müller 中"), Cell::Number(7.5)],
            vec![text("bell\u{7}\r\nline"), Cell::Empty, Cell::Number(-3.0)],
            vec![Cell::Empty, Cell::Empty, Cell::Empty],
            wide,
        ];
        (headers, rows)
    }

    #[test]
    fn xlsx_round_trips() {
        let (headers, rows) = sample();
        let out = xlsx("Présences: mai", &headers, &rows);
        assert_eq!(out, xlsx("Présences: mai", &headers, &rows), "deterministic");
        let entries = read_zip(&out).unwrap();
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        let expected = "[Content_Types].xml _rels/.rels xl/workbook.xml xl/_rels/workbook.xml.rels xl/styles.xml";
        assert_eq!(names.join(" "), format!("{expected} xl/worksheets/sheet1.xml"));
        let workbook = String::from_utf8(entries[2].1.clone()).unwrap();
        assert!(workbook.contains("name=\"Présences mai\""), "{workbook}");
        let sheet = String::from_utf8(entries[5].1.clone()).unwrap();
        assert!(sheet.contains("<dimension ref=\"A1:AD5\"/>") && sheet.contains("state=\"frozen\""), "{sheet}");
        assert!(sheet.contains("&lt;tag&gt; &amp; &quot;quotes&quot; &apos;x&apos;") && !sheet.contains('\u{7}'));

        let got = read_xlsx_rows(&out).unwrap();
        let pad = |v: &[&str]| {
            let mut v: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
            v.resize(30, String::new());
            v
        };
        assert_eq!(got.len(), 5);
        assert_eq!(got[0], pad(&["Nom", "Naam", "Hours"]));
        assert_eq!(got[1], pad(&["<tag> & \"quotes\" 'x'", "Müller 中", "7.5"]));
        assert_eq!(got[2], pad(&["bell\r\nline", "", "-3"]));
        assert_eq!(got[3], pad(&[]));
        let mut wide: Vec<String> = (0..29).map(|i| i.to_string()).collect();
        wide.push("last in AD".to_owned());
        assert_eq!(got[4], wide);
    }

    #[test]
    fn limits_and_edge_cases() {
        let out = xlsx("", &[], &[]);
        assert_eq!(read_zip(&out).unwrap().len(), 6);
        assert_eq!(read_xlsx_rows(&out).unwrap(), vec![Vec::<String>::new()]);
        assert_eq!(cell_text(&"中".repeat(40_000)).chars().count(), MAX_CELL_TEXT);
        assert_eq!(cell_text(&"😀".repeat(20_000)).chars().count(), MAX_CELL_TEXT / 2); // two UTF-16 units each
        assert_eq!(
            [number(-0.0), number(3.0), number(0.1 + 0.2), number(f64::INFINITY)],
            ["0", "3", "0.30000000000000004", ""]
        );
    }

    #[test]
    fn corruption_is_detected() {
        let (headers, rows) = sample();
        let mut out = xlsx("s", &headers, &rows);
        let at = out.windows(3).position(|w| w == b"M\xc3\xbc").unwrap();
        out[at] = b'N';
        let err = read_zip(&out).unwrap_err();
        assert!(err.contains("CRC mismatch") && err.contains("sheet1.xml"), "{err}");
        assert!(read_zip(&out[..out.len() - 5]).is_err());
        assert!(read_zip(b"").is_err());
        assert!(read_xlsx_rows(b"PK\x05\x06").is_err());
    }

    #[test]
    fn no_panic_on_garbage() {
        let out = xlsx("s", &["a"], &[vec![text("b")]]);
        for cut in 0..out.len() {
            let _ = read_xlsx_rows(&out[..cut]);
            let mut flipped = out.clone();
            flipped[cut] ^= 0xFF;
            let _ = read_xlsx_rows(&flipped);
        }
    }
}
