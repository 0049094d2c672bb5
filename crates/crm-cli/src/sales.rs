//! `crm product`, `pricelist`, `price`, `quote`, `order`, `payment`,
//! `prices` and `account balance`: sales documents over the store's use
//! cases (`crm_store::sales`). Parsing and rules live there; this prints.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use crm_domain::{Currency, EntityKind, Id, Invalid, Money, Problem};
use crm_store::{
    Balance, DocumentTotals, Item, LastPrice, NewLine, NewPayment, NewQuote, OrderView, QuoteView,
    RecordQuery, Store, quote_label,
};
use rust_i18n::t;
use serde_json::{Value, json};

use crate::{
    lang, print,
    print::{Out, table, text},
};

#[derive(Debug, Subcommand)]
pub enum ProductCmd {
    /// Add a product to the catalogue (managers and admins)
    Add {
        /// Its code, unique in the team
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        unit: Option<String>,
        /// Default tax rate in percent, e.g. 13
        #[arg(long)]
        tax_rate: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// List products, by name or matching --query (Chinese substrings too)
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum PricelistCmd {
    /// Add a price list (managers and admins)
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        currency: String,
        /// The default list of its currency
        #[arg(long)]
        default: bool,
        /// First valid day, YYYY-MM-DD
        #[arg(long)]
        from: Option<String>,
        /// Last valid day, YYYY-MM-DD
        #[arg(long)]
        to: Option<String>,
    },
    /// List price lists
    List,
    /// Set a product's price in a list, optionally from a quantity on
    Price {
        /// The list's id or name
        pricelist: String,
        /// The product's code or id
        #[arg(long)]
        product: String,
        #[arg(long)]
        price: String,
        /// A quantity break: this price from this quantity on
        #[arg(long)]
        min_qty: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum QuoteCmd {
    /// Start a draft quote
    New {
        #[arg(long)]
        account: String,
        #[arg(long)]
        deal: Option<String>,
        #[arg(long)]
        contact: Option<String>,
        /// The price list's id or name [default: the account's, else the default in your currency]
        #[arg(long)]
        pricelist: Option<String>,
        /// Last valid day, YYYY-MM-DD [default: in 30 days]
        #[arg(long)]
        valid_until: Option<String>,
        #[arg(long)]
        terms: Option<String>,
    },
    /// Add a line: a product at its list price, or free text with --price
    Line {
        quote_id: String,
        /// The product's code or id
        #[arg(long, conflicts_with = "text", required_unless_present = "text")]
        product: Option<String>,
        /// A free-text line (needs --price)
        #[arg(long, requires = "price")]
        text: Option<String>,
        #[arg(long, allow_negative_numbers = true)]
        qty: String,
        /// Unit price of a free-text line
        #[arg(long, conflicts_with = "product", allow_negative_numbers = true)]
        price: Option<String>,
        /// 5% or an amount off the line, e.g. 100.00
        #[arg(long, allow_negative_numbers = true)]
        discount: Option<String>,
        /// Tax rate in percent [default: the product's]
        #[arg(long)]
        tax_rate: Option<String>,
        #[arg(long)]
        unit: Option<String>,
    },
    /// Quotes, newest first, with their numbers
    List {
        #[arg(long)]
        account: Option<String>,
        /// draft, sent, accepted, rejected, expired or revised
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// A quote's lines and totals (--json: net, discount, tax, gross)
    Show { quote_id: String },
    /// Save the quote as a PDF
    Pdf {
        quote_id: String,
        #[arg(long)]
        out: PathBuf,
        /// zh, en or es [default: the CLI's language]
        #[arg(long)]
        lang: Option<String>,
    },
    /// Mark it sent (it never changes after) and note it in the account's history
    Send {
        quote_id: String,
        /// The file sent, named in the history
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
    /// A new draft revision of a sent quote (the sent one stays readable)
    Revise { quote_id: String },
    /// The customer accepted it
    Accept { quote_id: String },
    /// The customer turned it down
    Reject {
        quote_id: String,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrderCmd {
    /// Turn an accepted quote into an order (its deal is won)
    FromQuote { quote_id: String },
    /// Orders, newest first
    List {
        #[arg(long)]
        account: Option<String>,
        /// Only open orders
        #[arg(long)]
        open: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// An order's lines, totals, paid and outstanding
    Show { order_id: String },
}

#[derive(Debug, Subcommand)]
pub enum PaymentCmd {
    /// Record money received, allocated to orders
    Add {
        #[arg(long)]
        account: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        currency: String,
        /// An order it pays (repeat for several) [default: the oldest open ones]
        #[arg(long = "order")]
        orders: Vec<String>,
        /// YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<String>,
        /// bank_transfer, cash, card, cheque, online or other
        #[arg(long)]
        method: Option<String>,
        #[arg(long = "ref")]
        reference: Option<String>,
        /// Keep what exceeds the orders as the account's credit
        #[arg(long)]
        prepayment: bool,
    },
}

// Parsed once per run: the size of a command line's variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum CompanyCmd {
    /// Set your company's details (managers and admins); empty text clears a field
    Set {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        website: Option<String>,
        #[arg(long)]
        tax_id: Option<String>,
        #[arg(long)]
        bank: Option<String>,
        /// Terms printed under quotes
        #[arg(long)]
        terms: Option<String>,
        /// A PNG or JPEG logo (at most 48 KB)
        #[arg(long)]
        logo: Option<PathBuf>,
    },
    /// Show your company's details
    Show,
}

pub fn company(store: &mut Store, cmd: CompanyCmd, out: Out) -> Result<()> {
    match cmd {
        CompanyCmd::Set {
            name,
            address,
            phone,
            email,
            website,
            tax_id,
            bank,
            terms,
            logo,
        } => {
            let given: std::collections::BTreeMap<String, String> = [
                ("name", name),
                ("address", address),
                ("phone", phone),
                ("email", email),
                ("website", website),
                ("tax_id", tax_id),
                ("bank", bank),
                ("terms", terms),
            ]
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f.to_owned(), v)))
            .collect();
            let typed = store.typed(EntityKind::Company, &given, None)?;
            let logo = logo
                .map(|path| {
                    std::fs::read(&path).map_err(|e| {
                        anyhow::anyhow!(t!("file_unreadable", file = path.display(), reason = e))
                    })
                })
                .transpose()?;
            let id = store.set_company(&typed, logo.as_deref())?;
            let row = store.record(EntityKind::Company, id)?;
            out.show(&row, || print::record(&row))
        }
        CompanyCmd::Show => {
            let row = store.company()?;
            out.show(&row, || match &row {
                Some(r) => print::record(r),
                None => println!("{}", t!("company.none")),
            })
        }
    }
}

fn id_arg(field: &str, raw: &str) -> Result<Id> {
    raw.trim()
        .parse::<Id>()
        .map_err(|p| Invalid::new(field, p).into())
}

fn date_arg(field: &str, raw: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    raw.map(|r| crm_domain::value::date(r).map_err(|p| Invalid::new(field, p).into()))
        .transpose()
}

/// A price list by id or exact name.
fn pricelist_arg(store: &Store, raw: &str) -> Result<Id> {
    if let Ok(id) = raw.trim().parse::<Id>() {
        return Ok(id);
    }
    let page = store.records(
        EntityKind::PriceList,
        &RecordQuery {
            filter: [("name".to_owned(), json!(raw.trim()))].into(),
            ..RecordQuery::default()
        },
    )?;
    page.rows
        .first()
        .map(|r| r.id)
        .ok_or_else(|| Invalid::new("pricelist", Problem::Missing).into())
}

fn money(minor: i64, currency: &str) -> String {
    match currency.parse::<Currency>() {
        Ok(c) => Money { minor, currency: c }.to_string(),
        Err(_) => format!("{minor} {currency}"),
    }
}

fn created(out: Out, kind: EntityKind, id: Id, name: &str) -> Result<()> {
    out.show(&json!({ "id": id, "entity": kind }), || {
        println!(
            "{}",
            t!("created", what = lang::entity(kind), name = name, id = id)
        );
    })
}

pub fn product(store: &mut Store, cmd: ProductCmd, out: Out) -> Result<()> {
    match cmd {
        ProductCmd::Add {
            code,
            name,
            unit,
            tax_rate,
            category,
            description,
        } => {
            let given: Vec<(String, String)> = [
                ("code", Some(code)),
                ("name", Some(name.clone())),
                ("unit", unit),
                ("tax_rate", tax_rate),
                ("category", category),
                ("description", description),
            ]
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f.to_owned(), v)))
            .collect();
            let typed = store.typed(EntityKind::Product, &given.into_iter().collect(), None)?;
            let id = store.add(EntityKind::Product, &typed)?;
            created(out, EntityKind::Product, id, &name)
        }
        ProductCmd::List { query, limit } => {
            let page = store.records(
                EntityKind::Product,
                &RecordQuery {
                    text: query,
                    limit: Some(limit),
                    ..RecordQuery::default()
                },
            )?;
            out.show(&page, || print::records(EntityKind::Product, &page))
        }
    }
}

pub fn pricelist(store: &mut Store, cmd: PricelistCmd, out: Out) -> Result<()> {
    match cmd {
        PricelistCmd::Add {
            name,
            currency,
            default,
            from,
            to,
        } => {
            let given: Vec<(String, String)> = [
                ("name", Some(name.clone())),
                ("currency", Some(currency)),
                ("is_default", Some(default.to_string())),
                ("valid_from", from),
                ("valid_to", to),
            ]
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f.to_owned(), v)))
            .collect();
            let typed = store.typed(EntityKind::PriceList, &given.into_iter().collect(), None)?;
            let id = store.add(EntityKind::PriceList, &typed)?;
            created(out, EntityKind::PriceList, id, &name)
        }
        PricelistCmd::List => {
            let page = store.records(EntityKind::PriceList, &RecordQuery::default())?;
            out.show(&page, || print::records(EntityKind::PriceList, &page))
        }
        PricelistCmd::Price {
            pricelist,
            product,
            price,
            min_qty,
        } => {
            let list = pricelist_arg(store, &pricelist)?;
            let product = store.product_by(&product)?;
            let id = store.set_price(list, product.id, min_qty.as_deref(), &price)?;
            created(out, EntityKind::Price, id, &text(&product, "code"))
        }
    }
}

