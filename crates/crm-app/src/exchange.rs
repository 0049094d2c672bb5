//! Importing a file chosen in the window: the UI reads its bytes and sends
//! them (base64), the core detects the encoding and format, shows what would
//! happen (a dry run: new records, likely duplicates, rows with problems),
//! and imports when the user confirms. The same planner as `crm import`.

use std::sync::atomic::Ordering;

use base64::Engine;
use crm_domain::EntityKind;
use crm_exchange::{Encoding, ExchangeError, HeaderLine, PdfError, Preview, ReadOptions, Source};
use crm_store::ImportOptions;
use serde::{Deserialize, Serialize};

use crate::{App, AppError, Progress, Result};

/// Problems listed in a report (the count says how many in all).
const PROBLEMS_SHOWN: usize = 50;

/// A file to import.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportFile {
    /// `leads`, `contacts` or `accounts`.
    pub into: String,
    /// The file's name (`.vcf` or `.vcard` reads as vCard, anything else as CSV).
    pub file_name: String,
    /// The file's bytes, base64.
    pub content: String,
    /// Import the good rows even when some rows have problems.
    #[serde(default)]
    pub skip_invalid: bool,
    /// Import rows that look like existing records too.
    #[serde(default)]
    pub keep_duplicates: bool,
    /// The file's encoding as the user chose it (`shift_jis`, `utf-16le`...);
    /// none to detect it.
    #[serde(default)]
    pub encoding: Option<String>,
    /// CSV: the file has no header line; every line is a record.
    #[serde(default)]
    pub no_header: bool,
}

/// What an import would do, or did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Columns, encoding, sample records, problems.
    pub preview: Preview,
    /// Records written (or that would be).
    pub new_records: usize,
    /// Rows left out because they look like an existing record or an earlier row.
    pub duplicates: usize,
    /// Rows this database imported before (the same file again).
    pub already_imported: usize,
    /// Accounts made for contacts whose company had none.
    pub accounts_created: usize,
    /// Whether anything was written.
    pub written: bool,
}

pub(crate) fn exchange_error(e: ExchangeError) -> AppError {
    match e {
        ExchangeError::Malformed(encoding) => {
            AppError::new("import_encoding").with("encoding", encoding)
        }
        ExchangeError::Empty => AppError::new("import_empty"),
        ExchangeError::NoHeader { values } => {
            AppError::new("import_no_header").with("values", values)
        }
        ExchangeError::UnknownEncoding(given) => {
            AppError::new("import_unknown_encoding").with("given", given)
        }
        ExchangeError::Csv { line, message } => {
            eprintln!("crm-app: CSV unreadable at line {line}: {message}");
            AppError::new("import_csv").with("line", line)
        }
        ExchangeError::Unsupported { .. } => AppError::new("import_unsupported"),
        ExchangeError::Store(e) => e.into(),
        // Its own codes (`pdf_no_font`...): a PDF that cannot be made is not
        // a file that cannot be read.
        ExchangeError::Pdf(e) => {
            let error = AppError::new(e.code());
            match e {
                PdfError::NoFont { lang } => error.with("lang", lang.code()),
                PdfError::NoGlyph { character } => error.with("character", character.to_string()),
                PdfError::Logo { problem } | PdfError::Write { problem } => {
                    eprintln!("crm-app: PDF: {problem}");
                    error
                }
            }
        }
        other => {
            eprintln!("crm-app: import: {other}");
            AppError::new("import_unreadable")
        }
    }
}

impl App {
    fn import_run(
        &self,
        args: &ImportFile,
        dry_run: bool,
        progress: &dyn Fn(Progress),
    ) -> Result<ImportReport> {
        self.import_cancel.store(false, Ordering::SeqCst);
        let entity = match args.into.as_str() {
            "leads" => EntityKind::Lead,
            "contacts" => EntityKind::Contact,
            "accounts" => EntityKind::Account,
            _ => {
                return Err(AppError::bad_request(format!(
                    "import into {:?}",
                    args.into
                )));
            }
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(args.content.as_bytes())
            .map_err(AppError::bad_request)?;
        let name = args.file_name.to_lowercase();
        let vcard = name.ends_with(".vcf") || name.ends_with(".vcard");
        let encoding = args
            .encoding
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(str::parse::<Encoding>)
            .transpose()
            .map_err(exchange_error)?;
        let header = if args.no_header {
            HeaderLine::Absent
        } else {
            HeaderLine::Guess
        };
        let source = Source::parse(&bytes, vcard, &ReadOptions { encoding, header })
            .map_err(exchange_error)?;
        self.write(|s| {
            let plan = crm_exchange::plan(s, &source, entity, None).map_err(exchange_error)?;
            let mut preview = plan.preview(5);
            preview.problems.truncate(PROBLEMS_SHOWN);
            if !dry_run && !plan.problems.is_empty() && !args.skip_invalid {
                return Err(AppError::new("import_has_problems").with("count", plan.bad_rows()));
            }
            // Progress as the rows go (the UI shows it past a second), and
            // Cancel stops the transaction with nothing written.
            let outcome = crm_exchange::import_watched(
                s,
                &plan,
                ImportOptions {
                    dry_run,
                    keep_duplicates: args.keep_duplicates,
                },
                &mut |done, total| {
                    progress(Progress {
                        task: "import",
                        done: done as u64,
                        total: total as u64,
                    });
                    !self.import_cancel.load(Ordering::SeqCst)
                },
            )
            .map_err(exchange_error)?;
            Ok(ImportReport {
                preview,
                new_records: outcome.imported.len(),
                duplicates: outcome.duplicates.len(),
                already_imported: outcome.already_imported.len(),
                accounts_created: outcome.accounts_created.len(),
                written: !dry_run,
            })
        })
    }

    /// What importing the file would do; nothing is written.
    pub fn import_preview(&self, args: ImportFile) -> Result<ImportReport> {
        self.import_run(&args, true, &|_| {})
    }

    /// [`App::import_preview`] with its progress (task `import`), as the UI
    /// calls it; `import_cancel` stops it.
    pub fn import_preview_watched(
        &self,
        args: ImportFile,
        progress: &dyn Fn(Progress),
    ) -> Result<ImportReport> {
        self.import_run(&args, true, progress)
    }

    /// Import the file's good rows (refused while rows have problems, unless
    /// `skip_invalid`); duplicates are left out unless `keep_duplicates`.
    pub fn import_file(&self, args: ImportFile) -> Result<ImportReport> {
        self.import_run(&args, false, &|_| {})
    }

    /// [`App::import_file`] with its progress (task `import`), as the UI
    /// calls it; `import_cancel` stops it with nothing written.
    pub fn import_file_watched(
        &self,
        args: ImportFile,
        progress: &dyn Fn(Progress),
    ) -> Result<ImportReport> {
        self.import_run(&args, false, progress)
    }

    /// Stop the running import or preview; it writes nothing.
    pub fn import_cancel(&self) -> Result<()> {
        self.import_cancel.store(true, Ordering::SeqCst);
        Ok(())
    }
}
