//! vCard, the electronic business card: reading versions 2.1 (what many
//! phones still export), 3.0 and 4.0, and writing 3.0 (what every address
//! book reads).
//!
//! Only what a CRM keeps is interpreted (name, organisation, title, emails,
//! phones, notes, web site, address); other properties (photos, birthdays,
//! vendor extensions) are skipped. Handled: line folding, `\,` `\;` `\n`
//! escapes, `TYPE=` parameters and bare 2.1 types (`TEL;CELL:`), and the
//! `CHARSET=` / `ENCODING=QUOTED-PRINTABLE` values phones write, soft line
//! breaks included.
//!
//! Values are decoded one by one from the file's bytes: in the character set
//! their `CHARSET=` names (a Japanese phone's Shift_JIS, raw or
//! quoted-printable), else in the file's encoding. A value whose bytes are
//! not text in either is kept with U+FFFD in their place and marked
//! ([`Property::malformed`]) so the import reports it instead of storing
//! garbage silently.

use crate::text::{self, Encoding};

/// One property of a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The name in upper case (`TEL`), without its group.
    pub name: String,
    /// The types (`WORK`, `CELL`...), upper case.
    pub types: Vec<String>,
    /// The value as written: charset and quoted-printable decoded, escapes
    /// still in place (see [`Property::text`] and [`Property::parts`]).
    pub raw: String,
    /// When the value's bytes are not text in the character set expected
    /// (its `CHARSET=`, else the file's encoding), that character set.
    pub malformed: Option<&'static str>,
}

impl Property {
    /// The value as text, escapes resolved.
    pub fn text(&self) -> String {
        unescape(&self.raw)
    }

    /// The components of a structured value (`N`, `ADR`, `ORG`), split on
    /// `;` and unescaped.
    pub fn parts(&self) -> Vec<String> {
        split_unescaped(&self.raw, ';')
            .into_iter()
            .map(|p| unescape(&p))
            .collect()
    }
}

/// One card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The line of its `BEGIN:VCARD`.
    pub line: u64,
    /// Its properties in order.
    pub properties: Vec<Property>,
}

