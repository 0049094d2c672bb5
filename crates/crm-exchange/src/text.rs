//! Character encodings of the files people bring: UTF-8 with or without a
//! byte-order mark, GB18030/GBK as Chinese Excel writes CSV, Shift_JIS as
//! Japanese Excel and phones do, Windows-1252 as Spanish Excel does, UTF-16
//! ("Unicode text") with or without a byte-order mark, and any other
//! encoding of the WHATWG Encoding Standard when the user names it.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::error::ExchangeError;

/// A text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark, if any, is dropped).
    Utf8,
    /// GB18030, the superset of GBK and GB2312 that Chinese Windows uses.
    Gb18030,
    /// Shift_JIS as Japanese Windows writes it (Windows-31J).
    ShiftJis,
    /// Windows-1252 (Western European Windows, a superset of Latin-1).
    Windows1252,
    /// UTF-16, little end first (what Windows writes as "Unicode").
    Utf16Le,
    /// UTF-16, big end first.
    Utf16Be,
    /// Another encoding the user named (EUC-KR, Big5, windows-1251...).
    Other(&'static encoding_rs::Encoding),
}

impl Encoding {
    /// The name people know it by.
    pub fn name(&self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
            Encoding::ShiftJis => "shift_jis",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Other(e) => e.name(),
        }
    }

    /// The decoder and encoder.
    pub fn codec(&self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Gb18030 => encoding_rs::GB18030,
            Encoding::ShiftJis => encoding_rs::SHIFT_JIS,
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
            Encoding::Other(e) => e,
        }
    }

    /// The encoding of a label as the Encoding Standard reads it
    /// (`sjis`, `euc-kr`, `latin1`...), or `None` for an unknown label and
    /// for the labels that stand for no real encoding.
    pub fn for_label(label: &str) -> Option<Encoding> {
        let label = label.trim().to_ascii_lowercase();
        let codec = match label.as_str() {
            // Names Windows and Python use that the standard does not list.
            "utf8" => encoding_rs::UTF_8,
            "utf16" | "utf-16" | "utf16le" | "unicode" => encoding_rs::UTF_16LE,
            "utf16be" => encoding_rs::UTF_16BE,
            "cp932" | "shiftjis" | "shift-jis" => encoding_rs::SHIFT_JIS,
            "cp936" | "gb-18030" => encoding_rs::GB18030,
            "cp1252" | "latin-1" => encoding_rs::WINDOWS_1252,
            _ => encoding_rs::Encoding::for_label(label.as_bytes())?,
        };
        Encoding::of(codec)
    }

    /// Ours for an `encoding_rs` encoding; `None` for the replacement
    /// encoding, which decodes nothing.
    fn of(codec: &'static encoding_rs::Encoding) -> Option<Encoding> {
        Some(if codec == encoding_rs::UTF_8 {
            Encoding::Utf8
        } else if codec == encoding_rs::GB18030 || codec == encoding_rs::GBK {
            Encoding::Gb18030
        } else if codec == encoding_rs::SHIFT_JIS {
            Encoding::ShiftJis
        } else if codec == encoding_rs::WINDOWS_1252 {
            Encoding::Windows1252
        } else if codec == encoding_rs::UTF_16LE {
            Encoding::Utf16Le
        } else if codec == encoding_rs::UTF_16BE {
            Encoding::Utf16Be
        } else if codec == encoding_rs::REPLACEMENT {
            return None;
        } else {
            Encoding::Other(codec)
        })
    }

    /// Whether ASCII text reads the same in it (every encoding but UTF-16
    /// and the 7-bit ISO-2022-JP).
    pub fn is_ascii_compatible(&self) -> bool {
        self.codec().is_ascii_compatible()
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Encoding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::str::FromStr for Encoding {
    type Err = ExchangeError;

    fn from_str(s: &str) -> Result<Self, ExchangeError> {
        Encoding::for_label(s).ok_or_else(|| ExchangeError::UnknownEncoding(s.to_owned()))
    }
}

/// A file's text and how its encoding was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The encoding it was read in.
    pub encoding: Encoding,
    /// Whether the encoding was guessed from the bytes (it was not given,
    /// there is no byte-order mark and the bytes are not UTF-8): the person
    /// importing should look at the text and may name another.
    pub guessed: bool,
}

