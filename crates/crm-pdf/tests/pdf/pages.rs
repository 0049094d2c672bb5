//! A long quote runs over several pages, each with the table's header and
//! its page number.

use crm_pdf::{Lang, render_quote};

use crate::sample;
use crate::{assert_has, pages_text};

#[test]
fn a_120_line_quote_has_several_pages_each_with_the_header_and_page_n_of_m() {
    for (lang, header, page_of) in [
        (Lang::En, ["Item", "Qty", "Amount"], "Page {n} of {m}"),
        (Lang::Zh, ["项目", "数量", "金额"], "第 {n} 页，共 {m} 页"),
        (
            Lang::Es,
            ["Concepto", "Cant.", "Importe"],
            "Página {n} de {m}",
        ),
    ] {
        let doc = sample::quote(lang, 120);
        let pdf = render_quote(&doc).expect("the quote rendered");
        let pages = pages_text(&pdf);
        let m = pages.len();
        assert!(m >= 3, "{lang}: 120 lines fill several pages, got {m}");
        for (i, page) in pages.iter().enumerate() {
            let n = i + 1;
            let footer = page_of
                .replace("{n}", &n.to_string())
                .replace("{m}", &m.to_string());
            assert_has(page, &[&footer, "Q-7-00012"]);
            // Every page but a last one holding only the totals and terms
            // shows lines, under the repeated header.
            if page.contains(sample::description(lang, 1)) || n < m {
                assert_has(page, &header);
            }
        }
        // Every line is there, in order.
        let all = pages.join("\n");
        let lines: Vec<&str> = all.lines().collect();
        let mut at = 0;
        for position in 1..=120 {
            let prefix = format!("{position} ");
            let found = lines[at..]
                .iter()
                .position(|l| l.trim_start().starts_with(&prefix))
                .unwrap_or_else(|| panic!("{lang}: line {position} missing or out of order"));
            at += found + 1;
        }
        assert_has(&all, &[&lang_total(lang, &doc)]);
    }
}

fn lang_total(lang: Lang, doc: &crm_pdf::QuoteDoc) -> String {
    // The total's digits, whatever the grouping: found on the last page.
    let whole = doc.totals.gross / 100;
    let cents = doc.totals.gross % 100;
    let (group, point) = if lang == Lang::Es {
        ('.', ',')
    } else {
        (',', '.')
    };
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    format!("{grouped}{point}{cents:02}")
}
