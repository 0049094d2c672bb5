//! Sales documents for the screens: quotes and their lines, sending,
//! revising, accepting, orders, payments, an account's balance and last
//! prices, the quote's PDF and the company's details. Each command is one
//! call of the store's use case (`crm_store::sales`), as the CLI's.

use crm_domain::{EntityKind, Id, Problem};
use crm_store::{
    AccountSales, Balance, Item, NewLine, NewPayment, NewQuote, OrderView, QuoteView, RecordRow,
    quote_label,
};
use serde::{Deserialize, Serialize};

use crate::{App, AppError, Result, commands::RawFields};

/// A quote to start.
#[derive(Debug, Clone, Deserialize)]
pub struct StartQuote {
    /// The customer.
    pub account_id: Id,
    /// The person it is for.
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// The deal it prices.
    #[serde(default)]
    pub opportunity_id: Option<Id>,
    /// The price list [default: the account's, else the default in the
    /// user's currency].
    #[serde(default)]
    pub price_list_id: Option<Id>,
    /// Last valid day, `YYYY-MM-DD` [default: in 30 days].
    #[serde(default)]
    pub valid_until: Option<String>,
    /// Terms printed on it.
    #[serde(default)]
    pub terms: Option<String>,
}

/// A line to add, as typed: a product (code or id) or free text with a price.
#[derive(Debug, Clone, Deserialize)]
pub struct AddLine {
    /// The quote.
    pub quote_id: Id,
    /// A product's code or id.
    #[serde(default)]
    pub product: Option<String>,
    /// A free-text line's description.
    #[serde(default)]
    pub text: Option<String>,
    /// A free-text line's unit price.
    #[serde(default)]
    pub price: Option<String>,
    /// A free-text line's unit.
    #[serde(default)]
    pub unit: Option<String>,
    /// How many.
    pub quantity: String,
    /// `5%` or an amount off the line.
    #[serde(default)]
    pub discount: Option<String>,
    /// Tax rate in percent [default: the product's].
    #[serde(default)]
    pub tax_rate: Option<String>,
}

/// One document.
#[derive(Debug, Clone, Deserialize)]
pub struct DocumentId {
    /// Its id.
    pub id: Id,
}

/// Several documents at once: a page of a list, its totals in one call.
#[derive(Debug, Clone, Deserialize)]
pub struct DocumentIds {
    /// Their ids (at most [`MOST_VIEWS`]).
    pub ids: Vec<Id>,
}

/// The most documents one `quote_views` or `order_views` call shows (a
/// list's largest page).
pub const MOST_VIEWS: usize = 500;

fn at_most(ids: &[Id]) -> Result<()> {
    if ids.len() > MOST_VIEWS {
        return Err(AppError::invalid(
            "ids",
            &Problem::Range {
                min: 0,
                max: MOST_VIEWS as i64,
            },
        ));
    }
    Ok(())
}

/// A quote to mark sent; `subject` is the history entry's, in the user's
/// language (the screen names the file it saved).
#[derive(Debug, Clone, Deserialize)]
pub struct SendQuote {
    /// The quote.
    pub id: Id,
    /// The history entry's subject.
    pub subject: String,
}

/// A quote the customer turned down.
#[derive(Debug, Clone, Deserialize)]
pub struct RejectQuote {
    /// The quote.
    pub id: Id,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A payment as typed.
#[derive(Debug, Clone, Deserialize)]
pub struct AddPayment {
    /// Who paid.
    pub account_id: Id,
    /// How much.
    pub amount: String,
    /// In what currency.
    pub currency: String,
    /// The orders it settles [default: the oldest open ones].
    #[serde(default)]
    pub orders: Vec<Id>,
    /// `YYYY-MM-DD` [default: today].
    #[serde(default)]
    pub received_on: Option<String>,
    /// How it was paid.
    #[serde(default)]
    pub method: Option<String>,
    /// The bank's reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// Keep what exceeds the orders as credit.
    #[serde(default)]
    pub prepayment: bool,
}

/// The PDF of a quote.
#[derive(Debug, Clone, Deserialize)]
pub struct QuotePdf {
    /// The quote.
    pub id: Id,
    /// `en`, `zh` or `es`.
    pub lang: String,
}

/// A made file, for the screen to preview and save.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct MadeFile {
    /// A name for it (`Q7-00012.pdf`).
    pub file_name: String,
    /// Its bytes, base64.
    pub base64: String,
    /// How many bytes.
    pub bytes: u32,
}

/// The company's details as typed, and a logo file's bytes (base64).
#[derive(Debug, Clone, Deserialize)]
pub struct SetCompany {
    /// Field values as typed.
    #[serde(default)]
    pub fields: RawFields,
    /// A PNG or JPEG, base64.
    #[serde(default)]
    pub logo_base64: Option<String>,
}

fn date(field: &str, raw: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    raw.map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| crm_domain::value::date(r).map_err(|p| AppError::invalid(field, &p)))
        .transpose()
}

/// The documents of an account shown on its page.
const ACCOUNT_DOCUMENTS: u32 = 50;

impl App {
    /// Start a draft quote; returns it.
    pub fn quote_new(&self, args: StartQuote) -> Result<QuoteView> {
        let valid_until = date("valid_until", args.valid_until.as_deref())?;
        self.write(|s| {
            let id = s.quote_new(NewQuote {
                account_id: args.account_id,
                contact_id: args.contact_id,
                opportunity_id: args.opportunity_id,
                price_list_id: args.price_list_id,
                valid_until,
                terms: args.terms,
            })?;
            Ok(s.quote_view(id)?)
        })
    }

