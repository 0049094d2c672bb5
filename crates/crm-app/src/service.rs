//! Service for the screens: cases and their queues, moves, replies,
//! solutions, satisfaction, the knowledge base, the service levels and
//! escalation. Each command is one call of the store's use case
//! (`crm_store::service`), as the CLI's.

use crm_domain::{EntityKind, Id};
use crm_store::{
    CaseLine, CaseQueue, CaseView, ESCALATION_BATCH, EscalationPass, NewCase, RecordRow,
    ServiceView, Suggestion,
};
use serde::Deserialize;

use crate::{App, AppError, Result, commands::RawFields};

/// A case to open, as typed.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenCase {
    /// The customer.
    pub account_id: Id,
    /// What it is about.
    pub subject: String,
    /// Who asked.
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// `low`, `normal`, `high` or `urgent`.
    #[serde(default)]
    pub priority: Option<String>,
    /// How it reached us.
    #[serde(default)]
    pub channel: Option<String>,
    /// The customer's words.
    #[serde(default)]
    pub description: Option<String>,
    /// The order it concerns.
    #[serde(default)]
    pub order_id: Option<Id>,
    /// The product it concerns.
    #[serde(default)]
    pub product_id: Option<Id>,
    /// Its category.
    #[serde(default)]
    pub category: Option<String>,
    /// Who works on it [default: this user].
    #[serde(default)]
    pub owner_id: Option<Id>,
}

/// Which cases.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseList {
    /// `open`, `breached`, `at_risk`, `escalated` or `all` [default: open].
    #[serde(default)]
    pub queue: Option<String>,
    /// Only this user's.
    #[serde(default)]
    pub mine: bool,
    /// Only of this priority.
    #[serde(default)]
    pub priority: Option<String>,
    /// How many [default: 200].
    #[serde(default)]
    pub limit: Option<usize>,
}

/// An account's cases.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountCases {
    /// The account.
    pub account_id: Id,
    /// How many [default: 50].
    #[serde(default)]
    pub limit: Option<usize>,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseId {
    /// Its id.
    pub id: Id,
}

/// A move along a case's flow.
#[derive(Debug, Clone, Deserialize)]
pub struct MoveCase {
    /// The case.
    pub id: Id,
    /// `in_progress`, `waiting`, `resolved`, `closed` or `reopened`.
    pub status: String,
    /// Why.
    #[serde(default)]
    pub note: Option<String>,
}

/// A reply, call or visit on a case.
#[derive(Debug, Clone, Deserialize)]
pub struct ReplyCase {
    /// The case.
    pub id: Id,
    /// `call`, `email`, `visit`...
    pub kind: String,
    /// Its subject.
    pub subject: String,
    /// What was said.
    #[serde(default)]
    pub body: Option<String>,
    /// The customer's message rather than our answer.
    #[serde(default)]
    pub inbound: bool,
}

/// A case solved by an article.
#[derive(Debug, Clone, Deserialize)]
pub struct SolveCase {
    /// The case.
    pub id: Id,
    /// The article.
    pub article_id: Id,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A satisfaction answer, as typed.
#[derive(Debug, Clone, Deserialize)]
pub struct AddSurvey {
    /// `csat` (a resolved case, 1-5) or `nps` (an account, 0-10).
    pub kind: String,
    /// The case (CSAT).
    #[serde(default)]
    pub case_id: Option<Id>,
    /// The account (NPS).
    #[serde(default)]
    pub account_id: Option<Id>,
    /// The score.
    pub score: String,
    /// The customer's words.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Words to look for in the knowledge base.
#[derive(Debug, Clone, Deserialize)]
pub struct KbQuery {
    /// The words.
    pub query: String,
    /// How many [default: 20].
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A service level or the calendar, its fields as typed.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceFields {
    /// Field values as typed.
    pub fields: RawFields,
}

impl App {
    /// Open a case; returns its page.
    pub fn case_new(&self, args: OpenCase) -> Result<CaseView> {
        self.write(|s| {
            let id = s.case_add(NewCase {
                account_id: args.account_id,
                subject: args.subject,
                contact_id: args.contact_id,
                priority: args.priority,
                channel: args.channel,
                description: args.description,
                order_id: args.order_id,
                product_id: args.product_id,
                category: args.category,
                owner_id: args.owner_id,
            })?;
            Ok(s.case_view(id)?)
        })
    }

