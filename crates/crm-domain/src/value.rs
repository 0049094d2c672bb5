//! Values parsed once from user text, then trusted.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// Longest free text accepted in a single-line field.
pub const MAX_LINE: usize = 500;
/// Longest free text accepted in a body or notes field.
pub const MAX_TEXT: usize = 100_000;
/// The most a long text (notes, a body) may hold, in bytes of UTF-8: a
/// note is a page or two; a pasted file or image is not a note. Checked by
/// [`crate::FieldDef::check`], the one value check of every door.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// The most a list (tags, emails, phones) may hold, in bytes of its JSON.
pub const MAX_LIST_BYTES: usize = 16 * 1024;
/// The most any other value may hold, in bytes (a single-line field's 500
/// characters take at most 2,000).
pub const MAX_SHORT_BYTES: usize = 4 * 1024;
/// The most a whole record (every field's canonical value, as JSON) may
/// hold, in bytes. The server refuses an op that would make a record larger
/// (an op that shrinks a record already larger is taken).
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// The size of a canonical value in bytes: a string's UTF-8, anything else
/// as its JSON.
pub fn value_bytes(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(s) => s.len(),
        serde_json::Value::Null => 0,
        other => other.to_string().len(),
    }
}

/// Trimmed, non-empty text of at most `max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, Problem> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Problem::Empty);
    }
    optional_text(text, max).map(|t| t.unwrap_or_default())
}

/// Trimmed text of at most `max` characters; empty means "no value".
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, Problem> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// An email address, validated by RFC 5322 rules and kept as typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Email {
    /// Parse an address, lower-casing nothing (addresses are kept as typed).
    pub fn try_from_text(raw: &str) -> Result<String, Problem> {
        raw.parse::<Email>().map(|e| e.0)
    }
}

impl FromStr for Email {
    type Err = Problem;

    fn from_str(raw: &str) -> Result<Self, Problem> {
        let text = raw.trim();
        // The RFC allows dotless domains (`a@localhost`); a customer's address never has one.
        let has_dotted_domain = text
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
        if has_dotted_domain && email_address::EmailAddress::is_valid(text) {
            Ok(Email(text.to_owned()))
        } else {
            Err(Problem::Email)
        }
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number as the user typed it (tidied), with at least 5 and at most 20
/// digits and nothing but digits and the usual separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits only, with a leading `+` kept: the form duplicate detection compares.
    pub fn digits(&self) -> String {
        let plus = self.0.starts_with('+');
        let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
        if plus { format!("+{digits}") } else { digits }
    }
}

impl FromStr for Phone {
    type Err = Problem;

