//! The service desk of the demo: the team's business hours and a service
//! level per priority, a knowledge base in three languages, and cases over
//! the demo's accounts (one for every ten), most of the older ones resolved
//! with a satisfaction answer, the recent ones open, some waiting on the
//! customer and some past due, so every queue has something in it.

use chrono::{DateTime, Duration, Utc};
use crm_domain::{EntityKind, Id};
use fastrand::Rng;
use serde_json::{Value, json};

use crate::{Result, Store, demo::DemoSummary};

/// Articles: (language, title, body).
const ARTICLES: &[(&str, &str, &str)] = &[
    (
        "zh",
        "离心泵机械密封漏水的处理",
        "## 现象\n泵轴处持续滴水或喷水。\n\n## 处理\n1. 关闭进水阀并断电。\n2. 拆下联轴器护罩，检查机械密封动静环。\n3. 动静环有划痕时整体更换机械密封，安装前清洁轴套。\n4. 试运行 30 分钟，确认无泄漏。",
    ),
    (
        "zh",
        "变频器显示 OC 过流报警",
        "## 常见原因\n- 加速时间过短\n- 电机绝缘下降\n- 负载卡死\n\n## 处理\n先延长加速时间到 10 秒；仍报警时用兆欧表测电机绝缘，低于 5 MΩ 请联系服务工程师。",
    ),
    (
        "zh",
        "打印机卡纸的排除方法",
        "打开前盖，按箭头方向取出纸张，不要反向拉扯。清洁搓纸轮后重新装纸，纸张不要超过装纸线。",
    ),
    (
        "zh",
        "开具增值税专用发票需要的信息",
        "请提供：公司全称、纳税人识别号、地址电话、开户行及账号。信息有误的发票无法重开，请核对后再提交。",
    ),
    (
        "en",
        "Pump seal leaking: what to check",
        "## Symptom\nWater drips at the shaft.\n\n## Fix\n1. Close the inlet valve and isolate power.\n2. Inspect the mechanical seal faces.\n3. Replace the seal as a set if the faces are scored.\n4. Run for 30 minutes and check again.",
    ),
    (
        "en",
        "Inverter trips with an overcurrent alarm",
        "Lengthen the acceleration ramp first (10 s). If it still trips, measure the motor insulation; below 5 MΩ, book an engineer.",
    ),
    (
        "en",
        "Resetting the controller password",
        "Hold SET for 10 seconds while powering on. The password returns to 0000; change it at once under Settings → Security.",
    ),
    (
        "en",
        "Warranty: what is covered",
        "Parts and labour for 24 months from delivery. Wear parts (seals, bearings, filters) are covered for 6 months. Damage from dry running is not covered.",
    ),
    (
        "es",
        "Fuga en el sello mecánico de la bomba",
        "## Síntoma\nGotea agua por el eje.\n\n## Solución\n1. Cierre la válvula de entrada y corte la corriente.\n2. Revise las caras del sello mecánico.\n3. Sustituya el sello completo si las caras están rayadas.\n4. Pruebe 30 minutos.",
    ),
    (
        "es",
        "El variador da alarma de sobrecorriente",
        "Alargue primero la rampa de aceleración (10 s). Si sigue saltando, mida el aislamiento del motor; por debajo de 5 MΩ, pida un técnico.",
    ),
    (
        "es",
        "Cómo pedir una factura rectificativa",
        "Indique el número de la factura original, el motivo y los datos correctos. La rectificativa se emite en 48 horas laborables.",
    ),
    (
        "es",
        "Garantía: qué cubre",
        "Piezas y mano de obra durante 24 meses desde la entrega. Las piezas de desgaste (sellos, rodamientos, filtros), 6 meses.",
    ),
];

/// Case subjects by language, each with the article that solves it.
const SUBJECTS: &[(&str, &str, usize)] = &[
    ("zh", "水泵轴封漏水", 0),
    ("zh", "变频器频繁报 OC 故障", 1),
    ("zh", "打印机经常卡纸", 2),
    ("zh", "发票信息有误需要重开", 3),
    ("en", "Pump leaking at the shaft", 4),
    ("en", "Drive keeps tripping on start", 5),
    ("en", "Locked out of the controller", 6),
    ("en", "Is a worn seal under warranty?", 7),
    ("es", "La bomba pierde agua por el eje", 8),
    ("es", "El variador salta al arrancar", 9),
    ("es", "Factura con datos incorrectos", 10),
    ("es", "¿Cubre la garantía el rodamiento?", 11),
];

