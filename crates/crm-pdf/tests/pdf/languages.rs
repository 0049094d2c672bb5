//! Each language's quote carries its own words, its money and dates as that
//! language writes them, and the Chinese names as real text.

use crm_pdf::{Lang, QuoteDoc, render_quote};

use crate::sample::{self, CUSTOMER};
use crate::{assert_has, pages_text};

/// A short quote whose totals are known numbers, to check their formatting.
fn quote(lang: Lang) -> QuoteDoc {
    let mut doc = sample::quote(lang, 3);
    doc.totals.subtotal = 123_456_789;
    doc.totals.discount = 150_000;
    doc.totals.net = 123_306_789;
    doc.totals.taxes = vec![("13".to_owned(), 123_306_789, 16_029_883)];
    doc.totals.gross = 139_336_672;
    doc
}

fn text(lang: Lang) -> String {
    let pdf = render_quote(&quote(lang)).expect("the quote rendered");
    pages_text(&pdf).join("\n")
}

#[test]
fn an_english_quote_reads_in_english() {
    let text = text(Lang::En);
    assert_has(
        &text,
        &[
            "Quote",
            "No.",
            "Q-7-00012",
            "Revision",
            "Date",
            "5 Dec 2026",
            "Valid until",
            "4 Jan 2027",
            "Customer",
            CUSTOMER,
            "Attn.: 王丽娜",
            "Item",
            "Qty",
            "Unit price",
            "Discount",
            "Tax",
            "Amount",
            "Amounts in CNY",
            "Subtotal",
            "1,234,567.89",
            "-1,500.00",
            "Net",
            "1,233,067.89",
            "Tax 13% on 1,233,067.89",
            "160,298.83",
            "Total",
            "CNY 1,393,366.72",
            "Terms",
            "Payment: 30% on order",
            "Notes",
            "Page 1 of 1",
        ],
    );
    assert_has(
        &text,
        &[
            sample::description(Lang::En, 1),
            "12,345.50",
            "2 pcs",
            "13%",
        ],
    );
}

#[test]
fn a_chinese_quote_reads_in_chinese() {
    let text = text(Lang::Zh);
    assert_has(
        &text,
        &[
            "报价单",
            "编号",
            "Q-7-00012",
            "版本",
            "日期",
            "2026年12月5日",
            "有效期至",
            "2027年1月4日",
            "客户",
            CUSTOMER,
            "联系人：王丽娜",
            "项目",
            "数量",
            "单价",
            "折扣",
            "税率",
            "金额",
            "金额单位：CNY",
            "小计",
            "1,234,567.89",
            "净额",
            "1,233,067.89",
            "税额 13%",
            "160,298.83",
            "合计",
            "CNY 1,393,366.72",
            "条款",
            "付款方式",
            "备注",
            "第 1 页，共 1 页",
        ],
    );
    // A description in Chinese, and the unit after the quantity.
    assert_has(&text, &[sample::description(Lang::Zh, 1), "2台"]);
}

#[test]
fn a_spanish_quote_reads_in_spanish() {
    let text = text(Lang::Es);
    assert_has(
        &text,
        &[
            "Presupuesto",
            "N.º",
            "Q-7-00012",
            "Revisión",
            "Fecha",
            "5 dic 2026",
            "Válido hasta",
            "4 ene 2027",
            "Cliente",
            CUSTOMER,
            "Atención: 王丽娜",
            "Concepto",
            "Cant.",
            "Precio",
            "Descuento",
            "Impuesto",
            "Importe",
            "Importes en CNY",
            "Subtotal",
            "1.234.567,89",
            "-1.500,00",
            "Neto",
            "1.233.067,89",
            "Impuesto 13 % sobre 1.233.067,89",
            "160.298,83",
            "Total",
            "1.393.366,72 CNY",
            "Condiciones",
            "Notas",
            "Página 1 de 1",
        ],
    );
    assert_has(
        &text,
        &["Conmutador gestionado", "12.345,50", "2 ud.", "13 %"],
    );
}

#[test]
fn a_long_description_wraps_inside_its_column_and_keeps_every_word() {
    let doc = sample::quote(Lang::En, 3);
    let pdf = render_quote(&doc).expect("the quote rendered");
    let text = pages_text(&pdf).join("\n");
    // The third line's description is far wider than its column: it comes
    // out on several lines, all of its words there, none cut.
    let words: Vec<&str> = sample::description(Lang::En, 2).split(' ').collect();
    let flat: Vec<&str> = text.split_whitespace().collect();
    for word in words {
        assert!(flat.contains(&word), "{word:?} lost in wrapping:\n{text}");
    }
    let installation = text
        .lines()
        .position(|l| l.contains("On-site installation"))
        .expect("the description's first line");
    let hand_over = text
        .lines()
        .position(|l| l.contains("IT staff"))
        .expect("the description's last line");
    assert!(
        hand_over > installation,
        "the description spans several lines"
    );
}

#[test]
fn a_currency_without_minor_units_prints_no_decimals() {
    let mut doc = quote(Lang::En);
    doc.currency = "JPY".to_owned();
    let pdf = render_quote(&doc).expect("the quote rendered");
    let text = pages_text(&pdf).join("\n");
    assert_has(&text, &["JPY 139,336,672", "Amounts in JPY"]);
}