    fn from_str(raw: &str) -> Result<Self, Problem> {
        let text = raw.trim();
        let body = text.strip_prefix('+').unwrap_or(text);
        let allowed = body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'));
        let digits = body.chars().filter(char::is_ascii_digit).count();
        if allowed && (5..=20).contains(&digits) {
            Ok(Phone(text.split_whitespace().collect::<Vec<_>>().join(" ")))
        } else {
            Err(Problem::Phone)
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A web address; `example.com` is read as `https://example.com/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Website(String);

impl Website {
    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Website {
    type Err = Problem;

    fn from_str(raw: &str) -> Result<Self, Problem> {
        let text = raw.trim();
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|_| Problem::Website)?;
        let host_ok = url.host_str().is_some_and(|h| h.contains('.'));
        if matches!(url.scheme(), "http" | "https") && host_ok && !text.contains(' ') {
            Ok(Website(url.to_string()))
        } else {
            Err(Problem::Website)
        }
    }
}

/// An ISO 4217 currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// The three-letter code.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// How many decimals the currency's minor unit has (2 for CNY, 0 for JPY).
    pub fn decimals(&self) -> u16 {
        self.0.exponent().unwrap_or(0)
    }
}

impl FromStr for Currency {
    type Err = Problem;

    fn from_str(raw: &str) -> Result<Self, Problem> {
        iso_currency::Currency::from_code(&raw.trim().to_ascii_uppercase())
            .map(Currency)
            .ok_or(Problem::Currency)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        code.parse()
            .map_err(|_| serde::de::Error::custom(format!("unknown currency {code}")))
    }
}

/// An exact amount of money: integer minor units (cents, fen) and a currency.
/// Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in the currency's minor unit.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// Parse a decimal amount such as `12000.50`, `12,000.50` or `-3` in
    /// `currency`. More decimals than the currency has are refused, not rounded.
    pub fn parse(raw: &str, currency: Currency) -> Result<Money, Problem> {
        let decimals = currency.decimals();
        let bad = || Problem::Amount {
            currency: currency.code().to_owned(),
            decimals,
        };
        let text: String = raw
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(frac)
            || frac.len() > usize::from(decimals)
        {
            return Err(bad());
        }
        let scale = 10i64.pow(u32::from(decimals));
        let padded = format!("{frac:0<width$}", width = usize::from(decimals));
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac: i64 = if padded.is_empty() {
            0
        } else {
            padded.parse().map_err(|_| bad())?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        Ok(Money {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    /// The amount as a plain decimal string (`12000.50`), for display and export.
    pub fn to_decimal_string(&self) -> String {
        let decimals = u32::from(self.currency.decimals());
        if decimals == 0 {
            return self.minor.to_string();
        }
        let scale = 10i64.pow(decimals);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let scale = scale.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = decimals as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

/// An exchange rate as an exact fraction: one unit of a currency is worth
/// `numerator / denominator` units of another. Read from the canonical
/// decimal text exchange rates are stored in (`"7.1234"`), never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    numerator: i128,
    denominator: i128,
}

impl Rate {
    /// A rate from its decimal text (`"7.1234"`, `"0,14"`: as
    /// [`decimal`] accepts it, with up to 18 decimals).
    pub fn parse(text: &str) -> Result<Rate, Problem> {
        let canonical = decimal(text, 18)?;
        let (whole, frac) = canonical.split_once('.').unwrap_or((&canonical, ""));
        let bad = Problem::Decimal { places: 18 };
        let numerator: i128 = format!("{whole}{frac}").parse().map_err(|_| bad)?;
        Ok(Rate {
            numerator,
            denominator: 10i128.pow(frac.len() as u32),
        })
    }

    /// The rate the other way round (from `to` back to `from`).
    pub fn inverse(self) -> Rate {
        Rate {
            numerator: self.denominator,
            denominator: self.numerator,
        }
    }
}

/// `n / d` rounded half away from zero (`d > 0`).
pub(crate) fn divide_rounded(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

impl Money {
    /// This amount in `to` at `rate` (one unit of this currency is worth
    /// `rate` units of `to`), in `to`'s minor units, rounded once, half away
    /// from zero. `None` when the result does not fit.
    pub fn convert(&self, to: Currency, rate: Rate) -> Option<Money> {
        let from_scale = 10i128.pow(u32::from(self.currency.decimals()));
        let to_scale = 10i128.pow(u32::from(to.decimals()));
        let n = i128::from(self.minor)
            .checked_mul(rate.numerator)?
            .checked_mul(to_scale)?;
        let d = rate.denominator.checked_mul(from_scale)?;
        let minor = i64::try_from(divide_rounded(n, d)).ok()?;
        Some(Money {
            minor,
            currency: to,
        })
    }
}

/// A win probability in percent, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Probability(u8);

impl Probability {
    /// A probability; values above 100 are refused.
    pub fn new(percent: u8) -> Result<Self, Problem> {
        if percent <= 100 {
            Ok(Probability(percent))
        } else {
            Err(Problem::Range { min: 0, max: 100 })
        }
    }

    /// The percentage.
    pub fn percent(&self) -> u8 {
        self.0
    }
}

impl FromStr for Probability {
    type Err = Problem;

    fn from_str(raw: &str) -> Result<Self, Problem> {
        let bad = Problem::Range { min: 0, max: 100 };
        let n: u8 = raw
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse()
            .map_err(|_| bad.clone())?;
        Probability::new(n).map_err(|_| bad)
    }
}

/// A whole number within `min..=max`.
pub fn bounded_int(raw: &str, min: i64, max: i64) -> Result<i64, Problem> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(Problem::Range { min, max })
}

/// An exact positive decimal number with at most `places` digits after the
/// point, in its canonical text: no sign, no leading zeros, no trailing
/// fractional zeros (`"7.1234"`, `"0.5"`, `"12"`). A comma is read as the
/// decimal point, as in Spanish.
pub fn decimal(raw: &str, places: u8) -> Result<String, Problem> {
    let bad = Problem::Decimal { places };
    let text = raw.trim().replace(',', ".");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) || whole.len() > 18
    {
        return Err(bad);
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > usize::from(places) {
        return Err(bad);
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if whole == "0" && frac.is_empty() {
        return Err(bad); // a rate of zero converts nothing
    }
    Ok(if frac.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{frac}")
    })
}

/// A percentage from 0 to 100 with at most two decimals, in its canonical
/// text (`"13"`, `"7.5"`, `"0"`); a trailing `%` and a decimal comma are
/// accepted.
pub fn percent(raw: &str) -> Result<String, Problem> {
    let text = raw.trim().trim_end_matches('%').trim();
    if text.chars().all(|c| c == '0' || c == '.' || c == ',') && text.contains('0') {
        return Ok("0".to_owned());
    }
    let normal = decimal(text, 2).map_err(|_| Problem::Percent)?;
    let (whole, frac) = normal.split_once('.').unwrap_or((&normal, ""));
    if whole.len() > 3
        || whole.parse::<u32>().unwrap_or(u32::MAX) > 100
        || (whole == "100" && !frac.is_empty())
    {
        return Err(Problem::Percent);
    }
    Ok(normal)
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date(raw: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Problem::Date)
}

/// A moment in time typed by the user: RFC 3339 (with offset), or a local
/// `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DDTHH:MM`, or a bare local date (midnight).
/// Local times are read in `tz`.
pub fn date_time<Tz: TimeZone>(raw: &str, tz: &Tz) -> Result<DateTime<Utc>, Problem> {
    let text = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| date(text).ok().map(|d| d.and_time(NaiveTime::MIN)))
    .ok_or(Problem::DateTime)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or(Problem::DateTime)
}

/// [`date_time`] in the machine's local time zone.
pub fn local_date_time(raw: &str) -> Result<DateTime<Utc>, Problem> {
    date_time(raw, &Local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny() -> Currency {
        "cny".parse().unwrap()
    }

    #[test]
    fn money_is_parsed_exactly_into_minor_units() {
        assert_eq!(Money::parse("12000.50", cny()).unwrap().minor, 1_200_050);
        assert_eq!(Money::parse("12,000.5", cny()).unwrap().minor, 1_200_050);
        assert_eq!(Money::parse("-3", cny()).unwrap().minor, -300);
        // 0.1 + 0.2 style float errors cannot happen: 0.29 is exactly 29 fen.
        assert_eq!(Money::parse("0.29", cny()).unwrap().minor, 29);
        let yen: Currency = "JPY".parse().unwrap();
        assert_eq!(Money::parse("1500", yen).unwrap().minor, 1500);
    }

    #[test]
    fn money_refuses_extra_decimals_and_garbage_instead_of_rounding() {
        for bad in ["12.345", "abc", "", "1.2.3", "--1", "99999999999999999999"] {
            assert!(Money::parse(bad, cny()).is_err(), "{bad:?} must be refused");
        }
        let yen: Currency = "JPY".parse().unwrap();
        assert!(Money::parse("1.5", yen).is_err(), "yen has no minor unit");
    }

    #[test]
    fn money_prints_back_as_the_decimal_it_was() {
        for text in ["12000.50", "-0.05", "0.00", "7.00"] {
            assert_eq!(Money::parse(text, cny()).unwrap().to_decimal_string(), text);
        }
    }

    #[test]
    fn money_converts_exactly_and_rounds_half_away_from_zero() {
        let usd: Currency = "USD".parse().unwrap();
        let jpy: Currency = "JPY".parse().unwrap();
        let rate = Rate::parse("7.1234").unwrap();
        // 100.00 USD at 7.1234 is 712.34 CNY exactly.
        let m = Money {
            minor: 10_000,
            currency: usd,
        };
        assert_eq!(m.convert(cny(), rate).unwrap().minor, 71_234);
        // 0.01 USD is 0.071234 CNY: 0.07.
        let cent = Money {
            minor: 1,
            currency: usd,
        };
        assert_eq!(cent.convert(cny(), rate).unwrap().minor, 7);
        // Exactly half a fen rounds away from zero, both signs.
        let half = Rate::parse("0.5").unwrap();
        assert_eq!(
            Money {
                minor: 1,
                currency: usd
            }
            .convert(cny(), half)
            .unwrap()
            .minor,
            1
        );
        assert_eq!(
            Money {
                minor: -1,
                currency: usd
            }
            .convert(cny(), half)
            .unwrap()
            .minor,
            -1
        );
        assert_eq!(
            Money {
                minor: 3,
                currency: usd
            }
            .convert(cny(), half)
            .unwrap()
            .minor,
            2
        );
        // Currencies with different minor units: 10.00 USD at 150.5 is 1505 JPY.
        let yen = Rate::parse("150,5").unwrap();
        assert_eq!(
            Money {
                minor: 1_000,
                currency: usd
            }
            .convert(jpy, yen)
            .unwrap()
            .minor,
            1_505
        );
        // And back through the inverse: 1505 JPY is 10.00 USD.
        let back = Money {
            minor: 1_505,
            currency: jpy,
        }
        .convert(usd, yen.inverse());
        assert_eq!(back.unwrap().minor, 1_000);
        // A result that does not fit is refused, not wrapped.
        let huge = Rate::parse("100000000000").unwrap();
        assert_eq!(
            Money {
                minor: i64::MAX,
                currency: usd
            }
            .convert(cny(), huge),
            None
        );
        assert!(Rate::parse("0").is_err() && Rate::parse("abc").is_err());
    }

    #[test]
    fn currency_codes_are_iso_4217() {
        assert_eq!(cny().code(), "CNY");
        assert!("XYZ".parse::<Currency>().is_err());
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert!("ana.mendez@example.es".parse::<Email>().is_ok());
        for bad in [
            "ana",
            "ana@",
            "@example.com",
            "ana@localhost",
            "a b@example.com",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn phones_accept_usual_forms_and_normalize_digits() {
        let p: Phone = " +86 138-0013-8000 ".parse().unwrap();
        assert_eq!(p.as_str(), "+86 138-0013-8000");
        assert_eq!(p.digits(), "+8613800138000");
        assert!("(030) 1234 5678".parse::<Phone>().is_ok());
        for bad in ["12", "call me", "+86 138 0013 8000 ext 5", ""] {
            assert!(bad.parse::<Phone>().is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn websites_get_a_scheme_and_need_a_host() {
        let w: Website = "example.com".parse().unwrap();
        assert_eq!(w.as_str(), "https://example.com/");
        assert!("not a site".parse::<Website>().is_err());
        assert!("ftp://example.com".parse::<Website>().is_err());
    }

    #[test]
    fn local_times_are_stored_in_utc() {
        let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let t = date_time("2026-11-20 14:30", &tz).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T06:30:00+00:00");
        let t = date_time("2026-11-20T14:30:00+01:00", &tz).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T13:30:00+00:00");
        assert!(date_time("next tuesday", &tz).is_err());
    }

    #[test]
    fn probability_is_a_percentage() {
        assert_eq!("40%".parse::<Probability>().unwrap().percent(), 40);
        assert!("101".parse::<Probability>().is_err());
    }
}
