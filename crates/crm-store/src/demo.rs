//! Realistic demo data in English, Chinese and Spanish, for trying the app and
//! for benchmarks at the size of a big book of business.
//!
//! Demo records are local sample data: they are written straight to the tables
//! and the search index, without outbox entries, so they never reach a team
//! server. That also lets a million rows load in well under a minute.

mod sales;
mod service;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use crm_domain::{EntityKind, Id, schema};
use fastrand::Rng;
use rusqlite::{Transaction, TransactionBehavior, params};
use serde::Serialize;

use crate::{
    Store,
    error::{Result, StoreError},
    search::insert_document,
};

use sales::{Customer, SalesDemo};

/// The demo's edition: raised whenever the same seed makes other data, so
/// databases kept from an earlier one (the benchmarks') are made again.
/// 2: sales documents.
pub const DEMO_VERSION: u32 = 3;

/// How much demo data to make.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Accounts; contacts, history, deals, leads and tasks scale with it.
    pub accounts: u64,
    /// Contacts per account.
    pub contacts_per_account: u64,
    /// History entries per account.
    pub interactions_per_account: u64,
}

impl DemoSize {
    /// The usual proportions: 3 contacts and 10 history entries an account.
    pub fn accounts(accounts: u64) -> Self {
        DemoSize {
            accounts,
            contacts_per_account: 3,
            interactions_per_account: 10,
        }
    }
}

/// What a demo run made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    /// Team members.
    pub users: u64,
    /// Accounts.
    pub accounts: u64,
    /// Contacts.
    pub contacts: u64,
    /// History entries.
    pub interactions: u64,
    /// Deals.
    pub opportunities: u64,
    /// Leads.
    pub leads: u64,
    /// Tasks.
    pub tasks: u64,
    /// Products of the catalogue.
    pub products: u64,
    /// Price lists.
    pub price_lists: u64,
    /// Prices in them (quantity breaks included).
    pub prices: u64,
    /// Quotes (each revision a quote).
    pub quotes: u64,
    /// Their lines.
    pub quote_lines: u64,
    /// Orders.
    pub orders: u64,
    /// Their lines.
    pub order_lines: u64,
    /// Payments received.
    pub payments: u64,
    /// Their allocations to orders.
    pub payment_allocations: u64,
    /// Service cases.
    pub cases: u64,
    /// Knowledge-base articles.
    pub articles: u64,
    /// Satisfaction answers.
    pub surveys: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Zh,
    En,
    Es,
}

const ZH_CITIES: &[&str] = &[
    "北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "苏州", "天津", "重庆",
];
const ZH_BRANDS: &[&str] = &[
    "星辰", "华信", "博远", "瑞丰", "恒通", "金桥", "天宇", "中科", "鼎盛", "宏达", "新锐", "海纳",
    "明珠", "腾飞", "汇成", "长城", "东方", "嘉和", "永泰", "安信",
];
const ZH_TRADES: &[(&str, &str)] = &[
    ("科技", "software"),
    ("电子", "electronics"),
    ("物流", "logistics"),
    ("机械", "manufacturing"),
    ("医药", "healthcare"),
    ("食品", "food"),
    ("建材", "construction"),
    ("贸易", "trade"),
    ("能源", "energy"),
    ("纺织", "textiles"),
];
const ZH_SUFFIXES: &[&str] = &["有限公司", "股份有限公司", "集团有限公司"];
const ZH_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林",
];
const ZH_GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀英", "建华", "志强", "晓东",
];
const ZH_TITLES: &[&str] = &[
    "总经理",
    "采购经理",
    "技术总监",
    "财务总监",
    "销售经理",
    "项目经理",
    "行政主管",
];

