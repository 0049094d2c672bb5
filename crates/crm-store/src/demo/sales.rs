//! The demo's sales documents: a catalogue of industrial supplies in three
//! languages, a default price list per currency with quantity breaks, and
//! over the accounts quotes (some revised), orders from the accepted ones and
//! payments allocated to them; per 100,000 accounts about 2,000 products,
//! 100,000 quotes of 5 lines, 60,000 orders and 80,000 payments.
//!
//! Everything here draws from its own random sequence, so the accounts,
//! contacts, history and deals of a seed are the same as before there were
//! sales documents. The documents keep the use cases' rules: a product line
//! is priced by its list for its quantity (a deviation is a discount), an
//! order's lines are its quote's, a payment settles no more than an order's
//! gross, and numbers continue the device's series.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use crm_domain::{
    EntityKind, Id,
    sales::{self, Discount, LineInput, Pct, Qty},
};
use fastrand::Rng;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{DemoSummary, Lang};
use crate::{error::Result, sales::DEFAULT_TERMS_DAYS, search::insert_document};

/// Added to the demo's seed for the sales documents' own sequence.
const SEQUENCE: u64 = 0x5a1e_5d0c;

/// Products at 100,000 accounts (and fewer for a small demo: one per account).
const PRODUCTS: u64 = 2_000;

/// Lines on a quote.
const LINES: usize = 5;

/// How a product is counted on a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// Machines: one to a few.
    Units,
    /// Parts: by the dozen and the hundred, with quantity breaks.
    Parts,
    /// Pipe and cable by the metre, to a tenth, with quantity breaks.
    Metres,
    /// A service done once.
    Once,
    /// Days of a service.
    Days,
    /// Years of a contract.
    Years,
}

/// What a product's description gives.
#[derive(Clone, Copy)]
enum Spec {
    /// Material and nominal diameter.
    Bore,
    /// Rated power.
    Power,
    /// Measuring range.
    Range,
    /// Nothing more than its name.
    Plain,
}