pub fn quote(store: &mut Store, cmd: QuoteCmd, out: Out) -> Result<()> {
    match cmd {
        QuoteCmd::New {
            account,
            deal,
            contact,
            pricelist,
            valid_until,
            terms,
        } => {
            let new = NewQuote {
                account_id: id_arg("account", &account)?,
                contact_id: contact
                    .as_deref()
                    .map(|c| id_arg("contact", c))
                    .transpose()?,
                opportunity_id: deal.as_deref().map(|d| id_arg("deal", d)).transpose()?,
                price_list_id: pricelist
                    .as_deref()
                    .map(|p| pricelist_arg(store, p))
                    .transpose()?,
                valid_until: date_arg("valid_until", valid_until.as_deref())?,
                terms,
            };
            let id = store.quote_new(new)?;
            let view = store.quote_view(id)?;
            created(out, EntityKind::Quote, id, &quote_label(&view.quote))
        }
        QuoteCmd::Line {
            quote_id,
            product,
            text: free,
            qty,
            price,
            discount,
            tax_rate,
            unit,
        } => {
            let quote_id = id_arg("quote", &quote_id)?;
            let item = match (product, free) {
                (Some(p), _) => Item::Product(p),
                (None, Some(description)) => Item::Text {
                    description,
                    unit_price: price.unwrap_or_default(),
                    unit,
                },
                (None, None) => return Err(Invalid::new("product", Problem::Empty).into()),
            };
            store.quote_line(
                quote_id,
                NewLine {
                    item,
                    quantity: qty,
                    discount,
                    tax_rate,
                },
            )?;
            let view = store.quote_view(quote_id)?;
            out.show(&view, || quote_text(&view))
        }
        QuoteCmd::List {
            account,
            status,
            limit,
        } => {
            let mut filter = std::collections::BTreeMap::new();
            if let Some(a) = account {
                filter.insert(
                    "account_id".to_owned(),
                    json!(id_arg("account", &a)?.to_string()),
                );
            }
            if let Some(s) = status {
                filter.insert(
                    "status".to_owned(),
                    EntityKind::Quote.parse_field("status", &s, None)?,
                );
            }
            let page = store.records(
                EntityKind::Quote,
                &RecordQuery {
                    filter,
                    sort: Some("created_at".into()),
                    descending: true,
                    limit: Some(limit),
                    ..RecordQuery::default()
                },
            )?;
            let views = page
                .rows
                .iter()
                .map(|r| store.quote_view(r.id))
                .collect::<crm_store::Result<Vec<_>>>()?;
            out.show(&views, || quotes_text(&views))
        }
        QuoteCmd::Show { quote_id } => {
            let view = store.quote_view(id_arg("quote", &quote_id)?)?;
            out.show(&view, || quote_text(&view))
        }
        QuoteCmd::Pdf {
            quote_id,
            out: file,
            lang: language,
        } => {
            let id = id_arg("quote", &quote_id)?;
            let language = language.unwrap_or_else(|| rust_i18n::locale().to_string());
            let bytes = crm_exchange::quote_pdf(store, id, &language)
                .map_err(crate::exchange::exchange_error)?;
            std::fs::write(&file, &bytes).map_err(|e| {
                anyhow::anyhow!(t!("file_unwritable", file = file.display(), reason = e))
            })?;
            out.show(
                &json!({ "id": id, "file": file, "bytes": bytes.len() }),
                || println!("{}", t!("quote.saved", file = file.display())),
            )
        }
        QuoteCmd::Send { quote_id, pdf } => {
            let id = id_arg("quote", &quote_id)?;
            let view = store.quote_view(id)?;
            let number = quote_label(&view.quote);
            let subject = match &pdf {
                Some(f) => t!(
                    "quote.sent_subject_file",
                    number = number,
                    file = f
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ),
                None => t!("quote.sent_subject", number = number),
            };
            store.quote_send(id, &subject)?;
            out.show(&json!({ "id": id, "status": "sent" }), || {
                println!("{}", t!("quote.sent", number = number));
            })
        }
        QuoteCmd::Revise { quote_id } => {
            let new = store.quote_revise(id_arg("quote", &quote_id)?)?;
            let view = store.quote_view(new)?;
            out.show(
                &json!({ "id": new, "revision": view.quote.fields.get("revision") }),
                || {
                    println!(
                        "{}",
                        t!("quote.revised", number = quote_label(&view.quote), id = new)
                    );
                },
            )
        }
        QuoteCmd::Accept { quote_id } => {
            let id = id_arg("quote", &quote_id)?;
            store.quote_accept(id)?;
            status_changed(store, out, id)
        }
        QuoteCmd::Reject { quote_id, reason } => {
            let id = id_arg("quote", &quote_id)?;
            store.quote_reject(id, reason.as_deref())?;
            status_changed(store, out, id)
        }
    }
}

