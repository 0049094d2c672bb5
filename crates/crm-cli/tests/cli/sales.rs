//! Sales documents through the `crm` command, as a user types them: the
//! catalogue, a quote by lines with discounts, its totals as JSON, sending,
//! accepting, the order, a payment, the balance and the last prices; and
//! refusals that name the field and write nothing.

use crate::common::Crm;
use serde_json::Value;

fn setup(crm: &Crm) -> (String, String) {
    crm.ok(&[
        "product",
        "add",
        "--code",
        "P-100",
        "--name",
        "离心泵 Centrifugal pump",
        "--unit",
        "台",
        "--tax-rate",
        "21",
    ]);
    crm.ok(&[
        "product",
        "add",
        "--code",
        "V-7",
        "--name",
        "Válvula",
        "--tax-rate",
        "21",
    ]);
    let list = crm.id(&[
        "pricelist",
        "add",
        "--name",
        "Tarifa 2027",
        "--currency",
        "EUR",
        "--default",
    ]);
    crm.ok(&[
        "pricelist",
        "price",
        "Tarifa 2027",
        "--product",
        "P-100",
        "--price",
        "1000",
    ]);
    crm.ok(&[
        "pricelist",
        "price",
        &list,
        "--product",
        "P-100",
        "--price",
        "900",
        "--min-qty",
        "10",
    ]);
    crm.ok(&[
        "pricelist",
        "price",
        &list,
        "--product",
        "V-7",
        "--price",
        "25.50",
    ]);
    let account = crm.id(&["account", "add", "--name", "Hierros del Norte S.L."]);
    (list, account)
}

#[test]
fn a_quote_from_lines_to_order_payment_and_balance() {
    let crm = Crm::initialised();
    let (_, account) = setup(&crm);
    let quote = crm.id(&["quote", "new", "--account", &account]);
    crm.ok(&[
        "quote",
        "line",
        &quote,
        "--product",
        "P-100",
        "--qty",
        "2",
        "--discount",
        "5%",
    ]);
    crm.ok(&["quote", "line", &quote, "--product", "V-7", "--qty", "12"]);
    crm.ok(&[
        "quote",
        "line",
        &quote,
        "--text",
        "Instalación",
        "--qty",
        "1",
        "--price",
        "500",
        "--tax-rate",
        "10",
    ]);
    let shown = crm.json(&["quote", "show", &quote]);
    // 2,000.00 less 5 % + 306.00 + 500.00; 21 % on 2,206.00, 10 % on 500.00.
    assert_eq!(shown["net"], 270_600, "{shown}");
    assert_eq!(shown["discount"], 10_000);
    assert_eq!(shown["tax"], 46_326 + 5_000);
    assert_eq!(shown["gross"], 270_600 + 51_326);
    assert_eq!(shown["status"], "draft");
    let number = shown["quote"]["fields"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(number, "Q-00001");
    let text = crm.ok(&["quote", "show", &quote]);
    assert!(
        text.contains("Q-00001") && text.contains("3219.26 EUR"),
        "{text}"
    );

    // A deviation from the list price is refused, naming it; nothing written.
    let err = crm.fails(&["quote", "line", &quote, "--product", "NOPE", "--qty", "1"]);
    assert!(err.contains("product"), "{err}");
    let err = crm.fails(&["quote", "line", &quote, "--product", "V-7", "--qty", "-1"]);
    assert!(err.contains("quantity"), "{err}");
    let err = crm.fails(&[
        "quote",
        "line",
        &quote,
        "--product",
        "V-7",
        "--qty",
        "1",
        "--discount",
        "120%",
    ]);
    assert!(err.contains("discount"), "{err}");
    assert_eq!(
        crm.json(&["quote", "show", &quote])["lines"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let pdf = crm.dir.path().join("Q-00001.pdf");
    crm.ok(&["quote", "send", &quote, "--pdf", pdf.to_str().unwrap()]);
    let err = crm.fails(&["quote", "line", &quote, "--product", "V-7", "--qty", "1"]);
    assert!(err.contains("revise"), "a sent quote never changes: {err}");
    let timeline = crm.ok(&["timeline", &account]);
    assert!(
        timeline.contains("Q-00001"),
        "the sending is in the history: {timeline}"
    );
    crm.ok(&["quote", "accept", &quote]);
    let order = crm.json(&["order", "from-quote", &quote]);
    assert_eq!(order["gross"], 321_926);
    assert_eq!(order["outstanding"], 321_926);
    let order_id = order["order"]["id"].as_str().unwrap().to_owned();

    let err = crm.fails(&[
        "payment",
        "add",
        "--account",
        &account,
        "--amount",
        "5000",
        "--currency",
        "EUR",
    ]);
    assert!(err.contains("prepayment"), "more than is owed: {err}");
    crm.ok(&[
        "payment",
        "add",
        "--account",
        &account,
        "--amount",
        "1000",
        "--currency",
        "EUR",
        "--order",
        &order_id,
        "--method",
        "bank_transfer",
        "--ref",
        "TRF-1",
    ]);
    let balance = crm.json(&["account", "balance", &account]);
    let eur = &balance.as_array().unwrap()[0];
    assert_eq!(eur["currency"], "EUR");
    assert_eq!(eur["ordered"], 321_926);
    assert_eq!(eur["paid"], 100_000);
    assert_eq!(eur["outstanding"], 221_926);

    let prices = crm.json(&["prices", &account]);
    let codes: Vec<&str> = prices
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2, "{prices}");
    assert!(codes.contains(&"P-100") && codes.contains(&"V-7"));
    let pump = prices
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "P-100")
        .unwrap();
    assert_eq!(pump["unit_price"], 100_000);
    assert_eq!(pump["discount_percent"], "5");
    let list: Value = crm.json(&["quote", "list", "--account", &account]);
    assert_eq!(list[0]["quote"]["fields"]["number"], "Q-00001");
    assert_eq!(list[0]["status"], "accepted");
}

#[test]
fn a_revision_keeps_the_number_and_the_sent_one() {
    let crm = Crm::initialised();
    let (_, account) = setup(&crm);
    let quote = crm.id(&[
        "quote",
        "new",
        "--account",
        &account,
        "--valid-until",
        "2099-12-31",
    ]);
    crm.ok(&["quote", "line", &quote, "--product", "P-100", "--qty", "10"]);
    crm.ok(&["quote", "send", &quote]);
    let revised = crm.json(&["quote", "revise", &quote]);
    let new_id = revised["id"].as_str().unwrap().to_owned();
    assert_eq!(revised["revision"], 2);
    crm.ok(&["quote", "line", &new_id, "--product", "V-7", "--qty", "1"]);
    let old = crm.json(&["quote", "show", &quote]);
    let new = crm.json(&["quote", "show", &new_id]);
    assert_eq!(old["status"], "revised");
    assert_eq!(
        old["lines"].as_array().unwrap().len(),
        1,
        "the sent revision stays as it was"
    );
    assert_eq!(new["lines"].as_array().unwrap().len(), 2);
    assert_eq!(
        old["lines"][0]["fields"]["unit_price"], 90_000,
        "the break from 10 units"
    );
    let text = crm.ok(&["quote", "list"]);
    assert!(text.contains("Q-00001 rev 2"), "{text}");
    let err = crm.fails(&["quote", "accept", &quote]);
    assert!(err.contains("Q-00001"), "{err}");
}
