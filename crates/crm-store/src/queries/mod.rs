//! Reads: records as the domain types (`read`) and the shapes screens ask
//! for (`ui_queries`: pages of accounts, the pipeline board, today's tasks).

pub(crate) mod read;
pub(crate) mod ui_queries;
