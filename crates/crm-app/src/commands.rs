//! The commands: parse what the UI sent into domain values, call the store,
//! return what the screen shows. No SQL here; the store owns the queries.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use crm_domain::{
    Currency, EntityKind, FieldHistory, Id, Interaction, Lead, Money, Problem, User, entity::Stage,
    value,
};
use crm_store::{
    AccountFacets, AccountListQuery, AccountPage, AccountView, ActivityRow, Completed, ContactPage,
    Converted, DealCard, DealFilter, DemoSize, DemoSummary, InCurrency, LeadConversion, NewUser,
    RecordQuery, RecordRow, SearchGroup, StageTotal, Store, StoreError, Timeline, TimelineCursor,
    in_currency,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{App, AppError, Progress, Result, Settings};

/// Field values as the user typed them, by field name.
pub type RawFields = BTreeMap<String, String>;

/// Where the app stands: is there a database, whose is it, how big.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Whether a database is open.
    pub ready: bool,
    /// The data directory.
    pub data_dir: String,
    /// The person using this laptop.
    pub user: Option<User>,
    /// Currency for new deals.
    pub currency: Option<String>,
    /// Accounts in the database.
    pub accounts: i64,
    /// Why the database in the data directory could not be opened; the UI
    /// shows this instead of offering to create one.
    pub problem: Option<AppError>,
    /// How the database is protected: its key in the keychain, or behind a
    /// passphrase (the idle lock then asks for it); `None` before unlock.
    pub protection: Option<crm_store::Protection>,
}

/// A new database for the person using this laptop.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateDatabase {
    /// Their name.
    pub name: String,
    /// Their email.
    #[serde(default)]
    pub email: Option<String>,
    /// Currency for new deals (ISO 4217).
    pub currency: String,
}

/// How much demo data to add.
#[derive(Debug, Clone, Deserialize)]
pub struct LoadDemo {
    /// Accounts; contacts, history, deals, leads and tasks scale with it.
    pub accounts: u64,
    /// The same seed makes the same data.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    42
}

/// Filters for the account list.
#[derive(Debug, Clone, Serialize)]
pub struct Facets {
    /// Industries and regions in use.
    #[serde(flatten)]
    pub values: AccountFacets,
    /// Possible owners.
    pub owners: Vec<User>,
}

/// Which account page to open.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountId {
    /// The account.
    pub id: Id,
}

/// A record by id.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordId {
    /// The record.
    pub id: Id,
}

/// A task to mark done.
#[derive(Debug, Clone, Deserialize)]
pub struct CompleteTask {
    /// The task.
    pub id: Id,
    /// How a planned activity went (its history entry's outcome).
    #[serde(default)]
    pub outcome: Option<String>,
}

/// The 360° page of one account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountPage360 {
    /// Details, contacts, open deals, open tasks and the first history page.
    #[serde(flatten)]
    pub view: AccountView,
    /// Every entry in the account's history.
    pub interaction_count: i64,
}

/// A page of an account's history.
#[derive(Debug, Clone, Deserialize)]
pub struct TimelineArgs {
    /// The account.
    pub account_id: Id,
    /// Where the previous page ended.
    #[serde(default)]
    pub after: Option<TimelineCursor>,
    /// Entries per page (0 = 50).
    #[serde(default)]
    pub limit: usize,
    /// Only entries of this kind (`call`, `visit`...); none: every kind.
    #[serde(default)]
    pub kind: Option<String>,
}

/// A new record from typed fields.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateRecord {
    /// Field values as typed.
    pub fields: RawFields,
}

/// Changed fields of a record.
#[derive(Debug, Clone, Deserialize)]
pub struct UpdateRecord {
    /// The record.
    pub id: Id,
    /// Field values as typed; empty text clears an optional field.
    pub fields: RawFields,
}

/// A new contact at an account.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateContact {
    /// The account.
    pub account_id: Id,
    /// Field values as typed.
    pub fields: RawFields,
}

