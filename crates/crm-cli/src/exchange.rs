//! Import, export, duplicates, merge, backup and restore from the command
//! line: parse what the user typed, call `crm-exchange` or the store, print.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{Result, anyhow};
use clap::Args;
use crm_domain::{EntityKind, Id, Invalid};
use crm_exchange::{
    Encoding, ExchangeError, ExportKind, Format, HeaderLine, PdfError, Plan, ReadOptions, Reason,
    RowProblem, Source,
};
use crm_store::{ImportOptions, ImportOutcome, KeyKind, Side, Store};
use rust_i18n::t;
use serde_json::{Value, json};

use crate::{lang, print::Out};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A CSV file (separated by , ; or tab; UTF-8, GBK/GB18030, Shift_JIS, Windows-1252 or UTF-16; the exports of Google Contacts, Outlook, Thunderbird and LinkedIn are recognised) or a vCard file (.vcf). A card or row with a company and no person's name becomes a contact (or lead) named after the company
    pub file: PathBuf,
    /// What the rows become
    #[arg(long, value_parser = ["leads", "accounts", "contacts"])]
    pub into: String,
    /// Adjust the columns guessed from the headers: "COLUMN=FIELD,..." (a header or column number; FIELD "-" leaves the column out), or a file of such lines
    #[arg(long, value_name = "M")]
    pub mapping: Option<String>,
    /// Check the file and show what would be imported, writing nothing
    #[arg(long)]
    pub dry_run: bool,
    /// When some rows have problems, import the good rows (otherwise nothing is imported)
    #[arg(long)]
    pub skip_invalid: bool,
    /// Also import rows that look like existing records (to merge them later)
    #[arg(long)]
    pub keep_duplicates: bool,
    /// The file's encoding, when it is not what its bytes suggest: utf-8, gb18030, shift_jis, windows-1252, utf-16le, utf-16be, or another standard name (euc-kr, big5, windows-1251...)
    #[arg(long)]
    pub encoding: Option<String>,
    /// CSV: the file has no header line; every line is a record (the columns are guessed from their values; map the others by number with --mapping)
    #[arg(long, conflicts_with = "header")]
    pub no_header: bool,
    /// CSV: the first line names the columns, even though it looks like a record
    #[arg(long)]
    pub header: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export
    #[arg(value_parser = ["accounts", "contacts", "leads", "deals", "interactions"])]
    pub kind: String,
    /// csv, vcf (contacts and leads) or json
    #[arg(long, value_parser = ["csv", "vcf", "json"])]
    pub format: String,
    /// CSV encoding: utf-8, or gb18030 for Chinese Excel
    #[arg(long, default_value = "utf-8", value_parser = ["utf-8", "gb18030"])]
    pub encoding: String,
    /// Write to this file [default: standard output]
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DuplicatesArgs {
    /// Only this kind of record
    #[arg(long, value_parser = ["account", "contact", "lead"])]
    pub kind: Option<String>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The record that stays
    pub keep_id: String,
    /// The record merged into it, then deleted
    pub other_id: String,
    /// Where both records hold a different value, take the other record's (repeat for several fields) [default: the kept record's]
    #[arg(long, value_name = "FIELD")]
    pub use_other: Vec<String>,
    /// Show what the merge would do, changing nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (must not exist yet)
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to restore
    pub file: PathBuf,
}