    /// A queue of cases, breached first.
    pub fn cases(&self, args: CaseList) -> Result<Vec<CaseLine>> {
        let queue: CaseQueue = match args.queue.as_deref() {
            Some(q) => q.parse().map_err(|p| AppError::invalid("queue", &p))?,
            None => CaseQueue::Open,
        };
        let limit = args.limit.unwrap_or(200).clamp(1, 1000);
        self.read(|s| Ok(s.cases(queue, args.mine, args.priority.as_deref(), limit)?))
    }

    /// A resolved case's story, the start of an article written from it.
    pub fn case_story(&self, args: CaseId) -> Result<String> {
        self.read(|s| Ok(s.case_story(args.id)?))
    }

    /// An account's cases for its page, open ones first.
    pub fn account_cases(&self, args: AccountCases) -> Result<Vec<CaseLine>> {
        let limit = args.limit.unwrap_or(50).clamp(1, 500);
        self.read(|s| Ok(s.account_cases(args.account_id, limit)?))
    }

    /// A case's page.
    pub fn case_view(&self, args: CaseId) -> Result<CaseView> {
        self.read(|s| Ok(s.case_view(args.id)?))
    }

    /// Move a case along its flow; returns its page.
    pub fn case_move(&self, args: MoveCase) -> Result<CaseView> {
        self.write(|s| {
            s.case_move(args.id, &args.status, args.note.as_deref())?;
            Ok(s.case_view(args.id)?)
        })
    }

    /// Answer a case; returns its page.
    pub fn case_reply(&self, args: ReplyCase) -> Result<CaseView> {
        self.write(|s| {
            s.case_reply(
                args.id,
                &args.kind,
                &args.subject,
                args.body.as_deref(),
                args.inbound,
            )?;
            Ok(s.case_view(args.id)?)
        })
    }

    /// Resolve a case with an article; returns its page.
    pub fn case_solve(&self, args: SolveCase) -> Result<CaseView> {
        self.write(|s| {
            s.case_solve(args.id, args.article_id, args.note.as_deref())?;
            Ok(s.case_view(args.id)?)
        })
    }

    /// Record a satisfaction answer; returns it.
    pub fn survey_add(&self, args: AddSurvey) -> Result<RecordRow> {
        self.write(|s| {
            let id = s.survey_add(
                &args.kind,
                args.case_id,
                args.account_id,
                &args.score,
                args.comment.as_deref(),
                "staff",
            )?;
            Ok(s.record(EntityKind::Survey, id)?)
        })
    }

    /// Published articles (and this user's drafts) matching the words.
    pub fn kb_search(&self, args: KbQuery) -> Result<Vec<Suggestion>> {
        let limit = args.limit.unwrap_or(20).clamp(1, 200);
        self.read(|s| {
            Ok(s.kb_search(&args.query, limit)?
                .into_iter()
                .map(|h| Suggestion {
                    id: h.id,
                    title: h.title,
                })
                .collect())
        })
    }

    /// How many cases an article solved.
    pub fn article_uses(&self, args: CaseId) -> Result<i64> {
        self.read(|s| Ok(s.article_uses(args.id)?))
    }

    /// Set the service level of a priority (managers); returns it.
    pub fn sla_policy_set(&self, args: ServiceFields) -> Result<RecordRow> {
        self.write(|s| {
            let values = s.typed(EntityKind::SlaPolicy, &args.fields, None)?;
            let id = s.sla_policy_set(&values)?;
            Ok(s.record(EntityKind::SlaPolicy, id)?)
        })
    }

    /// Set the team's business calendar (managers); returns it.
    pub fn calendar_set(&self, args: ServiceFields) -> Result<RecordRow> {
        self.write(|s| {
            let values = s.typed(EntityKind::Calendar, &args.fields, None)?;
            let id = s.calendar_set(&values)?;
            Ok(s.record(EntityKind::Calendar, id)?)
        })
    }

    /// The manager's service view.
    pub fn service_view(&self) -> Result<ServiceView> {
        self.read(|s| Ok(s.service_view()?))
    }

    /// Escalate the cases at risk or past due, by this laptop's clock:
    /// found on a reading connection, written in short batches, so the
    /// screens' reads and a person's edits never wait behind the pass.
    pub fn escalate(&self) -> Result<EscalationPass> {
        let (now, (examined, due)) = self.read(|s| {
            let now = s.now();
            Ok((now, s.escalations_due(now)?))
        })?;
        let mut escalated = Vec::with_capacity(due.len());
        for batch in due.chunks(ESCALATION_BATCH) {
            escalated.extend(self.write(|s| Ok(s.escalate_some(batch, now)?))?);
            // A person's edit waiting for the write connection goes next
            // (a lock released and taken again at once would keep it out).
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        Ok(EscalationPass {
            examined,
            escalated,
        })
    }
}