/// A call, visit, meeting, email or note to record.
#[derive(Debug, Clone, Deserialize)]
pub struct LogInteraction {
    /// The account.
    pub account_id: Id,
    /// `call`, `visit`, `meeting`, `email`, `note`...
    pub kind: String,
    /// One-line summary.
    pub subject: String,
    /// Full text.
    #[serde(default)]
    pub body: Option<String>,
    /// What came of it.
    #[serde(default)]
    pub outcome: Option<String>,
    /// The person spoken to.
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// The deal it was about.
    #[serde(default)]
    pub opportunity_id: Option<Id>,
    /// When it happened (RFC 3339); now when absent.
    #[serde(default)]
    pub occurred_at: Option<String>,
}

/// Contacts across accounts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactQuery {
    /// Full-text query.
    pub query: Option<String>,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return (0 = 100).
    pub limit: usize,
}

/// Leads to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LeadQuery {
    /// Only this status.
    pub status: Option<String>,
    /// At most this many (0 = 500).
    pub limit: usize,
    /// Skip this many (the next page).
    pub offset: usize,
}

/// Converting a lead.
#[derive(Debug, Clone, Deserialize)]
pub struct ConvertLead {
    /// The lead.
    pub id: Id,
    /// Attach to this account instead of creating one.
    #[serde(default)]
    pub account_id: Option<Id>,
    /// Name of the new deal.
    #[serde(default)]
    pub deal_name: Option<String>,
    /// Value of the new deal, as typed.
    #[serde(default)]
    pub amount: Option<String>,
    /// Its currency; the device's when absent.
    #[serde(default)]
    pub currency: Option<String>,
}

/// Disqualifying a lead.
#[derive(Debug, Clone, Deserialize)]
pub struct DisqualifyLead {
    /// The lead.
    pub id: Id,
    /// Why.
    pub reason: String,
}

/// A new deal.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateDeal {
    /// The customer.
    pub account_id: Id,
    /// Deal name.
    pub name: String,
    /// Value as typed.
    pub amount: String,
    /// Currency; the device's when absent.
    #[serde(default)]
    pub currency: Option<String>,
    /// Stage; the first when absent.
    #[serde(default)]
    pub stage: Option<String>,
    /// Expected close, `YYYY-MM-DD`.
    #[serde(default)]
    pub close_date: Option<String>,
}

/// Moving a deal on the board.
#[derive(Debug, Clone, Deserialize)]
pub struct MoveDeal {
    /// The deal.
    pub id: Id,
    /// The new stage.
    pub stage: String,
    /// Why it was lost, when moved to a lost stage.
    #[serde(default)]
    pub lost_reason: Option<String>,
}

/// One column of the pipeline board.
#[derive(Debug, Clone, Serialize)]
pub struct BoardColumn {
    /// The stage.
    #[serde(flatten)]
    pub stage: Stage,
    /// Deals in the stage that pass the filter, in all.
    pub count: i64,
    /// Totals per currency (shown on hover).
    pub totals: Vec<StageTotal>,
    /// The totals in the user's currency, and the deals without a rate.
    pub total: InCurrency,
    /// The first cards (soonest to close).
    pub deals: Vec<DealCard>,
}

/// The pipeline board.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    /// The user's currency, which totals are in.
    pub currency: String,
    /// The day whose exchange rates converted the totals.
    pub day: NaiveDate,
    /// Every open (not won, not lost) deal that passes the filter: the sum
    /// of the open columns' totals.
    pub open: InCurrency,
    /// Columns in pipeline order.
    pub columns: Vec<BoardColumn>,
}

/// Which board.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    /// Cards per column (0 = 50).
    pub cards_per_stage: usize,
    /// Only these deals (owner, words of the deal's or account's name).
    #[serde(flatten)]
    pub filter: DealFilter,
    /// The user's local date, whose exchange rates convert (today by the
    /// store's clock, in UTC, when absent).
    pub today: Option<NaiveDate>,
}

/// The next cards of one column.
#[derive(Debug, Clone, Deserialize)]
pub struct StageCardsQuery {
    /// The stage.
    pub stage: String,
    /// Cards already shown.
    #[serde(default)]
    pub offset: usize,
    /// Cards to return (0 = 50).
    #[serde(default)]
    pub limit: usize,
    /// The board's filter.
    #[serde(flatten)]
    pub filter: DealFilter,
}

