//! Validation errors that name the field and the problem.

use std::fmt;

/// What is wrong with a value. Each variant has a stable [`Problem::code`] that
/// user interfaces translate; the `Display` text is the English message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A required value is empty.
    #[error("must not be empty")]
    Empty,
    /// The value is longer than allowed.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The maximum number of characters.
        max: usize,
    },
    /// The value takes more bytes than the field holds (a pasted file, not
    /// a note).
    #[error("is larger than {max_bytes} bytes")]
    TooLarge {
        /// The most bytes the field holds.
        max_bytes: usize,
    },
    /// Not an email address.
    #[error("is not an email address (expected something like name@example.com)")]
    Email,
    /// Not a phone number.
    #[error(
        "is not a phone number (expected digits, optionally with +, spaces, dashes or parentheses)"
    )]
    Phone,
    /// Not a web address.
    #[error("is not a web address (expected something like example.com)")]
    Website,
    /// Not an amount of money in the currency.
    #[error(
        "is not an amount in {currency} (expected something like 12000.50, at most {decimals} decimals)"
    )]
    Amount {
        /// ISO 4217 code of the currency.
        currency: String,
        /// Decimals the currency allows.
        decimals: u16,
    },
    /// Not an ISO 4217 currency code.
    #[error("is not a currency code (expected ISO 4217, like CNY, EUR or USD)")]
    Currency,
    /// Not one of the allowed values.
    #[error("must be one of: {allowed}")]
    OneOf {
        /// The allowed values, comma separated.
        allowed: String,
    },
    /// Not a whole number in range.
    #[error("must be a whole number from {min} to {max}")]
    Range {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// Not an exact positive decimal number.
    #[error("is not a positive number (expected something like 7.1234, at most {places} decimals)")]
    Decimal {
        /// Most digits after the point.
        places: u8,
    },
    /// Not a percentage from 0 to 100.
    #[error("is not a percentage (expected a number from 0 to 100, at most 2 decimals)")]
    Percent,
    /// Another record of the kind holds the value already (a product's code).
    #[error("is already used by another record")]
    Taken,
    /// Not a date.
    #[error("is not a date (expected YYYY-MM-DD)")]
    Date,
    /// Not a date and time.
    #[error("is not a date and time (expected YYYY-MM-DD HH:MM, or RFC 3339)")]
    DateTime,
    /// Not a record id.
    #[error("is not a record id")]
    Id,
    /// A referenced record does not exist or was deleted.
    #[error("refers to a record that does not exist or was deleted")]
    Missing,
    /// The field, or this value of it, is set only by the app itself (a lead
    /// is converted by converting it).
    #[error("is set by the app itself, not by an edit")]
    SystemOnly,
    /// The field does not exist or cannot be set directly.
    #[error("is not a field that can be edited")]
    UnknownField,
    /// Not a time zone of the IANA database.
    #[error("is not a time zone (expected an IANA name like Asia/Shanghai or America/New_York)")]
    TimeZone,
    /// Not a list of days of the week.
    #[error("is not a list of working days (expected something like mon-fri or mon,tue,sat)")]
    WorkingDays,
    /// Not a list of daily working hours, or spans that are inverted or
    /// overlap.
    #[error(
        "is not a list of working hours (expected something like 09:00-18:00 or 09:00-12:00,13:00-18:00, each span ending after it starts, none overlapping)"
    )]
    WorkingHours,
    /// A business calendar with no working day or no working hours, under
    /// which no deadline would ever fall due.
    #[error(
        "leaves no working time (at least one working day and one span of working hours are needed)"
    )]
    NoWorkingTime,
    /// A date given both as a holiday and as a make-up working day.
    #[error("lists {date} both as a holiday and as a working day")]
    HolidayAndWorkday {
        /// The date, YYYY-MM-DD.
        date: String,
    },
    /// Not a length of working time, or longer than allowed.
    #[error(
        "is not a length of working time (expected something like 4h, 2d, 90m or 1d4h, at most {max_days} days)"
    )]
    Duration {
        /// The longest allowed, in days of 24 hours.
        max_days: u32,
    },
    /// A price or an amount below zero where only zero or more makes sense.
    #[error("must not be negative")]
    Negative,
    /// A line's discount, given as an amount, is more than the line is worth.
    #[error("is more than the line's amount")]
    DiscountOverAmount,
    /// The value makes a total too large to be held exactly.
    #[error("makes a total too large to calculate")]
    Overflow,
}

impl Problem {
    /// The numbers and names its message needs (`{"min": 0, "max": 100}`),
    /// given with [`Problem::code`] to whoever translates it.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::json;
        let params = match self {
            Problem::TooLong { max } => json!({ "max": max }),
            Problem::TooLarge { max_bytes } => json!({ "max_kib": max_bytes.div_ceil(1024) }),
            Problem::Amount { currency, decimals } => {
                json!({ "currency": currency, "decimals": decimals })
            }
            Problem::OneOf { allowed } => json!({ "allowed": allowed }),
            Problem::Range { min, max } => json!({ "min": min, "max": max }),
            Problem::Decimal { places } => json!({ "places": places }),
            Problem::HolidayAndWorkday { date } => json!({ "date": date }),
            Problem::Duration { max_days } => json!({ "max_days": max_days }),
            _ => json!({}),
        };
        match params {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }

    /// A stable, machine-readable code for translation and for UIs.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Empty => "empty",
            Problem::TooLong { .. } => "too_long",
            Problem::TooLarge { .. } => "too_large",
            Problem::Email => "email",
            Problem::Phone => "phone",
            Problem::Website => "website",
            Problem::Amount { .. } => "amount",
            Problem::Currency => "currency",
            Problem::OneOf { .. } => "one_of",
            Problem::Range { .. } => "range",
            Problem::Decimal { .. } => "decimal",
            Problem::Percent => "percent",
            Problem::Taken => "taken",
            Problem::Date => "date",
            Problem::DateTime => "date_time",
            Problem::Id => "id",
            Problem::Missing => "missing",
            Problem::SystemOnly => "system_only",
            Problem::UnknownField => "unknown_field",
            Problem::TimeZone => "time_zone",
            Problem::WorkingDays => "working_days",
            Problem::WorkingHours => "working_hours",
            Problem::NoWorkingTime => "no_working_time",
            Problem::HolidayAndWorkday { .. } => "holiday_and_workday",
            Problem::Duration { .. } => "duration",
            Problem::Negative => "negative",
            Problem::DiscountOverAmount => "discount_over_amount",
            Problem::Overflow => "overflow",
        }
    }
}

/// A refused value: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field's name as the user knows it (`email`, `amount`, ...).
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

impl Invalid {
    /// A refusal of `field` for `problem`.
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        Invalid {
            field: field.into(),
            problem,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.problem)
    }
}

impl std::error::Error for Invalid {}
