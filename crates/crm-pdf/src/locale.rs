//! The document's own words, and numbers, money and dates as each language
//! writes them. The caller passes values; how they read is decided here so a
//! quote looks the same whichever screen asked for it.

use chrono::{Datelike, NaiveDate};

use crate::Lang;

/// The fixed words of a quote in one language.
pub(crate) struct Labels {
    pub title: &'static str,
    pub number: &'static str,
    pub revision: &'static str,
    pub date: &'static str,
    pub valid_until: &'static str,
    pub customer: &'static str,
    pub contact: &'static str,
    pub position: &'static str,
    pub item: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub discount: &'static str,
    pub tax: &'static str,
    pub amount: &'static str,
    pub subtotal: &'static str,
    pub net: &'static str,
    pub total: &'static str,
    pub terms: &'static str,
    pub notes: &'static str,
}

const EN: Labels = Labels {
    title: "Quote",
    number: "No.",
    revision: "Revision",
    date: "Date",
    valid_until: "Valid until",
    customer: "Customer",
    contact: "Attn.",
    position: "#",
    item: "Item",
    quantity: "Qty",
    unit_price: "Unit price",
    discount: "Discount",
    tax: "Tax",
    amount: "Amount",
    subtotal: "Subtotal",
    net: "Net",
    total: "Total",
    terms: "Terms",
    notes: "Notes",
};

const ZH: Labels = Labels {
    title: "报价单",
    number: "编号",
    revision: "版本",
    date: "日期",
    valid_until: "有效期至",
    customer: "客户",
    contact: "联系人",
    position: "序号",
    item: "项目",
    quantity: "数量",
    unit_price: "单价",
    discount: "折扣",
    tax: "税率",
    amount: "金额",
    subtotal: "小计",
    net: "净额",
    total: "合计",
    terms: "条款",
    notes: "备注",
};

const ES: Labels = Labels {
    title: "Presupuesto",
    number: "N.º",
    revision: "Revisión",
    date: "Fecha",
    valid_until: "Válido hasta",
    customer: "Cliente",
    contact: "Atención",
    position: "#",
    item: "Concepto",
    quantity: "Cant.",
    unit_price: "Precio unitario",
    discount: "Descuento",
    tax: "Impuesto",
    amount: "Importe",
    subtotal: "Subtotal",
    net: "Neto",
    total: "Total",
    terms: "Condiciones",
    notes: "Notas",
};