fn cards_per_page(asked: usize) -> usize {
    if asked == 0 { 50 } else { asked.min(1000) }
}

/// A search.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchArgs {
    /// What the user typed.
    pub query: String,
    /// Results per kind (0 = 8).
    #[serde(default)]
    pub per_group: usize,
}

/// The Today screen.
#[derive(Debug, Clone, Serialize)]
pub struct Today {
    /// My open tasks due before today (tasks by their description, as every
    /// list of records: `titles` names the account).
    pub overdue: Vec<RecordRow>,
    /// My open tasks due today.
    pub due_today: Vec<RecordRow>,
    /// My promises for the coming week.
    pub upcoming: Vec<RecordRow>,
    /// History recorded most recently, by everyone.
    pub recent: Vec<ActivityRow>,
}

/// Arguments of the Today screen.
#[derive(Debug, Clone, Deserialize)]
pub struct TodayArgs {
    /// The user's local date.
    pub today: NaiveDate,
}

/// The UI's word that a screen first showed its data.
#[derive(Debug, Clone, Deserialize)]
pub struct MarkReady {
    /// Which screen (`accounts`).
    pub screen: String,
    /// Rows on screen.
    pub shown: u64,
    /// Rows in all.
    pub total: u64,
}

pub(crate) fn currency(raw: &str) -> Result<Currency> {
    raw.parse::<Currency>()
        .map_err(|p| AppError::invalid("currency", &p))
}

