//! Queries shaped for the desktop app's screens: sorted and counted account
//! pages for a virtual list, contacts across accounts, tasks with their
//! account's name, recently logged history and pipeline totals per stage.
//! Rows here are slimmer than the full records so a page of them crosses the
//! IPC boundary quickly.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::{Currency, Id, Money, Rate};
use rusqlite::{OptionalExtension, Row, params, params_from_iter, types::Value as Sql};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ReadableRows, Store, error::Result, read::millis};

/// The column the account list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountSort {
    /// Relevance with a query, else name.
    #[default]
    Default,
    /// Name, case-insensitive.
    Name,
    /// Industry, then name.
    Industry,
    /// Region, then name.
    Region,
    /// Lifecycle, then name.
    Lifecycle,
    /// Owner's name, then name.
    Owner,
    /// Last change.
    Updated,
}

/// One page of the account list, with filters and order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountListQuery {
    /// Full-text query.
    pub query: Option<String>,
    /// Exact industry.
    pub industry: Option<String>,
    /// Exact region.
    pub region: Option<String>,
    /// `prospect`, `customer` or `former`.
    pub lifecycle: Option<String>,
    /// Owner.
    pub owner_id: Option<Id>,
    /// Order.
    pub sort: AccountSort,
    /// Reverse the order.
    pub descending: bool,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return (0 = 100).
    pub limit: usize,
}

/// An account as one line of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    /// Record id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Lifecycle.
    pub lifecycle: String,
    /// Main phone.
    pub phone: Option<String>,
    /// The responsible rep's name.
    pub owner_name: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A page of accounts and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct AccountPage {
    /// Matching accounts in all.
    pub total: i64,
    /// The rows from `offset`.
    pub rows: Vec<AccountRow>,
}

/// Values to filter the account list by.
#[derive(Debug, Clone, Serialize)]
pub struct AccountFacets {
    /// Distinct industries.
    pub industries: Vec<String>,
    /// Distinct regions.
    pub regions: Vec<String>,
}

/// A contact as one line of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactRow {
    /// Record id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Preferred email.
    pub email: Option<String>,
    /// Preferred phone.
    pub phone: Option<String>,
    /// The account.
    pub account_id: Id,
    /// The account's name; `None` when the account is not on this laptop.
    pub account_name: Option<String>,
}

/// A page of contacts and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct ContactPage {
    /// Matching contacts in all.
    pub total: i64,
    /// The rows from the offset.
    pub rows: Vec<ContactRow>,
}

/// A history entry as a line of an activity feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityRow {
    /// Record id.
    pub id: Id,
    /// `call`, `visit`, ...
    pub kind: String,
    /// Summary.
    pub subject: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The account.
    pub account_id: Option<Id>,
    /// The account's name.
    pub account_name: Option<String>,
    /// Who wrote it.
    pub author_name: Option<String>,
}

/// Deals of one stage in one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageTotal {
    /// Stage key.
    pub stage: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Number of deals.
    pub count: i64,
    /// Sum of amounts, minor units.
    pub amount: i64,
    /// Sum of amount × probability, minor units.
    pub weighted: i64,
}

/// Which deals the pipeline board shows; its counts and totals follow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DealFilter {
    /// Only this owner's deals.
    pub owner_id: Option<Id>,
    /// Words the deal's name or its account's name must hold (as search
    /// reads them: Latin words as prefixes, accents and case folded,
    /// Chinese as exact substrings).
    pub text: Option<String>,
}

/// Totals of deals in several currencies expressed in one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InCurrency {
    /// ISO 4217 code of the totals.
    pub currency: String,
    /// Deals counted in the totals (those with a rate, or in `currency`).
    pub count: i64,
    /// Sum of amounts, minor units of `currency`.
    pub amount: i64,
    /// Sum of amount × probability, minor units of `currency`.
    pub weighted: i64,
    /// Deals left out for want of a rate, per currency.
    pub without_rate: Vec<StageTotal>,
}

/// Exchange rates into one currency on one day, by currency converted from;
/// `None` for a currency with no rate.
pub type RatesTo = BTreeMap<String, Option<Rate>>;