fn status_changed(store: &Store, out: Out, id: Id) -> Result<()> {
    let view = store.quote_view(id)?;
    out.show(&json!({ "id": id, "status": view.status }), || {
        println!(
            "{}",
            t!(
                "quote.status",
                number = quote_label(&view.quote),
                status = lang::tr(&format!("quote_status.{}", view.status))
            )
        );
    })
}

pub fn order(store: &mut Store, cmd: OrderCmd, out: Out) -> Result<()> {
    match cmd {
        OrderCmd::FromQuote { quote_id } => {
            let id = store.order_from_quote(id_arg("quote", &quote_id)?)?;
            let view = store.order_view(id)?;
            out.show(&view, || order_text(&view))
        }
        OrderCmd::List {
            account,
            open,
            limit,
        } => {
            let mut filter = std::collections::BTreeMap::new();
            if let Some(a) = account {
                filter.insert(
                    "account_id".to_owned(),
                    json!(id_arg("account", &a)?.to_string()),
                );
            }
            if open {
                filter.insert("status".to_owned(), json!("open"));
            }
            let page = store.records(
                EntityKind::Order,
                &RecordQuery {
                    filter,
                    sort: Some("created_at".into()),
                    descending: true,
                    limit: Some(limit),
                    ..RecordQuery::default()
                },
            )?;
            let views = page
                .rows
                .iter()
                .map(|r| store.order_view(r.id))
                .collect::<crm_store::Result<Vec<_>>>()?;
            out.show(&views, || orders_text(&views))
        }
        OrderCmd::Show { order_id } => {
            let view = store.order_view(id_arg("order", &order_id)?)?;
            out.show(&view, || order_text(&view))
        }
    }
}

