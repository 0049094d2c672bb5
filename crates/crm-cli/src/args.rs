//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// An offline-first CRM: customers, contacts, the full contact history, leads,
/// deals and tasks, in a local database that works with no network.
#[derive(Debug, Parser)]
#[command(name = "crm", version, about)]
pub struct Cli {
    /// Where the database lives [default: the platform's data directory]
    #[arg(long, global = true, env = "CRM_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print one JSON document instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Language of messages: en, zh or es [default: from the system locale]
    #[arg(long, global = true, env = "CRM_LANG", value_name = "LANG")]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the local database for you on this laptop
    Init(InitArgs),
    /// Customers: companies and individuals
    #[command(subcommand)]
    Account(AccountCmd),
    /// People at accounts
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Record a call, visit, meeting, email or note in the contact history
    Log(LogArgs),
    /// The contact history of an account, newest first
    Timeline(TimelineArgs),
    /// Prospects not yet qualified
    #[command(subcommand)]
    Lead(LeadCmd),
    /// Deals (opportunities) in the pipeline
    #[command(subcommand)]
    Deal(DealCmd),
    /// The stages of the sales pipeline
    Pipeline,
    /// Promises and to-dos
    #[command(subcommand)]
    Task(TaskCmd),
    /// Search accounts, contacts, leads, deals and the contact history
    Search(SearchArgs),
    /// Who changed which field of a record, when, from what to what
    History {
        /// The record's id
        record_id: String,
    },
    /// Hand every account, lead, deal and open task of one person to another
    Reassign(ReassignArgs),
    /// Local changes waiting to be synced
    Outbox {
        /// How many to show
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// The team directory
    #[command(subcommand)]
    User(UserCmd),
    /// Fill the database with realistic demo data (English, Chinese, Spanish)
    Demo(DemoArgs),
    /// Import leads, accounts or contacts from a CSV or vCard file
    Import(crate::exchange::ImportArgs),
    /// Export accounts, contacts, leads, deals or the contact history to CSV, vCard or JSON
    Export(crate::exchange::ExportArgs),
    /// Records that look like the same customer or person
    Duplicates(crate::exchange::DuplicatesArgs),
    /// Merge two records into one: OTHER's contacts, history, deals and tasks move to KEEP
    Merge(crate::exchange::MergeArgs),
    /// Make a consistent copy of the database, even while the app is writing
    Backup(crate::exchange::BackupArgs),
    /// Replace the database with a backup, after checking it
    Restore(crate::exchange::RestoreArgs),
    /// Connect this laptop to the team server (password on stdin or prompted)
    Login(crate::sync::LoginArgs),
    /// Sign this laptop out of the team server (data and queued changes stay)
    Logout,
    /// Push local changes and pull the team's; `crm sync status` for the state
    Sync(crate::sync::SyncArgs),
    /// How long this laptop may stay away from the team server; `crm lease extend CODE` with your administrator's code
    Lease(crate::sync::LeaseArgs),
    /// The database's key: its recovery key, recovering with it, changing the passphrase
    #[command(subcommand)]
    Vault(crate::protect::VaultCmd),
    /// Any kind of record by its description (exchange rates, and every
    /// other kind): describe, list, get, add, edit, delete, restore
    #[command(subcommand)]
    Record(RecordCmd),
    /// Edits that sync could not merge: see both values, keep one
    #[command(subcommand)]
    Conflicts(crate::sync::ConflictsCmd),
    /// The catalogue: what the team sells
    #[command(subcommand)]
    Product(crate::sales::ProductCmd),
    /// Price lists and their prices
    #[command(subcommand)]
    Pricelist(crate::sales::PricelistCmd),
    /// Quotes: lines at list prices, discounts, PDF, send, revise, accept
    #[command(subcommand)]
    Quote(crate::sales::QuoteCmd),
    /// Orders: from accepted quotes, paid and outstanding
    #[command(subcommand)]
    Order(crate::sales::OrderCmd),
    /// Money received from customers, allocated to orders
    #[command(subcommand)]
    Payment(crate::sales::PaymentCmd),
    /// The last price each product was quoted or sold at to an account
    Prices {
        /// The account's id
        account_id: String,
    },
    /// Your company's details on quotes (name, address, tax id, logo)
    #[command(subcommand)]
    Company(crate::sales::CompanyCmd),
    /// Local changes the server refused: retry or discard them
    #[command(subcommand)]
    Rejected(crate::sync::RejectedCmd),
    /// Service cases: open, answer, move, solve, satisfaction
    #[command(subcommand)]
    Case(crate::service::CaseCmd),
    /// Service levels: policies per priority and the team's business hours
    #[command(subcommand)]
    Sla(crate::service::SlaCmd),
    /// Escalate cases at risk or past due (the app and the server also do it by themselves)
    Escalate {
        /// Judge the cases as of this time (YYYY-MM-DD HH:MM) [default: now]
        #[arg(long)]
        now: Option<String>,
    },
    /// The knowledge base: solutions everyone can give
    #[command(subcommand)]
    Kb(crate::service::KbCmd),
    /// Record an account's Net Promoter Score (0-10)
    Nps {
        /// The account's id
        account_id: String,
        #[arg(long)]
        score: String,
        #[arg(long)]
        comment: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your name [default: your login name]
    #[arg(long)]
    pub name: Option<String>,
    /// Your email
    #[arg(long)]
    pub email: Option<String>,
    /// Your team
    #[arg(long)]
    pub team: Option<String>,
    /// Currency for new deals (ISO 4217) [default: from the system locale]
    #[arg(long)]
    pub currency: Option<String>,
}

/// Account fields, all optional: what `add` sets and `edit` changes.
#[derive(Debug, Args, Default)]
pub struct AccountFields {
    /// Company or person name
    #[arg(long)]
    pub name: Option<String>,
    /// company or individual
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub industry: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub website: Option<String>,
    /// 1-10, 11-50, 51-200, 201-1000 or 1000+
    #[arg(long)]
    pub size: Option<String>,
    /// prospect, customer or former
    #[arg(long)]
    pub lifecycle: Option<String>,
    /// Comma-separated labels
    #[arg(long)]
    pub tags: Option<String>,
    /// Responsible rep (id, email or name)
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Add an account
    Add(AccountFields),
    /// List accounts, by name or by relevance to --query
    List {
        /// Search text
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        industry: Option<String>,
        #[arg(long)]
        region: Option<String>,
        /// prospect, customer or former
        #[arg(long)]
        lifecycle: Option<String>,
        /// Only this rep's accounts (id, email or name)
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
    },
    /// The 360° view of an account
    Show {
        id: String,
        /// History entries to show
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Change fields of an account (an empty value clears the field)
    Edit {
        id: String,
        #[command(flatten)]
        fields: AccountFields,
    },
    /// Delete an account (it can be restored)
    Delete { id: String },
    /// Bring back a deleted account
    Restore { id: String },
    /// What the account ordered, paid, owes and is overdue, per currency
    Balance { id: String },
}

#[derive(Debug, Args, Default)]
pub struct ContactFields {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    /// Email address (repeat for several)
    #[arg(long = "email")]
    pub emails: Vec<String>,
    /// Phone number (repeat for several)
    #[arg(long = "phone")]
    pub phones: Vec<String>,
    /// email, phone, visit, message or mail
    #[arg(long)]
    pub preferred_channel: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Add a person to an account
    Add {
        #[arg(long)]
        account: String,
        #[command(flatten)]
        fields: ContactFields,
    },
    /// The people at an account
    List {
        #[arg(long)]
        account: String,
    },
    /// Change fields of a contact
    Edit {
        id: String,
        #[command(flatten)]
        fields: ContactFields,
    },
    /// Delete a contact
    Delete { id: String },
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The account
    #[arg(long)]
    pub account: Option<String>,
    /// The person spoken to
    #[arg(long)]
    pub contact: Option<String>,
    /// The deal it is about
    #[arg(long)]
    pub deal: Option<String>,
    /// The lead it is about (instead of an account)
    #[arg(long)]
    pub lead: Option<String>,
    /// call, visit, meeting, email, note, fax, web or message
    #[arg(long)]
    pub kind: String,
    #[arg(long)]
    pub subject: String,
    #[arg(long)]
    pub body: Option<String>,
    #[arg(long)]
    pub outcome: Option<String>,
    /// outbound, inbound or internal
    #[arg(long)]
    pub direction: Option<String>,
    /// When it happened, local time (YYYY-MM-DD HH:MM) [default: now]
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    pub account_id: String,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, Args, Default)]
pub struct LeadFields {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub company: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// Where it came from: exhibition, web, referral...
    #[arg(long)]
    pub source: Option<String>,
    /// new, working or qualified
    #[arg(long)]
    pub status: Option<String>,
    /// 0-100
    #[arg(long)]
    pub score: Option<String>,
    /// Responsible rep (id, email or name)
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LeadCmd {
    /// Add a lead
    Add(LeadFields),
    /// List leads, newest first
    List {
        /// new, working, qualified, disqualified or converted
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Change fields of a lead
    Edit {
        id: String,
        #[command(flatten)]
        fields: LeadFields,
    },
    /// Turn a lead into an account, a contact and a deal, keeping its history
    Convert {
        id: String,
        /// Attach to this existing account instead of creating one
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        deal_name: Option<String>,
        /// Deal value, e.g. 12000.50
        #[arg(long, requires = "currency")]
        amount: Option<String>,
        /// ISO 4217 code, e.g. CNY
        #[arg(long)]
        currency: Option<String>,
    },
    /// Mark a lead as not worth pursuing
    Disqualify {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DealCmd {
    /// Add a deal
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        /// Value, e.g. 12000.50
        #[arg(long)]
        amount: String,
        /// ISO 4217 code [default: the one chosen at init]
        #[arg(long)]
        currency: Option<String>,
        /// Pipeline stage [default: the first]
        #[arg(long)]
        stage: Option<String>,
        /// Expected close date, YYYY-MM-DD
        #[arg(long)]
        close_date: Option<String>,
        /// Win probability in percent [default: the stage's]
        #[arg(long)]
        probability: Option<String>,
        /// Responsible rep (id, email or name)
        #[arg(long)]
        owner: Option<String>,
    },
    /// Move a deal to another stage
    Move {
        id: String,
        #[arg(long)]
        stage: String,
        /// Why it was lost (when moving to lost)
        #[arg(long)]
        reason: Option<String>,
    },
    /// List deals by stage
    List {
        #[arg(long)]
        stage: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one deal
    Show { id: String },
    /// Change fields of a deal
    Edit {
        id: String,
        #[arg(long)]
        amount: Option<String>,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        close_date: Option<String>,
        #[arg(long)]
        probability: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Delete a deal
    Delete { id: String },
}

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// Add a task
    Add {
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD
        #[arg(long)]
        due: Option<String>,
        #[arg(long, conflicts_with = "deal")]
        account: Option<String>,
        #[arg(long)]
        deal: Option<String>,
        #[arg(long)]
        lead: Option<String>,
        /// Who must do it (id, email or name) [default: you]
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Open tasks by due date
    List {
        /// today (due today or earlier) or overdue
        #[arg(long, value_parser = ["today", "overdue"])]
        due: Option<String>,
        /// Everyone's tasks, not only yours
        #[arg(long)]
        all: bool,
    },
    /// Mark a task done (a planned call, visit or meeting goes into the history)
    Done {
        id: String,
        /// How a planned call, visit or meeting went (its history entry's outcome)
        #[arg(long)]
        outcome: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for (Chinese, English, Spanish; accents optional)
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    /// Results per kind
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct ReassignArgs {
    /// The person leaving (id, email or name)
    #[arg(long)]
    pub from: String,
    /// The person taking over (id, email or name)
    #[arg(long)]
    pub to: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a team member
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// rep, manager or admin
        #[arg(long, default_value = "rep")]
        role: String,
        #[arg(long)]
        team: Option<String>,
    },
    /// The team directory
    List,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many accounts (each with 3 contacts and 10 history entries)
    #[arg(long, default_value_t = 200)]
    pub accounts: u64,
    /// The same seed makes the same data
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Records of any kind, by its description. KIND is a kind's name
/// (exchange_rate, account, contact, lead, opportunity, task, ...); fields
/// are given as FIELD=VALUE, typed as in the app.
#[derive(Debug, Subcommand)]
pub enum RecordCmd {
    /// The fields of a kind: type, choices, required, default, who may edit
    Describe {
        /// The kind
        kind: String,
    },
    /// A page of records of a kind
    List {
        /// The kind
        kind: String,
        /// Only records whose FIELD is VALUE (repeatable)
        #[arg(long = "where", value_name = "FIELD=VALUE")]
        filter: Vec<String>,
        /// Sort by this field (or created_at, updated_at)
        #[arg(long)]
        sort: Option<String>,
        /// Largest first
        #[arg(long)]
        desc: bool,
        /// Skip this many
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// At most this many (up to 500)
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Deleted records instead (to restore them)
        #[arg(long)]
        deleted: bool,
    },
    /// One record
    Get {
        /// The kind
        kind: String,
        /// Its id
        id: String,
    },
    /// A new record
    Add {
        /// The kind
        kind: String,
        /// Its fields, FIELD=VALUE
        #[arg(value_name = "FIELD=VALUE", required = true)]
        fields: Vec<String>,
    },
    /// Change fields of a record (an empty VALUE clears the field)
    Edit {
        /// The kind
        kind: String,
        /// Its id
        id: String,
        /// The changed fields, FIELD=VALUE
        #[arg(value_name = "FIELD=VALUE", required = true)]
        fields: Vec<String>,
    },
    /// Delete a record (it syncs; `restore` brings it back)
    Delete {
        /// The kind
        kind: String,
        /// Its id
        id: String,
    },
    /// Bring back a deleted record
    Restore {
        /// The kind
        kind: String,
        /// Its id
        id: String,
    },
    /// Change many records at once, in one transaction, each as a single
    /// edit: the given ids, or every record matching --where/--search
    Bulk {
        /// The kind
        kind: String,
        /// A record's id (repeatable)
        #[arg(long = "id", value_name = "ID")]
        ids: Vec<String>,
        /// Every record whose FIELD is VALUE (repeatable)
        #[arg(long = "where", value_name = "FIELD=VALUE")]
        filter: Vec<String>,
        /// Every record the search finds these words in
        #[arg(long)]
        search: Option<String>,
        /// Give them to this user (email or name)
        #[arg(long, value_name = "USER", group = "bulk_action")]
        assign: Option<String>,
        /// Add this tag
        #[arg(long, value_name = "TAG", group = "bulk_action")]
        tag: Option<String>,
        /// Delete them (`--restore` brings them back)
        #[arg(long, group = "bulk_action")]
        delete: bool,
        /// Bring back deleted ones
        #[arg(long, group = "bulk_action")]
        restore: bool,
    },
}