/// `totals` (one per currency) in `to` at `rates`: each currency's sum is
/// converted once, rounded half away from zero ([`Money::convert`]); a
/// currency without a rate (or whose sum does not fit) is listed in
/// `without_rate` instead of being dropped or added unconverted.
pub fn in_currency(totals: &[StageTotal], to: Currency, rates: &RatesTo) -> InCurrency {
    let mut out = InCurrency {
        currency: to.code().to_owned(),
        ..InCurrency::default()
    };
    for total in totals {
        let converted = if total.currency == to.code() {
            Some((total.amount, total.weighted))
        } else {
            let from = total.currency.parse::<Currency>().ok();
            let rate = rates.get(&total.currency).copied().flatten();
            from.zip(rate).and_then(|(from, rate)| {
                let convert = |minor| {
                    Some(
                        Money {
                            minor,
                            currency: from,
                        }
                        .convert(to, rate)?
                        .minor,
                    )
                };
                Some((convert(total.amount)?, convert(total.weighted)?))
            })
        };
        match converted {
            Some((amount, weighted)) => {
                out.count += total.count;
                out.amount = out.amount.saturating_add(amount);
                out.weighted = out.weighted.saturating_add(weighted);
            }
            None => out.without_rate.push(total.clone()),
        }
    }
    out
}

impl InCurrency {
    /// Adds `other` (in the same currency) to these totals, the deals
    /// without a rate summed per currency.
    pub fn add(&mut self, other: &InCurrency) {
        self.count += other.count;
        self.amount = self.amount.saturating_add(other.amount);
        self.weighted = self.weighted.saturating_add(other.weighted);
        for missing in &other.without_rate {
            match self
                .without_rate
                .iter_mut()
                .find(|m| m.currency == missing.currency)
            {
                Some(m) => {
                    m.count += missing.count;
                    m.amount = m.amount.saturating_add(missing.amount);
                    m.weighted = m.weighted.saturating_add(missing.weighted);
                }
                None => self.without_rate.push(StageTotal {
                    stage: String::new(),
                    ..missing.clone()
                }),
            }
        }
    }
}

/// A [`DealFilter`] looked up once ([`Store::select_deals`]): the several
/// queries of one board (the totals and a page per column) then share the
/// text's matches instead of each searching the index again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealSelection {
    owner_id: Option<Id>,
    /// The matching deals' rowids as a JSON array (`json_each` reads it).
    matched: Option<String>,
}

impl DealSelection {
    /// The SQL conditions (after `WHERE o.deleted_at IS NULL`) and their
    /// arguments.
    fn sql(&self) -> (String, Vec<Sql>) {
        let mut sql = String::new();
        let mut args: Vec<Sql> = Vec::new();
        if let Some(owner) = self.owner_id {
            sql.push_str(" AND o.owner_id = ?");
            args.push(owner.0.as_bytes().to_vec().into());
        }
        if let Some(matched) = &self.matched {
            sql.push_str(" AND o.rowid IN (SELECT value FROM json_each(?))");
            args.push(matched.clone().into());
        }
        (sql, args)
    }
}

/// A deal as a card on the pipeline board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DealCard {
    /// Record id.
    pub id: Id,
    /// Deal name.
    pub name: String,
    /// Stage key.
    pub stage: String,
    /// The customer.
    pub account_id: Id,
    /// The customer's name; `None` when the account is not on this laptop.
    pub account_name: Option<String>,
    /// Amount in minor units.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Win probability in percent.
    pub probability: Option<i64>,
    /// Expected close.
    pub close_date: Option<NaiveDate>,
    /// The responsible rep's name.
    pub owner_name: Option<String>,
}

fn id(r: &Row<'_>, i: usize) -> rusqlite::Result<Id> {
    r.get::<_, Uuid>(i).map(Id)
}

fn opt_id(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Id>> {
    Ok(r.get::<_, Option<Uuid>>(i)?.map(Id))
}

fn date(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let text: Option<String> = r.get(i)?;
    Ok(text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()))
}

fn first_of_list(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    let text: Option<String> = r.get(i)?;
    Ok(text
        .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
        .and_then(|v| v.into_iter().next()))
}