pub fn payment(store: &mut Store, cmd: PaymentCmd, out: Out) -> Result<()> {
    match cmd {
        PaymentCmd::Add {
            account,
            amount,
            currency,
            orders,
            date,
            method,
            reference,
            prepayment,
        } => {
            let account_id = id_arg("account", &account)?;
            let id = store.payment_add(NewPayment {
                account_id,
                amount,
                currency,
                orders: orders
                    .iter()
                    .map(|o| id_arg("order", o))
                    .collect::<Result<_>>()?,
                received_on: date_arg("date", date.as_deref())?,
                method,
                reference,
                prepayment,
            })?;
            let balance = store.balance(account_id)?;
            out.show(&json!({ "id": id, "balance": balance }), || {
                println!(
                    "{}",
                    t!(
                        "created",
                        what = lang::entity(EntityKind::Payment),
                        name = "",
                        id = id
                    )
                );
                balance_text(&balance);
            })
        }
    }
}

pub fn balance(store: &Store, account: &str, out: Out) -> Result<()> {
    let balance = store.balance(id_arg("account", account)?)?;
    out.show(&balance, || balance_text(&balance))
}

pub fn prices(store: &Store, account: &str, out: Out) -> Result<()> {
    let prices = store.last_prices(id_arg("account", account)?)?;
    out.show(&prices, || prices_text(&prices))
}

