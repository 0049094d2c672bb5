//! Operations that span several records, each one transaction.

use crm_domain::{EntityKind, Id, Money};
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    Store,
    error::Rule,
    error::{Result, StoreError},
    write::Writer,
};

/// Choices when converting a lead.
#[derive(Debug, Clone, Default)]
pub struct LeadConversion {
    /// Attach to this existing account instead of creating one.
    pub account_id: Option<Id>,
    /// Name of the new deal; default "<company>: <lead name>".
    pub deal_name: Option<String>,
    /// Value of the new deal; default zero in the device's currency.
    pub amount: Option<Money>,
}

/// What a lead became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Converted {
    /// The account (new, or the one given).
    pub account_id: Id,
    /// The new contact.
    pub contact_id: Id,
    /// The new deal.
    pub opportunity_id: Id,
    /// History entries moved over from the lead.
    pub interactions_moved: usize,
    /// Tasks moved over from the lead.
    pub tasks_moved: usize,
}

/// How many records changed owner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Reassigned {
    /// Accounts.
    pub accounts: usize,
    /// Leads.
    pub leads: usize,
    /// Deals.
    pub opportunities: usize,
    /// Open tasks.
    pub tasks: usize,
    /// Records of other kinds.
    pub other: usize,
}

impl Reassigned {
    fn count(&mut self, kind: EntityKind) -> &mut usize {
        match kind {
            EntityKind::Account => &mut self.accounts,
            EntityKind::Lead => &mut self.leads,
            EntityKind::Opportunity => &mut self.opportunities,
            EntityKind::Task => &mut self.tasks,
            EntityKind::User
            | EntityKind::Contact
            | EntityKind::Interaction
            | EntityKind::Conflict
            | EntityKind::ExchangeRate
            | EntityKind::Product
            | EntityKind::PriceList
            | EntityKind::Price
            | EntityKind::Quote
            | EntityKind::QuoteLine
            | EntityKind::Order
            | EntityKind::OrderLine
            | EntityKind::Payment
            | EntityKind::PaymentAllocation
            | EntityKind::Company
            | EntityKind::Case
            | EntityKind::CaseEvent
            | EntityKind::SlaPolicy
            | EntityKind::Calendar
            | EntityKind::Article
            | EntityKind::Survey => &mut self.other,
        }
    }
}

/// What completing a task did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Completed {
    /// The history entry a planned call, visit, meeting or email became.
    pub interaction: Option<Id>,
}

