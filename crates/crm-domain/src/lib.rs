//! The CRM's domain model, free of storage and transport.
//!
//! Values arrive as user text and are parsed exactly once into the types here
//! ([`Email`], [`Phone`], [`Money`], [`Stage`], ...). Anything that fails to parse
//! is refused with a [`Invalid`] that names the field and the problem, so a bad
//! value never reaches the database.
//!
//! The field tables in [`schema`] describe every synced entity: its columns, how a
//! raw value is parsed, and the merge policy sync applies when two people change
//! the same field.

pub mod change;
pub mod entity;
pub mod error;
pub mod fault;
pub mod hlc;
pub mod id;
pub mod sales;
pub mod schema;
pub mod search;
pub mod service;
pub mod sla;
pub mod upgrade;
pub mod value;

pub use change::{FieldChange, Op, OpKind};
pub use entity::*;
pub use error::{Invalid, Problem};
pub use hlc::{Clock, Hlc};
pub use id::Id;
pub use schema::{Entity, EntityKind, FieldDef, FieldType, MergePolicy};
pub use value::{Currency, Email, Money, Phone, Probability, Rate, Website};