const CATEGORIES: &[&str] = &["设备故障", "Installation", "Facturación", "Warranty"];

impl Store {
    /// Add the service desk for `accounts` (their ids, with their language:
    /// 0 Chinese, 1 English, 2 Spanish) and the team `users`.
    pub(crate) fn demo_service(
        &mut self,
        rng: &mut Rng,
        accounts: &[(Id, usize)],
        users: &[Id],
        summary: &mut DemoSummary,
    ) -> Result<()> {
        let now = self.now();
        // Written through the writer (rows, search, the rules of the kinds)
        // but, as all demo data, never queued and without edit history:
        // what it adds to either is taken out again below.
        let (outbox_before, history_before, seq_before): (i64, i64, i64) = self.conn().query_row(
            "SELECT (SELECT coalesce(max(device_seq), 0) FROM outbox),
                    (SELECT coalesce(max(id), 0) FROM field_history),
                    (SELECT seq FROM device)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        self.write(|w| {
            w.insert(
                EntityKind::Calendar,
                &[
                    ("name", json!("上海 / Shanghai")),
                    ("tz", json!("Asia/Shanghai")),
                    ("days", json!("mon-fri")),
                    ("hours", json!("09:00-12:00,13:00-18:00")),
                    (
                        "holidays",
                        json!("2027-01-01,2027-02-05,2027-02-08,2027-02-09,2027-02-10,2027-02-11,2027-04-05,2027-05-03,2027-06-09,2027-09-15,2027-10-01,2027-10-04,2027-10-05,2027-10-06,2027-10-07"),
                    ),
                    ("workdays", json!("2027-02-07,2027-02-20,2027-09-26,2027-10-09")),
                ],
            )?;
            for (priority, first, resolution, warn, raise) in [
                ("urgent", "1h", "4h", "30m", None),
                ("high", "4h", "1d", "1h", Some("urgent")),
                ("normal", "1d", "3d", "2h", Some("high")),
                ("low", "2d", "5d", "4h", None),
            ] {
                let mut fields = vec![
                    ("priority", json!(priority)),
                    ("first_response", json!(first)),
                    ("resolution", json!(resolution)),
                    ("warn_before", json!(warn)),
                ];
                if let Some(r) = raise {
                    fields.push(("raise_to", json!(r)));
                }
                w.insert(EntityKind::SlaPolicy, &fields)?;
            }
            Ok(())
        })?;
        let me = self.user_id();
        let articles: Vec<Id> = self.write(|w| {
            ARTICLES
                .iter()
                .enumerate()
                .map(|(i, (lang, title, body))| {
                    w.insert(
                        EntityKind::Article,
                        &[
                            ("title", json!(title)),
                            ("body", json!(body)),
                            ("language", json!(lang)),
                            ("category", json!(CATEGORIES[i % CATEGORIES.len()])),
                            ("status", json!("published")),
                            ("author_id", json!(me.to_string())),
                        ],
                    )
                })
                .collect::<Result<_>>()
        })?;
        summary.articles = articles.len() as u64;

        // One case for every ten accounts, written in batches.
        let chosen: Vec<(Id, usize)> = accounts.iter().step_by(10).copied().collect();
        for batch in chosen.chunks(500) {
            let made = self.write(|w| {
                let mut made = (0u64, 0u64, 0u64);
                for (account, lang) in batch {
                    let subjects: Vec<&(&str, &str, usize)> = SUBJECTS
                        .iter()
                        .filter(|(l, _, _)| *l == ["zh", "en", "es"][*lang])
                        .collect();
                    let (_, subject, article) = subjects[rng.usize(..subjects.len())];
                    let age_hours = if rng.u8(..10) < 4 {
                        rng.i64(0..72)
                    } else {
                        rng.i64(72..24 * 60)
                    };
                    let opened: DateTime<Utc> = now - Duration::hours(age_hours);
                    let owner = users[rng.usize(..users.len())];
                    let priority = ["low", "normal", "normal", "high", "urgent"][rng.usize(..5)];
                    // From the device's own counter, as a person's case is
                    // numbered: the next real case never repeats a demo one.
                    let number = crate::sales::next_number(w, "C")?;
                    let case = w.insert(
                        EntityKind::Case,
                        &[
                            ("number", json!(number)),
                            ("account_id", json!(account.to_string())),
                            ("subject", json!(subject)),
                            ("priority", json!(priority)),
                            ("status", json!("new")),
                            (
                                "channel",
                                json!(["phone", "email", "web", "visit"][rng.usize(..4)]),
                            ),
                            ("category", json!(CATEGORIES[rng.usize(..CATEGORIES.len())])),
                            ("opened_at", json!(opened.timestamp_millis())),
                            ("owner_id", json!(owner.to_string())),
                        ],
                    )?;
                    made.0 += 1;
                    let old = age_hours >= 72;
                    // Answered within a few hours, or not yet.
                    if old || rng.bool() {
                        let answered = opened + Duration::minutes(rng.i64(20..300));
                        if answered < now {
                            w.insert(
                                EntityKind::Interaction,
                                &[
                                    ("kind", json!("call")),
                                    ("direction", json!("outbound")),
                                    ("occurred_at", json!(answered.timestamp_millis())),
                                    ("subject", json!(subject)),
                                    ("account_id", json!(account.to_string())),
                                    ("case_id", json!(case.to_string())),
                                    ("author_id", json!(owner.to_string())),
                                ],
                            )?;
                            made.2 += 1;
                            move_at(w, case, "new", "in_progress", answered, owner)?;
                            let status = if old {
                                if rng.u8(..10) < 8 {
                                    "resolved"
                                } else {
                                    "closed"
                                }
                            } else if rng.u8(..4) == 0 {
                                "waiting"
                            } else {
                                "in_progress"
                            };
                            if status != "in_progress" {
                                let at = answered + Duration::hours(rng.i64(1..40));
                                let at = at.min(now);
                                move_at(w, case, "in_progress", status, at, owner)?;
                                if matches!(status, "resolved" | "closed") {
                                    w.update(
                                        EntityKind::Case,
                                        case,
                                        &[
                                            ("resolved_at", json!(at.timestamp_millis())),
                                            (
                                                "solution_article_id",
                                                json!(articles[*article].to_string()),
                                            ),
                                        ],
                                    )?;
                                    if rng.u8(..3) > 0 {
                                        let score = [3, 4, 4, 5, 5, 5, 2][rng.usize(..7)];
                                        w.insert(
                                            EntityKind::Survey,
                                            &[
                                                ("kind", json!("csat")),
                                                ("account_id", json!(account.to_string())),
                                                ("case_id", json!(case.to_string())),
                                                ("score", json!(score)),
                                                ("answered_at", json!(at.timestamp_millis())),
                                                ("source", json!("staff")),
                                                ("recorded_by", json!(owner.to_string())),
                                            ],
                                        )?;
                                        made.1 += 1;
                                    }
                                }
                            }
                        }
                    }
                }
                Ok(made)
            })?;
            summary.cases += made.0;
            summary.surveys += made.1;
            summary.interactions += made.2;
        }
        self.conn()
            .execute("DELETE FROM outbox WHERE device_seq > ?1", [outbox_before])?;
        self.conn()
            .execute("DELETE FROM field_history WHERE id > ?1", [history_before])?;
        // The sequence goes on from where it was: the next real change is
        // the one after the last real one.
        self.conn()
            .execute("UPDATE device SET seq = ?1", [seq_before])?;
        Ok(())
    }
}

/// A status move of a demo case at `at`, as the flow writes it.
fn move_at(
    w: &mut crate::Writer<'_>,
    case: Id,
    from: &str,
    to: &str,
    at: DateTime<Utc>,
    author: Id,
) -> Result<()> {
    w.update(EntityKind::Case, case, &[("status", json!(to))])?;
    let fields: Vec<(&str, Value)> = vec![
        ("case_id", json!(case.to_string())),
        ("kind", json!("status")),
        ("at", json!(at.timestamp_millis())),
        ("from_status", json!(from)),
        ("to_status", json!(to)),
        ("author_id", json!(author.to_string())),
    ];
    w.insert(EntityKind::CaseEvent, &fields)?;
    Ok(())
}