    /// Add a line to a draft quote; returns the quote with its totals.
    pub fn quote_line(&self, args: AddLine) -> Result<QuoteView> {
        let item = match (args.product, args.text) {
            (Some(p), _) if !p.trim().is_empty() => Item::Product(p),
            (_, Some(description)) => Item::Text {
                description,
                unit_price: args.price.unwrap_or_default(),
                unit: args.unit,
            },
            _ => return Err(AppError::invalid("product", &Problem::Empty)),
        };
        self.write(|s| {
            s.quote_line(
                args.quote_id,
                NewLine {
                    item,
                    quantity: args.quantity,
                    discount: args.discount,
                    tax_rate: args.tax_rate,
                },
            )?;
            Ok(s.quote_view(args.quote_id)?)
        })
    }

    /// A quote with its lines, totals, status and revisions.
    pub fn quote_view(&self, args: DocumentId) -> Result<QuoteView> {
        self.read(|s| Ok(s.quote_view(args.id)?))
    }

    /// Several quotes with their totals and status today, in the order
    /// asked (a list's page: one call, not one per row).
    pub fn quote_views(&self, args: DocumentIds) -> Result<Vec<QuoteView>> {
        at_most(&args.ids)?;
        self.read(|s| args.ids.iter().map(|id| Ok(s.quote_view(*id)?)).collect())
    }

    /// Mark a quote sent and note it in the account's history.
    pub fn quote_send(&self, args: SendQuote) -> Result<QuoteView> {
        self.write(|s| {
            s.quote_send(args.id, &args.subject)?;
            Ok(s.quote_view(args.id)?)
        })
    }

    /// The next revision of a sent quote; returns the new draft.
    pub fn quote_revise(&self, args: DocumentId) -> Result<QuoteView> {
        self.write(|s| {
            let id = s.quote_revise(args.id)?;
            Ok(s.quote_view(id)?)
        })
    }

    /// The customer accepted the quote.
    pub fn quote_accept(&self, args: DocumentId) -> Result<QuoteView> {
        self.write(|s| {
            s.quote_accept(args.id)?;
            Ok(s.quote_view(args.id)?)
        })
    }

    /// The customer turned the quote down.
    pub fn quote_reject(&self, args: RejectQuote) -> Result<QuoteView> {
        self.write(|s| {
            s.quote_reject(args.id, args.reason.as_deref())?;
            Ok(s.quote_view(args.id)?)
        })
    }

    /// The quote as a PDF in `lang`, for the screen to preview and save.
    pub fn quote_pdf(&self, args: QuotePdf) -> Result<MadeFile> {
        use base64::Engine as _;
        self.read(|s| {
            let bytes = crm_exchange::quote_pdf(s, args.id, &args.lang)
                .map_err(crate::exchange::exchange_error)?;
            let quote = s.record(EntityKind::Quote, args.id)?;
            Ok(MadeFile {
                file_name: format!("{}.pdf", quote_label(&quote).replace(' ', "-")),
                base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
                bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            })
        })
    }

    /// Turn an accepted quote into an order; returns it.
    pub fn order_from_quote(&self, args: DocumentId) -> Result<OrderView> {
        self.write(|s| {
            let id = s.order_from_quote(args.id)?;
            Ok(s.order_view(id)?)
        })
    }

    /// An order with its lines, totals, paid and outstanding.
    pub fn order_view(&self, args: DocumentId) -> Result<OrderView> {
        self.read(|s| Ok(s.order_view(args.id)?))
    }

    /// Several orders with their totals, paid and outstanding, in the order
    /// asked (a list's page).
    pub fn order_views(&self, args: DocumentIds) -> Result<Vec<OrderView>> {
        at_most(&args.ids)?;
        self.read(|s| args.ids.iter().map(|id| Ok(s.order_view(*id)?)).collect())
    }

    /// Record a payment, allocated to orders; returns the account's balance.
    pub fn payment_add(&self, args: AddPayment) -> Result<Vec<Balance>> {
        let received_on = date("received_on", args.received_on.as_deref())?;
        self.write(|s| {
            s.payment_add(NewPayment {
                account_id: args.account_id,
                amount: args.amount,
                currency: args.currency,
                orders: args.orders,
                received_on,
                method: args.method,
                reference: args.reference,
                prepayment: args.prepayment,
            })?;
            Ok(s.balance(args.account_id)?)
        })
    }

    /// An account's quotes, orders, payments, balance and last prices.
    pub fn account_sales(&self, args: DocumentId) -> Result<AccountSales> {
        self.read(|s| Ok(s.account_sales(args.id, ACCOUNT_DOCUMENTS)?))
    }

    /// The company's details documents show.
    pub fn company(&self) -> Result<Option<RecordRow>> {
        self.read(|s| Ok(s.company()?))
    }

    /// Set the company's details and logo.
    pub fn set_company(&self, args: SetCompany) -> Result<RecordRow> {
        use base64::Engine as _;
        let logo = args
            .logo_base64
            .as_deref()
            .filter(|b| !b.trim().is_empty())
            .map(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .map_err(|_| AppError::invalid("logo", &Problem::Empty))
            })
            .transpose()?;
        self.write(|s| {
            let current = s.company()?;
            let values = s.typed(EntityKind::Company, &args.fields, current.as_ref())?;
            let id = s.set_company(&values, logo.as_deref())?;
            Ok(s.record(EntityKind::Company, id)?)
        })
    }
}