const EN_FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Thomas",
    "Sarah",
    "Emma",
    "Oliver",
    "Sophie",
    "Daniel",
];
const EN_LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
    "Lewis", "O'Neil",
];
const EN_WORDS: &[&str] = &[
    "Blue",
    "Harbor",
    "Summit",
    "Pioneer",
    "Granite",
    "Silver",
    "Northwind",
    "Redwood",
    "Atlas",
    "Beacon",
    "Crescent",
    "Evergreen",
    "Falcon",
    "Lakeside",
    "Meridian",
    "Oakridge",
];
const EN_TRADES: &[(&str, &str)] = &[
    ("Software", "software"),
    ("Logistics", "logistics"),
    ("Manufacturing", "manufacturing"),
    ("Health", "healthcare"),
    ("Foods", "food"),
    ("Construction", "construction"),
    ("Energy", "energy"),
    ("Trading", "trade"),
];
const EN_SUFFIXES: &[&str] = &["Ltd", "Inc.", "LLC", "Group", "Co."];
const EN_REGIONS: &[&str] = &[
    "London",
    "New York",
    "Chicago",
    "Toronto",
    "Sydney",
    "Manchester",
    "Boston",
    "Dublin",
];
const EN_TITLES: &[&str] = &[
    "CEO",
    "Purchasing Manager",
    "CTO",
    "Finance Director",
    "Head of Operations",
    "Buyer",
];

const ES_FIRST: &[&str] = &[
    "José", "María", "Ana", "Lucía", "Javier", "Carmen", "Andrés", "Sofía", "Martín", "Paula",
    "Álvaro", "Inés", "Raúl", "Elena", "Sergio", "Begoña",
];
const ES_LAST: &[&str] = &[
    "Méndez",
    "García",
    "Fernández",
    "González",
    "Rodríguez",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Muñoz",
    "Jiménez",
    "Ruiz",
    "Núñez",
    "Peña",
    "Ibáñez",
];
const ES_TRADES: &[(&str, &str)] = &[
    ("Construcciones", "construction"),
    ("Transportes", "logistics"),
    ("Distribuciones", "trade"),
    ("Alimentación", "food"),
    ("Tecnologías", "software"),
    ("Energías", "energy"),
    ("Farmacéutica", "healthcare"),
];
const ES_SUFFIXES: &[&str] = &["S.A.", "S.L.", "S.A. de C.V.", "Ltda."];
const ES_REGIONS: &[&str] = &[
    "Madrid",
    "Barcelona",
    "Sevilla",
    "Valencia",
    "Bilbao",
    "Ciudad de México",
    "Bogotá",
    "Buenos Aires",
    "Lima",
    "Santiago",
];
const ES_TITLES: &[&str] = &[
    "Director General",
    "Jefa de Compras",
    "Director Técnico",
    "Directora Financiera",
    "Gerente Comercial",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn lang(rng: &mut Rng) -> Lang {
    match rng.u8(..10) {
        0..=3 => Lang::Zh,
        4..=6 => Lang::En,
        _ => Lang::Es,
    }
}

fn person(rng: &mut Rng, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}{}", pick(rng, ZH_SURNAMES), pick(rng, ZH_GIVEN)),
        Lang::En => format!("{} {}", pick(rng, EN_FIRST), pick(rng, EN_LAST)),
        Lang::Es => format!(
            "{} {} {}",
            pick(rng, ES_FIRST),
            pick(rng, ES_LAST),
            pick(rng, ES_LAST)
        ),
    }
}

/// (name, industry, region); the industry is a key the app shows in the
/// user's language (`food` is Food, 食品, Alimentación), so one filter
/// value holds every language's companies of a trade.
fn company(rng: &mut Rng, lang: Lang) -> (String, String, String) {
    match lang {
        Lang::Zh => {
            let city = pick(rng, ZH_CITIES);
            let (trade, industry) = ZH_TRADES[rng.usize(..ZH_TRADES.len())];
            let name = format!(
                "{city}{}{trade}{}",
                pick(rng, ZH_BRANDS),
                pick(rng, ZH_SUFFIXES)
            );
            (name, industry.to_owned(), city.to_owned())
        }
        Lang::En => {
            let (trade, industry) = EN_TRADES[rng.usize(..EN_TRADES.len())];
            let name = format!(
                "{} {} {trade} {}",
                pick(rng, EN_WORDS),
                pick(rng, EN_WORDS),
                pick(rng, EN_SUFFIXES)
            );
            (name, industry.to_owned(), pick(rng, EN_REGIONS).to_owned())
        }
        Lang::Es => {
            let (trade, industry) = ES_TRADES[rng.usize(..ES_TRADES.len())];
            let name = format!("{trade} {} {}", pick(rng, ES_LAST), pick(rng, ES_SUFFIXES));
            (name, industry.to_owned(), pick(rng, ES_REGIONS).to_owned())
        }
    }
}

