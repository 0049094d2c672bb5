//! Documents made from records: a quote as a PDF, laid out by `crm-pdf`
//! from what the store says (the quote, its lines and totals, the account,
//! the company's details). The CLI and the app both call this.

use chrono::NaiveDate;
use crm_domain::{EntityKind, Id};
use crm_pdf::{Lang, Party, QuoteDoc, QuoteLine, QuoteTotals};
use crm_store::{RecordRow, Store, quote_label};
use serde_json::Value;

use crate::error::{ExchangeError, Result};

fn text(row: &RecordRow, field: &str) -> Option<String> {
    row.fields
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn date(row: &RecordRow, field: &str) -> Option<NaiveDate> {
    text(row, field).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
}

/// The PDF's language for a user's language tag (`zh-CN`, `es`, `en-GB`).
pub fn pdf_lang(tag: &str) -> Lang {
    let tag = tag.to_ascii_lowercase();
    if tag.starts_with("zh") {
        Lang::Zh
    } else if tag.starts_with("es") {
        Lang::Es
    } else {
        Lang::En
    }
}

/// Lines of a party's block: each non-empty field, long text split at its
/// line breaks.
fn party_lines(row: &RecordRow, fields: &[&str]) -> Vec<String> {
    fields
        .iter()
        .filter_map(|f| text(row, f))
        .flat_map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The quote as a PDF in `lang` (a language tag), made offline.
pub fn quote_pdf(store: &Store, quote_id: Id, lang: &str) -> Result<Vec<u8>> {
    let view = store.quote_view(quote_id)?;
    let quote = &view.quote;
    let company = store.company()?;
    let account_id = quote
        .fields
        .get("account_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Id>().ok());
    let account = account_id
        .map(|id| store.record(EntityKind::Account, id))
        .transpose()?;
    let contact = quote
        .fields
        .get("contact_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Id>().ok())
        .map(|id| store.record(EntityKind::Contact, id))
        .transpose()?;
    let mut lines = Vec::with_capacity(view.lines.len());
    for (i, (line, (_, discount, net))) in
        view.lines.iter().zip(&view.totals.line_totals).enumerate()
    {
        let code = match line
            .fields
            .get("product_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Id>().ok())
        {
            Some(id) => text(&store.record(EntityKind::Product, id)?, "code"),
            None => None,
        };
        lines.push(QuoteLine {
            position: u32::try_from(i + 1).unwrap_or(u32::MAX),
            code,
            description: text(line, "description").unwrap_or_default(),
            quantity: text(line, "quantity").unwrap_or_default(),
            unit: text(line, "unit"),
            unit_price: line
                .fields
                .get("unit_price")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            discount_minor: *discount,
            tax_rate: text(line, "tax_rate").unwrap_or_else(|| "0".to_owned()),
            net: *net,
        });
    }
    let t = &view.totals;
    let doc = QuoteDoc {
        lang: pdf_lang(lang),
        company: Party {
            name: company
                .as_ref()
                .and_then(|c| text(c, "name"))
                .unwrap_or_default(),
            lines: company
                .as_ref()
                .map(|c| {
                    party_lines(
                        c,
                        &["address", "phone", "email", "website", "tax_id", "bank"],
                    )
                })
                .unwrap_or_default(),
        },
        logo: store.company_logo()?,
        customer: Party {
            name: account
                .as_ref()
                .and_then(|a| text(a, "name"))
                .unwrap_or_default(),
            lines: account
                .as_ref()
                .map(|a| party_lines(a, &["address", "phone", "email"]))
                .unwrap_or_default(),
        },
        contact: contact.as_ref().and_then(|c| text(c, "name")),
        number: text(quote, "number").unwrap_or_else(|| quote_label(quote)),
        revision: quote
            .fields
            .get("revision")
            .and_then(Value::as_i64)
            .and_then(|r| u32::try_from(r).ok())
            .unwrap_or(1),
        issued_on: date(quote, "issued_on").unwrap_or_else(|| store.today()),
        valid_until: date(quote, "valid_until"),
        currency: t.currency.clone(),
        lines,
        totals: QuoteTotals {
            subtotal: t.subtotal,
            discount: t.discount,
            net: t.net,
            taxes: t.taxes.clone(),
            gross: t.gross,
        },
        terms: text(quote, "terms").or_else(|| company.as_ref().and_then(|c| text(c, "terms"))),
        notes: None,
    };
    crm_pdf::render_quote(&doc).map_err(ExchangeError::Pdf)
}