/// The encoding of bytes and whether it is a guess: a byte-order mark or
/// valid UTF-8 are certain; UTF-16 without a mark, GB18030, Shift_JIS and
/// Windows-1252 are told apart by the shape of their bytes.
pub fn sniff(bytes: &[u8]) -> (Encoding, bool) {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return (Encoding::Utf8, false);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return (Encoding::Utf16Le, false);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return (Encoding::Utf16Be, false);
    }
    if let Some(utf16) = utf16_without_bom(bytes) {
        return (utf16, true);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (Encoding::Utf8, false);
    }
    (guess_legacy(bytes), true)
}

/// UTF-16 without a byte-order mark: in a file of names, e-mails, phone
/// numbers and separators most characters are ASCII, so one byte of most
/// pairs is zero, always the same one. Text in other encodings holds no
/// zero bytes at all.
fn utf16_without_bom(bytes: &[u8]) -> Option<Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let units = sample.len() / 2;
    if units < 2 {
        return None;
    }
    let (mut first, mut second) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        first += usize::from(pair[0] == 0);
        second += usize::from(pair[1] == 0);
    }
    let mostly = |zeros: usize| zeros * 10 >= units * 3;
    let hardly = |zeros: usize| zeros * 20 < units;
    if mostly(second) && hardly(first) {
        Some(Encoding::Utf16Le)
    } else if mostly(first) && hardly(second) {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Whether bytes that are not UTF-8 look like a double-byte encoding (GBK,
/// Shift_JIS) rather than Windows-1252. There every non-ASCII character is
/// two bytes, the second mostly non-ASCII too; in Windows-1252 an accented
/// letter is one byte, mostly followed by an ASCII letter.
fn looks_double_byte(bytes: &[u8]) -> bool {
    let (mut pairs, mut singles) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(next) if *next >= 0x80 => {
                pairs += 1;
                i += 2;
            }
            _ => {
                singles += 1;
                i += 1;
            }
        }
    }
    pairs >= singles
}

/// Of the characters read as GBK, how many are common Chinese (the GB2312
/// rows: lead byte A1-F7, trail A1-FE), and how many in all. Japanese
/// Shift_JIS read as GBK falls mostly outside them (its leads are 81-9F).
fn gb2312_share(bytes: &[u8]) -> (usize, usize) {
    let (mut common, mut all) = (0, 0);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let Some(&next) = bytes.get(i + 1).filter(|_| (0x81..=0xFE).contains(&b)) else {
            i += 1;
            continue;
        };
        all += 1;
        if (0x30..=0x39).contains(&next) {
            i += 4; // a four-byte GB18030 sequence: rare characters
            continue;
        }
        if (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&next) {
            common += 1;
        }
        i += 2;
    }
    (common, all)
}

/// Of the characters read as Shift_JIS, how many are common Japanese
/// (punctuation, kana and the first level of kanji: lead bytes 81-84 and
/// 88-98), and how many in all. Chinese GBK read as Shift_JIS turns into
/// half-width katakana and rare kanji instead.
fn jis_share(bytes: &[u8]) -> (usize, usize) {
    let (mut common, mut all) = (0, 0);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0xA1..=0xDF => {
                all += 1;
                i += 1;
            }
            0x81..=0x9F | 0xE0..=0xFC if i + 1 < bytes.len() => {
                all += 1;
                if matches!(b, 0x81..=0x84 | 0x88..=0x98) {
                    common += 1;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    (common, all)
}

/// The likeliest legacy encoding of bytes that are not UTF-8: Shift_JIS
/// when they read as Shift_JIS and mostly as common Japanese (more so than
/// as common Chinese: the same bytes often read as both without error);
/// else GB18030 when they have the shape of a double-byte encoding and read
/// as it; else Windows-1252, which reads anything.
fn guess_legacy(bytes: &[u8]) -> Encoding {
    let reads = |e: Encoding| decode_in(bytes, e).is_some();
    let (jis, jis_all) = jis_share(bytes);
    let (gb, gb_all) = gb2312_share(bytes);
    // jis / jis_all >= 1/2, and > gb / gb_all, without division.
    let japanese = jis_all > 0 && jis * 2 >= jis_all && jis * gb_all.max(1) > gb * jis_all;
    if japanese && reads(Encoding::ShiftJis) {
        Encoding::ShiftJis
    } else if looks_double_byte(bytes) && reads(Encoding::Gb18030) {
        Encoding::Gb18030
    } else {
        Encoding::Windows1252
    }
}

/// The text of `bytes` in `encoding`, its byte-order mark dropped; `None`
/// when the bytes are not text in that encoding.
pub fn decode_in(bytes: &[u8], encoding: Encoding) -> Option<String> {
    let body = match encoding {
        Encoding::Utf8 => bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]),
        Encoding::Utf16Le => bytes.strip_prefix(&[0xFF, 0xFE]),
        Encoding::Utf16Be => bytes.strip_prefix(&[0xFE, 0xFF]),
        _ => None,
    }
    .unwrap_or(bytes);
    encoding
        .codec()
        .decode_without_bom_handling_and_without_replacement(body)
        .map(std::borrow::Cow::into_owned)
}