fn totals_text(t: &DocumentTotals) {
    let mut table = table(&["col.total", "col.amount"]);
    table.add_row(vec![
        lang::tr("total.subtotal"),
        money(t.subtotal, &t.currency),
    ]);
    table.add_row(vec![
        lang::tr("total.discount"),
        money(-t.discount, &t.currency),
    ]);
    table.add_row(vec![lang::tr("total.net"), money(t.net, &t.currency)]);
    for (rate, base, tax) in &t.taxes {
        table.add_row(vec![
            t!(
                "total.tax_at",
                rate = rate,
                base = money(*base, &t.currency)
            )
            .into_owned(),
            money(*tax, &t.currency),
        ]);
    }
    table.add_row(vec![lang::tr("total.gross"), money(t.gross, &t.currency)]);
    println!("{table}");
}

fn lines_text(lines: &[crm_store::RecordRow], totals: &DocumentTotals) {
    if lines.is_empty() {
        println!("{}", t!("quote.no_lines"));
        return;
    }
    let mut table = table(&[
        "col.position",
        "col.item",
        "col.quantity",
        "col.unit_price",
        "col.discount",
        "col.tax_rate",
        "col.net",
    ]);
    for (line, (_, discount, net)) in lines.iter().zip(&totals.line_totals) {
        let discount_text = match line.fields.get("discount_percent").and_then(Value::as_str) {
            Some(p) => format!("{p}% ({})", money(*discount, &totals.currency)),
            None if *discount != 0 => money(*discount, &totals.currency),
            None => "-".to_owned(),
        };
        table.add_row(vec![
            text(line, "position"),
            text(line, "description"),
            format!("{} {}", text(line, "quantity"), text(line, "unit"))
                .trim()
                .to_owned(),
            money(
                line.fields
                    .get("unit_price")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
                &totals.currency,
            ),
            discount_text,
            match text(line, "tax_rate") {
                r if r.is_empty() => "0%".to_owned(),
                r => format!("{r}%"),
            },
            money(*net, &totals.currency),
        ]);
    }
    println!("{table}");
}