impl Lang {
    pub(crate) fn labels(self) -> &'static Labels {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
            Lang::Es => &ES,
        }
    }

    /// "Page 2 of 3" in the footer.
    pub(crate) fn page_of(self, page: usize, pages: usize) -> String {
        match self {
            Lang::En => format!("Page {page} of {pages}"),
            Lang::Zh => format!("第 {page} 页，共 {pages} 页"),
            Lang::Es => format!("Página {page} de {pages}"),
        }
    }

    /// The label of one tax rate's line in the totals: "Tax 13% on 1,000.00".
    pub(crate) fn tax_on(self, rate: &str, base: &str) -> String {
        let rate = self.percent(rate);
        match self {
            Lang::En => format!("Tax {rate} on {base}"),
            Lang::Zh => format!("税额 {rate}（税基 {base}）"),
            Lang::Es => format!("Impuesto {rate} sobre {base}"),
        }
    }

    /// "Amounts in CNY" under the table's heading.
    pub(crate) fn amounts_in(self, currency: &str) -> String {
        match self {
            Lang::En => format!("Amounts in {currency}"),
            Lang::Zh => format!("金额单位：{currency}"),
            Lang::Es => format!("Importes en {currency}"),
        }
    }

    /// The heading of the pages after the first.
    pub(crate) fn continued(self, number: &str) -> String {
        let l = self.labels();
        match self {
            Lang::En => format!("{} {} (continued)", l.title, number),
            Lang::Zh => format!("{} {}（续）", l.title, number),
            Lang::Es => format!("{} {} (continuación)", l.title, number),
        }
    }

    /// A rate such as "13" or "6.5" as a percentage: "13%", Spanish "13 %".
    pub(crate) fn percent(self, rate: &str) -> String {
        let rate = self.decimal(rate);
        match self {
            Lang::Es => format!("{rate} %"),
            Lang::En | Lang::Zh => format!("{rate}%"),
        }
    }

    /// A plain decimal the caller wrote with a point ("2.5") with the
    /// language's decimal mark; anything else (already formatted, a fraction)
    /// is shown as given.
    pub(crate) fn decimal(self, raw: &str) -> String {
        let plain = raw.trim();
        let is_plain = plain.chars().filter(|c| *c == '.').count() <= 1
            && plain
                .trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
            && plain.chars().any(|c| c.is_ascii_digit());
        match self {
            Lang::Es if is_plain => plain.replace('.', ","),
            _ => plain.to_owned(),
        }
    }

    /// An amount in minor units, grouped, with the currency's decimals and no
    /// currency: en and zh "1,234.50", es "1.234,50".
    pub(crate) fn amount(self, minor: i64, decimals: u32) -> String {
        let (group, point) = match self {
            Lang::En | Lang::Zh => (',', '.'),
            Lang::Es => ('.', ','),
        };
        let scale = 10u128.pow(decimals);
        let magnitude = u128::from(minor.unsigned_abs());
        let whole = (magnitude / scale).to_string();
        let mut out = String::with_capacity(whole.len() + 8);
        if minor < 0 {
            out.push('-');
        }
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push(group);
            }
            out.push(digit);
        }
        if decimals > 0 {
            out.push(point);
            let width = decimals as usize;
            out.push_str(&format!("{:0width$}", magnitude % scale));
        }
        out
    }

    /// An amount with its currency: "CNY 1,234.50", Spanish "1.234,50 EUR".
    pub(crate) fn money(self, minor: i64, currency: &str, decimals: u32) -> String {
        let amount = self.amount(minor, decimals);
        match self {
            Lang::En | Lang::Zh => format!("{currency} {amount}"),
            Lang::Es => format!("{amount} {currency}"),
        }
    }

    /// A day: "5 Dec 2026", "2026年12月5日", "5 dic 2026".
    pub(crate) fn date(self, day: NaiveDate) -> String {
        const EN_MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const ES_MONTHS: [&str; 12] = [
            "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
        ];
        let month = day.month0() as usize;
        match self {
            Lang::En => format!("{} {} {}", day.day(), EN_MONTHS[month], day.year()),
            Lang::Zh => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
            Lang::Es => format!("{} {} {}", day.day(), ES_MONTHS[month], day.year()),
        }
    }
}

/// How many decimals a currency's minor unit has (2 for CNY, 0 for JPY); an
/// unknown code is taken to have 2, the common case.
pub(crate) fn currency_decimals(code: &str) -> u32 {
    iso_currency::Currency::from_code(&code.trim().to_ascii_uppercase())
        .map_or(2, |c| u32::from(c.exponent().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_group_thousands_and_use_the_languages_marks() {
        assert_eq!(Lang::En.amount(123_450, 2), "1,234.50");
        assert_eq!(Lang::Zh.amount(123_450, 2), "1,234.50");
        assert_eq!(Lang::Es.amount(123_450, 2), "1.234,50");
        assert_eq!(Lang::En.amount(-100_000_005, 2), "-1,000,000.05");
        assert_eq!(Lang::En.amount(5, 2), "0.05");
        assert_eq!(Lang::En.amount(0, 2), "0.00");
        assert_eq!(Lang::En.amount(1_234_567, 0), "1,234,567");
        assert_eq!(Lang::En.amount(123, 3), "0.123");
        assert_eq!(Lang::En.amount(i64::MIN, 2), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn money_carries_the_currency_on_the_languages_side() {
        assert_eq!(Lang::En.money(123_450, "CNY", 2), "CNY 1,234.50");
        assert_eq!(Lang::Es.money(123_450, "EUR", 2), "1.234,50 EUR");
    }

    #[test]
    fn currency_decimals_come_from_iso_4217() {
        assert_eq!(currency_decimals("CNY"), 2);
        assert_eq!(currency_decimals("jpy"), 0);
        assert_eq!(currency_decimals("KWD"), 3);
        assert_eq!(currency_decimals("???"), 2);
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(Lang::En.date(day), "5 Dec 2026");
        assert_eq!(Lang::Zh.date(day), "2026年12月5日");
        assert_eq!(Lang::Es.date(day), "5 dic 2026");
    }

    #[test]
    fn plain_decimals_take_the_spanish_comma_and_nothing_else_changes() {
        assert_eq!(Lang::Es.decimal("2.5"), "2,5");
        assert_eq!(Lang::En.decimal("2.5"), "2.5");
        assert_eq!(Lang::Es.decimal("1/2"), "1/2");
        assert_eq!(Lang::Es.percent("13"), "13 %");
        assert_eq!(Lang::En.percent("6.5"), "6.5%");
    }
}
