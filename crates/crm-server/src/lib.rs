//! The team server. Laptops push their queued changes and pull everyone
//! else's; the server authorizes every op against the user's scope, merges it
//! field by field (see [`sync`]), and orders all changes in one sequence.
//!
//! Stateless between requests: everything lives in the database, so several
//! processes can serve one team over one PostgreSQL database. The exceptions
//! are limits kept in memory per process ([`throttle`]): hashing slots and
//! the per-address tally of failed logins across accounts.

pub mod admin;
pub mod api;
pub mod auth;
pub mod backend;
pub mod escalation;
pub mod intake;
pub mod postgres;
pub mod sqlite;
pub mod sync;
pub mod throttle;

use std::path::PathBuf;

use backend::{Backend, StorageResult, Tx};

/// A server database picked at start-up from its URL.
pub enum Database {
    /// Embedded SQLite.
    Sqlite(sqlite::SqliteBackend),
    /// PostgreSQL.
    Postgres(postgres::PgBackend),
}

impl Database {
    /// Open the database at `url`: `postgres://...` (or `postgresql://`), or
    /// `sqlite://PATH` / a plain file path.
    pub fn open(url: &str) -> StorageResult<Database> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::Postgres(postgres::PgBackend::connect(url)?))
        } else {
            let path = PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url));
            Ok(Database::Sqlite(sqlite::SqliteBackend::open(&path)?))
        }
    }

    /// The default: an SQLite file in the platform's data directory.
    pub fn default_url() -> String {
        let dir = dirs::data_dir().unwrap_or_else(|| PathBuf::from("."));
        format!(
            "sqlite://{}",
            dir.join("crm-server").join("server.db").display()
        )
    }
}

impl Backend for Database {
    fn write<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StorageResult<T>) -> StorageResult<T> {
        match self {
            Database::Sqlite(b) => b.write(f),
            Database::Postgres(b) => b.write(f),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Tx) -> StorageResult<T>) -> StorageResult<T> {
        match self {
            Database::Sqlite(b) => b.read(f),
            Database::Postgres(b) => b.read(f),
        }
    }
}