/// An import or export error in the user's language. Store errors go
/// through as they are, so they keep their codes and translations.
pub fn exchange_error(err: ExchangeError) -> anyhow::Error {
    let message = match err {
        ExchangeError::Store(e) => return e.into(),
        ExchangeError::File { path, source } => {
            t!("exchange_err.file", path = path.display(), reason = source)
        }
        ExchangeError::Malformed(encoding) => t!("exchange_err.encoding", encoding = encoding),
        ExchangeError::UnknownEncoding(given) => {
            t!("exchange_err.unknown_encoding", given = given)
        }
        ExchangeError::Empty => t!("exchange_err.empty"),
        ExchangeError::NoHeader { values } => t!("exchange_err.no_header", values = values),
        ExchangeError::Csv { line, message } => {
            t!("exchange_err.csv", line = line, reason = message)
        }
        ExchangeError::NoColumn { column, columns } => {
            t!("exchange_err.no_column", column = column, columns = columns)
        }
        ExchangeError::NotAField {
            field,
            entity,
            allowed,
        } => t!(
            "exchange_err.not_a_field",
            field = field,
            what = kind_name(entity),
            allowed = allowed
        ),
        ExchangeError::NotAPair(pair) => t!("exchange_err.not_a_pair", pair = pair),
        ExchangeError::Pdf(e) => match e {
            PdfError::NoFont { lang } => t!("exchange_err.pdf_no_font", lang = lang.code()),
            PdfError::NoGlyph { character } => {
                t!("exchange_err.pdf_no_glyph", character = character)
            }
            PdfError::Logo { problem } => t!("exchange_err.pdf_logo", problem = problem),
            PdfError::Write { problem } => t!("exchange_err.pdf_write", problem = problem),
        },
        ExchangeError::Unsupported {
            format,
            kind,
            allowed,
        } => t!(
            "exchange_err.unsupported",
            format = format,
            what = kind,
            allowed = allowed
        ),
    };
    anyhow!(message.into_owned())
}

/// The plural name of a kind of record, translated.
fn kind_name(entity: EntityKind) -> String {
    lang::tr(&format!("import.kind.{}", entity.table()))
}