/// Parse typed fields for `entity`; only fields listed in `allowed` may be set
/// this way (references and system fields are set by the commands).
fn parse_fields(
    entity: EntityKind,
    fields: &RawFields,
    allowed: &[&'static str],
    currency: Option<Currency>,
) -> Result<Vec<(&'static str, Value)>> {
    fields
        .iter()
        .map(|(name, raw)| {
            let name = allowed
                .iter()
                .find(|a| **a == name.as_str())
                .ok_or_else(|| AppError::invalid(name, &Problem::UnknownField))?;
            Ok((*name, entity.parse_field(name, raw, currency)?))
        })
        .collect()
}

const ACCOUNT_FIELDS: &[&str] = &[
    "name",
    "kind",
    "industry",
    "region",
    "address",
    "phone",
    "email",
    "website",
    "size",
    "lifecycle",
    "tags",
    "notes",
];
const CONTACT_FIELDS: &[&str] = &[
    "name",
    "title",
    "emails",
    "phones",
    "preferred_channel",
    "notes",
];
const LEAD_FIELDS: &[&str] = &[
    "name", "company", "title", "email", "phone", "source", "score", "notes",
];

fn me_ref(store: &Store) -> Value {
    json!(store.user_id().to_string())
}

fn require(fields: &RawFields, name: &str) -> Result<()> {
    if fields.get(name).is_none_or(|v| v.trim().is_empty()) {
        return Err(AppError::invalid(name, &Problem::Empty));
    }
    Ok(())
}

fn store_err(e: StoreError) -> AppError {
    e.into()
}

impl App {
    /// Where the app stands.
    pub fn status(&self) -> Result<Status> {
        let data_dir = self.dir().display().to_string();
        let guard = self.reader();
        let Some(store) = guard.as_ref() else {
            return Ok(Status {
                ready: false,
                data_dir,
                user: None,
                currency: None,
                accounts: 0,
                problem: crate::lock(&self.problem).clone(),
                protection: crm_store::protection(&Store::path_in(self.dir())),
            });
        };
        let user = store.user(store.user_id())?;
        Ok(Status {
            ready: true,
            data_dir,
            user,
            currency: Some(store.default_currency().to_owned()),
            accounts: store.account_count()?,
            problem: None,
            protection: crm_store::protection(store.path()),
        })
    }

    /// Create the database for the person using this laptop.
    pub fn create_database(&self, args: CreateDatabase) -> Result<Status> {
        let name = value::required_text(&args.name, value::MAX_LINE)
            .map_err(|p| AppError::invalid("name", &p))?;
        let email = match args.email.as_deref().map(str::trim) {
            Some(e) if !e.is_empty() => Some(
                e.parse::<crm_domain::Email>()
                    .map_err(|p| AppError::invalid("email", &p))?
                    .to_string(),
            ),
            _ => None,
        };
        let currency = currency(&args.currency)?;
        if let Some(problem) = crate::lock(&self.problem).clone() {
            // Never create over a file that is there but could not be opened.
            return Err(problem);
        }
        {
            let writer = crate::lock(&self.writer);
            if writer.is_some() {
                return Err(AppError::new("database_exists"));
            }
        }
        let store = Store::create(
            &Store::path_in(self.dir()),
            &NewUser {
                name,
                email,
                team: None,
                currency: currency.code().to_owned(),
            },
        )?;
        self.install(store)?;
        self.status()
    }

    /// Add demo data (creating a database first when there is none), telling
    /// `progress` how far it is.
    pub fn load_demo(&self, args: LoadDemo, progress: &dyn Fn(Progress)) -> Result<DemoSummary> {
        if args.accounts == 0 || args.accounts > 1_000_000 {
            return Err(AppError::invalid(
                "accounts",
                &Problem::Range {
                    min: 1,
                    max: 1_000_000,
                },
            ));
        }
        if crate::lock(&self.writer).is_none() {
            let name = std::env::var("USER")
                .ok()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "Me".into());
            self.create_database(CreateDatabase {
                name,
                email: None,
                currency: "USD".into(),
            })?;
        }
        self.write(|store| {
            store
                .demo(
                    DemoSize::accounts(args.accounts),
                    args.seed,
                    |done, total| {
                        progress(Progress {
                            task: "demo",
                            done,
                            total,
                        })
                    },
                )
                .map_err(store_err)
        })
    }

    /// Industries, regions and owners to filter the account list by.
    pub fn account_facets(&self) -> Result<Facets> {
        self.read(|s| {
            Ok(Facets {
                values: s.account_facets()?,
                owners: s.users()?,
            })
        })
    }

    /// One page of the account list.
    pub fn list_accounts(&self, args: AccountListQuery) -> Result<AccountPage> {
        let args = AccountListQuery {
            limit: args.limit.min(1000),
            ..args
        };
        self.read(|s| Ok(s.account_page(&args)?))
    }

    /// The 360° page of an account.
    pub fn account_view(&self, args: AccountId) -> Result<AccountPage360> {
        self.read(|s| {
            let view = s.account_view(args.id, 50)?;
            let interaction_count = s.interaction_count(args.id)?;
            Ok(AccountPage360 {
                view,
                interaction_count,
            })
        })
    }

    /// A further page of an account's history.
    pub fn timeline(&self, args: TimelineArgs) -> Result<Timeline> {
        let limit = if args.limit == 0 {
            50
        } else {
            args.limit.min(500)
        };
        let kind = match args.kind.as_deref().filter(|k| !k.is_empty()) {
            Some(raw) => Some(EntityKind::Interaction.parse_field("kind", raw, None)?),
            None => None,
        };
        let kind = kind.as_ref().and_then(|k| k.as_str());
        self.read(|s| Ok(s.timeline_of_kind(args.account_id, kind, args.after, limit)?))
    }

    /// Who changed which field of a record, when.
    pub fn history(&self, args: RecordId) -> Result<Vec<FieldHistory>> {
        self.read(|s| Ok(s.history(args.id)?))
    }

    /// Create an account owned by the user.
    pub fn create_account(&self, args: CreateRecord) -> Result<Id> {
        require(&args.fields, "name")?;
        let mut values = parse_fields(EntityKind::Account, &args.fields, ACCOUNT_FIELDS, None)?;
        self.write(|s| {
            values.push(("owner_id", me_ref(s)));
            Ok(s.add(EntityKind::Account, &values)?)
        })
    }

    /// Change an account's details; returns whether anything changed.
    pub fn update_account(&self, args: UpdateRecord) -> Result<bool> {
        let values = parse_fields(EntityKind::Account, &args.fields, ACCOUNT_FIELDS, None)?;
        self.write(|s| Ok(s.edit(EntityKind::Account, args.id, &values)?))
    }

    /// Record a call, visit, meeting, email or note on an account, by the user.
    pub fn log_interaction(&self, args: LogInteraction) -> Result<Interaction> {
        let at = match args.occurred_at.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(raw) => Some(
                value::local_date_time(raw).map_err(|p| AppError::invalid("occurred_at", &p))?,
            ),
            None => None,
        };
        let kind = EntityKind::Interaction;
        let mut values = vec![
            ("kind", kind.parse_field("kind", &args.kind, None)?),
            ("subject", kind.parse_field("subject", &args.subject, None)?),
            ("account_id", json!(args.account_id.to_string())),
        ];
        if let Some(body) = &args.body {
            values.push(("body", kind.parse_field("body", body, None)?));
        }
        if let Some(outcome) = &args.outcome {
            values.push(("outcome", kind.parse_field("outcome", outcome, None)?));
        }
        if let Some(c) = args.contact_id {
            values.push(("contact_id", json!(c.to_string())));
        }
        if let Some(o) = args.opportunity_id {
            values.push(("opportunity_id", json!(o.to_string())));
        }
        self.write(|s| {
            s.account(args.account_id)?;
            let at = at.unwrap_or_else(|| s.now());
            values.push(("occurred_at", json!(at.timestamp_millis())));
            values.push(("author_id", me_ref(s)));
            let id = s.add(kind, &values)?;
            Ok(s.interaction(id)?)
        })
    }

    /// Contacts across all accounts.
    pub fn list_contacts(&self, args: ContactQuery) -> Result<ContactPage> {
        let limit = if args.limit == 0 {
            100
        } else {
            args.limit.min(1000)
        };
        self.read(|s| Ok(s.contact_page(args.query.as_deref(), args.offset, limit)?))
    }

    /// Add a person to an account.
    pub fn create_contact(&self, args: CreateContact) -> Result<Id> {
        require(&args.fields, "name")?;
        let mut values = parse_fields(EntityKind::Contact, &args.fields, CONTACT_FIELDS, None)?;
        values.push(("account_id", json!(args.account_id.to_string())));
        self.write(|s| Ok(s.add(EntityKind::Contact, &values)?))
    }

    /// Leads, newest first.
    pub fn list_leads(&self, args: LeadQuery) -> Result<Vec<Lead>> {
        let limit = if args.limit == 0 {
            500
        } else {
            args.limit.min(5000)
        };
        let status = args.status.filter(|s| !s.is_empty());
        self.read(|s| Ok(s.leads(status.as_deref(), args.offset, limit)?))
    }

    /// A new lead owned by the user.
    pub fn create_lead(&self, args: CreateRecord) -> Result<Id> {
        require(&args.fields, "name")?;
        let mut values = parse_fields(EntityKind::Lead, &args.fields, LEAD_FIELDS, None)?;
        self.write(|s| {
            values.push(("owner_id", me_ref(s)));
            Ok(s.add(EntityKind::Lead, &values)?)
        })
    }

    fn open_lead(s: &Store, id: Id) -> Result<Lead> {
        let lead = s.lead(id)?;
        if matches!(lead.status.as_str(), "converted" | "disqualified") {
            return Err(StoreError::from(crm_store::Rule::LeadClosed {
                name: lead.name,
                status: lead.status,
            })
            .into());
        }
        Ok(lead)
    }

    /// Mark a lead as a real prospect.
    pub fn qualify_lead(&self, args: RecordId) -> Result<Lead> {
        self.write(|s| {
            Self::open_lead(s, args.id)?;
            s.edit(EntityKind::Lead, args.id, &[("status", json!("qualified"))])?;
            Ok(s.lead(args.id)?)
        })
    }

    /// Turn a lead into an account, a contact and a deal in one step.
    pub fn convert_lead(&self, args: ConvertLead) -> Result<Converted> {
        self.write(|s| {
            Self::open_lead(s, args.id)?;
            let amount = match args.amount.as_deref().filter(|a| !a.trim().is_empty()) {
                Some(raw) => {
                    let code = args
                        .currency
                        .clone()
                        .unwrap_or_else(|| s.default_currency().to_owned());
                    let cur = currency(&code)?;
                    Some(Money::parse(raw, cur).map_err(|p| AppError::invalid("amount", &p))?)
                }
                None => None,
            };
            let deal_name = args
                .deal_name
                .as_deref()
                .map(|n| value::optional_text(n, value::MAX_LINE))
                .transpose()
                .map_err(|p| AppError::invalid("deal_name", &p))?
                .flatten();
            Ok(s.convert_lead(
                args.id,
                LeadConversion {
                    account_id: args.account_id,
                    deal_name,
                    amount,
                },
            )?)
        })
    }

    /// Mark a lead as not worth pursuing.
    pub fn disqualify_lead(&self, args: DisqualifyLead) -> Result<Lead> {
        let reason = value::required_text(&args.reason, value::MAX_LINE)
            .map_err(|p| AppError::invalid("reason", &p))?;
        self.write(|s| {
            Self::open_lead(s, args.id)?;
            s.disqualify_lead(args.id, &reason)?;
            Ok(s.lead(args.id)?)
        })
    }

    /// Mark a task done; a planned call, visit or meeting becomes a history
    /// entry of its account.
    pub fn complete_task(&self, args: CompleteTask) -> Result<Completed> {
        let outcome = match args.outcome.as_deref().filter(|o| !o.trim().is_empty()) {
            Some(raw) => Some(
                EntityKind::Interaction
                    .parse_field("outcome", raw, None)?
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            None => None,
        };
        self.write(|s| Ok(s.complete_task(args.id, outcome.as_deref())?))
    }

    /// The pipeline board: every stage with its count, its totals per
    /// currency and in the user's currency (at the rates valid on `today`),
    /// and its first cards, all under the filter.
    pub fn pipeline(&self, args: BoardQuery) -> Result<Board> {
        let cards = cards_per_page(args.cards_per_stage);
        self.read(|s| {
            let to = currency(s.default_currency())?;
            let day = args.today.unwrap_or_else(|| s.now().date_naive());
            let selection = s.select_deals(&args.filter)?;
            let totals = s.stage_totals(&selection)?;
            let rates = s.rates_to(totals.iter().map(|t| t.currency.as_str()), to, day)?;
            let mut open = InCurrency {
                currency: to.code().to_owned(),
                ..InCurrency::default()
            };
            let columns = s
                .pipeline()?
                .into_iter()
                .map(|stage| {
                    let totals: Vec<StageTotal> = totals
                        .iter()
                        .filter(|t| t.stage == stage.key)
                        .cloned()
                        .collect();
                    let total = in_currency(&totals, to, &rates);
                    if !stage.closed {
                        open.add(&total);
                    }
                    Ok(BoardColumn {
                        count: totals.iter().map(|t| t.count).sum(),
                        deals: s.deal_cards(&stage.key, &selection, 0, cards)?,
                        totals,
                        total,
                        stage,
                    })
                })
                .collect::<Result<_>>()?;
            Ok(Board {
                currency: to.code().to_owned(),
                day,
                open,
                columns,
            })
        })
    }

    /// The next page of one column of the board ("show more").
    pub fn stage_cards(&self, args: StageCardsQuery) -> Result<Vec<DealCard>> {
        let limit = cards_per_page(args.limit);
        self.read(|s| {
            let selection = s.select_deals(&args.filter)?;
            Ok(s.deal_cards(&args.stage, &selection, args.offset, limit)?)
        })
    }

    /// A new deal owned by the user, at the stage's default probability.
    pub fn create_deal(&self, args: CreateDeal) -> Result<Id> {
        self.write(|s| {
            let code = args
                .currency
                .clone()
                .unwrap_or_else(|| s.default_currency().to_owned());
            let cur = currency(&code)?;
            let stage = args.stage.clone().unwrap_or_else(|| "qualification".into());
            let probability = s
                .pipeline()?
                .into_iter()
                .find(|st| st.key == stage)
                .ok_or_else(|| {
                    AppError::invalid(
                        "stage",
                        &Problem::OneOf {
                            allowed: String::new(),
                        },
                    )
                })?
                .probability;
            let kind = EntityKind::Opportunity;
            let mut values = vec![
                ("account_id", json!(args.account_id.to_string())),
                ("name", kind.parse_field("name", &args.name, None)?),
                ("stage", json!(stage)),
                (
                    "amount",
                    kind.parse_field("amount", &args.amount, Some(cur))?,
                ),
                ("currency", json!(cur.code())),
                ("probability", json!(probability)),
                ("owner_id", me_ref(s)),
            ];
            if let Some(close) = args.close_date.as_deref().filter(|d| !d.trim().is_empty()) {
                values.push(("close_date", kind.parse_field("close_date", close, None)?));
            }
            Ok(s.add(kind, &values)?)
        })
    }

    /// Move a deal to another stage (drag and drop on the board).
    pub fn move_deal(&self, args: MoveDeal) -> Result<DealCard> {
        let reason = args
            .lost_reason
            .as_deref()
            .map(|r| value::optional_text(r, value::MAX_LINE))
            .transpose()
            .map_err(|p| AppError::invalid("lost_reason", &p))?
            .flatten();
        self.write(|s| {
            s.move_deal(args.id, &args.stage, reason.as_deref())?;
            Ok(s.deal_card(args.id)?)
        })
    }

    /// Search every kind of record.
    pub fn search(&self, args: SearchArgs) -> Result<Vec<SearchGroup>> {
        let per_group = if args.per_group == 0 {
            8
        } else {
            args.per_group.min(50)
        };
        self.read(|s| Ok(s.search(&args.query, per_group)?))
    }

    /// The Today screen: my overdue, today's and coming promises, and what
    /// was recorded most recently.
    pub fn today(&self, args: TodayArgs) -> Result<Today> {
        let day = Duration::days(1);
        let due = |s: &Store, from: Option<NaiveDate>, to: NaiveDate| {
            let mut query = RecordQuery::open_tasks(Some(s.user_id()), from, Some(to));
            query.limit = Some(100);
            let mut rows = s.records(EntityKind::Task, &query)?.rows;
            crm_store::soonest_first(&mut rows);
            Ok::<_, StoreError>(rows)
        };
        self.read(|s| {
            Ok(Today {
                overdue: due(s, None, args.today - day)?,
                due_today: due(s, Some(args.today), args.today)?,
                upcoming: due(s, Some(args.today + day), args.today + day * 7)?,
                recent: s.recently_logged(20)?,
            })
        })
    }

    /// Log when a screen first became interactive, counted from the app's
    /// start: the smoke test waits for it and the start-up benchmark reads it.
    pub fn mark_ready(&self, args: MarkReady) -> Result<()> {
        eprintln!(
            "crm-app: {} ready: {} of {} rows shown {} ms after start",
            args.screen,
            args.shown,
            args.total,
            self.started().elapsed().as_millis()
        );
        Ok(())
    }

    /// The user's settings.
    pub fn get_settings(&self) -> Result<Settings> {
        self.settings()
    }

    /// Save the user's settings.
    pub fn save_settings(&self, args: Settings) -> Result<Settings> {
        args.save(self.dir())?;
        Ok(args)
    }
}

/// Handing a departing colleague's records to another.
#[derive(Debug, Clone, Deserialize)]
pub struct Reassign {
    /// Who is leaving.
    pub from: Id,
    /// Who takes over.
    pub to: Id,
}

impl App {
    /// The team directory, as this laptop knows it (synced from the server).
    pub fn list_users(&self) -> Result<Vec<User>> {
        self.read(|s| Ok(s.users()?))
    }

    /// Give every account, lead, deal and open task of `from` to `to`, in one
    /// transaction; each change syncs as an ordinary edit.
    pub fn reassign(&self, args: Reassign) -> Result<crm_store::Reassigned> {
        // The store's rules (the same person, someone who left) come back
        // coded, translated like every refusal.
        self.write(|s| Ok(s.reassign(args.from, args.to)?))
    }
}
