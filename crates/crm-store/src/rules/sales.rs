//! Sales documents: quotes with their lines at list prices and explicit
//! discounts, revisions, orders, payments and their allocation, and what an
//! account owes. Every record is an ordinary kind of its description; this
//! module holds the rules between them (a sent quote never changes, a
//! product line is priced by its list, a payment settles no more than is
//! owed) and the numbers customers see.
//!
//! Totals are never stored: they are [`crm_domain::sales::totals`] of the
//! lines, computed the same way by every laptop, the CLI, the app and the
//! PDF, so two laptops editing lines of one draft can never leave a stale
//! total behind.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use crm_domain::{
    Currency, EntityKind, Id, Invalid, Money, Problem,
    sales::{self, Discount, LineInput, Pct, Qty, Totals},
};
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    Store,
    error::{Result, Rule, StoreError},
    records::{RecordRow, children_on, record_on},
    write::Writer,
};

/// Days a new quote stays valid when no date is given.
pub const QUOTE_VALID_DAYS: i64 = 30;
/// Payment terms of an order when its account has none.
pub const DEFAULT_TERMS_DAYS: i64 = 30;

/// A quote to make.
#[derive(Debug, Clone, Default)]
pub struct NewQuote {
    /// The customer.
    pub account_id: Id,
    /// The person it is for.
    pub contact_id: Option<Id>,
    /// The deal it prices.
    pub opportunity_id: Option<Id>,
    /// The price list (fixes the currency); default: the account's own,
    /// else the default list in this user's currency.
    pub price_list_id: Option<Id>,
    /// Its last valid day; default 30 days from today.
    pub valid_until: Option<NaiveDate>,
    /// Terms printed on it.
    pub terms: Option<String>,
}

/// What a line sells.
#[derive(Debug, Clone)]
pub enum Item {
    /// A product of the catalogue, by code or id, at its list price.
    Product(String),
    /// Free text at a price typed in the document's currency.
    Text {
        /// What it is.
        description: String,
        /// Its unit price, as typed.
        unit_price: String,
        /// Its unit.
        unit: Option<String>,
    },
}

/// A line to add to a quote, as typed.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// What it sells.
    pub item: Item,
    /// How many (up to three decimals).
    pub quantity: String,
    /// `5%` or an amount off the line in the document's currency.
    pub discount: Option<String>,
    /// The tax rate in percent; default: the product's, else none.
    pub tax_rate: Option<String>,
}

/// A payment to record, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    /// Who paid.
    pub account_id: Id,
    /// How much.
    pub amount: String,
    /// In what currency.
    pub currency: String,
    /// The orders it settles, in order; none: the account's open orders in
    /// its currency, the oldest due first.
    pub orders: Vec<Id>,
    /// When it arrived; default today.
    pub received_on: Option<NaiveDate>,
    /// How.
    pub method: Option<String>,
    /// The bank's or the customer's reference.
    pub reference: Option<String>,
    /// Money beyond what the orders owe is kept as the account's credit.
    pub prepayment: bool,
}

/// A document's money, as every screen, the CLI and the PDF show it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DocumentTotals {
    /// The currency.
    pub currency: String,
    /// Quantities times list prices.
    #[ts(type = "number")]
    pub subtotal: i64,
    /// All discounts.
    #[ts(type = "number")]
    pub discount: i64,
    /// Subtotal less discounts.
    #[ts(type = "number")]
    pub net: i64,
    /// Tax.
    #[ts(type = "number")]
    pub tax: i64,
    /// Net plus tax: what the customer pays.
    #[ts(type = "number")]
    pub gross: i64,
    /// Tax per rate: (rate in percent, base, tax).
    #[ts(type = "Array<[string, number, number]>")]
    pub taxes: Vec<(String, i64, i64)>,
    /// Each line's amount, discount and net, in the lines' order.
    #[ts(type = "Array<[number, number, number]>")]
    pub line_totals: Vec<(i64, i64, i64)>,
}

/// A quote with its lines, totals and revisions.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct QuoteView {
    /// The quote.
    pub quote: RecordRow,
    /// Its lines by position.
    pub lines: Vec<RecordRow>,
    /// Its money (flat in JSON: `net`, `discount`, `tax`, `gross`...).
    #[serde(flatten)]
    #[ts(flatten)]
    pub totals: DocumentTotals,
    /// Its status as the customer would see it today: a sent quote past its
    /// validity is `expired`.
    pub status: String,
    /// Every revision of its number, oldest first: (id, revision, status).
    #[ts(type = "Array<[string, number, string]>")]
    pub revisions: Vec<(Id, i64, String)>,
    /// The order made from it.
    pub order_id: Option<Id>,
}

/// An order with its lines, totals and what was paid.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OrderView {
    /// The order.
    pub order: RecordRow,
    /// Its lines by position.
    pub lines: Vec<RecordRow>,
    /// Its money (flat in JSON: `net`, `discount`, `tax`, `gross`...).
    #[serde(flatten)]
    #[ts(flatten)]
    pub totals: DocumentTotals,
    /// Paid towards it.
    #[ts(type = "number")]
    pub paid: i64,
    /// Still owed (nothing for a cancelled order).
    #[ts(type = "number")]
    pub outstanding: i64,
    /// Owed and past its due date.
    pub overdue: bool,
}

/// What an account owes, in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Balance {
    /// The currency.
    pub currency: String,
    /// Gross of its orders (cancelled ones left out).
    #[ts(type = "number")]
    pub ordered: i64,
    /// Received.
    #[ts(type = "number")]
    pub paid: i64,
    /// Ordered and not yet paid.
    #[ts(type = "number")]
    pub outstanding: i64,
    /// Of that, past due.
    #[ts(type = "number")]
    pub overdue: i64,
    /// Received and not allocated to an order (prepayments).
    #[ts(type = "number")]
    pub credit: i64,
}

/// An account's documents and money, for its page.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AccountSales {
    /// Its quotes, newest first (the latest revision of each number).
    pub quotes: Vec<QuoteView>,
    /// Its orders, newest first.
    pub orders: Vec<OrderView>,
    /// Its payments, newest first.
    pub payments: Vec<RecordRow>,
    /// Ordered, paid, outstanding, overdue and credit per currency.
    pub balance: Vec<Balance>,
    /// The last price of each product it was quoted or sold.
    pub last_prices: Vec<LastPrice>,
}

