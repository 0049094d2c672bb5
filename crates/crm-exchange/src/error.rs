//! Errors of import and export, each with a stable code for user interfaces
//! and an English message that says what to do.

use std::path::PathBuf;

use crm_domain::EntityKind;
use crm_store::StoreError;

/// What can stop an import or an export as a whole. Problems of single rows
/// are not errors: they are reported as [`crate::RowProblem`]s.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The file could not be read or written.
    #[error("{}: {source}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The bytes are not text in the encoding.
    #[error("the file is not valid {0} text; give its encoding with --encoding")]
    Malformed(&'static str),
    /// An encoding name that is not known.
    #[error(
        "unknown encoding {0:?}; use utf-8, gb18030, shift_jis, windows-1252, utf-16le, utf-16be or another standard name (euc-kr, big5, windows-1251...)"
    )]
    UnknownEncoding(String),
    /// The file holds no header or no rows.
    #[error("the file holds no records")]
    Empty,
    /// The first line of a CSV file holds a record, not column names: read
    /// as a header, that person would be lost and the columns guessed from
    /// their values.
    #[error(
        "the first line looks like a record, not column names ({values}); if the file has no header line, import it with --no-header"
    )]
    NoHeader {
        /// The values of the first line that look like data (e-mails,
        /// phone numbers), comma separated.
        values: String,
    },
    /// The CSV structure could not be read.
    #[error("line {line}: {message}")]
    Csv {
        /// Where reading stopped.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// The mapping names a column the file does not have.
    #[error("the file has no column {column:?} (its columns: {columns})")]
    NoColumn {
        /// What the user wrote.
        column: String,
        /// The file's columns, comma separated.
        columns: String,
    },
    /// The mapping names a field the kind of record does not have.
    #[error("{field:?} is not a field of {} (use one of: {allowed}, or - to leave the column out)", .entity.table())]
    NotAField {
        /// What the user wrote.
        field: String,
        /// The kind of record imported.
        entity: EntityKind,
        /// The fields that can be filled, comma separated.
        allowed: String,
    },
    /// A mapping entry that is not `COLUMN=FIELD`.
    #[error("{0:?} is not COLUMN=FIELD")]
    NotAPair(String),
    /// The format does not suit the kind of record.
    #[error("{format} cannot hold {kind}; use {allowed}")]
    Unsupported {
        /// The format asked for.
        format: &'static str,
        /// The kind of record.
        kind: &'static str,
        /// What would work.
        allowed: &'static str,
    },
    /// The PDF could not be made (no font for the language, a bad logo).
    #[error(transparent)]
    Pdf(crm_pdf::PdfError),
    /// The store refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExchangeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ExchangeError::File { .. } => "file",
            ExchangeError::Malformed(_) => "encoding",
            ExchangeError::UnknownEncoding(_) => "unknown_encoding",
            ExchangeError::Empty => "empty_file",
            ExchangeError::NoHeader { .. } => "no_header",
            ExchangeError::Csv { .. } => "csv",
            ExchangeError::NoColumn { .. }
            | ExchangeError::NotAField { .. }
            | ExchangeError::NotAPair(_) => "mapping",
            ExchangeError::Unsupported { .. } => "unsupported",
            ExchangeError::Pdf(e) => e.code(),
            ExchangeError::Store(e) => e.code(),
        }
    }
}

/// Result with [`ExchangeError`].
pub type Result<T, E = ExchangeError> = std::result::Result<T, E>;
