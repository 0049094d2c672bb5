//! Every command the UI may call, declared once: the name list, the
//! dispatch by name (the HTTP bridge and the Tauri shell both serve it) and
//! each command's call come from the one table below.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{App, AppError, Progress, Result};

/// The command table: `name => how it is called` with `app`, its JSON
/// `input` and a `progress` reporter in scope.
macro_rules! commands {
    ($app:ident, $input:ident, $progress:ident; $($name:literal => $call:expr,)+) => {
        /// Every command the UI may call.
        pub const COMMANDS: &[&str] = &[$($name),+];

        /// Run `command` with JSON `input`; long commands report to `progress`.
        pub fn call(
            $app: &App,
            command: &str,
            $input: Value,
            $progress: &dyn Fn(Progress),
        ) -> Result<Value> {
            let _ = &$progress;
            // Past the team's lease only these go on: the way back is a
            // sync or an administrator's code.
            if !LEASE_FREE.contains(&command) {
                $app.check_lease()?;
            }
            match command {
                $($name => $call,)+
                _ => {
                    drop($input);
                    Err(AppError::new("unknown_command"))
                }
            }
        }
    };
}

fn args<T: DeserializeOwned>(value: Value) -> Result<T> {
    // Commands without arguments accept `null` or `{}`; for the others a
    // missing body reads as `{}` so defaults apply.
    let value = if value.is_null() {
        Value::Object(Default::default())
    } else {
        value
    };
    serde_json::from_value(value).map_err(AppError::bad_request)
}

fn out<T: Serialize>(result: Result<T>) -> Result<Value> {
    result.and_then(|v| serde_json::to_value(v).map_err(AppError::bad_request))
}

/// The commands that work when the lease has run out.
const LEASE_FREE: &[&str] = &[
    "status",
    "unlock",
    "lease",
    "lease_extend",
    "sync_now",
    "sync_status",
    "sync_cancel",
    "sync_login",
    "sync_logout",
    "get_settings",
    "save_settings",
];

#[derive(serde::Deserialize)]
struct Unlock {
    passphrase: String,
}

#[derive(serde::Deserialize)]
struct Code {
    code: String,
}

commands! { app, input, progress;
    "status" => out(app.status()),
    "unlock" => out(app.unlock(&args::<Unlock>(input)?.passphrase)),
    "lease" => out(app.lease()),
    "lease_extend" => out(app.lease_extend(&args::<Code>(input)?.code)),
    "create_database" => out(app.create_database(args(input)?)),
    "load_demo" => out(app.load_demo(args(input)?, progress)),
    "account_facets" => out(app.account_facets()),
    "list_accounts" => out(app.list_accounts(args(input)?)),
    "account_view" => out(app.account_view(args(input)?)),
    "timeline" => out(app.timeline(args(input)?)),
    "history" => out(app.history(args(input)?)),
    "create_account" => out(app.create_account(args(input)?)),
    "update_account" => out(app.update_account(args(input)?)),
    "log_interaction" => out(app.log_interaction(args(input)?)),
    "list_contacts" => out(app.list_contacts(args(input)?)),
    "create_contact" => out(app.create_contact(args(input)?)),
    "list_leads" => out(app.list_leads(args(input)?)),
    "create_lead" => out(app.create_lead(args(input)?)),
    "qualify_lead" => out(app.qualify_lead(args(input)?)),
    "convert_lead" => out(app.convert_lead(args(input)?)),
    "disqualify_lead" => out(app.disqualify_lead(args(input)?)),
    "complete_task" => out(app.complete_task(args(input)?)),
    "pipeline" => out(app.pipeline(args(input)?)),
    "stage_cards" => out(app.stage_cards(args(input)?)),
    "create_deal" => out(app.create_deal(args(input)?)),
    "move_deal" => out(app.move_deal(args(input)?)),
    "search" => out(app.search(args(input)?)),
    "today" => out(app.today(args(input)?)),
    "sync_status" => out(app.sync_status()),
    "sync_changes" => out(app.sync_changes()),
    "sync_now" => out(app.sync_now(progress)),
    "sync_cancel" => out(app.sync_cancel()),
    "sync_login" => out(app.sync_login(args(input)?)),
    "sync_logout" => out(app.sync_logout()),
    "list_conflicts" => out(app.list_conflicts()),
    "resolve_conflict" => out(app.resolve_conflict(args(input)?)),
    "list_rejected" => out(app.list_rejected()),
    "retry_rejected" => out(app.retry_rejected(args(input)?)),
    "discard_rejected" => out(app.discard_rejected(args(input)?)),
    "import_preview" => out(app.import_preview_watched(args(input)?, progress)),
    "import_file" => out(app.import_file_watched(args(input)?, progress)),
    "import_cancel" => out(app.import_cancel()),
    "list_users" => out(app.list_users()),
    "reassign" => out(app.reassign(args(input)?)),
    "get_settings" => out(app.get_settings()),
    "save_settings" => out(app.save_settings(args(input)?)),
    "mark_ready" => out(app.mark_ready(args(input)?)),
    "describe" => out(app.describe(args(input)?)),
    "list_records" => out(app.list_records(args(input)?)),
    "get_record" => out(app.get_record(args(input)?)),
    "create_record" => out(app.create_record(args(input)?)),
    "update_record" => out(app.update_record(args(input)?)),
    "delete_record" => out(app.delete_record(args(input)?)),
    "restore_record" => out(app.restore_record(args(input)?)),
    "bulk_records" => out(app.bulk_records(args(input)?)),
    "export_records" => out(app.export_records(args(input)?)),
    "quote_new" => out(app.quote_new(args(input)?)),
    "quote_line" => out(app.quote_line(args(input)?)),
    "quote_view" => out(app.quote_view(args(input)?)),
    "quote_views" => out(app.quote_views(args(input)?)),
    "quote_send" => out(app.quote_send(args(input)?)),
    "quote_revise" => out(app.quote_revise(args(input)?)),
    "quote_accept" => out(app.quote_accept(args(input)?)),
    "quote_reject" => out(app.quote_reject(args(input)?)),
    "quote_pdf" => out(app.quote_pdf(args(input)?)),
    "order_from_quote" => out(app.order_from_quote(args(input)?)),
    "order_view" => out(app.order_view(args(input)?)),
    "order_views" => out(app.order_views(args(input)?)),
    "payment_add" => out(app.payment_add(args(input)?)),
    "account_sales" => out(app.account_sales(args(input)?)),
    "company" => out(app.company()),
    "set_company" => out(app.set_company(args(input)?)),
    "case_new" => out(app.case_new(args(input)?)),
    "cases" => out(app.cases(args(input)?)),
    "case_view" => out(app.case_view(args(input)?)),
    "account_cases" => out(app.account_cases(args(input)?)),
    "case_story" => out(app.case_story(args(input)?)),
    "case_move" => out(app.case_move(args(input)?)),
    "case_reply" => out(app.case_reply(args(input)?)),
    "case_solve" => out(app.case_solve(args(input)?)),
    "survey_add" => out(app.survey_add(args(input)?)),
    "kb_search" => out(app.kb_search(args(input)?)),
    "article_uses" => out(app.article_uses(args(input)?)),
    "sla_policy_set" => out(app.sla_policy_set(args(input)?)),
    "calendar_set" => out(app.calendar_set(args(input)?)),
    "escalate" => out(app.escalate()),
    "service_view" => out(app.service_view()),
}
