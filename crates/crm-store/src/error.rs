//! Store errors, each with a stable code for user interfaces and an English
//! message that says what happened and what to do.

use std::path::PathBuf;

use crm_domain::{EntityKind, Id, Invalid};

/// A rule of the CRM an action would break. Each has a stable code and
/// parameters: the CLI and the app translate it, each in one place; the
/// English sentence is for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    /// Only an open lead can be converted, qualified or disqualified.
    #[error("lead {name} is already {status}; only open leads can be converted or disqualified")]
    LeadClosed {
        /// The lead's name.
        name: String,
        /// `converted` or `disqualified`.
        status: String,
    },
    /// The task was done already.
    #[error("task \"{title}\" is already done")]
    TaskDone {
        /// The task's title.
        title: String,
    },
    /// Records handed from a person to the same person.
    #[error("the two users are the same person")]
    SamePerson,
    /// Records handed to someone who has left.
    #[error("records cannot go to {name}, who has left")]
    UserLeft {
        /// Their name.
        name: String,
    },
    /// Records handed to someone of another team by a rep or a manager
    /// (only an admin gives records across teams; the team server refuses
    /// it too, as `hand_over_refused`).
    #[error("records cannot go to {name}, who is not in your team; ask an admin")]
    OtherTeam {
        /// Their name.
        name: String,
    },
    /// A record merged with itself.
    #[error("a record cannot be merged with itself")]
    MergeSelf,
    /// A kind that is not merged.
    #[error("only accounts, contacts and leads can be merged, not a {entity}")]
    MergeKind {
        /// The kind.
        entity: EntityKind,
    },
    /// Two records of different kinds.
    #[error("a {entity} cannot be merged with a {other}")]
    MergeMixed {
        /// The first record's kind.
        entity: EntityKind,
        /// The other's.
        other: EntityKind,
    },
    /// A quote that was sent never changes: a new revision does.
    #[error("quote {number} is {status}: a sent quote never changes; revise it instead")]
    QuoteLocked {
        /// The quote's number.
        number: String,
        /// Its status.
        status: String,
    },
    /// A step the quote's status does not allow (accepting a draft).
    #[error("quote {number} is {status}, not {needed}")]
    QuoteStatus {
        /// The quote's number.
        number: String,
        /// Its status.
        status: String,
        /// The status the step needs.
        needed: String,
    },
    /// Accepting a quote past its validity.
    #[error("quote {number} expired on {valid_until}; revise it to offer again")]
    QuoteExpired {
        /// The quote's number.
        number: String,
        /// Its last valid day.
        valid_until: String,
    },
    /// Sending a quote without lines.
    #[error("quote {number} has no lines")]
    QuoteEmpty {
        /// The quote's number.
        number: String,
    },
    /// A product the quote's price list has no price for.
    #[error("price list {list} has no price for {product}")]
    NoListPrice {
        /// The product's code.
        product: String,
        /// The list's name.
        list: String,
    },
    /// A product line priced otherwise than its list: every deviation is
    /// an explicit discount.
    #[error("{product} costs {price} in the price list; give a discount instead of another price")]
    NotListPrice {
        /// The product's code.
        product: String,
        /// The list price, as a decimal number.
        price: String,
    },
    /// A product no longer sold.
    #[error("product {product} is retired")]
    ProductRetired {
        /// The product's code.
        product: String,
    },
    /// No price list to quote from.
    #[error("there is no default price list in {currency}; choose one")]
    NoPriceList {
        /// The currency looked for.
        currency: String,
    },
    /// A price list outside its validity.
    #[error("price list {list} is not valid today")]
    PriceListClosed {
        /// The list's name.
        list: String,
    },
    /// Money in another currency than the document's.
    #[error("the amount is in {given}, the document in {expected}")]
    CurrencyMismatch {
        /// The document's currency.
        expected: String,
        /// The one given.
        given: String,
    },
    /// A payment larger than what the orders owe, not marked a prepayment.
    #[error("only {outstanding} {currency} is outstanding; record the rest as a prepayment")]
    Overpaid {
        /// What is owed, as a decimal number.
        outstanding: String,
        /// Its currency.
        currency: String,
    },
    /// A quote turned into an order twice.
    #[error("quote {number} is already an order")]
    AlreadyOrdered {
        /// The quote's number.
        number: String,
    },
    /// An order that is no longer open.
    #[error("order {number} is {status}")]
    OrderClosed {
        /// The order's number.
        number: String,
        /// Its status.
        status: String,
    },
    /// A document of another customer.
    #[error("{number} belongs to another account")]
    OtherAccount {
        /// The document's number.
        number: String,
    },
    /// A status move the case's flow does not allow (a closed case is
    /// reopened before it is worked on again).
    #[error("case {number} is {from}; it cannot move to {to}")]
    CaseMove {
        /// The case's number.
        number: String,
        /// Its status.
        from: String,
        /// The move asked for.
        to: String,
    },
    /// Work on a case that is resolved or closed.
    #[error("case {number} is {status}; reopen it first")]
    CaseClosed {
        /// The case's number.
        number: String,
        /// Its status.
        status: String,
    },
    /// Satisfaction asked of a case not yet resolved.
    #[error("case {number} is {status}; satisfaction is asked once it is resolved")]
    CaseNotResolved {
        /// The case's number.
        number: String,
        /// Its status.
        status: String,
    },
}

