//! One conformance suite for both server databases. Every test is written
//! once, generic over the storage trait, and runs twice: `<test>::sqlite` on a
//! temporary SQLite file (always) and `<test>::postgres` on a database of its
//! own on the PostgreSQL server named by `CRM_TEST_PG` (ignored by a plain
//! `cargo test`; `scripts/test` runs it with `--include-ignored`, and it
//! fails when that is not set):
//!
//! ```sh
//! eval "$(scripts/pg start)"          # a throwaway PostgreSQL 15
//! cargo test -p crm-server --test conformance -- --include-ignored
//! scripts/pg stop
//! ```
//!
//! - `admin`: the admin commands of the `crm-server` binary;
//! - `tx`: the storage contract, method by method;
//! - `sync`: the push and pull rules written over it;
//! - `concurrency`: two server processes over one database;
//! - `http`: the real server on a port under abuse (guessing, login storms,
//!   oversized values, stalled connections);
//! - `versions`: peers on different synced-schema versions, and the value
//!   checks every door shares;
//! - `sizes`: values and records too large for a field or a record, pull
//!   pages cut by bytes;
//! - `restores`: a laptop restored from a copy of its data folder, which
//!   reuses its sequence numbers;
//! - `series`: the series each device numbers its documents under.

mod admin;
mod concurrency;
mod holders;
mod http;
mod restores;
mod sales;
mod series;
mod service;
mod sizes;
mod support;
mod sync;
mod tx;
mod versions;
