//! Reading an import file: CSV as spreadsheets write it, or vCard.

use std::path::Path;

use serde::Serialize;

use crate::{
    error::{ExchangeError, Result},
    mapping,
    text::{self, Encoding},
    vcard::{self, Card},
};

/// One row of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The line the row starts on (the file's first line is line 1).
    pub line: u64,
    /// The values, in column order.
    pub cells: Vec<String>,
}

/// A CSV file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The column headers; `#1`, `#2`... when the file has no header line.
    pub headers: Vec<String>,
    /// Whether the headers are the file's own (or numbers made up for a
    /// file without a header line).
    pub has_header: bool,
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
    /// Whether that encoding was guessed from the bytes rather than certain
    /// (given, a byte-order mark, or valid UTF-8).
    pub encoding_guessed: bool,
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

/// Whether the first line of a CSV file names the columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HeaderLine {
    /// Look: a first line of e-mails or phone numbers and no column name we
    /// know is refused with [`ExchangeError::NoHeader`] rather than taken
    /// as the header.
    #[default]
    Guess,
    /// The first line (after a preamble such as LinkedIn's "Notes:") names
    /// the columns, whatever it looks like.
    Present,
    /// Every line is a record; the columns are guessed from their values.
    Absent,
}

/// How to read an import file; the default guesses everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The file's encoding, when not what its bytes suggest.
    pub encoding: Option<Encoding>,
    /// CSV: whether the first line names the columns.
    pub header: HeaderLine,
}

impl Source {
    /// Read the file at `path`.
    pub fn read(path: &Path, options: &ReadOptions) -> Result<Source> {
        let bytes = std::fs::read(path).map_err(|source| ExchangeError::File {
            path: path.to_owned(),
            source,
        })?;
        let is_vcard_name = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("vcf") || e.eq_ignore_ascii_case("vcard"));
        Source::parse(&bytes, is_vcard_name, options)
    }

    /// Read a file's bytes; `vcard` when its name says it holds vCards (the
    /// content says so too when it starts with `BEGIN:VCARD`).
    pub fn parse(bytes: &[u8], vcard: bool, options: &ReadOptions) -> Result<Source> {
        let (encoding, encoding_guessed) = match options.encoding {
            Some(e) => (e, false),
            None => text::sniff(bytes),
        };
        let starts_as_vcard = text::decode_lossy(&bytes[..bytes.len().min(256)], encoding)
            .trim_start_matches('\u{feff}')
            .trim_start()
            .get(..11)
            .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"));
        let content = if vcard || starts_as_vcard {
            // A vCard's values may each name their character set, so they
            // are decoded one by one from the bytes; UTF-16 is the one
            // encoding whose bytes are not ASCII for the rest.
            let cards = if encoding.is_ascii_compatible() {
                let file = vcard::FileEncoding {
                    encoding,
                    given: options.encoding.is_some(),
                };
                vcard::parse_bytes(bytes, file)
            } else {
                let text = text::decode_lossy(bytes, encoding);
                vcard::parse(&text)
            };
            if cards.is_empty() {
                return Err(ExchangeError::Empty);
            }
            Content::Cards(cards)
        } else {
            let decoded = text::read(bytes, Some(encoding))?;
            Content::Table(read_table(&decoded.text, options.header)?)
        };
        Ok(Source {
            encoding,
            encoding_guessed,
            content,
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

/// The separator of a file: whichever of `,` `;` and tab the first line
/// that holds any holds most often outside quotes (`,` when none). A
/// preamble line without separators (LinkedIn's "Notes:") is passed over.
fn sniff_delimiter(text: &str) -> u8 {
    for line in text.lines().take(20) {
        let (mut comma, mut semicolon, mut tab) = (0, 0, 0);
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => comma += 1,
                ';' if !quoted => semicolon += 1,
                '\t' if !quoted => tab += 1,
                _ => {}
            }
        }
        if tab > comma && tab >= semicolon {
            return b'\t';
        } else if semicolon > comma {
            return b';';
        } else if comma > 0 {
            return b',';
        }
    }
    b','
}

/// How many lines a preamble before the header may take.
const PREAMBLE_LINES: usize = 10;

/// Where the header is among the first records: after a preamble of lines
/// with at most one value each (LinkedIn's export starts with "Notes:" and
/// a paragraph), at the first record that names two columns we know;
/// otherwise the first record.
fn header_index(records: &[TableRow]) -> usize {
    let known = |r: &TableRow| {
        r.cells
            .iter()
            .filter(|c| mapping::concept_of(c).is_some())
            .count()
    };
    let filled = |r: &TableRow| r.cells.iter().filter(|c| !c.trim().is_empty()).count();
    records
        .iter()
        .take(PREAMBLE_LINES)
        .position(|r| known(r) >= 2 || filled(r) > 1)
        .filter(|i| known(&records[*i]) >= 2)
        .unwrap_or(0)
}

/// The values of a would-be header that look like data, when none of its
/// values is a column name we know: e-mail addresses and phone numbers are
/// never column names.
fn data_in_header(header: &TableRow) -> Vec<String> {
    if header
        .cells
        .iter()
        .any(|c| mapping::concept_of(c).is_some())
    {
        return Vec::new();
    }
    header
        .cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| {
            c.parse::<crm_domain::Email>().is_ok() || c.parse::<crm_domain::Phone>().is_ok()
        })
        .map(str::to_owned)
        .collect()
}

/// Rows and columns of CSV text. Excel's `sep=;` first line is honoured.
fn read_table(text: &str, header: HeaderLine) -> Result<Table> {
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or_default();
    let (delimiter, body, skipped) = match first_line.trim().strip_prefix("sep=") {
        Some(sep) if sep.len() == 1 => {
            let rest = text.split_once('\n').map_or("", |(_, r)| r);
            (sep.as_bytes()[0], rest, 1)
        }
        _ => (sniff_delimiter(text), text, 0),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(body.as_bytes());
    let csv_error = |e: csv::Error| ExchangeError::Csv {
        line: e.position().map_or(0, |p| p.line()) + skipped,
        message: e.to_string(),
    };
    let mut records = Vec::new();
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
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        records.push(TableRow {
            line,
            cells: record.iter().map(str::to_owned).collect(),
        });
    }
    let delimiter = char::from(delimiter);
    if header == HeaderLine::Absent {
        let width = records.iter().map(|r| r.cells.len()).max().unwrap_or(0);
        return Ok(Table {
            headers: (1..=width).map(|n| format!("#{n}")).collect(),
            has_header: false,
            rows: records,
            delimiter,
        });
    }
    let at = header_index(&records);
    let Some(first) = records.get(at) else {
        return Err(ExchangeError::Empty);
    };
    if header == HeaderLine::Guess {
        let data = data_in_header(first);
        if !data.is_empty() {
            return Err(ExchangeError::NoHeader {
                values: data.join(", "),
            });
        }
    }
    let headers: Vec<String> = first.cells.iter().map(|h| h.trim().to_owned()).collect();
    if headers.iter().all(String::is_empty) {
        return Err(ExchangeError::Empty);
    }
    records.drain(..=at);
    Ok(Table {
        headers,
        has_header: true,
        rows: records,
        delimiter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        match Source::parse(text.as_bytes(), false, &ReadOptions::default())
            .unwrap()
            .content
        {
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
            false,
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(s.format(), SourceFormat::Vcard);
    }
}