/// A kind of product, in Chinese, English and Spanish.
struct Type {
    prefix: &'static str,
    names: [&'static str; 3],
    units: [&'static str; 3],
    category: usize,
    /// The default tax rate where each language's customers are: Chinese VAT
    /// (13 goods, 9 installation and transport, 6 services), UK VAT (20,
    /// zero-rated training and international freight), Spanish IVA (21).
    tax: [&'static str; 3],
    /// A list price range in whole yuan.
    yuan: (i64, i64),
    counted: Counted,
    spec: Spec,
}

const GOODS: [&str; 3] = ["13", "20", "21"];

const TYPES: &[Type] = &[
    Type {
        prefix: "CP",
        names: ["离心泵", "Centrifugal pump", "Bomba centrífuga"],
        units: ["台", "pcs", "ud."],
        category: 0,
        tax: GOODS,
        yuan: (2_800, 68_000),
        counted: Counted::Units,
        spec: Spec::Bore,
    },
    Type {
        prefix: "DP",
        names: ["隔膜泵", "Diaphragm pump", "Bomba de diafragma"],
        units: ["台", "pcs", "ud."],
        category: 0,
        tax: GOODS,
        yuan: (3_500, 42_000),
        counted: Counted::Units,
        spec: Spec::Bore,
    },
    Type {
        prefix: "BV",
        names: ["球阀", "Ball valve", "Válvula de bola"],
        units: ["件", "pcs", "ud."],
        category: 1,
        tax: GOODS,
        yuan: (180, 6_500),
        counted: Counted::Parts,
        spec: Spec::Bore,
    },
    Type {
        prefix: "FV",
        names: ["蝶阀", "Butterfly valve", "Válvula de mariposa"],
        units: ["件", "pcs", "ud."],
        category: 1,
        tax: GOODS,
        yuan: (320, 9_800),
        counted: Counted::Parts,
        spec: Spec::Bore,
    },
    Type {
        prefix: "GV",
        names: ["闸阀", "Gate valve", "Válvula de compuerta"],
        units: ["件", "pcs", "ud."],
        category: 1,
        tax: GOODS,
        yuan: (260, 7_200),
        counted: Counted::Parts,
        spec: Spec::Bore,
    },
    Type {
        prefix: "MT",
        names: ["三相异步电机", "Three-phase motor", "Motor trifásico"],
        units: ["台", "pcs", "ud."],
        category: 2,
        tax: GOODS,
        yuan: (1_200, 36_000),
        counted: Counted::Units,
        spec: Spec::Power,
    },
    Type {
        prefix: "VF",
        names: ["变频器", "Frequency inverter", "Variador de frecuencia"],
        units: ["台", "pcs", "ud."],
        category: 2,
        tax: GOODS,
        yuan: (1_600, 28_000),
        counted: Counted::Units,
        spec: Spec::Power,
    },
    Type {
        prefix: "GR",
        names: ["减速机", "Gear reducer", "Reductor de velocidad"],
        units: ["台", "pcs", "ud."],
        category: 2,
        tax: GOODS,
        yuan: (2_200, 31_000),
        counted: Counted::Units,
        spec: Spec::Power,
    },
    Type {
        prefix: "AC",
        names: ["空气压缩机", "Air compressor", "Compresor de aire"],
        units: ["台", "pcs", "ud."],
        category: 2,
        tax: GOODS,
        yuan: (6_800, 120_000),
        counted: Counted::Units,
        spec: Spec::Power,
    },
    Type {
        prefix: "PS",
        names: ["压力传感器", "Pressure sensor", "Sensor de presión"],
        units: ["件", "pcs", "ud."],
        category: 3,
        tax: GOODS,
        yuan: (380, 3_600),
        counted: Counted::Parts,
        spec: Spec::Range,
    },
    Type {
        prefix: "FM",
        names: [
            "电磁流量计",
            "Electromagnetic flow meter",
            "Caudalímetro electromagnético",
        ],
        units: ["台", "pcs", "ud."],
        category: 3,
        tax: GOODS,
        yuan: (2_600, 18_000),
        counted: Counted::Units,
        spec: Spec::Bore,
    },
    Type {
        prefix: "TT",
        names: [
            "温度变送器",
            "Temperature transmitter",
            "Transmisor de temperatura",
        ],
        units: ["件", "pcs", "ud."],
        category: 3,
        tax: GOODS,
        yuan: (450, 4_200),
        counted: Counted::Parts,
        spec: Spec::Range,
    },
    Type {
        prefix: "SP",
        names: [
            "不锈钢无缝管",
            "Seamless stainless steel pipe",
            "Tubo de acero inoxidable sin soldadura",
        ],
        units: ["米", "m", "m"],
        category: 4,
        tax: GOODS,
        yuan: (35, 780),
        counted: Counted::Metres,
        spec: Spec::Bore,
    },
    Type {
        prefix: "FL",
        names: [
            "对焊法兰",
            "Weld neck flange",
            "Brida de cuello para soldar",
        ],
        units: ["件", "pcs", "ud."],
        category: 4,
        tax: GOODS,
        yuan: (45, 1_900),
        counted: Counted::Parts,
        spec: Spec::Bore,
    },
    Type {
        prefix: "SK",
        names: [
            "机械密封套件",
            "Mechanical seal kit",
            "Kit de cierre mecánico",
        ],
        units: ["套", "set", "juego"],
        category: 4,
        tax: GOODS,
        yuan: (260, 5_400),
        counted: Counted::Parts,
        spec: Spec::Bore,
    },
    Type {
        prefix: "BR",
        names: [
            "深沟球轴承",
            "Deep groove ball bearing",
            "Rodamiento rígido de bolas",
        ],
        units: ["件", "pcs", "ud."],
        category: 4,
        tax: GOODS,
        yuan: (28, 1_200),
        counted: Counted::Parts,
        spec: Spec::Bore,
    },
    Type {
        prefix: "YF",
        names: ["Y型过滤器", "Y-strainer", "Filtro en Y"],
        units: ["件", "pcs", "ud."],
        category: 4,
        tax: GOODS,
        yuan: (120, 4_800),
        counted: Counted::Parts,
        spec: Spec::Bore,
    },
    Type {
        prefix: "PC",
        names: ["电力电缆", "Power cable", "Cable de potencia"],
        units: ["米", "m", "m"],
        category: 5,
        tax: GOODS,
        yuan: (9, 260),
        counted: Counted::Metres,
        spec: Spec::Plain,
    },
    Type {
        prefix: "CC",
        names: ["控制柜", "Control cabinet", "Armario de control"],
        units: ["套", "set", "ud."],
        category: 5,
        tax: GOODS,
        yuan: (8_500, 96_000),
        counted: Counted::Units,
        spec: Spec::Power,
    },
    Type {
        prefix: "PL",
        names: ["PLC 输入输出模块", "PLC I/O module", "Módulo E/S de PLC"],
        units: ["件", "pcs", "ud."],
        category: 5,
        tax: GOODS,
        yuan: (680, 7_800),
        counted: Counted::Parts,
        spec: Spec::Plain,
    },
    Type {
        prefix: "SW",
        names: [
            "设备监控软件许可",
            "Equipment monitoring licence",
            "Licencia de monitorización de equipos",
        ],
        units: ["套", "licence", "licencia"],
        category: 7,
        tax: GOODS,
        yuan: (6_000, 58_000),
        counted: Counted::Units,
        spec: Spec::Plain,
    },
    Type {
        prefix: "IN",
        names: [
            "安装调试服务",
            "Installation and commissioning",
            "Instalación y puesta en marcha",
        ],
        units: ["次", "job", "servicio"],
        category: 6,
        tax: ["9", "20", "21"],
        yuan: (2_000, 26_000),
        counted: Counted::Once,
        spec: Spec::Plain,
    },
    Type {
        prefix: "MC",
        names: [
            "年度维保服务",
            "Annual maintenance contract",
            "Contrato de mantenimiento anual",
        ],
        units: ["年", "year", "año"],
        category: 6,
        tax: ["6", "20", "21"],
        yuan: (4_800, 86_000),
        counted: Counted::Years,
        spec: Spec::Plain,
    },
    Type {
        prefix: "TR",
        names: ["操作培训", "Operator training", "Formación de operarios"],
        units: ["天", "day", "día"],
        category: 6,
        tax: ["6", "0", "21"],
        yuan: (1_500, 4_800),
        counted: Counted::Days,
        spec: Spec::Plain,
    },
    Type {
        prefix: "FR",
        names: ["运输费", "Freight", "Transporte"],
        units: ["次", "shipment", "envío"],
        category: 6,
        tax: ["9", "0", "21"],
        yuan: (300, 4_500),
        counted: Counted::Once,
        spec: Spec::Plain,
    },
];

const CATEGORIES: &[[&str; 3]] = &[
    ["泵", "Pumps", "Bombas"],
    ["阀门", "Valves", "Válvulas"],
    [
        "电机与传动",
        "Motors and drives",
        "Motores y accionamientos",
    ],
    ["仪表", "Instruments", "Instrumentación"],
    ["管道与配件", "Pipes and fittings", "Tuberías y accesorios"],
    [
        "电气与控制",
        "Electrical and controls",
        "Electricidad y control",
    ],
    ["服务", "Services", "Servicios"],
    ["软件", "Software", "Software"],
];

const MATERIALS: &[[&str; 3]] = &[
    ["304 不锈钢", "stainless steel 304", "acero inoxidable 304"],
    [
        "316L 不锈钢",
        "stainless steel 316L",
        "acero inoxidable 316L",
    ],
    ["铸铁", "cast iron", "fundición gris"],
    ["碳钢", "carbon steel", "acero al carbono"],
];

const BORES: &[i64] = &[15, 20, 25, 32, 40, 50, 65, 80, 100, 125, 150, 200];
const POWERS: &[&str] = &[
    "0.75", "1.5", "2.2", "4", "5.5", "7.5", "11", "15", "22", "30", "45", "55",
];
const RANGES: &[&str] = &["1", "1.6", "2.5", "4", "10", "16", "25", "40", "60", "100"];

/// The three lists: (language, currency, name, yuan per unit of currency).
const LISTS: [(Lang, &str, &str, f64); 3] = [
    (Lang::Zh, "CNY", "标准价格 (CNY)", 1.0),
    (Lang::En, "USD", "Standard prices (USD)", 7.1),
    (Lang::Es, "EUR", "Tarifa general (EUR)", 7.8),
];

const REJECTIONS: [&[&str]; 3] = [
    &["价格偏高", "已选择其他供应商", "项目预算取消", "交货期太长"],
    &[
        "Price too high",
        "Went with another supplier",
        "Budget cut",
        "Lead time too long",
    ],
    &[
        "Precio demasiado alto",
        "Eligieron otro proveedor",
        "Presupuesto cancelado",
        "Plazo de entrega demasiado largo",
    ],
];

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::Zh => 0,
        Lang::En => 1,
        Lang::Es => 2,
    }
}

/// A product as the documents use it (read back from the tables, so a
/// second demo in one database prices by what the first one stored).
struct Product {
    id: Id,
    name: String,
    unit: Option<String>,
    tax_rate: Option<String>,
    counted: Counted,
    /// Per list (by language): (from quantity, unit price), lowest first.
    prices: [Vec<(Qty, i64)>; 3],
}

impl Product {
    /// Its price in a list for a quantity: the largest break not above it.
    fn price(&self, list: usize, quantity: Qty) -> Option<i64> {
        self.prices[list]
            .iter()
            .rev()
            .find(|(min, _)| *min <= quantity)
            .map(|(_, price)| *price)
    }
}

/// One line of a document.
#[derive(Clone)]
struct Line {
    product: usize,
    quantity: Qty,
    unit_price: i64,
    discount_percent: Option<String>,
    discount_amount: Option<i64>,
}

/// An order made, for its payments.
struct Order {
    id: Id,
    gross: i64,
    ordered_on: NaiveDate,
    due: NaiveDate,
}

/// A customer as the documents need it.
pub(super) struct Customer<'a> {
    pub id: Id,
    pub lang: Lang,
    pub owner: Id,
    pub contacts: &'a [Id],
    /// Its deal and the deal's stage.
    pub deal: Option<(Id, &'a str)>,
    /// Its payment terms in days (none: the default).
    pub terms: Option<i64>,
}

/// The sales documents of a demo run, made account by account.
pub(super) struct SalesDemo {
    rng: Rng,
    hlc: String,
    today: NaiveDate,
    /// The lists' ids, by language.
    lists: [Id; 3],
    currencies: [&'static str; 3],
    /// The user's currency: an account in another has its own list.
    mine: String,
    products: Vec<Product>,
    /// Products of each language, so a customer is quoted in its own.
    by_lang: [Vec<usize>; 3],
    quote_key: String,
    order_key: String,
    quotes: i64,
    orders: i64,
}

fn ymd(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A moment in the working day of `day`, in UTC milliseconds.
fn at(rng: &mut Rng, day: NaiveDate) -> i64 {
    day.and_hms_opt(rng.u32(1..10), rng.u32(..60), 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

/// The number series `prefix` continues on this device, and its last number.
fn series(conn: &Connection, prefix: &str) -> Result<(String, i64)> {
    let key = crate::sales::number_key(conn, prefix)?;
    let last: Option<i64> = conn
        .query_row(
            "SELECT last FROM document_numbers WHERE prefix = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?;
    Ok((key, last.unwrap_or(0)))
}

/// A price in minor units of a list, from whole yuan: whole units from 100
/// up, tenths below.
fn list_price(yuan: f64, per: f64) -> i64 {
    let units = yuan / per;
    if units >= 100.0 {
        units.round() as i64 * 100
    } else {
        (units * 10.0).round().max(1.0) as i64 * 10
    }
}

impl SalesDemo {
    /// The catalogue and the price lists (what is already here of them is
    /// kept, product codes and list names being unique), the company's
    /// details when none are set, and the number series to continue.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start(
        tx: &Transaction<'_>,
        seed: u64,
        accounts: u64,
        mine: &str,
        user: Id,
        hlc: &str,
        now_ms: i64,
        today: NaiveDate,
        summary: &mut DemoSummary,
    ) -> Result<SalesDemo> {
        let mut rng = Rng::with_seed(seed.wrapping_add(SEQUENCE));
        let valid_from =
            NaiveDate::from_ymd_opt(today.year() - 2, 1, 1).unwrap_or(today - Duration::days(730));
        let mut lists = [Id::new(); 3];
        let mut new_lists = [false; 3];
        for (i, (_, currency, name, _)) in LISTS.iter().enumerate() {
            let found: Option<uuid::Uuid> = tx
                .query_row(
                    "SELECT id FROM price_lists WHERE name = ?1 AND deleted_at IS NULL",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = found {
                lists[i] = Id(id);
                continue;
            }
            let has_default: bool = tx.query_row(
                "SELECT count(*) > 0 FROM price_lists WHERE currency = ?1 AND is_default = 1 AND deleted_at IS NULL",
                [currency],
                |r| r.get(0),
            )?;
            let id = Id::new();
            tx.execute(
                "INSERT INTO price_lists (id, name, currency, valid_from, is_default, created_at, created_by, updated_at, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8)",
                params![id.0, name, currency, ymd(valid_from), !has_default, now_ms, user.0, hlc],
            )?;
            insert_document(tx, EntityKind::PriceList, tx.last_insert_rowid(), &[name])?;
            lists[i] = id;
            new_lists[i] = true;
            summary.price_lists += 1;
        }

        let mut insert_product = tx.prepare_cached(
            "INSERT INTO products (id, code, name, description, unit, category, tax_rate, active,
                                   created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?8, ?10)",
        )?;
        let mut insert_price = tx.prepare_cached(
            "INSERT INTO prices (id, price_list_id, product_id, min_quantity, unit_price, created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8)",
        )?;
        let mut find_product =
            tx.prepare_cached("SELECT id FROM products WHERE code = ?1 AND deleted_at IS NULL")?;
        let mut ids = Vec::new();
        for i in 0..PRODUCTS.min(accounts) {
            let lang = i as usize % 3;
            let kind = &TYPES[rng.usize(..TYPES.len())];
            let (size, spec_text, model) = match kind.spec {
                Spec::Bore => {
                    let s = rng.usize(..BORES.len());
                    let m = &MATERIALS[rng.usize(..MATERIALS.len())];
                    let text = match lang {
                        0 => format!("材质：{}，口径 DN{}", m[0], BORES[s]),
                        1 => format!("Material: {}, nominal size DN{}", m[1], BORES[s]),
                        _ => format!("Material: {}, diámetro nominal DN{}", m[2], BORES[s]),
                    };
                    (
                        s as f64 / BORES.len() as f64,
                        Some(text),
                        BORES[s].to_string(),
                    )
                }
                Spec::Power => {
                    let s = rng.usize(..POWERS.len());
                    let text = match lang {
                        0 => format!("额定功率 {} kW，防护等级 IP55", POWERS[s]),
                        1 => format!("Rated power {} kW, IP55", POWERS[s]),
                        _ => format!("Potencia nominal {} kW, IP55", POWERS[s]),
                    };
                    (
                        s as f64 / POWERS.len() as f64,
                        Some(text),
                        POWERS[s].replace('.', ""),
                    )
                }
                Spec::Range => {
                    let s = rng.usize(..RANGES.len());
                    let text = match lang {
                        0 => format!("量程 0–{} MPa，精度 0.5 级", RANGES[s]),
                        1 => format!("Range 0–{} MPa, accuracy class 0.5", RANGES[s]),
                        _ => format!("Rango 0–{} MPa, clase de precisión 0,5", RANGES[s]),
                    };
                    (
                        s as f64 / RANGES.len() as f64,
                        Some(text),
                        RANGES[s].replace('.', ""),
                    )
                }
                Spec::Plain => (rng.f64(), None, format!("{}", rng.u32(1..10) * 100)),
            };
            let series = ['A', 'B', 'C', 'D', 'E', 'F'][rng.usize(..6)];
            let name = format!("{} {}-{model}{series}", kind.names[lang], kind.prefix);
            let code = format!("{}-{:04}", kind.prefix, i + 1);
            // Bigger sizes cost more, within the kind's range, give or take.
            let (low, high) = kind.yuan;
            let yuan =
                (low as f64 + (high - low) as f64 * (0.15 + 0.7 * size)) * (0.85 + 0.3 * rng.f64());
            let breaks: &[(&str, i64)] = match (kind.counted, rng.u8(..10)) {
                (Counted::Parts, 0..=5) => &[("10", 5), ("50", 10)],
                (Counted::Metres, 0..=5) => &[("100", 5), ("500", 8)],
                _ => &[],
            };
            let found: Option<uuid::Uuid> =
                find_product.query_row([&code], |r| r.get(0)).optional()?;
            let (id, new) = match found {
                Some(id) => (Id(id), false),
                None => {
                    let id = Id::new();
                    let category = CATEGORIES[kind.category][lang];
                    let description = spec_text.as_deref();
                    insert_product.execute(params![
                        id.0,
                        code,
                        name,
                        description,
                        kind.units[lang],
                        category,
                        kind.tax[lang],
                        now_ms,
                        user.0,
                        hlc
                    ])?;
                    insert_document(
                        tx,
                        EntityKind::Product,
                        tx.last_insert_rowid(),
                        &[&code, &name, description.unwrap_or_default(), category],
                    )?;
                    summary.products += 1;
                    (id, true)
                }
            };
            for (l, (_, _, _, per)) in LISTS.iter().enumerate() {
                if !new && !new_lists[l] {
                    continue;
                }
                let base = list_price(yuan, *per);
                insert_price.execute(params![
                    Id::new().0,
                    lists[l].0,
                    id.0,
                    None::<String>,
                    base,
                    now_ms,
                    user.0,
                    hlc
                ])?;
                summary.prices += 1;
                for (min, off) in breaks {
                    // Whole minor units off, rounded half up.
                    let price = (base * (100 - off) + 50) / 100;
                    insert_price.execute(params![
                        Id::new().0,
                        lists[l].0,
                        id.0,
                        min,
                        price,
                        now_ms,
                        user.0,
                        hlc
                    ])?;
                    summary.prices += 1;
                }
            }
            ids.push((id, lang, kind.counted));
        }
        drop((insert_product, insert_price, find_product));

        // What the documents price by: the rows as stored.
        let mut products = Vec::new();
        let mut by_lang: [Vec<usize>; 3] = Default::default();
        let mut index = HashMap::new();
        for (id, lang, counted) in ids {
            let (name, unit, tax_rate): (String, Option<String>, Option<String>) = tx.query_row(
                "SELECT name, unit, tax_rate FROM products WHERE id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            index.insert(id, products.len());
            by_lang[lang].push(products.len());
            products.push(Product {
                id,
                name,
                unit,
                tax_rate,
                counted,
                prices: Default::default(),
            });
        }
        for (l, list) in lists.iter().enumerate() {
            let mut stmt = tx.prepare(
                "SELECT product_id, min_quantity, unit_price FROM prices
                 WHERE price_list_id = ?1 AND deleted_at IS NULL",
            )?;
            let rows = stmt.query_map([list.0], |r| {
                Ok((
                    Id(r.get(0)?),
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (product, min, price) = row?;
                let Some(&p) = index.get(&product) else {
                    continue;
                };
                let min = match min {
                    Some(m) => match Qty::parse(&m) {
                        Ok(q) => q,
                        Err(_) => continue,
                    },
                    None => Qty(0),
                };
                products[p].prices[l].push((min, price));
            }
        }
        for product in &mut products {
            for prices in &mut product.prices {
                prices.sort_unstable();
            }
        }

        add_company(tx, mine, user, hlc, now_ms)?;
        let (quote_key, quotes) = series(tx, "Q")?;
        let (order_key, orders) = series(tx, "O")?;
        Ok(SalesDemo {
            rng,
            hlc: hlc.to_owned(),
            today,
            lists,
            currencies: [LISTS[0].1, LISTS[1].1, LISTS[2].1],
            mine: mine.to_owned(),
            products,
            by_lang,
            quote_key,
            order_key,
            quotes,
            orders,
        })
    }

    /// An account's payment terms (none: the default) and its own price
    /// list: the one of its currency when that is not the user's, so a new
    /// quote for it is in its currency.
    pub(super) fn account_terms(&mut self, lang: Lang) -> (Option<i64>, Option<Id>) {
        let l = lang_index(lang);
        let terms = match (lang, self.rng.u8(..10)) {
            (_, 0..=3) => None,
            (Lang::En, _) => Some(if self.rng.bool() { 30 } else { 45 }),
            (_, 4..=6) => Some(30),
            (_, 7..=8) => Some(60),
            _ => Some(90),
        };
        let own = (self.currencies[l] != self.mine).then_some(self.lists[l]);
        (terms, own)
    }

    /// The products of a quote in `lang`: distinct, in that language where
    /// the catalogue has enough of them.
    fn pick_products(&mut self, l: usize) -> Vec<usize> {
        let own = &self.by_lang[l];
        let pool: Vec<usize> = if own.len() >= LINES {
            own.clone()
        } else {
            (0..self.products.len()).collect()
        };
        let mut chosen = Vec::with_capacity(LINES);
        while chosen.len() < LINES.min(pool.len()) {
            let p = pool[self.rng.usize(..pool.len())];
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        chosen
    }

    fn quantity(&mut self, counted: Counted) -> Qty {
        let whole = |n: i64| Qty(n * 1000);
        match counted {
            Counted::Units => whole([1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10][self.rng.usize(..11)]),
            Counted::Parts => whole(
                [
                    1, 2, 4, 5, 6, 8, 10, 12, 16, 20, 24, 30, 40, 50, 60, 80, 100, 120, 200,
                ][self.rng.usize(..19)],
            ),
            Counted::Metres => Qty(self.rng.i64(10..6_000) * 100),
            Counted::Once => whole(1),
            Counted::Days => whole(self.rng.i64(1..=5)),
            Counted::Years => whole(self.rng.i64(1..=3)),
        }
    }

    /// A line at its list price for the quantity, with now and then a
    /// discount (a percentage, or an amount off the line).
    fn line(&mut self, l: usize, product: usize, quantity: Qty) -> Option<Line> {
        let unit_price = self.products[product].price(l, quantity)?;
        let mut line = Line {
            product,
            quantity,
            unit_price,
            discount_percent: None,
            discount_amount: None,
        };
        match self.rng.u8(..20) {
            0..=4 => {
                let pct = ["2", "3", "5", "5", "8", "10", "12.5", "15"][self.rng.usize(..8)];
                line.discount_percent = Some(pct.to_owned());
            }
            5 => {
                // A round amount off, at most a tenth of the line.
                let amount = self.totals(std::slice::from_ref(&line)).0;
                let off = amount * self.rng.i64(2..=10) / 100 / 100 * 100;
                if off > 0 {
                    line.discount_amount = Some(off);
                }
            }
            _ => {}
        }
        Some(line)
    }

    fn input(&self, line: &Line) -> LineInput {
        let product = &self.products[line.product];
        LineInput {
            quantity: line.quantity,
            unit_price: line.unit_price,
            discount: match (&line.discount_percent, line.discount_amount) {
                (Some(p), _) => Discount::Percent(Pct::parse(p).unwrap_or(Pct(0))),
                (None, Some(a)) => Discount::Amount(a),
                _ => Discount::None,
            },
            tax_rate: product
                .tax_rate
                .as_deref()
                .and_then(|r| Pct::parse(r).ok())
                .unwrap_or(Pct(0)),
        }
    }

    /// The subtotal and gross the use cases compute (lines here always add
    /// up).
    fn totals(&self, lines: &[Line]) -> (i64, i64) {
        let inputs: Vec<LineInput> = lines.iter().map(|l| self.input(l)).collect();
        sales::totals(&inputs).map_or((0, 0), |t| (t.subtotal, t.gross))
    }

    /// A revision's lines: the customer asked for another quantity of one
    /// (priced again by the list) and a better price on another.
    fn revise(&mut self, l: usize, lines: &[Line]) -> Vec<Line> {
        let mut next = lines.to_vec();
        if next.is_empty() {
            return next;
        }
        let i = self.rng.usize(..next.len());
        let counted = self.products[next[i].product].counted;
        let quantity = self.quantity(counted);
        if let Some(price) = self.products[next[i].product].price(l, quantity) {
            next[i].quantity = quantity;
            next[i].unit_price = price;
            next[i].discount_amount = None;
        }
        let j = self.rng.usize(..next.len());
        next[j].discount_amount = None;
        next[j].discount_percent =
            Some(["5", "8", "10", "12", "15"][self.rng.usize(..5)].to_owned());
        next
    }

    fn next_quote_number(&mut self) -> String {
        self.quotes += 1;
        format!("{}-{:05}", self.quote_key, self.quotes)
    }

    fn next_order_number(&mut self) -> String {
        self.orders += 1;
        format!("{}-{:05}", self.order_key, self.orders)
    }

    /// Quote numbers for one account: most have none or one, a few are
    /// busy customers with many.
    fn numbers_for(&mut self) -> usize {
        match self.rng.u16(..1000) {
            0..=549 => 0,
            550..=809 => 1,
            810..=899 => 2,
            900..=949 => 3,
            950..=994 => self.rng.usize(4..=7),
            _ => self.rng.usize(10..=20),
        }
    }

    /// Make one account's quotes, orders and payments.
    pub(super) fn account(
        &mut self,
        tx: &Transaction<'_>,
        customer: &Customer<'_>,
        summary: &mut DemoSummary,
    ) -> Result<()> {
        let l = lang_index(customer.lang);
        let mut deal = customer.deal;
        let mut orders = Vec::new();
        let mut open_quotes = Vec::new();
        for _ in 0..self.numbers_for() {
            let status = match self.rng.u16(..1000) {
                0..=671 => "accepted",
                672..=799 => "rejected",
                800..=919 => "sent",
                _ => "draft",
            };
            let revised = self.rng.u8(..100) < 12;
            // Days ago the quote (its last revision) was issued.
            let ago = match status {
                "draft" => self.rng.i64(0..10),
                "sent" => self.rng.i64(0..90),
                "accepted" => self.rng.i64(5..720),
                _ => self.rng.i64(3..720),
            };
            let issued = self.today - Duration::days(ago);
            let products = self.pick_products(l);
            let mut lines = Vec::new();
            for p in products {
                let quantity = self.quantity(self.products[p].counted);
                if let Some(line) = self.line(l, p, quantity) {
                    lines.push(line);
                }
            }
            if lines.is_empty() {
                continue;
            }
            // A deal is priced by the first quote whose outcome is the
            // deal's: won by an accepted quote, lost by a rejected one,
            // still open with one in the works.
            let opportunity = deal
                .filter(|(_, stage)| match status {
                    "accepted" => *stage == "won",
                    "rejected" => *stage == "lost",
                    _ => !matches!(*stage, "won" | "lost"),
                })
                .map(|(d, _)| d);
            if opportunity.is_some() {
                deal = None;
            }
            let contact = match customer.contacts.len() {
                0 => None,
                n => Some(customer.contacts[self.rng.usize(..n)]),
            };
            let valid_days = match self.rng.u8(..8) {
                0 => 15,
                1 => 60,
                _ => crate::sales::QUOTE_VALID_DAYS,
            };
            let number = self.next_quote_number();
            let doc = QuoteDoc {
                number: &number,
                customer,
                contact,
                opportunity,
                list: l,
                valid_days,
            };
            let last = if revised {
                let first_issued = issued - Duration::days(self.rng.i64(3..21));
                let first =
                    self.insert_quote(tx, &doc, 1, None, first_issued, "revised", &lines, summary)?;
                let lines2 = self.revise(l, &lines);
                lines = lines2;
                self.insert_quote(tx, &doc, 2, Some(first), issued, status, &lines, summary)?
            } else {
                self.insert_quote(tx, &doc, 1, None, issued, status, &lines, summary)?
            };
            let gross = self.totals(&lines).1;
            match status {
                "accepted" => {
                    // Accepted while it was valid, and ordered the same day.
                    let within = ago.min(valid_days - 1).clamp(1, 25);
                    let ordered_on = issued + Duration::days(self.rng.i64(1..=within));
                    let order =
                        self.insert_order(tx, &doc, last, ordered_on, &lines, gross, summary)?;
                    orders.extend(order);
                }
                "sent" | "draft" => open_quotes.push((issued, gross)),
                _ => {}
            }
        }
        for order in &orders {
            self.pay_order(tx, customer, order, summary)?;
        }
        // Now and then a customer pays ahead on a quote still open, kept as
        // its credit until an order comes.
        for (issued, gross) in open_quotes {
            if self.rng.u8(..10) < 4 {
                let received = (issued + Duration::days(self.rng.i64(0..5))).min(self.today);
                let amount = gross * 30 / 100 / 100 * 100;
                if amount > 0 {
                    self.insert_payment(tx, customer, received, amount, true, &[], summary)?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_quote(
        &mut self,
        tx: &Transaction<'_>,
        doc: &QuoteDoc<'_>,
        revision: i64,
        revises: Option<Id>,
        issued: NaiveDate,
        status: &str,
        lines: &[Line],
        summary: &mut DemoSummary,
    ) -> Result<Id> {
        let l = doc.list;
        let created = at(&mut self.rng, issued);
        let sent_at = (status != "draft").then(|| created + self.rng.i64(600_000..7_200_000));
        let reject_reason =
            (status == "rejected").then(|| REJECTIONS[l][self.rng.usize(..REJECTIONS[l].len())]);
        let id = Id::new();
        tx.prepare_cached(
            "INSERT INTO quotes (id, number, revision, revises_id, account_id, contact_id, opportunity_id, price_list_id,
                                 currency, issued_on, valid_until, status, sent_at, reject_reason, owner_id,
                                 created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?15, ?17, ?18)",
        )?
        .execute(params![
            id.0,
            doc.number,
            revision,
            revises.map(|r| r.0),
            doc.customer.id.0,
            doc.contact.map(|c| c.0),
            doc.opportunity.map(|o| o.0),
            self.lists[l].0,
            self.currencies[l],
            ymd(issued),
            ymd(issued + Duration::days(doc.valid_days)),
            status,
            sent_at,
            reject_reason,
            doc.customer.owner.0,
            created,
            sent_at.unwrap_or(created),
            self.hlc
        ])?;
        insert_document(tx, EntityKind::Quote, tx.last_insert_rowid(), &[doc.number])?;
        summary.quotes += 1;
        self.insert_lines(
            tx,
            EntityKind::QuoteLine,
            id,
            lines,
            doc.customer.owner,
            created,
        )?;
        summary.quote_lines += lines.len() as u64;
        Ok(id)
    }

    fn insert_lines(
        &self,
        tx: &Transaction<'_>,
        kind: EntityKind,
        parent: Id,
        lines: &[Line],
        owner: Id,
        created: i64,
    ) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (id, {}, position, product_id, description, quantity, unit, unit_price,
                             discount_percent, discount_amount, tax_rate, created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?14)",
            kind.table(),
            if kind == EntityKind::QuoteLine {
                "quote_id"
            } else {
                "order_id"
            }
        );
        let mut insert = tx.prepare_cached(&sql)?;
        for (i, line) in lines.iter().enumerate() {
            let product = &self.products[line.product];
            insert.execute(params![
                Id::new().0,
                parent.0,
                i as i64 + 1,
                product.id.0,
                product.name,
                line.quantity.to_text(),
                product.unit,
                line.unit_price,
                line.discount_percent,
                line.discount_amount,
                product.tax_rate,
                created,
                owner.0,
                self.hlc
            ])?;
            insert_document(tx, kind, tx.last_insert_rowid(), &[&product.name])?;
        }
        Ok(())
    }

    /// The order of an accepted quote: its lines copied, due by the
    /// account's terms; one in thirty was cancelled since.
    #[allow(clippy::too_many_arguments)]
    fn insert_order(
        &mut self,
        tx: &Transaction<'_>,
        doc: &QuoteDoc<'_>,
        quote: Id,
        ordered_on: NaiveDate,
        lines: &[Line],
        gross: i64,
        summary: &mut DemoSummary,
    ) -> Result<Option<Order>> {
        let terms = doc.customer.terms.unwrap_or(DEFAULT_TERMS_DAYS);
        let due = ordered_on + Duration::days(terms);
        let age = (self.today - ordered_on).num_days();
        let status = match self.rng.u8(..100) {
            0..=2 => "cancelled",
            n if age > 20 && n < 88 => "fulfilled",
            _ => "open",
        };
        let number = self.next_order_number();
        let created = at(&mut self.rng, ordered_on);
        let id = Id::new();
        tx.prepare_cached(
            "INSERT INTO orders (id, number, account_id, contact_id, quote_id, opportunity_id, currency, status,
                                 ordered_on, payment_terms_days, due_date, owner_id, created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?13, ?14)",
        )?
        .execute(params![
            id.0,
            number,
            doc.customer.id.0,
            doc.contact.map(|c| c.0),
            quote.0,
            doc.opportunity.map(|o| o.0),
            self.currencies[doc.list],
            status,
            ymd(ordered_on),
            terms,
            ymd(due),
            doc.customer.owner.0,
            created,
            self.hlc
        ])?;
        insert_document(tx, EntityKind::Order, tx.last_insert_rowid(), &[&number])?;
        summary.orders += 1;
        self.insert_lines(
            tx,
            EntityKind::OrderLine,
            id,
            lines,
            doc.customer.owner,
            created,
        )?;
        summary.order_lines += lines.len() as u64;
        Ok((status != "cancelled").then_some(Order {
            id,
            gross,
            ordered_on,
            due,
        }))
    }

    /// Payments towards an order: paid at once, in instalments (a deposit
    /// first, as is usual for made-to-order goods), a deposit only, or not
    /// yet; what is still owed past its due date is overdue.
    fn pay_order(
        &mut self,
        tx: &Transaction<'_>,
        customer: &Customer<'_>,
        order: &Order,
        summary: &mut DemoSummary,
    ) -> Result<()> {
        let past_due = order.due < self.today;
        let parts: &[i64] = match (past_due, self.rng.u8(..100)) {
            (false, 0..=44) => &[],
            (false, 45..=84) => &[30],
            (false, _) => &[100],
            (true, 0..=44) => &[100],
            (true, 45..=69) => &[30, 100],
            (true, 70..=77) => &[30, 40, 100],
            (true, 78..=89) => &[if self.rng.bool() { 30 } else { 50 }],
            (true, _) => &[],
        };
        let latest = self.today.min(order.due + Duration::days(20));
        let mut paid = 0;
        let mut day = order.ordered_on;
        for (i, share) in parts.iter().enumerate() {
            let amount = if *share == 100 {
                order.gross - paid
            } else {
                // A deposit in whole units of the currency.
                order.gross * share / 100 / 100 * 100
            };
            if amount <= 0 {
                continue;
            }
            let span = (latest - day).num_days().max(0);
            let (received, prepayment) = if i == 0 && parts.len() > 1 && self.rng.u8(..6) == 0 {
                // Paid before the order was placed: a prepayment, allocated
                // once the order came.
                (order.ordered_on - Duration::days(self.rng.i64(1..5)), true)
            } else if i == 0 && *share != 100 {
                (day + Duration::days(self.rng.i64(0..=span.min(5))), false)
            } else {
                (day + Duration::days(self.rng.i64(0..=span)), false)
            };
            day = received.max(day);
            self.insert_payment(
                tx,
                customer,
                received,
                amount,
                prepayment,
                &[(order.id, amount)],
                summary,
            )?;
            paid += amount;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_payment(
        &mut self,
        tx: &Transaction<'_>,
        customer: &Customer<'_>,
        received: NaiveDate,
        amount: i64,
        prepayment: bool,
        allocations: &[(Id, i64)],
        summary: &mut DemoSummary,
    ) -> Result<()> {
        let l = lang_index(customer.lang);
        let method = match (customer.lang, self.rng.u8(..20)) {
            (Lang::Zh, 0..=16) | (Lang::Es, 0..=17) | (Lang::En, 0..=11) => "bank_transfer",
            (Lang::Zh, 17..=18) => "online",
            (Lang::Zh, _) => "cash",
            (Lang::En, 12..=16) | (Lang::Es, _) => "card",
            (Lang::En, _) => "cheque",
        };
        let stamp = received.format("%Y%m%d");
        let serial = self.rng.u32(..100_000);
        let reference = match (customer.lang, method) {
            (Lang::Zh, "bank_transfer") => format!("银行回单 {stamp}{serial:05}"),
            (Lang::Zh, "online") => format!("网银支付 {stamp}{serial:05}"),
            (Lang::Zh, _) => format!("现金收据 {serial:05}"),
            (Lang::En, "bank_transfer") => format!("Wire {stamp}-{serial:05}"),
            (Lang::En, "card") => format!("Card payment {serial:05}"),
            (Lang::En, _) => format!("Cheque no. {serial:06}"),
            (_, "bank_transfer") => format!("Transferencia {stamp}-{serial:05}"),
            _ => format!("Pago con tarjeta {serial:05}"),
        };
        let created = at(&mut self.rng, received);
        let id = Id::new();
        tx.prepare_cached(
            "INSERT INTO payments (id, account_id, amount, currency, received_on, method, reference, prepayment,
                                   created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9, ?11)",
        )?
        .execute(params![
            id.0,
            customer.id.0,
            amount,
            self.currencies[l],
            ymd(received),
            method,
            reference,
            prepayment,
            created,
            customer.owner.0,
            self.hlc
        ])?;
        insert_document(
            tx,
            EntityKind::Payment,
            tx.last_insert_rowid(),
            &[&reference],
        )?;
        summary.payments += 1;
        let mut allocate = tx.prepare_cached(
            "INSERT INTO payment_allocations (id, payment_id, order_id, amount, created_at, created_by, updated_at, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7)",
        )?;
        for (order, part) in allocations {
            allocate.execute(params![
                Id::new().0,
                id.0,
                order.0,
                part,
                created,
                customer.owner.0,
                self.hlc
            ])?;
            summary.payment_allocations += 1;
        }
        Ok(())
    }

    /// Continue the device's series after the demo's documents: the user's
    /// next quote is the one after the last the demo made.
    pub(super) fn finish(&self, conn: &Connection) -> Result<()> {
        for (key, last) in [
            (&self.quote_key, self.quotes),
            (&self.order_key, self.orders),
        ] {
            if last > 0 {
                conn.execute(
                    "INSERT INTO document_numbers (prefix, last) VALUES (?1, ?2)
                     ON CONFLICT (prefix) DO UPDATE SET last = max(last, excluded.last)",
                    params![key, last],
                )?;
            }
        }
        Ok(())
    }
}

/// What a quote and its order share.
struct QuoteDoc<'a> {
    number: &'a str,
    customer: &'a Customer<'a>,
    contact: Option<Id>,
    opportunity: Option<Id>,
    list: usize,
    /// Days each revision stays valid from its issue.
    valid_days: i64,
}

/// The team's company details, in the user's currency's language, unless
/// some are set: documents print them.
fn add_company(tx: &Transaction<'_>, mine: &str, user: Id, hlc: &str, now_ms: i64) -> Result<()> {
    let set: bool = tx.query_row(
        "SELECT count(*) > 0 FROM companies WHERE deleted_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    if set {
        return Ok(());
    }
    let (name, address, phone, email, website, tax_id, bank, terms) = match mine {
        "CNY" => (
            "杭州恒通流体设备有限公司",
            "浙江省杭州市余杭区文一西路 998 号 3 号楼",
            "+86 571 8888 6600",
            "sales@hengtong-demo.example.com",
            "https://hengtong-demo.example.com/",
            "91330110MA2B3C4D5E",
            "中国工商银行杭州余杭支行 1202 0212 0900 0123 456",
            "付款方式：合同签订后预付 30%，余款发货前付清。报价含 13% 增值税，运费另计。",
        ),
        "EUR" => (
            "Sistemas de Fluidos Ibéricos S.L.",
            "Calle de Alcalá 120, 28009 Madrid",
            "+34 910 123 456",
            "ventas@sfi-demo.example.com",
            "https://sfi-demo.example.com/",
            "B12345678",
            "CaixaBank ES91 2100 0418 4502 0005 1332",
            "Pago a 30 días de la fecha de factura. Precios sin IVA; portes no incluidos.",
        ),
        _ => (
            "Harbor Fluid Systems Ltd",
            "Unit 4, Meridian Park, Manchester M17 1AB",
            "+44 161 555 0100",
            "sales@harbor-demo.example.com",
            "https://harbor-demo.example.com/",
            "GB123456789",
            "Barclays Bank, sort code 20-00-00, account 12345678",
            "Payment within 30 days of invoice. Prices exclude VAT; delivery extra.",
        ),
    };
    tx.execute(
        "INSERT INTO companies (id, name, address, phone, email, website, tax_id, bank, terms,
                                created_at, created_by, updated_at, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?12)",
        params![
            Id::new().0,
            name,
            address,
            phone,
            email,
            website,
            tax_id,
            bank,
            terms,
            now_ms,
            user.0,
            hlc
        ],
    )?;
    Ok(())
}
