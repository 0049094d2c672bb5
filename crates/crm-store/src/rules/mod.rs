//! The use cases: what a person may do and what each action changes. The CLI,
//! the desktop app and the bridge call these; none of them writes on its own.
//!
//! - `records`: any kind by its description, and the one path of a person's
//!   edits (`Store::add`, `Store::edit`);
//! - `bulk`: one change to a list's selection, record by record as a
//!   person's edits, in one transaction;
//! - `work`: converting and disqualifying leads, moving deals, completing
//!   tasks, reassigning a departing rep's records;
//! - `merge`: two records that are one customer or person;
//! - `duplicates`: which records look like the same customer or person;
//! - `exchange`: importing rows as ordinary edits, repeatably;
//! - `sales`: quotes, revisions, orders, payments, balances and last prices;
//! - `service`: cases and their flow, SLA clocks, escalation, the knowledge
//!   base and satisfaction.

pub(crate) mod bulk;
pub mod duplicates;
pub(crate) mod exchange;
pub(crate) mod merge;
pub(crate) mod records;
pub(crate) mod sales;
pub(crate) mod service;
pub(crate) mod work;