impl Rule {
    /// The stable code (the UI's and the CLI's translation key).
    pub fn code(&self) -> &'static str {
        match self {
            Rule::LeadClosed { .. } => "lead_closed",
            Rule::TaskDone { .. } => "task_done",
            Rule::SamePerson => "same_person",
            Rule::UserLeft { .. } => "user_left",
            Rule::OtherTeam { .. } => "other_team",
            Rule::MergeSelf => "merge_self",
            Rule::MergeKind { .. } => "merge_kind",
            Rule::MergeMixed { .. } => "merge_mixed",
            Rule::QuoteLocked { .. } => "quote_locked",
            Rule::QuoteStatus { .. } => "quote_status",
            Rule::QuoteExpired { .. } => "quote_expired",
            Rule::QuoteEmpty { .. } => "quote_empty",
            Rule::NoListPrice { .. } => "no_list_price",
            Rule::NotListPrice { .. } => "not_list_price",
            Rule::ProductRetired { .. } => "product_retired",
            Rule::NoPriceList { .. } => "no_price_list",
            Rule::PriceListClosed { .. } => "price_list_closed",
            Rule::CurrencyMismatch { .. } => "currency_mismatch",
            Rule::Overpaid { .. } => "overpaid",
            Rule::AlreadyOrdered { .. } => "already_ordered",
            Rule::OrderClosed { .. } => "order_closed",
            Rule::OtherAccount { .. } => "other_account",
            Rule::CaseMove { .. } => "case_move",
            Rule::CaseClosed { .. } => "case_closed",
            Rule::CaseNotResolved { .. } => "case_not_resolved",
        }
    }

    /// The parameters of its message, by name.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Rule::LeadClosed { name, status } => {
                vec![("name", name.clone()), ("status", status.clone())]
            }
            Rule::TaskDone { title } => vec![("title", title.clone())],
            Rule::UserLeft { name } | Rule::OtherTeam { name } => vec![("name", name.clone())],
            Rule::MergeKind { entity } => vec![("entity", entity.name().to_owned())],
            Rule::MergeMixed { entity, other } => vec![
                ("entity", entity.name().to_owned()),
                ("other", other.name().to_owned()),
            ],
            Rule::QuoteLocked { number, status } | Rule::OrderClosed { number, status } => {
                vec![("number", number.clone()), ("status", status.clone())]
            }
            Rule::QuoteStatus {
                number,
                status,
                needed,
            } => vec![
                ("number", number.clone()),
                ("status", status.clone()),
                ("needed", needed.clone()),
            ],
            Rule::QuoteExpired {
                number,
                valid_until,
            } => vec![
                ("number", number.clone()),
                ("valid_until", valid_until.clone()),
            ],
            Rule::QuoteEmpty { number }
            | Rule::AlreadyOrdered { number }
            | Rule::OtherAccount { number } => vec![("number", number.clone())],
            Rule::NoListPrice { product, list } => {
                vec![("product", product.clone()), ("list", list.clone())]
            }
            Rule::NotListPrice { product, price } => {
                vec![("product", product.clone()), ("price", price.clone())]
            }
            Rule::ProductRetired { product } => vec![("product", product.clone())],
            Rule::NoPriceList { currency } => vec![("currency", currency.clone())],
            Rule::PriceListClosed { list } => vec![("list", list.clone())],
            Rule::CurrencyMismatch { expected, given } => {
                vec![("expected", expected.clone()), ("given", given.clone())]
            }
            Rule::Overpaid {
                outstanding,
                currency,
            } => vec![
                ("outstanding", outstanding.clone()),
                ("currency", currency.clone()),
            ],
            Rule::CaseMove { number, from, to } => vec![
                ("number", number.clone()),
                ("from", from.clone()),
                ("to", to.clone()),
            ],
            Rule::CaseClosed { number, status } | Rule::CaseNotResolved { number, status } => {
                vec![("number", number.clone()), ("status", status.clone())]
            }
            Rule::SamePerson | Rule::MergeSelf => Vec::new(),
        }
    }
}

