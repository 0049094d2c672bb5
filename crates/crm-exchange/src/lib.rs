//! Records in and out of the CRM in open formats.
//!
//! **Import** reads CSV as spreadsheets and address books write it (UTF-8
//! with or without a byte-order mark, GB18030/GBK from Chinese Excel,
//! Shift_JIS from Japanese Excel, Windows-1252 from Western Excel, UTF-16
//! with or without a mark, any other standard encoding when named; separated
//! by `,` `;` or tab; with or without a header line) and vCard 2.1, 3.0 and
//! 4.0 from phones and address books. [`plan`] guesses which column fills
//! which field from the headers (English, Chinese, Spanish, and the exports
//! of Google Contacts, Outlook, Thunderbird and LinkedIn), applies
//! the user's adjustments, and parses every value exactly as if typed by
//! hand, reporting every problem with its line, field and reason before
//! anything is written. [`import`] then hands the good rows to the store,
//! which writes them in one transaction as ordinary synced edits, leaving out
//! rows imported before and rows that look like existing records.
//!
//! **Export** writes accounts, contacts, leads, deals and the contact
//! history as CSV (UTF-8, or GB18030 for Chinese Excel), vCard (people) or
//! JSON. A CSV export imports back without loss.

pub mod document;
mod error;
mod export;
mod import;
mod mapping;
mod source;
pub mod text;
pub mod vcard;

pub use crm_pdf::PdfError;
pub use document::{pdf_lang, quote_pdf};
pub use error::{ExchangeError, Result};
pub use export::{ExportKind, Exported, Format, export, export_selected};
pub use import::{Plan, Preview, Reason, RowProblem, import, import_watched, plan};
pub use mapping::{Column, Target, adjust, guess, guess_from_values, targets};
pub use source::{Content, HeaderLine, ReadOptions, Source, SourceFormat, Table, TableRow};
pub use text::Encoding;