fn interaction_text(rng: &mut Rng, lang: Lang, kind: &str, contact: &str) -> (String, String) {
    let n = rng.u32(1..50) * 10;
    let week = rng.u32(1..5);
    match lang {
        Lang::Zh => {
            let (subject, body) = match kind {
                "call" => (
                    "电话沟通报价",
                    format!(
                        "与{contact}电话沟通了新一季度的采购计划，对方希望在报价基础上再优惠{}%，需要在{week}周内回复。",
                        rng.u32(3..15)
                    ),
                ),
                "visit" => (
                    "上门拜访",
                    format!(
                        "拜访{contact}，参观了生产线，对方对我们的交付周期比较关注，计划采购{n}台设备。"
                    ),
                ),
                "meeting" => (
                    "项目评审会议",
                    format!("与{contact}及技术团队开会评审方案，确认了实施范围，下一步安排试点。"),
                ),
                "email" => (
                    "发送产品资料",
                    format!(
                        "已通过邮件把产品手册和价格表发给{contact}，请对方在{week}周内确认需求数量。"
                    ),
                ),
                _ => (
                    "客户跟进备注",
                    format!("{contact}提到预算已经批准，合同预计下月签订，注意竞争对手也在接触。"),
                ),
            };
            (subject.to_owned(), body)
        }
        Lang::En => {
            let (subject, body) = match kind {
                "call" => (
                    "Call about renewal pricing",
                    format!(
                        "Spoke with {contact} about the renewal. They asked for a {}% discount on {n} licences and want an answer within {week} weeks.",
                        rng.u32(3..15)
                    ),
                ),
                "visit" => (
                    "On-site visit",
                    format!(
                        "Visited {contact} at their warehouse. Delivery times are their main concern; they plan to order {n} units next quarter."
                    ),
                ),
                "meeting" => (
                    "Quarterly business review",
                    format!(
                        "Reviewed the rollout with {contact} and their operations team. Agreed on the scope for the pilot."
                    ),
                ),
                "email" => (
                    "Sent brochure and price list",
                    format!(
                        "Emailed the product brochure and the current price list to {contact}; follow up in {week} weeks."
                    ),
                ),
                _ => (
                    "Follow-up note",
                    format!(
                        "{contact} says the budget is approved and the contract should be signed next month. A competitor is also talking to them."
                    ),
                ),
            };
            (subject.to_owned(), body)
        }
        Lang::Es => {
            let (subject, body) = match kind {
                "call" => (
                    "Llamada sobre la renovación",
                    format!(
                        "Hablé con {contact} sobre la renovación. Piden un descuento del {}% en {n} licencias y quieren respuesta en {week} semanas.",
                        rng.u32(3..15)
                    ),
                ),
                "visit" => (
                    "Visita a las instalaciones",
                    format!(
                        "Visité a {contact} en su almacén. Les preocupan los plazos de entrega; planean pedir {n} unidades el próximo trimestre."
                    ),
                ),
                "meeting" => (
                    "Reunión de seguimiento",
                    format!(
                        "Revisamos el despliegue con {contact} y su equipo de operaciones. Acordamos el alcance del piloto."
                    ),
                ),
                "email" => (
                    "Envío de catálogo y tarifas",
                    format!(
                        "Envié por correo el catálogo y la tarifa vigente a {contact}; volver a llamar en {week} semanas."
                    ),
                ),
                _ => (
                    "Nota de seguimiento",
                    format!(
                        "{contact} confirma que el presupuesto está aprobado y el contrato se firmará el mes que viene. Un competidor también les visita."
                    ),
                ),
            };
            (subject.to_owned(), body)
        }
    }
}

fn phone(rng: &mut Rng, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "+86 1{:02} {:04} {:04}",
            rng.u32(30..90),
            rng.u32(..10000),
            rng.u32(..10000)
        ),
        Lang::En => format!("+44 20 {:04} {:04}", rng.u32(..10000), rng.u32(..10000)),
        Lang::Es => format!(
            "+34 9{:02} {:03} {:03}",
            rng.u32(..100),
            rng.u32(..1000),
            rng.u32(..1000)
        ),
    }
}

fn slug(rng: &mut Rng) -> String {
    format!("c{}", rng.u32(..1_000_000))
}

// Small enough that a 2,000-account demo reports its progress eight times.
const CHUNK: u64 = 250;