/// The text of `bytes` in `encoding`, its byte-order mark dropped, with
/// U+FFFD for bytes that are not text in it.
pub fn decode_lossy(bytes: &[u8], encoding: Encoding) -> String {
    encoding
        .codec()
        .decode_with_bom_removal(bytes)
        .0
        .into_owned()
}

/// The text of a file: in the `forced` encoding, or else the encoding found
/// from its byte-order mark or guessed from its bytes (see [`sniff`]).
pub fn read(bytes: &[u8], forced: Option<Encoding>) -> Result<Decoded, ExchangeError> {
    let (encoding, guessed) = match forced {
        // "UTF-16" given for a file whose mark says which UTF-16.
        Some(Encoding::Utf16Le | Encoding::Utf16Be)
            if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) =>
        {
            (sniff(bytes).0, false)
        }
        Some(e) => (e, false),
        None => sniff(bytes),
    };
    let text = decode_in(bytes, encoding).ok_or(ExchangeError::Malformed(encoding.name()))?;
    Ok(Decoded {
        text,
        encoding,
        guessed,
    })
}

/// The text of a file and its encoding (see [`read`]).
pub fn decode(bytes: &[u8], forced: Option<Encoding>) -> Result<(String, Encoding), ExchangeError> {
    let decoded = read(bytes, forced)?;
    Ok((decoded.text, decoded.encoding))
}