/// A task as completing it needs it.
struct PlannedTask {
    title: String,
    done: bool,
    activity: Option<String>,
    starts_at: Option<i64>,
    refs: [(&'static str, Option<Uuid>); 4],
}

fn ids_where(w: &Writer<'_>, sql: &str, arg: Uuid) -> Result<Vec<Id>> {
    let ids = w
        .conn()
        .prepare_cached(sql)?
        .query_map([arg], |r| r.get::<_, Uuid>(0).map(Id))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

fn text(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| json!(s))
}

impl Store {
    /// Turn a lead into an account (or attach it to an existing one), a contact
    /// and a deal, carry its history and tasks over, and mark it converted: all
    /// or nothing.
    pub fn convert_lead(&mut self, lead_id: Id, choice: LeadConversion) -> Result<Converted> {
        if let Some(account) = choice.account_id {
            self.account(account)?;
        }
        self.write(|w| {
            // Read inside the write transaction: another handle (the `crm`
            // command beside the app) cannot convert it in between.
            let lead = crate::read::lead_on(w.conn(), lead_id)?;
            if matches!(lead.status.as_str(), "converted" | "disqualified") {
                return Err(Rule::LeadClosed {
                    name: lead.name,
                    status: lead.status,
                }
                .into());
            }
            let owner = lead.owner_id.unwrap_or(w.user_id());
            let account_id = match choice.account_id {
                Some(existing) => existing,
                None => {
                    let (name, kind) = match &lead.company {
                        Some(company) => (company.clone(), "company"),
                        None => (lead.name.clone(), "individual"),
                    };
                    w.insert(
                        EntityKind::Account,
                        &[
                            ("name", json!(name)),
                            ("kind", json!(kind)),
                            ("phone", text(&lead.phone)),
                            ("email", text(&lead.email)),
                            ("owner_id", json!(owner.to_string())),
                        ],
                    )?
                }
            };
            let contact_id = w.insert(
                EntityKind::Contact,
                &[
                    ("account_id", json!(account_id.to_string())),
                    ("name", json!(lead.name)),
                    ("title", text(&lead.title)),
                    ("emails", json!(lead.email.iter().collect::<Vec<_>>())),
                    ("phones", json!(lead.phone.iter().collect::<Vec<_>>())),
                    ("notes", text(&lead.notes)),
                ],
            )?;
            let deal_name = choice
                .deal_name
                .clone()
                .unwrap_or_else(|| match &lead.company {
                    Some(company) => format!("{company}: {}", lead.name),
                    None => lead.name.clone(),
                });
            let (amount, currency) = match choice.amount {
                Some(m) => (m.minor, m.currency.code().to_owned()),
                None => (0, w.default_currency().to_owned()),
            };
            let opportunity_id = w.insert(
                EntityKind::Opportunity,
                &[
                    ("account_id", json!(account_id.to_string())),
                    ("name", json!(deal_name)),
                    ("stage", json!("qualification")),
                    ("amount", json!(amount)),
                    ("currency", json!(currency)),
                    ("probability", json!(10)),
                    ("owner_id", json!(owner.to_string())),
                    ("lead_id", json!(lead_id.to_string())),
                ],
            )?;
            let moves = [
                ("account_id", json!(account_id.to_string())),
                ("contact_id", json!(contact_id.to_string())),
            ];
            let interactions = ids_where(
                w,
                "SELECT id FROM interactions WHERE lead_id = ?1 AND deleted_at IS NULL",
                lead_id.0,
            )?;
            for id in &interactions {
                w.update(EntityKind::Interaction, *id, &moves)?;
            }
            let tasks = ids_where(
                w,
                "SELECT id FROM tasks WHERE lead_id = ?1 AND deleted_at IS NULL",
                lead_id.0,
            )?;
            for id in &tasks {
                w.update(EntityKind::Task, *id, &moves)?;
            }
            w.update(
                EntityKind::Lead,
                lead_id,
                &[
                    ("status", json!("converted")),
                    ("converted_account_id", json!(account_id.to_string())),
                    ("converted_contact_id", json!(contact_id.to_string())),
                    (
                        "converted_opportunity_id",
                        json!(opportunity_id.to_string()),
                    ),
                ],
            )?;
            Ok(Converted {
                account_id,
                contact_id,
                opportunity_id,
                interactions_moved: interactions.len(),
                tasks_moved: tasks.len(),
            })
        })
    }

    /// Mark a lead as not worth pursuing, with the reason.
    pub fn disqualify_lead(&mut self, lead_id: Id, reason: &str) -> Result<()> {
        self.write(|w| {
            let lead = crate::read::lead_on(w.conn(), lead_id)?;
            if lead.status == "converted" {
                return Err(Rule::LeadClosed {
                    name: lead.name,
                    status: lead.status,
                }
                .into());
            }
            w.update(
                EntityKind::Lead,
                lead_id,
                &[
                    ("status", json!("disqualified")),
                    ("disqualify_reason", json!(reason)),
                ],
            )
        })?;
        Ok(())
    }

    /// Hand every account, lead, deal and open task of one user to another (a
    /// rep leaves): one transaction, each change an ordinary synced edit.
    pub fn reassign(&mut self, from: Id, to: Id) -> Result<Reassigned> {
        if from == to {
            return Err(Rule::SamePerson.into());
        }
        let target: Option<(bool, String)> = self
            .conn()
            .query_row(
                "SELECT active, name FROM users WHERE id = ?1 AND deleted_at IS NULL",
                [to.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match target {
            None => {
                return Err(StoreError::NotFound {
                    entity: EntityKind::User,
                    id: to,
                });
            }
            Some((false, name)) => return Err(Rule::UserLeft { name }.into()),
            Some((true, _)) => {}
        }
        self.may_hand(to)?;
        self.write(|w| {
            let mut done = Reassigned::default();
            // Every kind with an owner (its description says which field),
            // finished records excepted.
            for kind in EntityKind::ALL {
                let entity = kind.entity();
                let Some(owner) = entity.owner() else {
                    continue;
                };
                let unfinished = entity
                    .done
                    .map(|f| format!(" AND {f} IS NULL"))
                    .unwrap_or_default();
                let sql = format!(
                    "SELECT id FROM {} WHERE {owner} = ?1 AND deleted_at IS NULL{unfinished}",
                    entity.table
                );
                for id in ids_where(w, &sql, from.0)? {
                    w.update(kind, id, &[(owner, json!(to.to_string()))])?;
                    *done.count(kind) += 1;
                }
            }
            Ok(done)
        })
    }

    /// Move a deal to another stage; its probability follows the stage's
    /// default. Moving to a lost stage records the reason.
    pub fn move_deal(&mut self, deal: Id, stage: &str, lost_reason: Option<&str>) -> Result<()> {
        self.opportunity(deal)?;
        let stage = stage.trim().to_lowercase();
        let probability: Option<i64> = self
            .conn()
            .query_row(
                "SELECT probability FROM pipeline_stages WHERE key = ?1",
                [&stage],
                |r| r.get(0),
            )
            .optional()?;
        self.write(|w| {
            let mut changes = vec![("stage", json!(stage))];
            if let Some(p) = probability {
                changes.push(("probability", json!(p)));
            }
            if let Some(reason) = lost_reason {
                changes.push(("lost_reason", json!(reason)));
            }
            w.update(EntityKind::Opportunity, deal, &changes)
        })?;
        Ok(())
    }

    /// Mark a task done now. A planned call, visit, meeting or email also
    /// becomes a history entry of that kind, in the same transaction: on the
    /// task's account (or lead), with the task's title as subject, its
    /// contact and deal, and `outcome` when given. It is dated when the
    /// activity was to start, unless that is still ahead (done early), then
    /// now. A plain to-do (no activity, or `todo`) only completes. The entry
    /// is an ordinary insert of this laptop's, so it exists once: other
    /// laptops receive it by sync, never write it again.
    pub fn complete_task(&mut self, task: Id, outcome: Option<&str>) -> Result<Completed> {
        let outcome = outcome.map(str::trim).filter(|o| !o.is_empty());
        let interaction = self.write(|w| {
            let planned = w
                .conn()
                .query_row(
                    "SELECT title, done_at IS NOT NULL, activity, starts_at, account_id,
                            contact_id, opportunity_id, lead_id
                     FROM tasks WHERE id = ?1 AND deleted_at IS NULL",
                    [task.0],
                    |r| {
                        Ok(PlannedTask {
                            title: r.get(0)?,
                            done: r.get(1)?,
                            activity: r.get(2)?,
                            starts_at: r.get(3)?,
                            refs: [
                                ("account_id", r.get(4)?),
                                ("contact_id", r.get(5)?),
                                ("opportunity_id", r.get(6)?),
                                ("lead_id", r.get(7)?),
                            ],
                        })
                    },
                )
                .optional()?
                .ok_or(StoreError::NotFound {
                    entity: EntityKind::Task,
                    id: task,
                })?;
            if planned.done {
                return Err(Rule::TaskDone {
                    title: planned.title,
                }
                .into());
            }
            let now = w.now().timestamp_millis();
            w.update(EntityKind::Task, task, &[("done_at", json!(now))])?;
            let Some(kind) = planned.activity.filter(|a| a != "todo") else {
                return Ok(None);
            };
            let occurred_at = planned.starts_at.map_or(now, |at| at.min(now));
            let mut fields = vec![
                ("kind", json!(kind)),
                ("subject", json!(planned.title)),
                ("occurred_at", json!(occurred_at)),
                ("author_id", json!(w.user_id().to_string())),
            ];
            fields.extend(
                planned
                    .refs
                    .iter()
                    .filter_map(|(name, id)| id.map(|id| (*name, json!(Id(id).to_string())))),
            );
            if let Some(outcome) = outcome {
                fields.push(("outcome", json!(outcome)));
            }
            Ok(Some(w.insert(EntityKind::Interaction, &fields)?))
        })?;
        Ok(Completed { interaction })
    }
}