fn reasons(reasons: &[KeyKind]) -> String {
    reasons
        .iter()
        .map(|r| lang::tr(&format!("duplicates.reason.{}", r.as_str())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row problem in the user's language.
fn problem_message(p: &RowProblem) -> String {
    let text = match &p.reason {
        Reason::Invalid(problem) => {
            lang::error_message(&Invalid::new(p.field.clone(), problem.clone()).into())
        }
        Reason::NotText { encoding } => t!("import.not_text", encoding = encoding).into_owned(),
        Reason::TooManyValues { found, expected } => {
            t!("import.too_many_values", found = found, expected = expected).into_owned()
        }
    };
    if p.value.is_empty() {
        t!("import.problem", line = p.line, message = text).into_owned()
    } else {
        t!(
            "import.problem_value",
            line = p.line,
            message = text,
            value = p.value
        )
        .into_owned()
    }
}

fn print_plan(plan: &Plan, file: &Path, columns: bool) {
    let format = match plan.delimiter {
        Some('\t') => "CSV (tab)".to_owned(),
        Some(c) => format!("CSV \"{c}\""),
        None => "vCard".to_owned(),
    };
    println!(
        "{}",
        t!(
            "import.read",
            rows = plan.rows,
            file = file.display(),
            format = format,
            encoding = plan.encoding
        )
    );
    if plan.encoding_guessed {
        println!(
            "{}",
            t!("import.encoding_guessed", encoding = plan.encoding)
        );
    }
    if plan.delimiter.is_some() && !plan.header {
        println!("{}", t!("import.headerless"));
    }
    if columns && !plan.columns.is_empty() {
        println!("{}", t!("import.columns"));
        for c in &plan.columns {
            let field = c
                .target
                .map_or_else(|| t!("import.left_out").into_owned(), |t| t.to_string());
            println!("  {:>2}. {} → {field}", c.number, c.header);
        }
    }
    if !plan.problems.is_empty() {
        println!("{}", t!("import.problems", count = plan.bad_rows()));
        for p in &plan.problems {
            println!("  {}", problem_message(p));
        }
    }
}

fn print_outcome(entity: EntityKind, outcome: &ImportOutcome) {
    let what = kind_name(entity);
    let count = outcome.imported.len();
    if outcome.dry_run {
        println!("{}", t!("import.dry_run", count = count, what = what));
    } else {
        println!("{}", t!("import.done", count = count, what = what));
    }
    if !outcome.accounts_created.is_empty() {
        println!(
            "{}",
            t!(
                "import.accounts_created",
                count = outcome.accounts_created.len()
            )
        );
    }
    if !outcome.already_imported.is_empty() {
        println!(
            "{}",
            t!("import.already", count = outcome.already_imported.len())
        );
    }
    if !outcome.duplicates.is_empty() {
        println!(
            "{}",
            t!("import.duplicates", count = outcome.duplicates.len())
        );
        for d in &outcome.duplicates {
            let why = reasons(&d.reasons);
            let line = match (d.existing, d.same_as_line) {
                (Some(id), _) => t!("import.like_record", line = d.line, id = id, reasons = why),
                (None, Some(other)) => t!("import.like_line", line = d.line, other = other),
                (None, None) => continue,
            };
            println!("  {line}");
        }
    }
}

pub fn import(store: &mut Store, args: ImportArgs, out: Out) -> Result<()> {
    let entity: EntityKind = args.into.parse().map_err(|p| Invalid::new("into", p))?;
    let encoding = args
        .encoding
        .as_deref()
        .map(str::parse::<Encoding>)
        .transpose()
        .map_err(exchange_error)?;
    let header = if args.no_header {
        HeaderLine::Absent
    } else if args.header {
        HeaderLine::Present
    } else {
        HeaderLine::Guess
    };
    let source =
        Source::read(&args.file, &ReadOptions { encoding, header }).map_err(exchange_error)?;
    let plan = crm_exchange::plan(store, &source, entity, args.mapping.as_deref())
        .map_err(exchange_error)?;
    let preview = plan.preview(5);
    let refused = !plan.problems.is_empty() && !args.skip_invalid;
    if refused && !args.dry_run {
        out.show(
            &json!({ "file": args.file, "preview": preview, "outcome": Value::Null }),
            || print_plan(&plan, &args.file, false),
        )?;
        return Err(anyhow!(
            t!(
                "import.refused",
                bad = plan.bad_rows(),
                rows = plan.rows,
                good = plan.records.len()
            )
            .into_owned()
        ));
    }
    let options = ImportOptions {
        dry_run: args.dry_run,
        keep_duplicates: args.keep_duplicates,
    };
    let outcome = crm_exchange::import(store, &plan, options).map_err(exchange_error)?;
    out.show(
        &json!({ "file": args.file, "preview": preview, "outcome": outcome }),
        || {
            print_plan(&plan, &args.file, args.dry_run);
            if args.dry_run && !preview.sample.is_empty() {
                println!("{}", t!("import.sample"));
                for record in &preview.sample {
                    let fields: Vec<String> = record
                        .iter()
                        .filter(|(f, _)| !f.ends_with("_id"))
                        .map(|(f, v)| match v {
                            Value::String(s) => format!("{f}: {s}"),
                            other => format!("{f}: {other}"),
                        })
                        .collect();
                    println!("  {}", fields.join(" · "));
                }
            }
            print_outcome(entity, &outcome);
            if refused {
                println!(
                    "{}",
                    t!(
                        "import.would_refuse",
                        bad = plan.bad_rows(),
                        good = plan.records.len()
                    )
                );
            }
        },
    )
}

pub fn export(store: &mut Store, args: ExportArgs, out: Out) -> Result<()> {
    let kind: ExportKind = args.kind.parse().map_err(|e: String| anyhow!(e))?;
    let format: Format = args.format.parse().map_err(|e: String| anyhow!(e))?;
    let encoding: Encoding = args.encoding.parse().map_err(exchange_error)?;
    if out.json && args.out.is_none() && format != Format::Json {
        return Err(anyhow!(
            t!("export.json_needs_out", format = args.format).into_owned()
        ));
    }
    let exported = crm_exchange::export(store, kind, format, encoding).map_err(exchange_error)?;
    let Some(path) = &args.out else {
        std::io::stdout().write_all(&exported.bytes)?;
        return Ok(());
    };
    std::fs::write(path, &exported.bytes).map_err(|source| {
        exchange_error(ExchangeError::File {
            path: path.clone(),
            source,
        })
    })?;
    out.show(
        &json!({ "kind": kind, "format": format, "encoding": encoding, "count": exported.count, "path": path, "bytes": exported.bytes.len() }),
        || {
            println!(
                "{}",
                t!(
                    "export.done",
                    count = exported.count,
                    what = kind_name(kind.entity()),
                    path = path.display(),
                    format = args.format,
                    encoding = encoding
                )
            );
        },
    )
}

pub fn duplicates(store: &mut Store, args: DuplicatesArgs, out: Out) -> Result<()> {
    let entity = args
        .kind
        .as_deref()
        .map(str::parse::<EntityKind>)
        .transpose()
        .map_err(|p| Invalid::new("kind", p))?;
    let pairs = store.duplicates(entity)?;
    out.show(&pairs, || {
        if pairs.is_empty() {
            println!("{}", t!("duplicates.none"));
            return;
        }
        println!("{}", t!("duplicates.count", count = pairs.len()));
        for p in &pairs {
            let side = |s: &crm_store::RecordSummary| match &s.detail {
                Some(d) => format!("{} ({d})", s.name),
                None => s.name.clone(),
            };
            println!(
                "  [{}] {}  ⇄  {}  — {}",
                lang::entity(p.entity),
                side(&p.first),
                side(&p.second),
                reasons(&p.reasons)
            );
            println!("      crm merge {} {}", p.first.id, p.second.id);
        }
        println!("{}", t!("duplicates.hint"));
    })
}

fn short(v: &Value) -> String {
    match v {
        Value::Null => "∅".to_owned(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

pub fn merge(store: &mut Store, args: MergeArgs, out: Out) -> Result<()> {
    let keep: Id = args
        .keep_id
        .parse()
        .map_err(|p| Invalid::new("keep_id", p))?;
    let other: Id = args
        .other_id
        .parse()
        .map_err(|p| Invalid::new("other_id", p))?;
    let choices: BTreeMap<String, Side> = args
        .use_other
        .iter()
        .map(|f| (f.trim().to_owned(), Side::Other))
        .collect();
    let plan = if args.dry_run {
        store.merge_plan(keep, other, &choices)?
    } else {
        store.merge(keep, other, &choices)?
    };
    out.show(&json!({ "plan": plan, "merged": !args.dry_run }), || {
        println!("{}", t!("merge.plan", other = other, keep = keep));
        for f in &plan.fields {
            if f.conflict {
                println!(
                    "{}",
                    t!(
                        "merge.conflict",
                        field = f.field,
                        result = short(&f.result),
                        keep = short(&f.keep),
                        other = short(&f.other)
                    )
                );
            } else {
                println!(
                    "{}",
                    t!("merge.filled", field = f.field, result = short(&f.result))
                );
            }
        }
        let m = plan.moved;
        println!(
            "{}",
            t!(
                "merge.moved",
                contacts = m.contacts,
                interactions = m.interactions,
                deals = m.opportunities,
                tasks = m.tasks,
                leads = m.leads
            )
        );
        if args.dry_run {
            println!("{}", t!("merge.dry_run"));
        } else {
            println!("{}", t!("merge.done", other = other));
        }
    })
}

pub fn backup(store: &mut Store, args: BackupArgs, out: Out) -> Result<()> {
    let info = store.backup(&args.file)?;
    out.show(&info, || {
        println!(
            "{}",
            t!(
                "backup.done",
                path = info.path.display(),
                size = format!("{:.1} MB", info.bytes as f64 / 1_000_000.0)
            )
        );
    })
}

pub fn restore(live: &Path, args: RestoreArgs, out: Out) -> Result<()> {
    let info = match Store::restore(live, &args.file) {
        // Made on another laptop: its vault file beside it, and its passphrase.
        Err(crm_store::StoreError::PassphraseNeeded) => {
            let passphrase = crate::protect::passphrase(false)?;
            Store::restore_with(live, &args.file, Some(&passphrase))?
        }
        other => other?,
    };
    out.show(&info, || {
        println!(
            "{}",
            t!(
                "restore.done",
                from = info.from.display(),
                path = info.path.display()
            )
        );
        if let Some(previous) = &info.previous {
            println!("{}", t!("restore.previous", path = previous.display()));
        }
    })
}
