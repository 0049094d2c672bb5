//! The database file and its one write path: migrations, the conversion of
//! canonical values to SQL, the `Writer` (row + outbox + history + index in
//! one transaction), full-text search, and backup and restore.

pub(crate) mod backup;
pub(crate) mod cipher;
pub mod migrations;
pub(crate) mod private;
pub(crate) mod search;
pub(crate) mod sql;
pub(crate) mod write;