fn quote_text(v: &QuoteView) {
    println!(
        "{}",
        t!(
            "quote.heading",
            number = quote_label(&v.quote),
            status = lang::tr(&format!("quote_status.{}", v.status)),
            account = v
                .quote
                .titles
                .get("account_id")
                .cloned()
                .unwrap_or_default(),
            valid_until = text(&v.quote, "valid_until")
        )
    );
    lines_text(&v.lines, &v.totals);
    totals_text(&v.totals);
}

fn quotes_text(views: &[QuoteView]) {
    if views.is_empty() {
        println!("{}", t!("none"));
        return;
    }
    let mut table = table(&[
        "col.number",
        "col.account",
        "col.status",
        "col.valid_until",
        "col.gross",
        "col.id",
    ]);
    for v in views {
        table.add_row(vec![
            quote_label(&v.quote),
            v.quote
                .titles
                .get("account_id")
                .cloned()
                .unwrap_or_default(),
            lang::tr(&format!("quote_status.{}", v.status)),
            text(&v.quote, "valid_until"),
            money(v.totals.gross, &v.totals.currency),
            v.quote.id.to_string(),
        ]);
    }
    println!("{table}");
}

fn order_text(v: &OrderView) {
    println!(
        "{}",
        t!(
            "order.heading",
            number = text(&v.order, "number"),
            status = lang::tr(&format!("order_status.{}", text(&v.order, "status"))),
            account = v
                .order
                .titles
                .get("account_id")
                .cloned()
                .unwrap_or_default(),
            due = text(&v.order, "due_date")
        )
    );
    lines_text(&v.lines, &v.totals);
    totals_text(&v.totals);
    println!(
        "{}",
        t!(
            "order.paid",
            paid = money(v.paid, &v.totals.currency),
            outstanding = money(v.outstanding, &v.totals.currency)
        )
    );
}

fn orders_text(views: &[OrderView]) {
    if views.is_empty() {
        println!("{}", t!("none"));
        return;
    }
    let mut table = table(&[
        "col.number",
        "col.account",
        "col.status",
        "col.due",
        "col.gross",
        "col.outstanding",
        "col.id",
    ]);
    for v in views {
        table.add_row(vec![
            text(&v.order, "number"),
            v.order
                .titles
                .get("account_id")
                .cloned()
                .unwrap_or_default(),
            lang::tr(&format!("order_status.{}", text(&v.order, "status"))),
            text(&v.order, "due_date"),
            money(v.totals.gross, &v.totals.currency),
            money(v.outstanding, &v.totals.currency),
            v.order.id.to_string(),
        ]);
    }
    println!("{table}");
}

fn balance_text(balance: &[Balance]) {
    if balance.is_empty() {
        println!("{}", t!("balance.none"));
        return;
    }
    let mut table = table(&[
        "col.currency",
        "col.ordered",
        "col.paid",
        "col.outstanding",
        "col.overdue",
        "col.credit",
    ]);
    for b in balance {
        table.add_row(vec![
            b.currency.clone(),
            money(b.ordered, &b.currency),
            money(b.paid, &b.currency),
            money(b.outstanding, &b.currency),
            money(b.overdue, &b.currency),
            money(b.credit, &b.currency),
        ]);
    }
    println!("{table}");
}

fn prices_text(prices: &[LastPrice]) {
    if prices.is_empty() {
        println!("{}", t!("none"));
        return;
    }
    let mut table = table(&[
        "col.code",
        "col.item",
        "col.unit_price",
        "col.discount",
        "col.day",
        "col.number",
    ]);
    for p in prices {
        let discount = match (&p.discount_percent, p.discount_amount) {
            (Some(pct), _) => format!("{pct}%"),
            (None, Some(a)) if a != 0 => money(a, &p.currency),
            _ => "-".to_owned(),
        };
        table.add_row(vec![
            p.code.clone(),
            p.name.clone(),
            money(p.unit_price, &p.currency),
            discount,
            p.day.clone(),
            p.number.clone(),
        ]);
    }
    println!("{table}");
}
