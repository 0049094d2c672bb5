//! crm-domain's integration tests: the public API as the store and the
//! server use it.

mod calendars;
mod sla;
