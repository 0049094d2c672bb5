//! Reading an import file: CSV as spreadsheets write it, or vCard.

use std::path::Path;

use serde::Serialize;

use crate::{
    error::{ExchangeError, Result},
    text::{self, Encoding},
    vcard::{self, Card},
};

/// One row of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// The values, in column order.
    pub cells: Vec<String>,
}

/// A CSV file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The column headers.
    pub headers: Vec<String>,
    /// The rows that hold anything.
    pub rows: Vec<TableRow>,
    /// The separator found.
    pub delimiter: char,
}

/// What an import file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Rows and columns.
    Table(Table),
    /// Electronic business cards.
    Cards(Vec<Card>),
}

/// An import file read and decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The encoding it was read in.
    pub encoding: Encoding,
    /// What it holds.
    pub content: Content,
}

/// The file formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// Comma-, semicolon- or tab-separated values.
    Csv,
    /// vCard 2.1, 3.0 or 4.0.
    Vcard,
}

impl Source {
    /// Read the file at `path`; `encoding` overrides what the bytes suggest.
    pub fn read(path: &Path, encoding: Option<Encoding>) -> Result<Source> {
        let bytes = std::fs::read(path).map_err(|source| ExchangeError::File {
            path: path.to_owned(),
            source,
        })?;
        let is_vcard_name = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("vcf") || e.eq_ignore_ascii_case("vcard"));
        Source::parse(&bytes, encoding, is_vcard_name)
    }

    /// Read a file's bytes; `vcard` when its name says it holds vCards (the
    /// content says so too when it starts with `BEGIN:VCARD`).
    pub fn parse(bytes: &[u8], encoding: Option<Encoding>, vcard: bool) -> Result<Source> {
        let file_encoding = encoding.unwrap_or_else(|| text::sniff(bytes).0);
        let starts_as_vcard = text::decode_lossy(&bytes[..bytes.len().min(256)], file_encoding)
            .trim_start_matches('\u{feff}')
            .trim_start()
            .get(..11)
            .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"));
        if vcard || starts_as_vcard {
            // A vCard's values may each name their character set, so they
            // are decoded one by one from the bytes; UTF-16 is the one
            // encoding whose bytes are not ASCII for the rest.
            let cards = if file_encoding.is_ascii_compatible() {
                let file = vcard::FileEncoding {
                    encoding: file_encoding,
                    given: encoding.is_some(),
                };
                vcard::parse_bytes(bytes, file)
            } else {
                let text = text::decode_lossy(bytes, file_encoding);
                vcard::parse(&text)
            };
            if cards.is_empty() {
                return Err(ExchangeError::Empty);
            }
            return Ok(Source {
                encoding: file_encoding,
                content: Content::Cards(cards),
            });
        }
        let (text, encoding) = text::decode(bytes, encoding)?;
        Ok(Source {
            encoding,
            content: Content::Table(read_table(&text)?),
        })
    }

    /// CSV or vCard.
    pub fn format(&self) -> SourceFormat {
        match self.content {
            Content::Table(_) => SourceFormat::Csv,
            Content::Cards(_) => SourceFormat::Vcard,
        }
    }
}

/// The separator of a header line: whichever of `,` `;` and tab it holds
/// most often outside quotes (`,` when none).
fn sniff_delimiter(header: &str) -> u8 {
    let (mut comma, mut semicolon, mut tab) = (0, 0, 0);
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => comma += 1,
            ';' if !quoted => semicolon += 1,
            '\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab >= semicolon {
        b'\t'
    } else if semicolon > comma {
        b';'
    } else {
        b','
    }
}

/// Rows and columns of CSV text. Excel's `sep=;` first line is honoured.
fn read_table(text: &str) -> Result<Table> {
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or_default();
    let (delimiter, body, skipped) = match first_line.trim().strip_prefix("sep=") {
        Some(sep) if sep.len() == 1 => {
            let rest = text.split_once('\n').map_or("", |(_, r)| r);
            (sep.as_bytes()[0], rest, 1)
        }
        _ => (sniff_delimiter(first_line), text, 0),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(body.as_bytes());
    let csv_error = |e: csv::Error| ExchangeError::Csv {
        line: e.position().map_or(0, |p| p.line()) + skipped,
        message: e.to_string(),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(ExchangeError::Empty);
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Lines are counted from the records' byte offsets: the reader's own
    // line count is off by one after CRLF line ends.
    let (mut counted_to, mut line) = (0usize, 1 + skipped);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e)),
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(counted_to)
            .min(body.len());
        // A record's offset may point at the line end before it.
        while matches!(body.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += body.as_bytes()[counted_to.min(start)..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        counted_to = start;
        rows.push(TableRow {
            line,
            cells: record.iter().map(str::to_owned).collect(),
        });
    }
    Ok(Table {
        headers,
        rows,
        delimiter: char::from(delimiter),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        match Source::parse(text.as_bytes(), None, false).unwrap().content {
            Content::Table(t) => t,
            Content::Cards(_) => panic!("not a table"),
        }
    }

    #[test]
    fn separators_are_found_from_the_header() {
        assert_eq!(table("a,b;c\n1,2\n").delimiter, ',');
        assert_eq!(
            table("Nombre;Empresa;Teléfono\nJosé;Núñez, S.L.;91\n").delimiter,
            ';'
        );
        assert_eq!(table("Name\tEmail\nAna\ta@x.com\n").delimiter, '\t');
        assert_eq!(
            table("\"a;b\",c\n").delimiter,
            ',',
            "quoted separators do not count"
        );
        let t = table("sep=;\nNombre;Empresa\nAna;Núñez, S.L.\n");
        assert_eq!(t.delimiter, ';');
        assert_eq!(t.headers, ["Nombre", "Empresa"]);
        assert_eq!(t.rows[0].line, 3, "the sep= line counts");
    }

    #[test]
    fn rows_know_their_line_even_after_multi_line_values() {
        let t = table("name,notes\nAna,\"two\nlines\"\n\n,\nLuis,x\n");
        assert_eq!(t.rows.len(), 2, "blank rows are skipped");
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[0].cells[1], "two\nlines");
        assert_eq!(t.rows[1].line, 6);
        let t = table("name,x\r\nAna,1\r\nLuis,2\r\nEva,3\r\n");
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4], "Windows line ends");
    }

    #[test]
    fn vcards_are_recognised_by_content() {
        let s = Source::parse(
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEND:VCARD\r\n",
            None,
            false,
        )
        .unwrap();
        assert_eq!(s.format(), SourceFormat::Vcard);
    }
}