/// `text` in an encoding for a file: UTF-8 with a byte-order mark (so Excel
/// reads it as UTF-8), or GB18030 for Chinese Excel; UTF-16 with its mark.
pub fn encode(text: &str, encoding: Encoding, bom: bool) -> Vec<u8> {
    let utf16 = |mark: [u8; 2], unit: fn(u16) -> [u8; 2]| {
        let mut out = mark.to_vec();
        for u in text.encode_utf16() {
            out.extend_from_slice(&unit(u));
        }
        out
    };
    match encoding {
        Encoding::Utf16Le => utf16([0xFF, 0xFE], u16::to_le_bytes),
        Encoding::Utf16Be => utf16([0xFE, 0xFF], u16::to_be_bytes),
        Encoding::Utf8 => {
            let mut out = Vec::with_capacity(text.len() + 3);
            if bom {
                out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
            }
            out.extend_from_slice(text.as_bytes());
            out
        }
        other => other.codec().encode(text).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let (text, e) = decode("\u{feff}姓名,公司".as_bytes(), None).unwrap();
        assert_eq!((text.as_str(), e), ("姓名,公司", Encoding::Utf8));
        let (text, _) = decode("Méndez".as_bytes(), None).unwrap();
        assert_eq!(text, "Méndez");
        assert!(
            !read(b"Name,Email\n", None).unwrap().guessed,
            "UTF-8 is certain"
        );
    }

    #[test]
    fn gbk_bytes_are_read_as_gb18030() {
        let bytes = encode(
            "姓名,公司\n王伟,北京星辰科技有限公司\n",
            Encoding::Gb18030,
            false,
        );
        assert!(std::str::from_utf8(&bytes).is_err(), "really GBK bytes");
        let decoded = read(&bytes, None).unwrap();
        assert_eq!(decoded.encoding, Encoding::Gb18030);
        assert!(decoded.guessed, "a guess, and the preview says so");
        assert_eq!(decoded.text, "姓名,公司\n王伟,北京星辰科技有限公司\n");
    }

    #[test]
    fn shift_jis_bytes_are_read_as_shift_jis_not_gb18030() {
        for text in [
            "氏名,会社,電話\n山田太郎,株式会社サンプル,03-1234-5678\n",
            "名無しの権兵衛,名無し,権兵衛@host.invalid\n",
            "鈴木一郎,東京\n",
            // Trail bytes in the ASCII range: 8E 52, 93 63, 98 59.
            "Name,Email\n山田太郎,yamada@sample.co.jp\n",
        ] {
            let bytes = encode(text, Encoding::ShiftJis, false);
            let decoded = read(&bytes, None).unwrap();
            assert_eq!(decoded.encoding, Encoding::ShiftJis, "{text}");
            assert_eq!(decoded.text, text);
            assert!(decoded.guessed);
        }
    }

    #[test]
    fn western_windows_bytes_are_read_as_windows_1252() {
        let bytes = encode(
            "Nombre;Empresa\nJosé Méndez;Construcciones Núñez\n",
            Encoding::Windows1252,
            false,
        );
        let (text, e) = decode(&bytes, None).unwrap();
        assert_eq!(e, Encoding::Windows1252);
        assert!(text.contains("José Méndez;Construcciones Núñez"), "{text}");
        let quoted = "Name,Notes\nZoë Müller,“Café” – ask Françoise\n";
        let (text, e) = decode(&encode(quoted, Encoding::Windows1252, false), None).unwrap();
        assert_eq!((text.as_str(), e), (quoted, Encoding::Windows1252));
    }

    #[test]
    fn utf16_with_bom() {
        for e in [Encoding::Utf16Le, Encoding::Utf16Be] {
            let bytes = encode("Name\tEmail\nAna\ta@x.com\n", e, true);
            let decoded = read(&bytes, None).unwrap();
            assert_eq!((decoded.encoding, decoded.guessed), (e, false));
            assert_eq!(decoded.text, "Name\tEmail\nAna\ta@x.com\n");
        }
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        for e in [Encoding::Utf16Le, Encoding::Utf16Be] {
            let bytes = encode("Name,Email\nJosé,jose@x.es\n", e, true);
            let decoded = read(&bytes[2..], None).unwrap();
            assert_eq!((decoded.encoding, decoded.guessed), (e, true));
            assert_eq!(decoded.text, "Name,Email\nJosé,jose@x.es\n");
        }
    }

    #[test]
    fn forced_encoding_refuses_bytes_that_are_not_in_it() {
        let bytes = encode("王伟", Encoding::Gb18030, false);
        assert!(decode(&bytes, Some(Encoding::Utf8)).is_err());
    }

    #[test]
    fn encodings_by_the_labels_people_use() {
        let label = |s: &str| s.parse::<Encoding>().ok();
        assert_eq!(label("GBK"), Some(Encoding::Gb18030));
        assert_eq!(label("cp936"), Some(Encoding::Gb18030));
        assert_eq!(label("shift_jis"), Some(Encoding::ShiftJis));
        assert_eq!(label("SJIS"), Some(Encoding::ShiftJis));
        assert_eq!(label("cp932"), Some(Encoding::ShiftJis));
        assert_eq!(label("utf-16"), Some(Encoding::Utf16Le));
        assert_eq!(label("UTF-16BE"), Some(Encoding::Utf16Be));
        assert_eq!(label("latin1"), Some(Encoding::Windows1252));
        assert_eq!(label("utf8"), Some(Encoding::Utf8));
        let korean = label("euc-kr").unwrap();
        assert_eq!(korean.name(), "EUC-KR");
        let (text, _) = decode(&encode("김민준", korean, false), Some(korean)).unwrap();
        assert_eq!(text, "김민준");
        assert_eq!(label("nonsense"), None);
        assert_eq!(label("iso-2022-kr"), None, "the replacement encoding");
    }
}