/// The last price a customer was quoted or sold a product at.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LastPrice {
    /// The product.
    pub product_id: Id,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The unit price before discount, in minor units.
    #[ts(type = "number")]
    pub unit_price: i64,
    /// The discount in percent, if given so.
    pub discount_percent: Option<String>,
    /// The discount as an amount off the line, if given so.
    #[ts(type = "number | null")]
    pub discount_amount: Option<i64>,
    /// The currency.
    pub currency: String,
    /// When (the quote's issue day, the order's day).
    pub day: String,
    /// The document's number (with its revision for a quote).
    pub number: String,
    /// `quote` or `order`.
    pub source: String,
}

fn text(row: &RecordRow, field: &str) -> String {
    row.fields
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn id_field(row: &RecordRow, field: &str) -> Option<Id> {
    row.fields
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

fn int(row: &RecordRow, field: &str) -> Option<i64> {
    row.fields.get(field).and_then(Value::as_i64)
}

fn currency_of(row: &RecordRow) -> Result<Currency> {
    text(row, "currency")
        .parse::<Currency>()
        .map_err(|p| Invalid::new("currency", p).into())
}

/// Minor units as a plain decimal number in `currency` (`1234.50`).
fn decimal(minor: i64, currency: Currency) -> String {
    Money { minor, currency }.to_decimal_string()
}

/// A line record as the arithmetic takes it.
fn line_input(line: &RecordRow) -> Result<LineInput> {
    let quantity = Qty::parse(&text(line, "quantity"))
        .map_err(|p| StoreError::from(Invalid::new("quantity", p)))?;
    let discount = match (
        line.fields.get("discount_percent").and_then(Value::as_str),
        int(line, "discount_amount"),
    ) {
        (Some(p), _) => Discount::Percent(
            Pct::parse(p).map_err(|e| StoreError::from(Invalid::new("discount_percent", e)))?,
        ),
        (None, Some(a)) if a != 0 => Discount::Amount(a),
        _ => Discount::None,
    };
    let tax_rate = match line.fields.get("tax_rate").and_then(Value::as_str) {
        Some(r) => Pct::parse(r).map_err(|e| StoreError::from(Invalid::new("tax_rate", e)))?,
        None => Pct(0),
    };
    Ok(LineInput {
        quantity,
        unit_price: int(line, "unit_price").unwrap_or(0),
        discount,
        tax_rate,
    })
}

/// The totals of `lines`, refusals naming the field of the line at fault.
fn totals_of(lines: &[RecordRow], currency: &str) -> Result<DocumentTotals> {
    let inputs = lines.iter().map(line_input).collect::<Result<Vec<_>>>()?;
    let t: Totals = sales::totals(&inputs).map_err(|e| {
        let field = match (e.field, inputs.get(e.line).map(|l| &l.discount)) {
            ("discount", Some(Discount::Amount(_))) => "discount_amount",
            ("discount", _) => "discount_percent",
            ("amount", _) => "unit_price",
            (field, _) => field,
        };
        StoreError::from(Invalid::new(field, e.problem))
    })?;
    Ok(DocumentTotals {
        currency: currency.to_owned(),
        subtotal: t.subtotal,
        discount: t.discount,
        net: t.net,
        tax: t.tax,
        gross: t.gross,
        taxes: t
            .taxes
            .iter()
            .map(|g| (g.rate.to_text(), g.base, g.tax))
            .collect(),
        line_totals: t
            .lines
            .iter()
            .map(|l| (l.amount, l.discount, l.net))
            .collect(),
    })
}

/// The lines of a quote (`quote_id`) or an order (`order_id`).
fn lines_on(conn: &rusqlite::Connection, kind: EntityKind, parent: Id) -> Result<Vec<RecordRow>> {
    let field = match kind {
        EntityKind::QuoteLine => "quote_id",
        _ => "order_id",
    };
    children_on(conn, kind, field, parent, "position, id")
}

/// The customer-facing number of a quote: its number, and its revision
/// from the second on (`Q7-00012 rev 2`).
pub fn quote_label(quote: &RecordRow) -> String {
    let number = text(quote, "number");
    match int(quote, "revision") {
        Some(r) if r > 1 => format!("{number} rev {r}"),
        _ => number,
    }
}

/// The status a customer would see today: a sent quote past its last valid
/// day is expired, whatever its record says.
fn shown_status(quote: &RecordRow, today: NaiveDate) -> String {
    let status = text(quote, "status");
    let past = quote
        .fields
        .get("valid_until")
        .and_then(Value::as_str)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some_and(|d| d < today);
    if status == "sent" && past {
        "expired".to_owned()
    } else {
        status
    }
}

/// The next number of this device's series for `prefix` (`Q`, `O`):
/// `Q7-00012`, series 7 given by the team server at login. A laptop that
/// never signed in has no series and numbers `Q-00012` (it is its user's
/// whole team). Counted in `document_numbers`, never synced, in the
/// transaction that writes the document: a crash loses no number twice.
pub(crate) fn next_number(w: &Writer<'_>, prefix: &str) -> Result<String> {
    let key = number_key(w.conn(), prefix)?;
    let next: i64 = w.conn().query_row(
        "INSERT INTO document_numbers (prefix, last) VALUES (?1, 1)
         ON CONFLICT (prefix) DO UPDATE SET last = last + 1 RETURNING last",
        [&key],
        |r| r.get(0),
    )?;
    Ok(format!("{key}-{next:05}"))
}

/// The key of this device's series for `prefix` in `document_numbers`
/// (`Q7`, or `Q` before any login): see [`next_number`].
pub(crate) fn number_key(conn: &rusqlite::Connection, prefix: &str) -> Result<String> {
    let series: Option<i64> = conn
        .query_row("SELECT series FROM sync_state", [], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(match series {
        Some(s) => format!("{prefix}{s}"),
        None => prefix.to_owned(),
    })
}

impl Store {
    /// Today in this laptop's time zone (by the store's clock).
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&chrono::Local).date_naive()
    }

    /// A product by its code or id (a retired one too).
    pub fn product_by(&self, code_or_id: &str) -> Result<RecordRow> {
        let given = code_or_id.trim();
        if let Ok(id) = given.parse::<Id>() {
            return self.record(EntityKind::Product, id);
        }
        let id: Option<uuid::Uuid> = self
            .conn()
            .query_row(
                "SELECT id FROM products WHERE code = ?1 AND deleted_at IS NULL",
                [given],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.record(EntityKind::Product, Id(id)),
            None => Err(Invalid::new("product", Problem::Missing).into()),
        }
    }

    /// The price list a new quote for `account` takes: the account's own,
    /// else the default list in this user's currency, else the only
    /// default list there is.
    fn price_list_for(&self, account: &RecordRow) -> Result<Id> {
        if let Some(own) = id_field(account, "price_list_id") {
            return Ok(own);
        }
        let defaults: Vec<(uuid::Uuid, String)> = self
            .conn()
            .prepare_cached(
                "SELECT id, currency FROM price_lists WHERE is_default = 1 AND deleted_at IS NULL ORDER BY name, id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mine = self.default_currency().to_owned();
        match defaults.iter().find(|(_, c)| *c == mine) {
            Some((id, _)) => Ok(Id(*id)),
            None if defaults.len() == 1 => Ok(Id(defaults[0].0)),
            None => Err(Rule::NoPriceList { currency: mine }.into()),
        }
    }

    /// Refuse a price list outside its validity today.
    fn check_list_valid(&self, list: &RecordRow) -> Result<()> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let from = text(list, "valid_from");
        let to = text(list, "valid_to");
        if (!from.is_empty() && from > today) || (!to.is_empty() && to < today) {
            return Err(Rule::PriceListClosed {
                list: text(list, "name"),
            }
            .into());
        }
        Ok(())
    }

    /// Make a draft quote, numbered from this device's series. Returns its id.
    pub fn quote_new(&mut self, new: NewQuote) -> Result<Id> {
        self.may_write(EntityKind::Quote, &[], true)?;
        let account = self.record(EntityKind::Account, new.account_id)?;
        let list_id = match new.price_list_id {
            Some(id) => id,
            None => self.price_list_for(&account)?,
        };
        let list = self.record(EntityKind::PriceList, list_id)?;
        self.check_list_valid(&list)?;
        let today = self.today();
        let valid_until = new
            .valid_until
            .unwrap_or(today + Duration::days(QUOTE_VALID_DAYS));
        if valid_until < today {
            return Err(Invalid::new("valid_until", Problem::Date).into());
        }
        let me = self.user_id().to_string();
        self.write(|w| {
            let number = next_number(w, "Q")?;
            let mut fields = vec![
                ("number", json!(number)),
                ("revision", json!(1)),
                ("account_id", json!(new.account_id.to_string())),
                ("price_list_id", json!(list_id.to_string())),
                ("currency", json!(text(&list, "currency"))),
                ("issued_on", json!(today.format("%Y-%m-%d").to_string())),
                (
                    "valid_until",
                    json!(valid_until.format("%Y-%m-%d").to_string()),
                ),
                ("status", json!("draft")),
                ("owner_id", json!(me)),
            ];
            if let Some(c) = new.contact_id {
                fields.push(("contact_id", json!(c.to_string())));
            }
            if let Some(o) = new.opportunity_id {
                fields.push(("opportunity_id", json!(o.to_string())));
            }
            if let Some(t) = new.terms.as_deref().filter(|t| !t.trim().is_empty()) {
                fields.push(("terms", json!(t.trim())));
            }
            w.insert(EntityKind::Quote, &fields)
        })
    }

    /// The list price of `product` in `list` for `quantity`: the price with
    /// the largest quantity break not above it.
    fn list_price(&self, list: &RecordRow, product: &RecordRow, quantity: Qty) -> Result<i64> {
        let prices: Vec<(Option<String>, i64)> = self
            .conn()
            .prepare_cached(
                "SELECT min_quantity, unit_price FROM prices
                 WHERE price_list_id = ?1 AND product_id = ?2 AND deleted_at IS NULL ORDER BY id",
            )?
            .query_map([list.id.0, product.id.0], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        prices
            .into_iter()
            .filter_map(|(min, price)| {
                let min = min.map_or(Some(Qty(0)), |m| Qty::parse(&m).ok())?;
                (min.0 <= quantity.0).then_some((min.0, price))
            })
            .max_by_key(|(min, _)| *min)
            .map(|(_, price)| price)
            .ok_or_else(|| {
                Rule::NoListPrice {
                    product: text(product, "code"),
                    list: text(list, "name"),
                }
                .into()
            })
    }

    /// Refuse a change to a quote that is no longer a draft.
    fn quote_draft(&self, quote: &RecordRow) -> Result<()> {
        let status = text(quote, "status");
        if status != "draft" {
            return Err(Rule::QuoteLocked {
                number: quote_label(quote),
                status,
            }
            .into());
        }
        Ok(())
    }

    /// Add a line to a draft quote: a product at its list price (for the
    /// quantity), or free text at a typed price; a discount only as a
    /// discount. Returns the line's id.
    pub fn quote_line(&mut self, quote_id: Id, line: NewLine) -> Result<Id> {
        self.may_write(EntityKind::QuoteLine, &[], true)?;
        let quote = self.record(EntityKind::Quote, quote_id)?;
        self.quote_draft(&quote)?;
        let currency = currency_of(&quote)?;
        let quantity_text = EntityKind::QuoteLine.parse_field("quantity", &line.quantity, None)?;
        let quantity = Qty::parse(quantity_text.as_str().unwrap_or_default())
            .map_err(|p| StoreError::from(Invalid::new("quantity", p)))?;
        let mut fields: Vec<(&str, Value)> = vec![
            ("quote_id", json!(quote_id.to_string())),
            ("quantity", quantity_text),
        ];
        let mut tax_rate = None;
        match &line.item {
            Item::Product(code) => {
                let product = self.product_by(code)?;
                if product.fields.get("active") == Some(&json!(false)) {
                    return Err(Rule::ProductRetired {
                        product: text(&product, "code"),
                    }
                    .into());
                }
                let list_id = id_field(&quote, "price_list_id").ok_or_else(|| {
                    StoreError::from(Invalid::new("price_list_id", Problem::Empty))
                })?;
                let list = self.record(EntityKind::PriceList, list_id)?;
                let price = self.list_price(&list, &product, quantity)?;
                fields.push(("product_id", json!(product.id.to_string())));
                fields.push(("description", json!(text(&product, "name"))));
                fields.push(("unit_price", json!(price)));
                if let Some(unit) = product.fields.get("unit").filter(|u| !u.is_null()) {
                    fields.push(("unit", unit.clone()));
                }
                tax_rate = product
                    .fields
                    .get("tax_rate")
                    .filter(|r| !r.is_null())
                    .cloned();
            }
            Item::Text {
                description,
                unit_price,
                unit,
            } => {
                fields.push((
                    "description",
                    EntityKind::QuoteLine.parse_field("description", description, None)?,
                ));
                fields.push((
                    "unit_price",
                    EntityKind::QuoteLine.parse_field("unit_price", unit_price, Some(currency))?,
                ));
                if let Some(u) = unit.as_deref().filter(|u| !u.trim().is_empty()) {
                    fields.push(("unit", EntityKind::QuoteLine.parse_field("unit", u, None)?));
                }
            }
        }
        if let Some(rate) = &line.tax_rate {
            tax_rate = Some(EntityKind::QuoteLine.parse_field("tax_rate", rate, None)?);
        }
        if let Some(rate) = tax_rate {
            fields.push(("tax_rate", rate));
        }
        if let Some(discount) = line.discount.as_deref().filter(|d| !d.trim().is_empty()) {
            fields.push(parse_discount(discount, currency)?);
        }
        self.write(|w| {
            let position: i64 = w.conn().query_row(
                "SELECT coalesce(max(position), 0) + 1 FROM quote_lines WHERE quote_id = ?1 AND deleted_at IS NULL",
                [quote_id.0],
                |r| r.get(0),
            )?;
            fields.push(("position", json!(position)));
            // The line must add up (a discount no larger than the line).
            let id = w.insert(EntityKind::QuoteLine, &fields)?;
            let lines = lines_on(w.conn(), EntityKind::QuoteLine, quote_id)?;
            totals_of(&lines, currency.code())?;
            Ok(id)
        })
    }

    /// Set the price of `product` in `list` from `min_quantity` on (typed
    /// text, in the list's currency): the price there is changed, or a new
    /// one made. Returns the price's id.
    pub fn set_price(
        &mut self,
        list: Id,
        product: Id,
        min_quantity: Option<&str>,
        unit_price: &str,
    ) -> Result<Id> {
        let list_row = self.record(EntityKind::PriceList, list)?;
        self.record(EntityKind::Product, product)?;
        let currency = currency_of(&list_row)?;
        let price = EntityKind::Price.parse_field("unit_price", unit_price, Some(currency))?;
        let min = match min_quantity.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => EntityKind::Price.parse_field("min_quantity", m, None)?,
            None => Value::Null,
        };
        let existing: Option<uuid::Uuid> = self
            .conn()
            .query_row(
                "SELECT id FROM prices WHERE price_list_id = ?1 AND product_id = ?2
                 AND coalesce(min_quantity, '') = ?3 AND deleted_at IS NULL ORDER BY id DESC LIMIT 1",
                rusqlite::params![list.0, product.0, min.as_str().unwrap_or("")],
                |r| r.get(0),
            )
            .optional()?;
        match existing {
            Some(id) => {
                self.edit(EntityKind::Price, Id(id), &[("unit_price", price)])?;
                Ok(Id(id))
            }
            None => self.add(
                EntityKind::Price,
                &[
                    ("price_list_id", json!(list.to_string())),
                    ("product_id", json!(product.to_string())),
                    ("min_quantity", min),
                    ("unit_price", price),
                ],
            ),
        }
    }

    /// A quote with its lines, totals, status today and revisions.
    pub fn quote_view(&self, quote_id: Id) -> Result<QuoteView> {
        let mut quote = self.record(EntityKind::Quote, quote_id)?;
        let mut rows = vec![quote.clone()];
        crate::records::name_references(self.conn(), EntityKind::Quote, &mut rows)?;
        quote.titles = rows.remove(0).titles;
        let lines = lines_on(self.conn(), EntityKind::QuoteLine, quote_id)?;
        let totals = totals_of(&lines, &text(&quote, "currency"))?;
        let revisions: Vec<(Id, i64, String)> = self
            .conn()
            .prepare_cached(
                "SELECT id, revision, status FROM quotes WHERE number = ?1 AND deleted_at IS NULL ORDER BY revision",
            )?
            .query_map([text(&quote, "number")], |r| {
                Ok((Id(r.get(0)?), r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let order_id: Option<uuid::Uuid> = self
            .conn()
            .query_row(
                "SELECT id FROM orders WHERE quote_id = ?1 AND deleted_at IS NULL",
                [quote_id.0],
                |r| r.get(0),
            )
            .optional()?;
        Ok(QuoteView {
            status: shown_status(&quote, self.today()),
            quote,
            lines,
            totals,
            revisions,
            order_id: order_id.map(Id),
        })
    }

    /// Mark a draft quote sent (it never changes again) and note it in the
    /// account's history with `subject` (the interface says it in the
    /// user's language, naming the file sent).
    pub fn quote_send(&mut self, quote_id: Id, subject: &str) -> Result<()> {
        self.may_write(EntityKind::Quote, &[], false)?;
        self.write(|w| {
            let quote = record_on(w.conn(), EntityKind::Quote, quote_id)?;
            needs_status(&quote, "draft")?;
            if lines_on(w.conn(), EntityKind::QuoteLine, quote_id)?.is_empty() {
                return Err(Rule::QuoteEmpty {
                    number: quote_label(&quote),
                }
                .into());
            }
            let now = w.now().timestamp_millis();
            w.update(
                EntityKind::Quote,
                quote_id,
                &[("status", json!("sent")), ("sent_at", json!(now))],
            )?;
            let mut entry = vec![
                ("kind", json!("note")),
                ("direction", json!("outbound")),
                ("occurred_at", json!(now)),
                ("subject", json!(subject)),
                ("author_id", json!(w.user_id().to_string())),
            ];
            for field in ["account_id", "contact_id", "opportunity_id"] {
                if let Some(v) = quote.fields.get(field).filter(|v| !v.is_null()) {
                    entry.push((field, v.clone()));
                }
            }
            w.insert(EntityKind::Interaction, &entry)?;
            Ok(())
        })
    }

    /// Make the next revision of a sent (or rejected, or expired) quote: a
    /// new draft with the same number, its lines copied; the earlier one
    /// stays readable, marked `revised`. Returns the new revision's id.
    pub fn quote_revise(&mut self, quote_id: Id) -> Result<Id> {
        self.may_write(EntityKind::Quote, &[], true)?;
        let today = self.today();
        self.write(|w| {
            let quote = record_on(w.conn(), EntityKind::Quote, quote_id)?;
            let status = text(&quote, "status");
            if !matches!(status.as_str(), "sent" | "rejected" | "expired") {
                return Err(Rule::QuoteStatus {
                    number: quote_label(&quote),
                    status,
                    needed: "sent".into(),
                }
                .into());
            }
            let mut fields: Vec<(&str, Value)> = EntityKind::Quote
                .fields()
                .iter()
                .filter(|d| {
                    !matches!(
                        d.name,
                        "status"
                            | "sent_at"
                            | "reject_reason"
                            | "revision"
                            | "revises_id"
                            | "issued_on"
                            | "valid_until"
                    )
                })
                .filter_map(|d| {
                    quote
                        .fields
                        .get(d.name)
                        .filter(|v| !v.is_null())
                        .map(|v| (d.name, v.clone()))
                })
                .collect();
            let days = match (
                quote.fields.get("issued_on").and_then(Value::as_str),
                quote.fields.get("valid_until").and_then(Value::as_str),
            ) {
                (Some(a), Some(b)) => match (
                    NaiveDate::parse_from_str(a, "%Y-%m-%d"),
                    NaiveDate::parse_from_str(b, "%Y-%m-%d"),
                ) {
                    (Ok(a), Ok(b)) => (b - a).num_days().max(1),
                    _ => QUOTE_VALID_DAYS,
                },
                _ => QUOTE_VALID_DAYS,
            };
            fields.extend([
                ("revision", json!(int(&quote, "revision").unwrap_or(1) + 1)),
                ("revises_id", json!(quote_id.to_string())),
                ("status", json!("draft")),
                ("issued_on", json!(today.format("%Y-%m-%d").to_string())),
                (
                    "valid_until",
                    json!(
                        (today + Duration::days(days))
                            .format("%Y-%m-%d")
                            .to_string()
                    ),
                ),
            ]);
            let new_id = w.insert(EntityKind::Quote, &fields)?;
            copy_lines(
                w,
                EntityKind::QuoteLine,
                quote_id,
                EntityKind::QuoteLine,
                "quote_id",
                new_id,
            )?;
            w.update(EntityKind::Quote, quote_id, &[("status", json!("revised"))])?;
            Ok(new_id)
        })
    }

    /// The customer accepted a sent quote (not past its validity).
    pub fn quote_accept(&mut self, quote_id: Id) -> Result<()> {
        self.may_write(EntityKind::Quote, &[], false)?;
        let today = self.today();
        self.write(|w| {
            let quote = record_on(w.conn(), EntityKind::Quote, quote_id)?;
            if shown_status(&quote, today) == "expired" {
                return Err(Rule::QuoteExpired {
                    number: quote_label(&quote),
                    valid_until: text(&quote, "valid_until"),
                }
                .into());
            }
            needs_status(&quote, "sent")?;
            w.update(
                EntityKind::Quote,
                quote_id,
                &[("status", json!("accepted"))],
            )?;
            Ok(())
        })
    }

    /// The customer turned a sent quote down.
    pub fn quote_reject(&mut self, quote_id: Id, reason: Option<&str>) -> Result<()> {
        self.may_write(EntityKind::Quote, &[], false)?;
        self.write(|w| {
            let quote = record_on(w.conn(), EntityKind::Quote, quote_id)?;
            needs_status(&quote, "sent")?;
            let mut changes = vec![("status", json!("rejected"))];
            if let Some(r) = reason.map(str::trim).filter(|r| !r.is_empty()) {
                changes.push(("reject_reason", json!(r)));
            }
            w.update(EntityKind::Quote, quote_id, &changes)?;
            Ok(())
        })
    }

    /// Turn an accepted quote into an order in one step: its lines copied,
    /// due by the account's payment terms, and its deal (if any) won at the
    /// quote's net amount. Returns the order's id.
    pub fn order_from_quote(&mut self, quote_id: Id) -> Result<Id> {
        self.may_write(EntityKind::Order, &[], true)?;
        let today = self.today();
        self.write(|w| {
            let quote = record_on(w.conn(), EntityKind::Quote, quote_id)?;
            needs_status(&quote, "accepted")?;
            let ordered: Option<uuid::Uuid> = w
                .conn()
                .query_row(
                    "SELECT id FROM orders WHERE quote_id = ?1 AND deleted_at IS NULL",
                    [quote_id.0],
                    |r| r.get(0),
                )
                .optional()?;
            if ordered.is_some() {
                return Err(Rule::AlreadyOrdered {
                    number: quote_label(&quote),
                }
                .into());
            }
            let account_id = id_field(&quote, "account_id")
                .ok_or_else(|| StoreError::from(Invalid::new("account_id", Problem::Empty)))?;
            let account = record_on(w.conn(), EntityKind::Account, account_id)?;
            let terms = int(&account, "payment_terms_days").unwrap_or(DEFAULT_TERMS_DAYS);
            let number = next_number(w, "O")?;
            let mut fields = vec![
                ("number", json!(number)),
                ("account_id", json!(account_id.to_string())),
                ("quote_id", json!(quote_id.to_string())),
                ("currency", json!(text(&quote, "currency"))),
                ("status", json!("open")),
                ("ordered_on", json!(today.format("%Y-%m-%d").to_string())),
                ("payment_terms_days", json!(terms)),
                (
                    "due_date",
                    json!((today + Duration::days(terms)).format("%Y-%m-%d").to_string()),
                ),
                ("owner_id", json!(w.user_id().to_string())),
            ];
            for field in ["contact_id", "opportunity_id"] {
                if let Some(v) = quote.fields.get(field).filter(|v| !v.is_null()) {
                    fields.push((field, v.clone()));
                }
            }
            let order_id = w.insert(EntityKind::Order, &fields)?;
            copy_lines(w, EntityKind::QuoteLine, quote_id, EntityKind::OrderLine, "order_id", order_id)?;
            if let Some(deal) = id_field(&quote, "opportunity_id") {
                let lines = lines_on(w.conn(), EntityKind::QuoteLine, quote_id)?;
                let totals = totals_of(&lines, &text(&quote, "currency"))?;
                let won: Option<(String, i64)> = w
                    .conn()
                    .query_row(
                        "SELECT key, probability FROM pipeline_stages WHERE won = 1 ORDER BY position LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let mut changes = vec![
                    ("amount", json!(totals.net)),
                    ("currency", json!(text(&quote, "currency"))),
                ];
                if let Some((stage, probability)) = won {
                    changes.push(("stage", json!(stage)));
                    changes.push(("probability", json!(probability)));
                }
                w.update(EntityKind::Opportunity, deal, &changes)?;
            }
            Ok(order_id)
        })
    }

    /// An order with its lines, totals and what was paid.
    pub fn order_view(&self, order_id: Id) -> Result<OrderView> {
        let order = self.record(EntityKind::Order, order_id)?;
        let mut rows = vec![order];
        crate::records::name_references(self.conn(), EntityKind::Order, &mut rows)?;
        let order = rows.remove(0);
        let lines = lines_on(self.conn(), EntityKind::OrderLine, order_id)?;
        let totals = totals_of(&lines, &text(&order, "currency"))?;
        let paid = paid_towards(self.conn(), order_id)?;
        let cancelled = text(&order, "status") == "cancelled";
        let outstanding = if cancelled {
            0
        } else {
            (totals.gross - paid).max(0)
        };
        let today = self.today().format("%Y-%m-%d").to_string();
        let due = text(&order, "due_date");
        Ok(OrderView {
            overdue: outstanding > 0 && !due.is_empty() && due < today,
            order,
            lines,
            totals,
            paid,
            outstanding,
        })
    }

    /// Record a payment and allocate it to orders: the ones given, in
    /// order, else the account's open orders in its currency (the oldest due
    /// first), each up to what it still owes. More than is owed is refused
    /// unless it is a prepayment (kept as credit). Returns its id.
    pub fn payment_add(&mut self, new: NewPayment) -> Result<Id> {
        self.may_write(EntityKind::Payment, &[], true)?;
        self.record(EntityKind::Account, new.account_id)?;
        let currency_value = EntityKind::Payment.parse_field("currency", &new.currency, None)?;
        let currency: Currency = currency_value
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(|p| StoreError::from(Invalid::new("currency", p)))?;
        let amount_value =
            EntityKind::Payment.parse_field("amount", &new.amount, Some(currency))?;
        let amount = amount_value.as_i64().unwrap_or(0);
        if amount <= 0 {
            return Err(Invalid::new(
                "amount",
                Problem::Range {
                    min: 1,
                    max: i64::MAX,
                },
            )
            .into());
        }
        let method = match new.method.as_deref().filter(|m| !m.trim().is_empty()) {
            Some(m) => EntityKind::Payment.parse_field("method", m, None)?,
            None => Value::Null,
        };
        let orders = if new.orders.is_empty() {
            self.open_orders(new.account_id, currency.code())?
        } else {
            new.orders.clone()
        };
        // What each order still owes, checked against the account and currency.
        let mut owed = Vec::new();
        for order_id in orders {
            let view = self.order_view(order_id)?;
            let number = text(&view.order, "number");
            if id_field(&view.order, "account_id") != Some(new.account_id) {
                return Err(Rule::OtherAccount { number }.into());
            }
            let status = text(&view.order, "status");
            if status == "cancelled" {
                return Err(Rule::OrderClosed { number, status }.into());
            }
            if view.totals.currency != currency.code() {
                return Err(Rule::CurrencyMismatch {
                    expected: view.totals.currency.clone(),
                    given: currency.code().to_owned(),
                }
                .into());
            }
            if view.outstanding > 0 {
                owed.push((order_id, view.outstanding));
            }
        }
        let outstanding: i64 = owed.iter().map(|(_, o)| o).sum();
        if amount > outstanding && !new.prepayment {
            return Err(Rule::Overpaid {
                outstanding: decimal(outstanding, currency),
                currency: currency.code().to_owned(),
            }
            .into());
        }
        let received_on = new.received_on.unwrap_or_else(|| self.today());
        self.write(|w| {
            let mut fields = vec![
                ("account_id", json!(new.account_id.to_string())),
                ("amount", json!(amount)),
                ("currency", json!(currency.code())),
                (
                    "received_on",
                    json!(received_on.format("%Y-%m-%d").to_string()),
                ),
                ("method", method.clone()),
                ("prepayment", json!(new.prepayment)),
            ];
            if let Some(r) = new.reference.as_deref().filter(|r| !r.trim().is_empty()) {
                fields.push((
                    "reference",
                    EntityKind::Payment.parse_field("reference", r, None)?,
                ));
            }
            let payment = w.insert(EntityKind::Payment, &fields)?;
            let mut left = amount;
            for (order_id, owes) in &owed {
                if left == 0 {
                    break;
                }
                let part = left.min(*owes);
                w.insert(
                    EntityKind::PaymentAllocation,
                    &[
                        ("payment_id", json!(payment.to_string())),
                        ("order_id", json!(order_id.to_string())),
                        ("amount", json!(part)),
                    ],
                )?;
                left -= part;
            }
            Ok(payment)
        })
    }

    /// The account's open orders in `currency`, the oldest due first.
    fn open_orders(&self, account: Id, currency: &str) -> Result<Vec<Id>> {
        let ids = self
            .conn()
            .prepare_cached(
                "SELECT id FROM orders WHERE account_id = ?1 AND currency = ?2 AND status != 'cancelled'
                 AND deleted_at IS NULL ORDER BY due_date IS NULL, due_date, ordered_on, id",
            )?
            .query_map(rusqlite::params![account.0, currency], |r| r.get(0).map(Id))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// What `account` ordered, paid and owes, per currency.
    pub fn balance(&self, account: Id) -> Result<Vec<Balance>> {
        self.record(EntityKind::Account, account)?;
        let mut by: BTreeMap<String, Balance> = BTreeMap::new();
        let orders: Vec<Id> = self
            .conn()
            .prepare_cached(
                "SELECT id FROM orders WHERE account_id = ?1 AND status != 'cancelled' AND deleted_at IS NULL",
            )?
            .query_map([account.0], |r| r.get(0).map(Id))?
            .collect::<rusqlite::Result<_>>()?;
        for order in orders {
            let view = self.order_view(order)?;
            let b = by.entry(view.totals.currency.clone()).or_default();
            b.ordered += view.totals.gross;
            b.outstanding += view.outstanding;
            if view.overdue {
                b.overdue += view.outstanding;
            }
        }
        let payments: Vec<(String, i64, i64)> = self
            .conn()
            .prepare_cached(
                "SELECT p.currency, p.amount, coalesce((SELECT sum(a.amount) FROM payment_allocations a
                     WHERE a.payment_id = p.id AND a.deleted_at IS NULL), 0)
                 FROM payments p WHERE p.account_id = ?1 AND p.deleted_at IS NULL",
            )?
            .query_map([account.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (currency, amount, allocated) in payments {
            let b = by.entry(currency).or_default();
            b.paid += amount;
            b.credit += (amount - allocated).max(0);
        }
        Ok(by
            .into_iter()
            .map(|(currency, b)| Balance { currency, ..b })
            .collect())
    }

    /// The account page's sales: its latest `limit` quotes (the last
    /// revision of each number), orders and payments, its balance and its
    /// last prices.
    pub fn account_sales(&self, account: Id, limit: u32) -> Result<AccountSales> {
        let ids = |sql: &str| -> Result<Vec<Id>> {
            Ok(self
                .conn()
                .prepare_cached(sql)?
                .query_map(rusqlite::params![account.0, limit], |r| r.get(0).map(Id))?
                .collect::<rusqlite::Result<_>>()?)
        };
        let quotes = ids(
            "SELECT id FROM quotes WHERE account_id = ?1 AND deleted_at IS NULL AND status != 'revised'
             ORDER BY created_at DESC, id DESC LIMIT ?2",
        )?
        .into_iter()
        .map(|id| self.quote_view(id))
        .collect::<Result<_>>()?;
        let orders = ids(
            "SELECT id FROM orders WHERE account_id = ?1 AND deleted_at IS NULL
             ORDER BY ordered_on DESC, created_at DESC, id DESC LIMIT ?2",
        )?
        .into_iter()
        .map(|id| self.order_view(id))
        .collect::<Result<_>>()?;
        let payments = ids(
            "SELECT id FROM payments WHERE account_id = ?1 AND deleted_at IS NULL
             ORDER BY received_on DESC, created_at DESC, id DESC LIMIT ?2",
        )?
        .into_iter()
        .map(|id| self.record(EntityKind::Payment, id))
        .collect::<Result<_>>()?;
        Ok(AccountSales {
            quotes,
            orders,
            payments,
            balance: self.balance(account)?,
            last_prices: self.last_prices(account)?,
        })
    }

    /// For each product `account` was quoted (drafts aside) or ordered: the
    /// last unit price, discount and day, newest first.
    pub fn last_prices(&self, account: Id) -> Result<Vec<LastPrice>> {
        self.record(EntityKind::Account, account)?;
        let sql = "
            WITH seen AS (
                SELECT l.product_id, l.unit_price, l.discount_percent, l.discount_amount, q.currency,
                       coalesce(q.issued_on, '') AS day, q.number || CASE WHEN q.revision > 1 THEN ' rev ' || q.revision ELSE '' END AS number,
                       'quote' AS source, l.updated_at AS at
                FROM quotes q JOIN quote_lines l ON l.quote_id = q.id AND l.deleted_at IS NULL
                WHERE q.account_id = ?1 AND q.deleted_at IS NULL AND q.status != 'draft' AND l.product_id IS NOT NULL
                UNION ALL
                SELECT l.product_id, l.unit_price, l.discount_percent, l.discount_amount, o.currency,
                       o.ordered_on, o.number, 'order', l.updated_at
                FROM orders o JOIN order_lines l ON l.order_id = o.id AND l.deleted_at IS NULL
                WHERE o.account_id = ?1 AND o.deleted_at IS NULL AND o.status != 'cancelled' AND l.product_id IS NOT NULL
            ), ranked AS (
                SELECT *, row_number() OVER (PARTITION BY product_id ORDER BY day DESC, at DESC, source DESC) AS n FROM seen
            )
            SELECT r.product_id, p.code, p.name, r.unit_price, r.discount_percent, r.discount_amount,
                   r.currency, r.day, r.number, r.source
            FROM ranked r JOIN products p ON p.id = r.product_id
            WHERE r.n = 1 ORDER BY r.day DESC, p.code";
        let rows = self
            .conn()
            .prepare_cached(sql)?
            .query_map([account.0], |r| {
                Ok(LastPrice {
                    product_id: Id(r.get(0)?),
                    code: r.get(1)?,
                    name: r.get(2)?,
                    unit_price: r.get(3)?,
                    discount_percent: r.get(4)?,
                    discount_amount: r.get(5)?,
                    currency: r.get(6)?,
                    day: r.get(7)?,
                    number: r.get(8)?,
                    source: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The rules of sales documents on the generic path of a person's
    /// edits ([`Store::add`], [`Store::edit`], deleting and restoring): a
    /// quote that is no longer a draft and its lines never change; a
    /// product line is priced by its list (a deviation is a discount); a
    /// line adds up. `id` is the record changed (none: a new one).
    pub(crate) fn sales_rules(
        &self,
        kind: EntityKind,
        id: Option<Id>,
        fields: &[(&str, Value)],
    ) -> Result<()> {
        let given = |name: &str| fields.iter().find(|(f, _)| *f == name).map(|(_, v)| v);
        match kind {
            EntityKind::Quote => {
                if let Some(id) = id {
                    let quote = self.record(EntityKind::Quote, id)?;
                    self.quote_draft(&quote)?;
                    if given("price_list_id")
                        .is_some_and(|v| Some(v) != quote.fields.get("price_list_id"))
                        && !lines_on(self.conn(), EntityKind::QuoteLine, id)?.is_empty()
                    {
                        return Err(Invalid::new("price_list_id", Problem::SystemOnly).into());
                    }
                }
                Ok(())
            }
            EntityKind::QuoteLine => {
                let current = match id {
                    Some(id) => Some(self.record(EntityKind::QuoteLine, id)?),
                    None => None,
                };
                let value = |name: &str| {
                    given(name)
                        .cloned()
                        .or_else(|| current.as_ref().and_then(|c| c.fields.get(name).cloned()))
                        .unwrap_or(Value::Null)
                };
                let quote_id: Id = value("quote_id")
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| StoreError::from(Invalid::new("quote_id", Problem::Empty)))?;
                let quote = self.record(EntityKind::Quote, quote_id)?;
                self.quote_draft(&quote)?;
                if let Some(product_id) = value("product_id")
                    .as_str()
                    .and_then(|s| s.parse::<Id>().ok())
                {
                    let product = self.record(EntityKind::Product, product_id)?;
                    let list_id = id_field(&quote, "price_list_id").ok_or_else(|| {
                        StoreError::from(Invalid::new("price_list_id", Problem::Empty))
                    })?;
                    let list = self.record(EntityKind::PriceList, list_id)?;
                    let quantity = Qty::parse(value("quantity").as_str().unwrap_or_default())
                        .map_err(|p| StoreError::from(Invalid::new("quantity", p)))?;
                    let price = self.list_price(&list, &product, quantity)?;
                    if value("unit_price").as_i64() != Some(price) {
                        return Err(Rule::NotListPrice {
                            product: text(&product, "code"),
                            price: decimal(price, currency_of(&quote)?),
                        }
                        .into());
                    }
                }
                Ok(())
            }
            EntityKind::Price => {
                // One price per product, list and quantity break (two made
                // offline at once: the one with the larger id counts, on
                // every laptop alike).
                let current = match id {
                    Some(id) => Some(self.record(EntityKind::Price, id)?),
                    None => None,
                };
                let value = |name: &str| {
                    given(name)
                        .cloned()
                        .or_else(|| current.as_ref().and_then(|c| c.fields.get(name).cloned()))
                        .unwrap_or(Value::Null)
                };
                let (Some(list), Some(product)) = (
                    value("price_list_id")
                        .as_str()
                        .and_then(|s| s.parse::<Id>().ok()),
                    value("product_id")
                        .as_str()
                        .and_then(|s| s.parse::<Id>().ok()),
                ) else {
                    return Ok(());
                };
                let min = value("min_quantity");
                let min = min.as_str().unwrap_or("");
                let taken: Option<uuid::Uuid> = self
                    .conn()
                    .query_row(
                        "SELECT id FROM prices WHERE price_list_id = ?1 AND product_id = ?2
                         AND coalesce(min_quantity, '') = ?3 AND deleted_at IS NULL AND id != ?4",
                        rusqlite::params![
                            list.0,
                            product.0,
                            min,
                            id.map_or(uuid::Uuid::nil(), |i| i.0)
                        ],
                        |r| r.get(0),
                    )
                    .optional()?;
                match taken {
                    Some(_) => Err(Invalid::new("product_id", Problem::Taken).into()),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// Refuse a step the quote's status does not allow.
fn needs_status(quote: &RecordRow, needed: &str) -> Result<()> {
    let status = text(quote, "status");
    if status != needed {
        return Err(Rule::QuoteStatus {
            number: quote_label(quote),
            status,
            needed: needed.to_owned(),
        }
        .into());
    }
    Ok(())
}

/// Paid towards an order: its live allocations.
fn paid_towards(conn: &rusqlite::Connection, order: Id) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(amount), 0) FROM payment_allocations WHERE order_id = ?1 AND deleted_at IS NULL",
        [order.0],
        |r| r.get(0),
    )?)
}

/// Copy the lines of one document to another (a revision, an order).
fn copy_lines(
    w: &mut Writer<'_>,
    from_kind: EntityKind,
    from: Id,
    to_kind: EntityKind,
    parent_field: &'static str,
    to: Id,
) -> Result<()> {
    for line in lines_on(w.conn(), from_kind, from)? {
        let mut fields: Vec<(&str, Value)> = to_kind
            .fields()
            .iter()
            .filter(|d| !matches!(d.name, "quote_id" | "order_id"))
            .filter_map(|d| {
                line.fields
                    .get(d.name)
                    .filter(|v| !v.is_null())
                    .map(|v| (d.name, v.clone()))
            })
            .collect();
        fields.push((parent_field, json!(to.to_string())));
        w.insert(to_kind, &fields)?;
    }
    Ok(())
}

/// `5%` (a percentage) or `100.00` (an amount off the line in `currency`).
fn parse_discount(raw: &str, currency: Currency) -> Result<(&'static str, Value)> {
    let text = raw.trim();
    if text.ends_with('%') {
        Ok((
            "discount_percent",
            EntityKind::QuoteLine.parse_field("discount_percent", text, None)?,
        ))
    } else {
        Ok((
            "discount_amount",
            EntityKind::QuoteLine.parse_field("discount_amount", text, Some(currency))?,
        ))
    }
}

/// The most bytes of a company logo (it travels base64 in a text field).
pub const MAX_LOGO_BYTES: usize = 48 * 1024;

impl Store {
    /// The team's company details documents show: the last changed record.
    pub fn company(&self) -> Result<Option<RecordRow>> {
        let id: Option<uuid::Uuid> = self
            .conn()
            .query_row(
                "SELECT id FROM companies WHERE deleted_at IS NULL ORDER BY updated_at DESC, id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.record(EntityKind::Company, Id(id)))
            .transpose()
    }

    /// Set the company's details (canonical values) and, when given, its
    /// logo (a PNG or JPEG of at most [`MAX_LOGO_BYTES`]). Managers and
    /// admins only, as the description says.
    pub fn set_company(&mut self, fields: &[(&str, Value)], logo: Option<&[u8]>) -> Result<Id> {
        use base64::Engine as _;
        self.may_write(EntityKind::Company, fields, true)?;
        let mut fields = fields.to_vec();
        if let Some(bytes) = logo {
            let image =
                bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
            if !image {
                return Err(Invalid::new(
                    "logo",
                    Problem::OneOf {
                        allowed: "PNG, JPEG".into(),
                    },
                )
                .into());
            }
            if bytes.len() > MAX_LOGO_BYTES {
                return Err(Invalid::new(
                    "logo",
                    Problem::TooLarge {
                        max_bytes: MAX_LOGO_BYTES,
                    },
                )
                .into());
            }
            fields.push((
                "logo",
                json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
            ));
        }
        let current = self.company()?;
        self.write(|w| match current {
            Some(row) => {
                w.update(EntityKind::Company, row.id, &fields)?;
                Ok(row.id)
            }
            None => w.insert(EntityKind::Company, &fields),
        })
    }

    /// The company's logo, decoded.
    pub fn company_logo(&self) -> Result<Option<Vec<u8>>> {
        use base64::Engine as _;
        Ok(self.company()?.and_then(|c| {
            c.fields
                .get("logo")
                .and_then(Value::as_str)
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        }))
    }
}