impl Store {
    /// One page of the account list with the number of matches, filtered and
    /// sorted as asked; ties are broken by id so paging is stable.
    pub fn account_page(&self, q: &AccountListQuery) -> Result<AccountPage> {
        let limit = if q.limit == 0 { 100 } else { q.limit };
        let mut from = String::from(" FROM accounts a LEFT JOIN users u ON u.id = a.owner_id");
        let mut args: Vec<Sql> = Vec::new();
        let query = q.query.as_deref().filter(|t| !t.trim().is_empty());
        if let Some(text) = query {
            let Some(expr) = crm_domain::search::match_expression(text) else {
                return Ok(AccountPage {
                    total: 0,
                    rows: Vec::new(),
                });
            };
            from.push_str(
                " JOIN (SELECT rowid, bm25(accounts_fts, 10.0, 1.0) AS score FROM accounts_fts
                  WHERE accounts_fts MATCH ?) m ON m.rowid = a.rowid",
            );
            args.push(expr.into());
        }
        from.push_str(" WHERE a.deleted_at IS NULL");
        for (column, value) in [
            ("a.industry", &q.industry),
            ("a.region", &q.region),
            ("a.lifecycle", &q.lifecycle),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                from.push_str(&format!(" AND {column} = ?"));
                args.push(v.to_owned().into());
            }
        }
        if let Some(owner) = q.owner_id {
            from.push_str(" AND a.owner_id = ?");
            args.push(owner.0.as_bytes().to_vec().into());
        }
        let total: i64 = self
            .conn()
            .prepare_cached(&format!("SELECT count(*){from}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;

        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = match (q.sort, query.is_some()) {
            (AccountSort::Default, true) => "m.score".to_owned(),
            (AccountSort::Default | AccountSort::Name, _) => {
                format!("a.name COLLATE NOCASE {dir}, a.id {dir}")
            }
            (AccountSort::Industry, _) => {
                format!("a.industry IS NULL, a.industry {dir}, a.name COLLATE NOCASE, a.id")
            }
            (AccountSort::Region, _) => {
                format!("a.region IS NULL, a.region {dir}, a.name COLLATE NOCASE, a.id")
            }
            (AccountSort::Lifecycle, _) => {
                format!("a.lifecycle {dir}, a.name COLLATE NOCASE, a.id")
            }
            (AccountSort::Owner, _) => {
                format!("u.name IS NULL, u.name {dir}, a.name COLLATE NOCASE, a.id")
            }
            (AccountSort::Updated, _) => format!("a.updated_at {dir}, a.id {dir}"),
        };
        let sql = format!(
            "SELECT a.id, a.name, a.industry, a.region, a.lifecycle, a.phone, u.name, a.updated_at{from}
             ORDER BY {order} LIMIT ? OFFSET ?"
        );
        args.push((limit as i64).into());
        args.push((q.offset as i64).into());
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params_from_iter(args), |r| {
                Ok(AccountRow {
                    id: id(r, 0)?,
                    name: r.get(1)?,
                    industry: r.get(2)?,
                    region: r.get(3)?,
                    lifecycle: r.get(4)?,
                    phone: r.get(5)?,
                    owner_name: r.get(6)?,
                    updated_at: millis(r.get(7)?),
                })
            })?
            .readable(self)?;
        Ok(AccountPage { total, rows })
    }

    /// The industries and regions in use, for the list's filters.
    pub fn account_facets(&self) -> Result<AccountFacets> {
        let distinct = |column: &str| -> Result<Vec<String>> {
            let sql = format!(
                "SELECT DISTINCT {column} FROM accounts
                 WHERE deleted_at IS NULL AND {column} IS NOT NULL ORDER BY {column}"
            );
            let values = self
                .conn()
                .prepare_cached(&sql)?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(values)
        };
        Ok(AccountFacets {
            industries: distinct("industry")?,
            regions: distinct("region")?,
        })
    }

    /// A page of contacts across all accounts: matches of `query` by relevance,
    /// else the newest first.
    pub fn contact_page(
        &self,
        query: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<ContactPage> {
        let select = "SELECT c.id, c.name, c.title, c.emails, c.phones, c.account_id, a.name";
        // A contact whose account is not on this laptop (reassigned away, or
        // refused by the server) is still listed, its account shown missing.
        let mut from = String::from(" FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id");
        let mut args: Vec<Sql> = Vec::new();
        let query = query.filter(|t| !t.trim().is_empty());
        if let Some(text) = query {
            let Some(expr) = crm_domain::search::match_expression(text) else {
                return Ok(ContactPage {
                    total: 0,
                    rows: Vec::new(),
                });
            };
            from.push_str(
                " JOIN (SELECT rowid, bm25(contacts_fts, 10.0, 1.0) AS score FROM contacts_fts
                  WHERE contacts_fts MATCH ?) m ON m.rowid = c.rowid",
            );
            args.push(expr.into());
        }
        from.push_str(" WHERE c.deleted_at IS NULL");
        let total: i64 = self
            .conn()
            .prepare_cached(&format!("SELECT count(*){from}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        let order = if query.is_some() {
            "m.score"
        } else {
            "c.rowid DESC"
        };
        let sql = format!("{select}{from} ORDER BY {order} LIMIT ? OFFSET ?");
        args.push((limit.max(1) as i64).into());
        args.push((offset as i64).into());
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params_from_iter(args), |r| {
                Ok(ContactRow {
                    id: id(r, 0)?,
                    name: r.get(1)?,
                    title: r.get(2)?,
                    email: first_of_list(r, 3)?,
                    phone: first_of_list(r, 4)?,
                    account_id: id(r, 5)?,
                    account_name: r.get(6)?,
                })
            })?
            .readable(self)?;
        Ok(ContactPage { total, rows })
    }

    /// The history entries most recently recorded in this database (logged
    /// here or, later, pulled by sync), newest recorded first. Ordered by
    /// insertion rather than by `occurred_at`, which has no index of its own:
    /// this stays instant with millions of entries.
    pub fn recently_logged(&self, limit: usize) -> Result<Vec<ActivityRow>> {
        let rows = self
            .conn()
            .prepare_cached(
                "SELECT i.id, i.kind, i.subject, i.occurred_at, i.account_id, a.name, u.name
                 FROM interactions i LEFT JOIN accounts a ON a.id = i.account_id
                      LEFT JOIN users u ON u.id = i.author_id
                 WHERE i.deleted_at IS NULL ORDER BY i.rowid DESC LIMIT ?1",
            )?
            .query_map([limit as i64], |r| {
                Ok(ActivityRow {
                    id: id(r, 0)?,
                    kind: r.get(1)?,
                    subject: r.get(2)?,
                    occurred_at: millis(r.get(3)?),
                    account_id: opt_id(r, 4)?,
                    account_name: r.get(5)?,
                    author_name: r.get(6)?,
                })
            })?
            .readable(self)?;
        Ok(rows)
    }

    /// Which deals pass `filter`: its text is looked up in the search index
    /// here, once (deal names, and account names for the account's deals).
    pub fn select_deals(&self, filter: &DealFilter) -> Result<DealSelection> {
        let mut selection = DealSelection {
            owner_id: filter.owner_id,
            matched: None,
        };
        let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) else {
            return Ok(selection);
        };
        let Some(expr) = crm_domain::search::match_expression(text) else {
            selection.matched = Some("[]".into()); // nothing to search for: nothing
            return Ok(selection);
        };
        // The title column holds the name (each kind's first searchable field).
        let expr = format!("title : ({expr})");
        let rowids: Vec<i64> = self
            .conn()
            .prepare_cached(
                "SELECT rowid FROM opportunities_fts WHERE opportunities_fts MATCH ?1
                 UNION
                 SELECT o.rowid FROM accounts_fts f JOIN accounts a ON a.rowid = f.rowid
                      JOIN opportunities o ON o.account_id = a.id
                 WHERE accounts_fts MATCH ?1",
            )?
            .query_map([&expr], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let list: Vec<String> = rowids.iter().map(i64::to_string).collect();
        selection.matched = Some(format!("[{}]", list.join(",")));
        Ok(selection)
    }

    /// Count, sum and probability-weighted sum of the deals of each stage
    /// that pass `filter`, per currency (amounts in different currencies are
    /// never added here; [`in_currency`] converts them). A deal without its
    /// own probability counts with its stage's default.
    pub fn stage_totals(&self, filter: &DealSelection) -> Result<Vec<StageTotal>> {
        let (conditions, args) = filter.sql();
        // Grouped over the deals alone, in the order of the index
        // `opportunities_totals` (migration 8) and from it; the stage's
        // default probability is applied to the sum of the deals without
        // their own, which is the same integer as applying it deal by deal.
        let sql = format!(
            "SELECT t.stage, t.currency, t.n, t.amount,
                    (t.weighed + coalesce(t.unweighed, 0) * s.probability) / 100
             FROM (SELECT o.stage, o.currency, count(*) AS n, sum(o.amount) AS amount,
                          coalesce(sum(o.amount * o.probability), 0) AS weighed,
                          sum(CASE WHEN o.probability IS NULL THEN o.amount END) AS unweighed
                   FROM opportunities o
                   WHERE o.deleted_at IS NULL{conditions}
                   GROUP BY o.stage, o.currency) t
             JOIN pipeline_stages s ON s.key = t.stage
             ORDER BY s.position, t.currency"
        );
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params_from_iter(args), |r| {
                Ok(StageTotal {
                    stage: r.get(0)?,
                    currency: r.get(1)?,
                    count: r.get(2)?,
                    amount: r.get(3)?,
                    weighted: r.get(4)?,
                })
            })?
            .readable(self)?;
        Ok(rows)
    }

    /// Up to `limit` deals of one stage that pass `filter`, as board cards,
    /// the soonest to close first (undated last), from `offset`: the pages
    /// of a column. Ties go by name, then id, so pages never overlap.
    pub fn deal_cards(
        &self,
        stage: &str,
        filter: &DealSelection,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DealCard>> {
        let (conditions, mut args) = filter.sql();
        // The order is the `opportunities_board` index's (migration 7), so a
        // page is read in order instead of sorting the whole stage.
        let sql = format!(
            "SELECT o.id, o.name, o.stage, o.account_id, a.name, o.amount, o.currency,
                    o.probability, o.close_date, u.name
             FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id
                  LEFT JOIN users u ON u.id = o.owner_id
             WHERE o.stage = ? AND o.deleted_at IS NULL{conditions}
             ORDER BY o.close_date IS NULL, o.close_date, o.name, o.id LIMIT ? OFFSET ?"
        );
        args.insert(0, stage.to_owned().into());
        args.push((limit as i64).into());
        args.push((offset as i64).into());
        let rows = self
            .conn()
            .prepare_cached(&sql)?
            .query_map(params_from_iter(args), deal_card)?
            .readable(self)?;
        Ok(rows)
    }

    /// The rate from `from` to `to` valid on `day`: the latest dated on or
    /// before it. A rate entered the other way round (`to` to `from`)
    /// counts, inverted; when both ways exist, the later day wins, and this
    /// way on the same day.
    pub fn exchange_rate(&self, from: &str, to: &str, day: NaiveDate) -> Result<Option<Rate>> {
        let day = day.format("%Y-%m-%d").to_string();
        let latest = |from: &str, to: &str| -> Result<Option<(String, String)>> {
            Ok(self
                .conn()
                .prepare_cached(
                    "SELECT day, rate FROM exchange_rates
                     WHERE from_currency = ?1 AND to_currency = ?2 AND day <= ?3
                       AND deleted_at IS NULL
                     ORDER BY day DESC LIMIT 1",
                )?
                .query_row(params![from, to, day], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        };
        let direct = latest(from, to)?;
        let inverse = latest(to, from)?;
        let rate = match (direct, inverse) {
            (Some((d, rate)), Some((i, _))) if d >= i => Rate::parse(&rate).ok(),
            (_, Some((_, rate))) => Rate::parse(&rate).ok().map(Rate::inverse),
            (Some((_, rate)), None) => Rate::parse(&rate).ok(),
            (None, None) => None,
        };
        Ok(rate)
    }

    /// The rates on `day` from each of `currencies` into `to`.
    pub fn rates_to<'a>(
        &self,
        currencies: impl IntoIterator<Item = &'a str>,
        to: Currency,
        day: NaiveDate,
    ) -> Result<RatesTo> {
        let mut rates = RatesTo::new();
        for from in currencies {
            if from != to.code() && !rates.contains_key(from) {
                rates.insert(from.to_owned(), self.exchange_rate(from, to.code(), day)?);
            }
        }
        Ok(rates)
    }

    /// How many history entries an account has (its page shows the first
    /// ones and pages through the rest).
    pub fn interaction_count(&self, account_id: Id) -> Result<i64> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT count(*) FROM interactions WHERE account_id = ?1 AND deleted_at IS NULL",
            )?
            .query_row([account_id.0], |r| r.get(0))?)
    }

    /// One deal as a board card.
    pub fn deal_card(&self, deal: Id) -> Result<DealCard> {
        let card = self
            .conn()
            .prepare_cached(
                "SELECT o.id, o.name, o.stage, o.account_id, a.name, o.amount, o.currency,
                        o.probability, o.close_date, u.name
                 FROM opportunities o LEFT JOIN accounts a ON a.id = o.account_id
                      LEFT JOIN users u ON u.id = o.owner_id
                 WHERE o.id = ?1 AND o.deleted_at IS NULL",
            )?
            .query_row([deal.0], deal_card);
        match card {
            Ok(card) => Ok(card),
            Err(rusqlite::Error::QueryReturnedNoRows) => Err(crate::StoreError::NotFound {
                entity: crm_domain::EntityKind::Opportunity,
                id: deal,
            }),
            Err(e) => Err(e.into()),
        }
    }
}

