//! Sample quotes for the tests, the benchmark and the example: the same
//! sale written in each language, with as many lines as asked.

use chrono::NaiveDate;
use crm_pdf::{Lang, Party, QuoteDoc, QuoteLine, QuoteTotals};

/// The customer of every sample; Chinese in every language, as a Shanghai
/// customer's name is.
pub const CUSTOMER: &str = "上海锦程贸易有限公司";

/// What each sample line sells: a code, and the description in en, zh, es.
const ITEMS: &[(&str, &str, &str, &str)] = &[
    (
        "SRV-2U",
        "Rack server 2U, 2 × 16-core CPU, 256 GB RAM, redundant power supplies",
        "机架式服务器 2U，双路16核处理器，256GB内存，冗余电源",
        "Servidor en rack 2U, 2 × CPU de 16 núcleos, 256 GB de RAM, fuentes redundantes",
    ),
    (
        "SW-48",
        "Managed switch, 48 ports, 10 GbE uplinks",
        "网管交换机，48口，万兆上行",
        "Conmutador gestionado de 48 puertos con enlaces de 10 GbE",
    ),
    (
        "INST",
        "On-site installation and configuration by a certified engineer, including cabling of the rack, labelling, firmware updates and a hand-over session with the customer's IT staff",
        "认证工程师现场安装与配置，包括机柜布线、标签、固件升级，以及与客户信息技术人员的交接培训，确保系统稳定运行并提供书面验收报告",
        "Instalación y configuración in situ por un técnico certificado, con cableado del rack, etiquetado, actualización de firmware y una sesión de entrega con el personal de TI del cliente",
    ),
    (
        "SUP-1Y",
        "Support contract, one year, next business day",
        "一年期技术支持合同，下一工作日响应",
        "Contrato de soporte de un año, siguiente día hábil",
    ),
    (
        "UPS-3K",
        "Uninterruptible power supply 3 kVA, online double conversion",
        "不间断电源 3千伏安，在线双变换",
        "Sistema de alimentación ininterrumpida de 3 kVA, doble conversión",
    ),
];

/// The description of sample line `i` in `lang`, as printed.
pub fn description(lang: Lang, i: usize) -> &'static str {
    let (_, en, zh, es) = ITEMS[i % ITEMS.len()];
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
        Lang::Es => es,
    }
}

/// A quote in `lang` with `lines` lines, 13 % tax, in CNY.
pub fn quote(lang: Lang, lines: usize) -> QuoteDoc {
    let mut rows = Vec::with_capacity(lines);
    let mut subtotal = 0;
    let mut discount = 0;
    for i in 0..lines {
        let (code, ..) = ITEMS[i % ITEMS.len()];
        let quantity = (i % 7 + 1) as i64;
        let unit_price = 1_234_550 + (i as i64) * 10_000;
        let line_discount = if i % 3 == 0 { 50_000 } else { 0 };
        subtotal += quantity * unit_price;
        discount += line_discount;
        rows.push(QuoteLine {
            position: i as u32 + 1,
            code: Some(code.to_owned()),
            description: description(lang, i).to_owned(),
            quantity: if i % 5 == 4 {
                format!("{quantity}.5")
            } else {
                quantity.to_string()
            },
            unit: Some(match lang {
                Lang::Zh => "台".to_owned(),
                Lang::En => "pcs".to_owned(),
                Lang::Es => "ud.".to_owned(),
            }),
            unit_price,
            discount_minor: line_discount,
            tax_rate: "13".to_owned(),
            net: quantity * unit_price - line_discount,
        });
    }
    let net = subtotal - discount;
    let tax = net * 13 / 100;
    let (company, lines_of_company, terms, notes) = match lang {
        Lang::Zh => (
            "北京云帆科技有限公司",
            vec![
                "北京市海淀区中关村大街27号".to_owned(),
                "电话 +86 10 8888 9999".to_owned(),
                "统一社会信用代码 91110108MA01ABCD2X".to_owned(),
            ],
            "付款方式：合同签订后预付30%，到货验收后支付70%。\n交货期：收到预付款后15个工作日内。",
            "报价含运费及安装费。",
        ),
        Lang::En => (
            "Yunfan Technology Co., Ltd.",
            vec![
                "27 Zhongguancun Street, Haidian, Beijing".to_owned(),
                "Phone +86 10 8888 9999".to_owned(),
            ],
            "Payment: 30% on order, 70% on acceptance.\nDelivery: within 15 business days of the down payment.",
            "Prices include delivery and installation.",
        ),
        Lang::Es => (
            "Yunfan Tecnología S.L.",
            vec![
                "Calle de Alcalá 27, 28014 Madrid".to_owned(),
                "Teléfono +34 910 000 000".to_owned(),
            ],
            "Pago: 30 % con el pedido, 70 % a la aceptación.\nEntrega: en 15 días hábiles desde el anticipo.",
            "Los precios incluyen transporte e instalación.",
        ),
    };
    QuoteDoc {
        lang,
        company: Party {
            name: company.to_owned(),
            lines: lines_of_company,
        },
        logo: None,
        customer: Party {
            name: CUSTOMER.to_owned(),
            lines: vec![
                "上海市浦东新区世纪大道100号".to_owned(),
                "sales@jincheng.example.cn".to_owned(),
            ],
        },
        contact: Some("王丽娜".to_owned()),
        number: "Q-7-00012".to_owned(),
        revision: 2,
        issued_on: NaiveDate::from_ymd_opt(2026, 12, 5).expect("a date"),
        valid_until: NaiveDate::from_ymd_opt(2027, 1, 4),
        currency: "CNY".to_owned(),
        lines: rows,
        totals: QuoteTotals {
            subtotal,
            discount,
            net,
            taxes: vec![("13".to_owned(), net, tax)],
            gross: net + tax,
        },
        terms: Some(terms.to_owned()),
        notes: Some(notes.to_owned()),
    }
}
