//! Character encodings of the files people bring: UTF-8 with or without a
//! byte-order mark, GB18030/GBK as Chinese Excel writes CSV, Windows-1252 as
//! Spanish Excel does, and UTF-16 ("Unicode text").

use std::fmt;

use serde::Serialize;

use crate::error::ExchangeError;

/// A text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 (a byte-order mark, if any, is dropped).
    Utf8,
    /// GB18030, the superset of GBK and GB2312 that Chinese Windows uses.
    Gb18030,
    /// Windows-1252 (Western European Windows, a superset of Latin-1).
    Windows1252,
    /// UTF-16 with a byte-order mark.
    Utf16,
}

impl Encoding {
    /// The name people know it by.
    pub fn name(&self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Utf16 => "utf-16",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Encoding {
    type Err = ExchangeError;

    fn from_str(s: &str) -> Result<Self, ExchangeError> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Ok(Encoding::Gb18030),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                Ok(Encoding::Windows1252)
            }
            "utf-16" | "utf16" => Ok(Encoding::Utf16),
            _ => Err(ExchangeError::UnknownEncoding(s.to_owned())),
        }
    }
}

/// Whether bytes that are not UTF-8 look like GBK rather than Windows-1252.
/// In GBK every non-ASCII character is two bytes, the second mostly non-ASCII
/// too; in Windows-1252 an accented letter is one byte, mostly followed by an
/// ASCII letter.
fn looks_like_gbk(bytes: &[u8]) -> bool {
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

/// The text of a file: in `forced` encoding, or else the encoding found from
/// its byte-order mark or its bytes.
pub fn decode(bytes: &[u8], forced: Option<Encoding>) -> Result<(String, Encoding), ExchangeError> {
    let malformed = |e: Encoding| ExchangeError::Malformed(e.name());
    let encoding = match forced {
        Some(e) => e,
        None if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) => {
            Encoding::Utf16
        }
        None if std::str::from_utf8(bytes).is_ok() => Encoding::Utf8,
        None if looks_like_gbk(bytes) => Encoding::Gb18030,
        None => Encoding::Windows1252,
    };
    let text = match encoding {
        Encoding::Utf8 => {
            let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            std::str::from_utf8(body)
                .map_err(|_| malformed(encoding))?
                .to_owned()
        }
        Encoding::Gb18030 => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| malformed(encoding))?
            .into_owned(),
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
        Encoding::Utf16 => {
            let (text, _, errors) = encoding_rs::UTF_16LE.decode(bytes);
            if errors {
                return Err(malformed(encoding));
            }
            text.into_owned()
        }
    };
    Ok((text, encoding))
}

/// `text` in an encoding for a file: UTF-8 with a byte-order mark (so Excel
/// reads it as UTF-8), or GB18030 for Chinese Excel.
pub fn encode(text: &str, encoding: Encoding, bom: bool) -> Vec<u8> {
    match encoding {
        Encoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
        Encoding::Utf16 => {
            let mut out = vec![0xFF, 0xFE];
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_le_bytes());
            }
            out
        }
        Encoding::Utf8 => {
            let mut out = Vec::with_capacity(text.len() + 3);
            if bom {
                out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
            }
            out.extend_from_slice(text.as_bytes());
            out
        }
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
    }

    #[test]
    fn gbk_bytes_are_read_as_gb18030() {
        let bytes = encode(
            "姓名,公司\n王伟,北京星辰科技有限公司\n",
            Encoding::Gb18030,
            false,
        );
        assert!(std::str::from_utf8(&bytes).is_err(), "really GBK bytes");
        let (text, e) = decode(&bytes, None).unwrap();
        assert_eq!(e, Encoding::Gb18030);
        assert_eq!(text, "姓名,公司\n王伟,北京星辰科技有限公司\n");
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
    }

    #[test]
    fn utf16_with_bom() {
        let bytes = encode("Name\tEmail\nAna\ta@x.com\n", Encoding::Utf16, true);
        let (text, e) = decode(&bytes, None).unwrap();
        assert_eq!(e, Encoding::Utf16);
        assert_eq!(text, "Name\tEmail\nAna\ta@x.com\n");
    }

    #[test]
    fn forced_encoding_refuses_bytes_that_are_not_in_it() {
        let bytes = encode("王伟", Encoding::Gb18030, false);
        assert!(decode(&bytes, Some(Encoding::Utf8)).is_err());
        assert_eq!("GBK".parse::<Encoding>().unwrap(), Encoding::Gb18030);
    }
}