/// Everything that can go wrong in the local store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A value was refused; nothing was written.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The record does not exist, or was deleted.
    #[error("no {entity} with id {id} (it does not exist or was deleted)")]
    NotFound {
        /// What was looked for.
        entity: EntityKind,
        /// The id given.
        id: Id,
    },
    /// This user's role may not write this kind of record (its description
    /// names who may).
    #[error("you may not change {entity} records{}", if roles.is_empty() { String::new() } else { format!(" (only a {roles} may)") })]
    Forbidden {
        /// The kind.
        entity: EntityKind,
        /// The roles that may, comma separated (empty: only the server).
        roles: String,
    },
    /// A name or id matched nothing.
    #[error("no {what} matches {given:?}")]
    NoMatch {
        /// What kind of thing was looked for.
        what: &'static str,
        /// What the user typed.
        given: String,
    },
    /// The action would break a rule of the CRM (coded, translatable).
    #[error(transparent)]
    Rule(#[from] Rule),
    /// The action does not apply to the record in its current state.
    #[error("{0}")]
    Refused(String),
    /// The user stopped a long action before its end; it wrote nothing.
    #[error("stopped before the end; nothing was written")]
    Cancelled,
    /// There is no database yet.
    #[error("there is no CRM database at {}; run `crm init` first", .0.display())]
    Missing(PathBuf),
    /// The file exists but is not this CRM's database; it was not touched.
    #[error("{} is not a CRM database; it was left untouched", .0.display())]
    NotCrmDatabase(PathBuf),
    /// The database was written by a newer version; it was not touched.
    #[error("{} was written by a newer version of the CRM (schema {found}, this version knows up to {known}); install the newer version. The file was left untouched", .path.display())]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// The database holds demo data, which must never reach a team server.
    #[error("{} holds demo data, which must never reach your team's server; sign in from a database of your own (move the file aside and run `crm init`)", .0.display())]
    DemoData(PathBuf),
    /// Demo data asked for in a database that syncs with a team server.
    #[error(
        "this database syncs with a team server; demo data would mix invented customers with real ones, so it is only added to a database of its own"
    )]
    DemoOnSynced,
    /// The disk is full; the write was rolled back.
    #[error("the disk is full, so nothing was saved; free some space and try again")]
    DiskFull,
    /// Another program holds the database.
    #[error("the database is busy in another program; close it and try again")]
    Busy,
    /// A stored value this build cannot read (written by an old bug or by
    /// a newer app): the record is damaged, the database is fine.
    #[error("this record holds a value this app cannot read ({0})")]
    Damaged(String),
    /// The laptop stayed away from the team's server longer than the team
    /// allows: it is locked until it syncs or an administrator's extension
    /// code is entered.
    #[error("this laptop has not synced since {} and is locked since {} (the team's limit): sync, or enter the code your administrator gives you (crm lease extend CODE)", crate::lease::day_of(*.since), crate::lease::day_of(*.locked_at))]
    LeaseExpired {
        /// The last successful sync (UTC ms).
        since: i64,
        /// When it locked (UTC ms).
        locked_at: i64,
    },
    /// The database is encrypted and this process was given no key for it
    /// (`crm_store::unlock` first).
    #[error("{} is encrypted: unlock it first (its passphrase, or the keychain)", .0.display())]
    Locked(PathBuf),
    /// The key given does not open the database (its vault was replaced).
    #[error("the key of this laptop's vault does not open {}; restore the vault file (vault.json) that belongs to it", .0.display())]
    WrongKey(PathBuf),
    /// A backup encrypted with another key than this laptop's.
    #[error("{} is encrypted with another laptop's key; it can be restored only where it was made", .0.display())]
    BackupLocked(PathBuf),
    /// The database's vault wants its passphrase.
    #[error(
        "this database is protected by a passphrase: give it (CRM_PASSPHRASE or standard input)"
    )]
    PassphraseNeeded,
    /// Keeping the key failed (keychain, passphrase, vault file).
    #[error(transparent)]
    Vault(#[from] crm_vault::VaultError),
    /// An encrypted database whose vault file is gone.
    #[error("{} is encrypted but its vault file (vault.json) is missing: put it back, or open it with its recovery key (crm vault recover KEY)", .0.display())]
    VaultMissing(PathBuf),
    /// A recovery key that is mistyped or does not open this database.
    #[error(
        "that recovery key does not open this database (mistyped, or another database's); nothing was changed"
    )]
    BadRecoveryKey,
    /// An extension code that is not for this laptop, mistyped, or past.
    #[error(
        "that code is not valid for this laptop (mistyped, for another laptop, or past); ask your administrator for a new one"
    )]
    BadExtensionCode,
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Invalid(_) => "invalid",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Forbidden { .. } => "forbidden",
            StoreError::NoMatch { .. } => "no_match",
            StoreError::Rule(rule) => rule.code(),
            StoreError::Refused(_) => "refused",
            StoreError::Cancelled => "cancelled",
            StoreError::Missing(_) => "no_database",
            StoreError::NotCrmDatabase(_) => "not_crm_database",
            StoreError::TooNew { .. } => "database_too_new",
            StoreError::DemoData(_) => "demo_data",
            StoreError::DemoOnSynced => "demo_on_synced",
            StoreError::DiskFull => "disk_full",
            StoreError::Busy => "busy",
            StoreError::Damaged(_) => "damaged",
            StoreError::Locked(_) => "locked",
            StoreError::WrongKey(_) => "wrong_key",
            StoreError::BackupLocked(_) => "backup_locked",
            StoreError::PassphraseNeeded => "passphrase_needed",
            StoreError::Vault(e) => e.code(),
            StoreError::LeaseExpired { .. } => "lease_expired",
            StoreError::BadExtensionCode => "bad_extension_code",
            StoreError::BadRecoveryKey => "bad_recovery_key",
            StoreError::VaultMissing(_) => "vault_missing",
            StoreError::Sqlite(_) => "database",
            StoreError::Io(_) => "io",
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ if matches!(
                e,
                rusqlite::Error::FromSqlConversionFailure(..)
                    | rusqlite::Error::InvalidColumnType(..)
                    | rusqlite::Error::IntegralValueOutOfRange(..)
            ) =>
            {
                StoreError::Damaged(e.to_string())
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