impl Store {
    /// Add `size` worth of demo data made from `seed` (the same seed gives the
    /// same data). `progress` hears (accounts done, accounts in all).
    pub fn demo(
        &mut self,
        size: DemoSize,
        seed: u64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<DemoSummary> {
        if self.sync_config()?.is_some() {
            return Err(StoreError::DemoOnSynced);
        }
        // Marked before the first record: a crash part-way still leaves a
        // demo database, never one that looks real.
        self.conn.execute("UPDATE device SET demo = 1", [])?;
        let mut rng = Rng::with_seed(seed);
        let mut summary = DemoSummary::default();
        let hlc = self.device.clock.last().to_string();
        let now = self.now();
        // A bigger page cache while loading; index pages stay in memory.
        self.conn.pragma_update(None, "cache_size", -262_144)?;
        let users = self.demo_users(&mut rng, &hlc, &mut summary)?;
        let today = self.today();
        let me = self.device.user_id;
        let mine = self.default_currency().to_owned();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut sales = SalesDemo::start(
            &tx,
            seed,
            size.accounts,
            &mine,
            me,
            &hlc,
            now.timestamp_millis(),
            today,
            &mut summary,
        )?;
        tx.commit()?;
        let mut done = 0;
        while done < size.accounts {
            let n = CHUNK.min(size.accounts - done);
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            demo_chunk(
                &tx,
                &mut rng,
                &mut sales,
                n,
                size,
                &users,
                &hlc,
                now,
                &mut summary,
            )?;
            tx.commit()?;
            done += n;
            progress(done, size.accounts);
        }
        sales.finish(&self.conn)?;
        // The service desk over the accounts, in each one's language (told
        // by its phone's country).
        let accounts: Vec<(Id, usize)> = self
            .conn
            .prepare("SELECT id, coalesce(phone, ''), name FROM accounts WHERE deleted_at IS NULL ORDER BY rowid")?
            .query_map([], |r| {
                let phone: String = r.get(1)?;
                let name: String = r.get(2)?;
                let lang = if phone.starts_with("+34") {
                    2
                } else if phone.starts_with("+86") || name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                    0
                } else {
                    1
                };
                Ok((Id(r.get(0)?), lang))
            })?
            .collect::<rusqlite::Result<_>>()?;
        self.demo_service(&mut rng, &accounts, &users, &mut summary)?;
        // One segment per index after a bulk load: the fastest to search, and
        // no big merge left for the first edits to trip over.
        for fts in crate::search::fts_tables() {
            self.conn.execute(
                &format!("INSERT INTO {fts} ({fts}) VALUES ('optimize')"),
                [],
            )?;
        }
        self.refresh_duplicate_keys()?;
        self.conn
            .execute_batch("PRAGMA cache_size = -2000; PRAGMA optimize;")?;
        Ok(summary)
    }

    /// Whether demo data was ever added here (see [`Store::demo`]).
    pub fn holds_demo_data(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT demo FROM device", [], |r| r.get(0))?)
    }

    /// Refuse, with [`StoreError::DemoData`], when demo data is here: what
    /// signing in to a team server checks first.
    pub fn refuse_demo_data(&self) -> Result<()> {
        if self.holds_demo_data()? {
            return Err(StoreError::DemoData(self.path().to_owned()));
        }
        Ok(())
    }

    fn demo_users(
        &mut self,
        rng: &mut Rng,
        hlc: &str,
        summary: &mut DemoSummary,
    ) -> Result<Vec<Id>> {
        let now = self.now().timestamp_millis();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = vec![self.device.user_id];
        for (i, team) in [
            "North", "North", "North", "South", "South", "South", "North", "South",
        ]
        .iter()
        .enumerate()
        {
            let lang = [Lang::Zh, Lang::En, Lang::Es][i % 3];
            let name = person(rng, lang);
            let role = if i >= 6 { "manager" } else { "rep" };
            let id = Id::new();
            tx.execute(
                "INSERT INTO users (id, name, email, role, team, created_at, updated_at, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                params![
                    id.0,
                    name,
                    format!("{}@demo.example.com", slug(rng)),
                    role,
                    team,
                    now,
                    hlc
                ],
            )?;
            ids.push(id);
            summary.users += 1;
        }
        tx.commit()?;
        Ok(ids)
    }
}