fn deal_card(r: &Row<'_>) -> rusqlite::Result<DealCard> {
    Ok(DealCard {
        id: id(r, 0)?,
        name: r.get(1)?,
        stage: r.get(2)?,
        account_id: id(r, 3)?,
        account_name: r.get(4)?,
        amount: r.get(5)?,
        currency: r.get(6)?,
        probability: r.get(7)?,
        close_date: date(r, 8)?,
        owner_name: r.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewUser;
    use crm_domain::EntityKind;
    use serde_json::json;

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let me = NewUser {
            name: "Li Wei".into(),
            email: None,
            team: None,
            currency: "CNY".into(),
        };
        (
            Store::create(&Store::path_in(dir.path()), &me).unwrap(),
            dir,
        )
    }

    fn account(s: &mut Store, name: &str, industry: &str, region: &str) -> Id {
        s.write(|w| {
            w.insert(
                EntityKind::Account,
                &[
                    ("name", json!(name)),
                    ("industry", json!(industry)),
                    ("region", json!(region)),
                ],
            )
        })
        .unwrap()
    }

    fn deal(s: &mut Store, account: Id, name: &str, stage: &str, amount: i64, cur: &str) -> Id {
        s.write(|w| {
            w.insert(
                EntityKind::Opportunity,
                &[
                    ("account_id", json!(account.to_string())),
                    ("name", json!(name)),
                    ("stage", json!(stage)),
                    ("amount", json!(amount)),
                    ("currency", json!(cur)),
                ],
            )
        })
        .unwrap()
    }

    fn names(page: &AccountPage) -> Vec<&str> {
        page.rows.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn account_pages_are_counted_filtered_sorted_and_stable() {
        let (mut s, _dir) = store();
        account(&mut s, "beta", "软件", "北京");
        account(&mut s, "Alpha", "Energy", "Madrid");
        account(&mut s, "北京星辰科技有限公司", "软件", "北京");
        account(&mut s, "Gamma", "Energy", "London");

        let all = s
            .account_page(&AccountListQuery {
                limit: 2,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all.total, 4, "the total counts every match, not the page");
        assert_eq!(names(&all), ["Alpha", "beta"], "names sort ignoring case");

        let rest = s
            .account_page(&AccountListQuery {
                limit: 2,
                offset: 2,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(names(&rest), ["Gamma", "北京星辰科技有限公司"]);

        let by_region = s
            .account_page(&AccountListQuery {
                sort: AccountSort::Region,
                descending: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(by_region.rows[0].region.as_deref(), Some("北京"));
        assert_eq!(by_region.rows[3].region.as_deref(), Some("London"));

        let filtered = s
            .account_page(&AccountListQuery {
                industry: Some("软件".into()),
                query: Some("科技".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(filtered.total, 1);
        assert_eq!(names(&filtered), ["北京星辰科技有限公司"]);

        let facets = s.account_facets().unwrap();
        assert_eq!(facets.industries, ["Energy", "软件"]);
        assert_eq!(facets.regions.len(), 3);
    }

    #[test]
    fn stage_totals_weigh_by_probability_and_keep_currencies_apart() {
        let (mut s, _dir) = store();
        let acme = account(&mut s, "ACME", "Energy", "Madrid");
        deal(&mut s, acme, "A", "proposal", 100_000, "CNY");
        let b = deal(&mut s, acme, "B", "proposal", 300_000, "CNY");
        deal(&mut s, acme, "C", "proposal", 5_000, "EUR");
        // Proposal's default is 50 %; B gets its own 10 %.
        s.write(|w| w.update(EntityKind::Opportunity, b, &[("probability", json!(10))]))
            .unwrap();

        let totals = s.stage_totals(&DealSelection::default()).unwrap();
        let cny = totals
            .iter()
            .find(|t| t.stage == "proposal" && t.currency == "CNY")
            .unwrap();
        assert_eq!((cny.count, cny.amount), (2, 400_000));
        assert_eq!(cny.weighted, 50_000 + 30_000);
        let eur = totals.iter().find(|t| t.currency == "EUR").unwrap();
        assert_eq!((eur.count, eur.amount, eur.weighted), (1, 5_000, 2_500));

        s.move_deal(b, "won", None).unwrap();
        let cards = s
            .deal_cards("won", &DealSelection::default(), 0, 10)
            .unwrap();
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].account_name.as_deref(), Some("ACME"));
        assert_eq!(s.deal_card(b).unwrap().stage, "won");
    }

    #[test]
    fn recently_logged_lists_the_last_recorded_first_and_contacts_page() {
        let (mut s, _dir) = store();
        let acme = account(&mut s, "ACME", "Energy", "Madrid");
        for subject in ["first", "second"] {
            s.write(|w| {
                w.insert(
                    EntityKind::Interaction,
                    &[
                        ("subject", json!(subject)),
                        ("kind", json!("call")),
                        ("occurred_at", json!(1_767_225_600_000_i64)),
                        ("account_id", json!(acme.to_string())),
                    ],
                )
            })
            .unwrap();
        }
        let recent = s.recently_logged(10).unwrap();
        assert_eq!(recent[0].subject, "second");
        assert_eq!(recent[1].account_name.as_deref(), Some("ACME"));

        s.write(|w| {
            w.insert(
                EntityKind::Contact,
                &[
                    ("name", json!("Ana Méndez")),
                    ("account_id", json!(acme.to_string())),
                    ("emails", json!(["ana@example.es"])),
                ],
            )
        })
        .unwrap();
        let page = s.contact_page(Some("mendez"), 0, 10).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.rows[0].email.as_deref(), Some("ana@example.es"));
        assert_eq!(page.rows[0].account_name.as_deref(), Some("ACME"));
        assert_eq!(s.contact_page(None, 0, 10).unwrap().total, 1);
    }

    #[test]
    fn records_whose_account_is_not_here_are_listed_with_it_missing() {
        let (mut s, _dir) = store();
        let gone = account(&mut s, "Reassigned away", "Energy", "Madrid");
        let d = deal(&mut s, gone, "Left behind", "proposal", 1_000, "CNY");
        s.write(|w| {
            w.insert(
                EntityKind::Contact,
                &[
                    ("name", json!("Marta")),
                    ("account_id", json!(gone.to_string())),
                ],
            )
        })
        .unwrap();
        // As a pull's removal or a discard leaves it: the row is gone, the
        // records pointing at it stay.
        s.conn().pragma_update(None, "foreign_keys", false).unwrap();
        s.conn()
            .execute("DELETE FROM accounts WHERE id = ?1", [gone.0])
            .unwrap();
        s.conn().pragma_update(None, "foreign_keys", true).unwrap();

        let contacts = s.contact_page(None, 0, 10).unwrap();
        assert_eq!(contacts.total, 1, "the contact is listed");
        assert_eq!(contacts.rows[0].account_name, None, "its account missing");
        let cards = s
            .deal_cards("proposal", &DealSelection::default(), 0, 10)
            .unwrap();
        assert_eq!(cards.len(), 1, "the deal is on the board");
        assert_eq!(cards[0].account_name, None);
        assert_eq!(s.opportunities(None, 10).unwrap().len(), 1);
        assert_eq!(s.opportunity(d).unwrap().account_name, None);
        s.move_deal(d, "negotiation", None)
            .expect("a deal whose account is missing still moves");
        assert_eq!(s.deal_card(d).unwrap().stage, "negotiation");
    }
}