impl Card {
    /// The first property called `name`.
    pub fn first(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Every property called `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// The person's full name: `FN`, or else made from `N`.
    pub fn full_name(&self) -> Option<String> {
        if let Some(name) = self
            .first("FN")
            .map(Property::text)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
        {
            return Some(name);
        }
        let parts = self.first("N")?.parts();
        let get = |i: usize| parts.get(i).map(|s| s.trim()).unwrap_or_default();
        let (family, given) = (get(0), get(1));
        let cjk = |s: &str| s.chars().any(crm_domain::search::is_cjk);
        let name = if cjk(family) || cjk(given) {
            format!("{family}{given}")
        } else {
            format!("{given} {family}")
        };
        let name = name.trim().to_owned();
        (!name.is_empty()).then_some(name)
    }
}

/// Undo vCard text escapes.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Split on `sep` where it is not escaped.
fn split_unescaped(raw: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in raw.chars() {
        let last = parts.last_mut().expect("never empty");
        if escaped {
            last.push('\\');
            last.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(String::new());
        } else {
            last.push(c);
        }
    }
    if escaped {
        parts.last_mut().expect("never empty").push('\\');
    }
    parts
}

/// Split on `sep` outside double quotes.
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The bytes of a quoted-printable value.
fn quoted_printable(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'=' {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// The encoding of a vCard file's values that name no character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileEncoding {
    /// The file's encoding, given or guessed.
    pub encoding: Encoding,
    /// Whether the user gave it; when not, a value that is valid UTF-8 is
    /// read as UTF-8 first (as vCard 3 and 4 require, and as a card added to
    /// a Shift_JIS phone's export by another program may be).
    pub given: bool,
}

/// The text of a value's bytes: in the character set `CHARSET=` names, else
/// in the file's encoding, else UTF-8 (phones that write `CHARSET=UTF-8` over
/// Shift_JIS bytes exist); when none reads them, what the expected one makes
/// of them and its name.
fn decode_value(
    bytes: &[u8],
    charset: Option<&str>,
    file: FileEncoding,
) -> (String, Option<&'static str>) {
    if bytes.is_ascii() {
        return (String::from_utf8_lossy(bytes).into_owned(), None);
    }
    let named = charset.and_then(Encoding::for_label);
    let utf8_first = (!file.given).then_some(Encoding::Utf8);
    let mut tried: Vec<Encoding> = Vec::new();
    for e in [named, utf8_first, Some(file.encoding), Some(Encoding::Utf8)]
        .into_iter()
        .flatten()
    {
        if tried.contains(&e) {
            continue;
        }
        tried.push(e);
        if let Some(text) = text::decode_in(bytes, e) {
            return (text, None);
        }
    }
    let expected = named.unwrap_or(file.encoding);
    (text::decode_lossy(bytes, expected), Some(expected.name()))
}

/// Where the value of a content line starts: after the first `:` outside
/// double quotes.
fn value_start(line: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in line.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// A content line's parameters as far as reading its value goes.
struct Head {
    name: String,
    types: Vec<String>,
    charset: Option<String>,
    encoding: Option<String>,
}

fn head(text: &str) -> Option<Head> {
    let mut parts = split_outside_quotes(text, ';').into_iter();
    let name = parts.next()?.trim();
    let name = name
        .rsplit_once('.')
        .map_or(name, |(_, n)| n)
        .to_ascii_uppercase();
    let mut head = Head {
        name,
        types: Vec::new(),
        charset: None,
        encoding: None,
    };
    for param in parts {
        let (key, val) = match param.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim().trim_matches('"')),
            // vCard 2.1 writes bare types (`TEL;CELL;VOICE:`) and encodings.
            None => {
                let bare = param.trim().to_ascii_uppercase();
                if matches!(bare.as_str(), "QUOTED-PRINTABLE" | "BASE64" | "B") {
                    head.encoding = Some(bare);
                } else {
                    head.types.push(bare);
                }
                continue;
            }
        };
        match key.as_str() {
            "TYPE" => head.types.extend(
                val.split(',')
                    .map(|t| t.trim().to_ascii_uppercase())
                    .filter(|t| !t.is_empty()),
            ),
            "CHARSET" => head.charset = Some(val.to_owned()),
            "ENCODING" => head.encoding = Some(val.to_ascii_uppercase()),
            _ => {}
        }
    }
    Some(head)
}

/// A content line (unfolded): `[group.]NAME[;PARAM...]:value`, its value
/// decoded (`file` is the file's encoding).
fn property(line: &[u8], file: FileEncoding) -> Option<Property> {
    let start = value_start(line)?;
    let head = head(&String::from_utf8_lossy(&line[..start - 1]))?;
    let value = &line[start..];
    let bytes = match head.encoding.as_deref() {
        Some("QUOTED-PRINTABLE") => quoted_printable(value),
        // Photos and other binary values mean nothing to a CRM.
        Some("BASE64" | "B") => return None,
        _ => value.to_vec(),
    };
    let (raw, malformed) = decode_value(&bytes, head.charset.as_deref(), file);
    Some(Property {
        name: head.name,
        types: head.types,
        raw,
        malformed,
    })
}

/// Whether a logical line is a quoted-printable value continued on the next
/// line (a soft line break: the value ends with `=`).
fn continues_quoted_printable(line: &[u8]) -> bool {
    let Some(start) = value_start(line) else {
        return false;
    };
    String::from_utf8_lossy(&line[..start])
        .to_ascii_uppercase()
        .contains("QUOTED-PRINTABLE")
        && line.ends_with(b"=")
}

/// Whether a logical line's value ends with a backslash that escapes the
/// line end (an odd number of them), so the next line continues the value.
/// Decoded first: in Shift_JIS the second byte of `ソ` or `表` is a
/// backslash's.
fn continues_escaped(line: &[u8], file: FileEncoding) -> bool {
    if !line.ends_with(b"\\") || continues_quoted_printable(line) {
        return false;
    }
    let Some(start) = value_start(line) else {
        return false;
    };
    let Some(head) = head(&String::from_utf8_lossy(&line[..start - 1])) else {
        return false;
    };
    if head.encoding.is_some() {
        return false;
    }
    let (text, _) = decode_value(&line[start..], head.charset.as_deref(), file);
    let trailing = text.chars().rev().take_while(|c| *c == '\\').count();
    trailing % 2 == 1
}

/// Whether a physical line starts a property of its own (`TEL;...:`,
/// `item1.EMAIL:`, `X-...:`) rather than continuing a value.
fn starts_property(line: &[u8]) -> bool {
    const NAMES: &[&str] = &[
        "ADR",
        "AGENT",
        "ANNIVERSARY",
        "BDAY",
        "BEGIN",
        "CALADRURI",
        "CALURI",
        "CATEGORIES",
        "CLASS",
        "CLIENTPIDMAP",
        "EMAIL",
        "END",
        "FBURL",
        "FN",
        "GENDER",
        "GEO",
        "IMPP",
        "KEY",
        "KIND",
        "LABEL",
        "LANG",
        "LOGO",
        "MAILER",
        "MEMBER",
        "N",
        "NAME",
        "NICKNAME",
        "NOTE",
        "ORG",
        "PHOTO",
        "PRODID",
        "PROFILE",
        "RELATED",
        "REV",
        "ROLE",
        "SORT-STRING",
        "SOUND",
        "SOURCE",
        "TEL",
        "TITLE",
        "TZ",
        "UID",
        "URL",
        "VERSION",
        "XML",
    ];
    let end = line
        .iter()
        .position(|b| matches!(b, b':' | b';'))
        .unwrap_or(line.len());
    let Ok(name) = std::str::from_utf8(&line[..end]) else {
        return false;
    };
    let name = name
        .rsplit_once('.')
        .map_or(name, |(_, n)| n)
        .to_ascii_uppercase();
    end < line.len() && (name.starts_with("X-") || NAMES.contains(&name.as_str()))
}

/// The cards of a vCard file in UTF-8 (see [`parse_bytes`]).
pub fn parse(text: &str) -> Vec<Card> {
    let utf8 = FileEncoding {
        encoding: Encoding::Utf8,
        given: true,
    };
    parse_bytes(text.as_bytes(), utf8)
}

/// The cards of a vCard file whose values without a `CHARSET=` are in
/// `file` (an encoding that keeps ASCII as ASCII). Lines outside a card, and properties that cannot
/// be read, are skipped; a card without `END` ends at the next `BEGIN` or
/// at the end of the file.
pub fn parse_bytes(bytes: &[u8], file: FileEncoding) -> Vec<Card> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    // Unfold first: a line starting with a space or tab continues the one
    // before; a quoted-printable value ending in `=` continues on the next,
    // whose first character (a space too) belongs to the value; a value
    // ending in an escaping backslash continues on the next line, after a
    // line break.
    let mut logical: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut joining_qp = false;
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = i as u64 + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match logical.last_mut() {
            Some((_, previous)) if joining_qp => {
                previous.pop(); // the soft break's `=`
                previous.extend_from_slice(line);
            }
            Some((_, previous)) if line.starts_with(b" ") || line.starts_with(b"\t") => {
                previous.extend_from_slice(&line[1..]);
            }
            Some((_, previous))
                if !line.is_empty()
                    && !starts_property(line)
                    && continues_escaped(previous, file) =>
            {
                previous.pop(); // the backslash, which becomes `\n`
                previous.extend_from_slice(b"\\n");
                previous.extend_from_slice(line);
            }
            _ => logical.push((number, line.to_vec())),
        }
        joining_qp = logical
            .last()
            .is_some_and(|(_, l)| continues_quoted_printable(l));
    }
    let mut cards = Vec::new();
    let mut current: Option<Card> = None;
    for (number, line) in logical {
        let trimmed = line.trim_ascii();
        if trimmed.eq_ignore_ascii_case(b"BEGIN:VCARD") {
            cards.extend(current.take());
            current = Some(Card {
                line: number,
                properties: Vec::new(),
            });
        } else if trimmed.eq_ignore_ascii_case(b"END:VCARD") {
            cards.extend(current.take());
        } else if let Some(card) = current.as_mut()
            && let Some(p) = property(&line, file)
        {
            card.properties.push(p);
        }
    }
    cards.extend(current);
    cards
}

/// A value escaped for a vCard text property.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 bytes, never inside a character, ended by
/// CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// A person to write as a card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    /// Stable identifier (the record id).
    pub uid: Option<String>,
    /// Full name.
    pub name: String,
    /// Organisation.
    pub organization: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Email addresses, preferred first.
    pub emails: Vec<String>,
    /// Phone numbers, preferred first.
    pub phones: Vec<String>,
    /// Notes.
    pub note: Option<String>,
}

/// A vCard 3.0 for `person`.
pub fn write(out: &mut String, person: &Person) {
    push_line(out, "BEGIN:VCARD");
    push_line(out, "VERSION:3.0");
    if let Some(uid) = &person.uid {
        push_line(out, &format!("UID:urn:uuid:{uid}"));
    }
    push_line(out, &format!("FN:{}", escape(&person.name)));
    // N is required in 3.0; Chinese names are not split (which part is the
    // family name is the reader's business), others on the last space.
    let n = if person.name.chars().any(crm_domain::search::is_cjk) {
        format!("{};;;;", escape(&person.name))
    } else {
        match person.name.trim().rsplit_once(' ') {
            Some((given, family)) => format!("{};{};;;", escape(family), escape(given)),
            None => format!("{};;;;", escape(&person.name)),
        }
    };
    push_line(out, &format!("N:{n}"));
    if let Some(org) = &person.organization {
        push_line(out, &format!("ORG:{}", escape(org)));
    }
    if let Some(title) = &person.title {
        push_line(out, &format!("TITLE:{}", escape(title)));
    }
    for (i, email) in person.emails.iter().enumerate() {
        let pref = if i == 0 { ",PREF" } else { "" };
        push_line(out, &format!("EMAIL;TYPE=INTERNET{pref}:{}", escape(email)));
    }
    for (i, phone) in person.phones.iter().enumerate() {
        let pref = if i == 0 { ";TYPE=PREF" } else { "" };
        push_line(out, &format!("TEL{pref}:{}", escape(phone)));
    }
    if let Some(note) = &person.note {
        push_line(out, &format!("NOTE:{}", escape(note)));
    }
    push_line(out, "END:VCARD");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_3_with_folding_escapes_and_types() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:José Méndez\r\nN:Méndez;José;;;\r\n\
            ORG:Construcciones Núñez\\, S.L.;Ventas\r\nTEL;TYPE=CELL,VOICE:+34 600 123 456\r\n\
            TEL;TYPE=WORK:+34 91 123 45 67\r\nEMAIL;TYPE=INTERNET:jose@nunez.es\r\n\
            NOTE:Met at the fair\\nwants a quote\\; soon. Long note that goes on \r\n and on\r\nEND:VCARD\r\n";
        let cards = parse(text);
        assert_eq!(cards.len(), 1);
        let c = &cards[0];
        assert_eq!(c.line, 1);
        assert_eq!(c.full_name().as_deref(), Some("José Méndez"));
        assert_eq!(
            c.first("ORG").unwrap().parts()[0],
            "Construcciones Núñez, S.L."
        );
        let tels: Vec<_> = c.all("TEL").map(|t| (t.types.clone(), t.text())).collect();
        assert_eq!(tels[0].0, ["CELL", "VOICE"]);
        assert_eq!(tels[1].1, "+34 91 123 45 67");
        assert_eq!(
            c.first("NOTE").unwrap().text(),
            "Met at the fair\nwants a quote; soon. Long note that goes on and on"
        );
    }

    #[test]
    fn version_2_1_from_a_phone_with_quoted_printable_utf8() {
        // 王伟 / 北京星辰科技有限公司 as an Android phone exports them.
        let text = "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B;=E4=BC=9F;;;\n\
            FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B=E4=BC=9F\n\
            ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=8C=97=E4=BA=AC=E6=98=9F=E8=BE=B0=E7=A7=91=E6=8A=80=\n\
            =E6=9C=89=E9=99=90=E5=85=AC=E5=8F=B8\nTEL;CELL;PREF:138-0013-8000\nPHOTO;ENCODING=BASE64;JPEG:/9j/4AAQ\n\
            \n\
            END:VCARD\nBEGIN:VCARD\nVERSION:2.1\nN:Smith;John;;;\nEND:VCARD\n";
        let cards = parse(text);
        assert_eq!(cards.len(), 2);
        assert_eq!(cards[0].full_name().as_deref(), Some("王伟"));
        assert_eq!(
            cards[0].first("ORG").unwrap().text(),
            "北京星辰科技有限公司"
        );
        let tel = cards[0].first("TEL").unwrap();
        assert_eq!(tel.types, ["CELL", "PREF"]);
        assert!(
            cards[0].first("PHOTO").is_none(),
            "binary values are skipped"
        );
        assert_eq!(
            cards[1].full_name().as_deref(),
            Some("John Smith"),
            "made from N"
        );
        assert_eq!(cards[1].line, 11);
    }

    #[test]
    fn shift_jis_values_whose_last_byte_is_a_backslash_do_not_continue() {
        // ソ is 83 5C in Shift_JIS: its second byte is a backslash's.
        let file = FileEncoding {
            encoding: Encoding::ShiftJis,
            given: false,
        };
        let mut bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nORG;CHARSET=SHIFT_JIS:".to_vec();
        bytes.extend(encoding_rs::SHIFT_JIS.encode("株式会社ソ").0.iter());
        bytes.extend(b"\r\nnot a property\r\nNOTE:one\\\r\ntwo\r\nEND:VCARD\r\n");
        let cards = parse_bytes(&bytes, file);
        assert_eq!(cards[0].first("ORG").unwrap().text(), "株式会社ソ");
        assert_eq!(cards[0].first("NOTE").unwrap().text(), "one\ntwo");
    }

    #[test]
    fn version_4_with_groups_and_quoted_params() {
        let text = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana\r\nitem1.EMAIL;TYPE=\"work,internet\";PREF=1:ana@x.es\r\nEND:VCARD\r\n";
        let cards = parse(text);
        let email = cards[0].first("EMAIL").unwrap();
        assert_eq!(email.types, ["WORK", "INTERNET"]);
        assert_eq!(email.text(), "ana@x.es");
    }

    #[test]
    fn written_cards_read_back_the_same() {
        let person = Person {
            uid: Some("0190".into()),
            name: "María José Núñez".into(),
            organization: Some("Núñez; Hijos, S.L.".into()),
            title: Some("Directora".into()),
            emails: vec!["mj@nunez.es".into(), "maria@gmail.com".into()],
            phones: vec!["+34 600 123 456".into()],
            note: Some(format!("línea 1\nlínea 2 {}", "x".repeat(200))),
        };
        let mut out = String::new();
        write(&mut out, &person);
        assert!(out.lines().all(|l| l.len() <= 76), "lines are folded");
        let cards = parse(&out);
        let c = &cards[0];
        assert_eq!(c.full_name().unwrap(), person.name);
        assert_eq!(c.first("ORG").unwrap().parts()[0], "Núñez; Hijos, S.L.");
        assert_eq!(
            c.first("NOTE").unwrap().text(),
            person.note.clone().unwrap()
        );
        let emails: Vec<String> = c.all("EMAIL").map(Property::text).collect();
        assert_eq!(emails, person.emails);
    }
}