#[allow(clippy::too_many_arguments)]
fn demo_chunk(
    tx: &Transaction<'_>,
    rng: &mut Rng,
    sales: &mut SalesDemo,
    accounts: u64,
    size: DemoSize,
    users: &[Id],
    hlc: &str,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<()> {
    let now_ms = now.timestamp_millis();
    let three_years_ms = Duration::days(3 * 365).num_milliseconds();
    let today = now.date_naive();
    let mut insert_account = tx.prepare_cached(
        "INSERT INTO accounts (id, name, kind, industry, region, phone, email, website, size, lifecycle, tags, owner_id,
                               created_at, created_by, updated_at, hlc, payment_terms_days, price_list_id)
         VALUES (?1, ?2, 'company', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11, ?12, ?13, ?14, ?15)",
    )?;
    let mut insert_contact = tx.prepare_cached(
        "INSERT INTO contacts (id, account_id, name, title, emails, phones, preferred_channel, created_at, created_by, updated_at, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?10)",
    )?;
    let mut insert_interaction = tx.prepare_cached(
        "INSERT INTO interactions (id, kind, direction, occurred_at, subject, body, account_id, contact_id, opportunity_id,
                                   author_id, created_at, created_by, updated_at, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?4, ?10, ?4, ?11)",
    )?;
    let mut insert_deal = tx.prepare_cached(
        "INSERT INTO opportunities (id, account_id, name, stage, amount, currency, probability, close_date, owner_id,
                                    created_at, created_by, updated_at, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9, ?10, ?11)",
    )?;
    let mut insert_task = tx.prepare_cached(
        "INSERT INTO tasks (id, title, due_date, assignee_id, account_id, created_at, created_by, updated_at, hlc,
                            activity, starts_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4, ?6, ?7, 'call', ?8)",
    )?;
    let mut insert_lead = tx.prepare_cached(
        "INSERT INTO leads (id, name, company, email, phone, source, status, score, owner_id, created_at, created_by, updated_at, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9, ?10, ?11)",
    )?;
    let stages = [
        "qualification",
        "needs-analysis",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ];
    for _ in 0..accounts {
        let lang = lang(rng);
        let (name, industry, region) = company(rng, lang);
        let owner = users[rng.usize(..users.len())];
        let account = Id::new();
        let domain = format!("{}.example.com", slug(rng));
        let phone_no = phone(rng, lang);
        let email = format!("info@{domain}");
        let lifecycle = pick(rng, schema::LIFECYCLES);
        let tags = match rng.u8(..4) {
            0 => r#"["vip"]"#,
            1 => r#"["key-account","2026"]"#,
            _ => "[]",
        };
        let (terms, own_list) = sales.account_terms(lang);
        insert_account.execute(params![
            account.0,
            name,
            industry,
            region,
            phone_no,
            email,
            format!("https://{domain}/"),
            pick(rng, schema::SIZES),
            lifecycle,
            tags,
            owner.0,
            now_ms,
            hlc,
            terms,
            own_list.map(|l| l.0)
        ])?;
        let rowid = tx.last_insert_rowid();
        insert_document(
            tx,
            EntityKind::Account,
            rowid,
            &[&name, &industry, &region, &phone_no, &email, &domain],
        )?;
        summary.accounts += 1;

        let mut contacts = Vec::new();
        for _ in 0..size.contacts_per_account {
            let contact = Id::new();
            let cname = person(rng, lang);
            let title = match lang {
                Lang::Zh => pick(rng, ZH_TITLES),
                Lang::En => pick(rng, EN_TITLES),
                Lang::Es => pick(rng, ES_TITLES),
            };
            let cemail = format!("{}@{domain}", slug(rng));
            let cphone = phone(rng, lang);
            insert_contact.execute(params![
                contact.0,
                account.0,
                cname,
                title,
                serde_json::json!([cemail]).to_string(),
                serde_json::json!([cphone]).to_string(),
                pick(rng, schema::CHANNELS),
                now_ms,
                owner.0,
                hlc
            ])?;
            insert_document(
                tx,
                EntityKind::Contact,
                tx.last_insert_rowid(),
                &[&cname, title, &cemail, &cphone],
            )?;
            contacts.push((contact, cname));
            summary.contacts += 1;
        }

        let deal_stage = if rng.bool() {
            let deal = Id::new();
            let (currency, amount) = match lang {
                Lang::Zh => ("CNY", rng.i64(10_000..5_000_000) * 100),
                Lang::En => ("USD", rng.i64(1_000..500_000) * 100),
                Lang::Es => ("EUR", rng.i64(1_000..400_000) * 100),
            };
            let stage = stages[rng.usize(..stages.len())];
            let deal_name = match lang {
                Lang::Zh => format!("{name} 年度采购"),
                Lang::En => format!("{name} annual contract"),
                Lang::Es => format!("{name} contrato anual"),
            };
            let close = today + Duration::days(rng.i64(-60..180));
            insert_deal.execute(params![
                deal.0,
                account.0,
                deal_name,
                stage,
                amount,
                currency,
                rng.i64(0..=100),
                close.format("%Y-%m-%d").to_string(),
                owner.0,
                now_ms,
                hlc
            ])?;
            insert_document(
                tx,
                EntityKind::Opportunity,
                tx.last_insert_rowid(),
                &[&deal_name],
            )?;
            summary.opportunities += 1;
            Some((deal, stage))
        } else {
            None
        };
        let deal = deal_stage.map(|(d, _)| d);

        for _ in 0..size.interactions_per_account {
            let kind = pick(rng, &["call", "visit", "meeting", "email", "note"]);
            let (contact, cname) = match contacts.is_empty() {
                true => (None, "the customer".to_owned()),
                false => {
                    let (c, n) = &contacts[rng.usize(..contacts.len())];
                    (Some(c.0), n.clone())
                }
            };
            let (subject, body) = interaction_text(rng, lang, kind, &cname);
            let at = now_ms - rng.i64(0..three_years_ms);
            let author = users[rng.usize(..users.len())];
            insert_interaction.execute(params![
                Id::new().0,
                kind,
                pick(rng, &["outbound", "inbound"]),
                at,
                subject,
                body,
                account.0,
                contact,
                deal.filter(|_| rng.u8(..3) == 0).map(|d| d.0),
                author.0,
                hlc
            ])?;
            insert_document(
                tx,
                EntityKind::Interaction,
                tx.last_insert_rowid(),
                &[&subject, &body],
            )?;
            summary.interactions += 1;
        }

        if rng.u8(..5) == 0 {
            let title = match lang {
                Lang::Zh => "回电确认报价",
                Lang::En => "Call back about the quote",
                Lang::Es => "Llamar para confirmar la oferta",
            };
            let due: NaiveDate = today + Duration::days(rng.i64(-10..30));
            // A planned call, at a round hour of the working day (UTC),
            // taken from the day so the seed's sequence (and every record
            // after this one) stays as it was.
            let starts_at = due
                .and_hms_opt(1 + due.ordinal0() % 8, 0, 0)
                .map(|t| t.and_utc().timestamp_millis());
            insert_task.execute(params![
                Id::new().0,
                title,
                due.format("%Y-%m-%d").to_string(),
                owner.0,
                account.0,
                now_ms,
                hlc,
                starts_at
            ])?;
            summary.tasks += 1;
        }

        if rng.u8(..5) == 0 {
            let llang = lang;
            let lname = person(rng, llang);
            let (lcompany, _, _) = company(rng, llang);
            let lemail = format!("{}@lead.example.com", slug(rng));
            let lphone = phone(rng, llang);
            insert_lead.execute(params![
                Id::new().0,
                lname,
                lcompany,
                lemail,
                lphone,
                pick(
                    rng,
                    &["exhibition", "web", "referral", "cold_call", "campaign"]
                ),
                pick(rng, &["new", "working", "qualified"]),
                rng.i64(0..=100),
                owner.0,
                now_ms,
                hlc
            ])?;
            insert_document(
                tx,
                EntityKind::Lead,
                tx.last_insert_rowid(),
                &[&lname, &lcompany, &lemail, &lphone],
            )?;
            summary.leads += 1;
        }

        let contact_ids: Vec<Id> = contacts.iter().map(|(c, _)| *c).collect();
        let customer = Customer {
            id: account,
            lang,
            owner,
            contacts: &contact_ids,
            deal: deal_stage,
            terms,
        };
        sales.account(tx, &customer, summary)?;
    }
    Ok(())
}
