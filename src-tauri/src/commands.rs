//! The app's commands for the webview: each one line into `crm-app`, run on a
//! blocking thread so the window never waits for the database. The names are
//! those of `crm_app::COMMANDS`, which the HTTP bridge serves too.

use std::sync::Arc;

use crm_app::{
    AccountId, App, AppError, Board, BoardQuery, ConflictRow, ContactQuery, ConvertLead,
    CreateContact, CreateDatabase, CreateDeal, CreateRecord, CreateTask, DisqualifyLead, Facets,
    ImportFile, ImportReport, LeadQuery, LoadDemo, LogInteraction, MoveDeal, PendingChange,
    Reassign, RecordId, RejectedId, RejectedRow, ResolveConflict, SearchArgs, Settings, SignIn,
    Status, SyncReport, SyncStatus, TaskQuery, TimelineArgs, Today, TodayArgs, UpdateRecord,
};
use crm_store::{
    AccountListQuery, AccountPage, ContactPage, Converted, DealCard, DemoSummary, SearchGroup,
    TaskRow, Timeline,
};
use tauri::{AppHandle, Emitter, Runtime, State, ipc::Invoke};

type Shared<'a> = State<'a, Arc<App>>;
type Out<T> = Result<T, AppError>;

/// Run `f` over the app on a blocking thread.
async fn off_ui<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> Out<T> + Send + 'static,
) -> Out<T> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || f(&app))
        .await
        .map_err(|_| AppError::new("internal"))?
}

#[tauri::command]
async fn status(app: Shared<'_>) -> Out<Status> {
    off_ui(&app, |a| a.status()).await
}

#[tauri::command]
async fn create_database(app: Shared<'_>, args: CreateDatabase) -> Out<Status> {
    off_ui(&app, |a| a.create_database(args)).await
}

#[tauri::command]
async fn load_demo<R: Runtime>(
    app: Shared<'_>,
    handle: AppHandle<R>,
    args: LoadDemo,
) -> Out<DemoSummary> {
    off_ui(&app, move |a| {
        a.load_demo(args, &|p| drop(handle.emit("progress", p)))
    })
    .await
}

#[tauri::command]
async fn account_facets(app: Shared<'_>) -> Out<Facets> {
    off_ui(&app, |a| a.account_facets()).await
}

#[tauri::command]
async fn list_accounts(app: Shared<'_>, args: AccountListQuery) -> Out<AccountPage> {
    off_ui(&app, |a| a.list_accounts(args)).await
}

#[tauri::command]
async fn account_view(app: Shared<'_>, args: AccountId) -> Out<crm_app::AccountPage360> {
    off_ui(&app, |a| a.account_view(args)).await
}

#[tauri::command]
async fn timeline(app: Shared<'_>, args: TimelineArgs) -> Out<Timeline> {
    off_ui(&app, |a| a.timeline(args)).await
}

#[tauri::command]
async fn history(app: Shared<'_>, args: RecordId) -> Out<Vec<crm_app::FieldChangeRow>> {
    off_ui(&app, |a| a.history(args)).await
}

#[tauri::command]
async fn create_account(app: Shared<'_>, args: CreateRecord) -> Out<crm_app::Id> {
    off_ui(&app, |a| a.create_account(args)).await
}

#[tauri::command]
async fn update_account(app: Shared<'_>, args: UpdateRecord) -> Out<bool> {
    off_ui(&app, |a| a.update_account(args)).await
}

#[tauri::command]
async fn log_interaction(app: Shared<'_>, args: LogInteraction) -> Out<crm_app::Interaction> {
    off_ui(&app, |a| a.log_interaction(args)).await
}

#[tauri::command]
async fn list_contacts(app: Shared<'_>, args: ContactQuery) -> Out<ContactPage> {
    off_ui(&app, |a| a.list_contacts(args)).await
}

#[tauri::command]
async fn create_contact(app: Shared<'_>, args: CreateContact) -> Out<crm_app::Id> {
    off_ui(&app, |a| a.create_contact(args)).await
}

#[tauri::command]
async fn list_leads(app: Shared<'_>, args: LeadQuery) -> Out<Vec<crm_app::Lead>> {
    off_ui(&app, |a| a.list_leads(args)).await
}

#[tauri::command]
async fn create_lead(app: Shared<'_>, args: CreateRecord) -> Out<crm_app::Id> {
    off_ui(&app, |a| a.create_lead(args)).await
}

#[tauri::command]
async fn qualify_lead(app: Shared<'_>, args: RecordId) -> Out<crm_app::Lead> {
    off_ui(&app, |a| a.qualify_lead(args)).await
}

#[tauri::command]
async fn convert_lead(app: Shared<'_>, args: ConvertLead) -> Out<Converted> {
    off_ui(&app, |a| a.convert_lead(args)).await
}

#[tauri::command]
async fn disqualify_lead(app: Shared<'_>, args: DisqualifyLead) -> Out<crm_app::Lead> {
    off_ui(&app, |a| a.disqualify_lead(args)).await
}

#[tauri::command]
async fn list_tasks(app: Shared<'_>, args: TaskQuery) -> Out<Vec<TaskRow>> {
    off_ui(&app, |a| a.list_tasks(args)).await
}

#[tauri::command]
async fn create_task(app: Shared<'_>, args: CreateTask) -> Out<crm_app::Id> {
    off_ui(&app, |a| a.create_task(args)).await
}

#[tauri::command]
async fn complete_task(app: Shared<'_>, args: RecordId) -> Out<()> {
    off_ui(&app, |a| a.complete_task(args)).await
}

#[tauri::command]
async fn pipeline(app: Shared<'_>, args: BoardQuery) -> Out<Board> {
    off_ui(&app, |a| a.pipeline(args)).await
}

#[tauri::command]
async fn create_deal(app: Shared<'_>, args: CreateDeal) -> Out<crm_app::Id> {
    off_ui(&app, |a| a.create_deal(args)).await
}

#[tauri::command]
async fn move_deal(app: Shared<'_>, args: MoveDeal) -> Out<DealCard> {
    off_ui(&app, |a| a.move_deal(args)).await
}

#[tauri::command]
async fn search(app: Shared<'_>, args: SearchArgs) -> Out<Vec<SearchGroup>> {
    off_ui(&app, |a| a.search(args)).await
}

#[tauri::command]
async fn today(app: Shared<'_>, args: TodayArgs) -> Out<Today> {
    off_ui(&app, |a| a.today(args)).await
}

#[tauri::command]
async fn sync_status(app: Shared<'_>) -> Out<SyncStatus> {
    off_ui(&app, |a| a.sync_status()).await
}

#[tauri::command]
async fn sync_changes(app: Shared<'_>) -> Out<Vec<PendingChange>> {
    off_ui(&app, |a| a.sync_changes()).await
}

#[tauri::command]
async fn sync_now<R: Runtime>(app: Shared<'_>, handle: AppHandle<R>) -> Out<SyncReport> {
    off_ui(&app, move |a| {
        a.sync_now(&|p| drop(handle.emit("progress", p)))
    })
    .await
}

#[tauri::command]
async fn sync_cancel(app: Shared<'_>) -> Out<()> {
    off_ui(&app, |a| a.sync_cancel()).await
}

#[tauri::command]
async fn sync_login(app: Shared<'_>, args: SignIn) -> Out<SyncStatus> {
    off_ui(&app, |a| a.sync_login(args)).await
}

#[tauri::command]
async fn sync_logout(app: Shared<'_>) -> Out<SyncStatus> {
    off_ui(&app, |a| a.sync_logout()).await
}

#[tauri::command]
async fn list_conflicts(app: Shared<'_>) -> Out<Vec<ConflictRow>> {
    off_ui(&app, |a| a.list_conflicts()).await
}

#[tauri::command]
async fn resolve_conflict(app: Shared<'_>, args: ResolveConflict) -> Out<()> {
    off_ui(&app, |a| a.resolve_conflict(args)).await
}

#[tauri::command]
async fn list_rejected(app: Shared<'_>) -> Out<Vec<RejectedRow>> {
    off_ui(&app, |a| a.list_rejected()).await
}

#[tauri::command]
async fn retry_rejected(app: Shared<'_>, args: RejectedId) -> Out<SyncStatus> {
    off_ui(&app, |a| a.retry_rejected(args)).await
}

#[tauri::command]
async fn discard_rejected(app: Shared<'_>, args: RejectedId) -> Out<SyncStatus> {
    off_ui(&app, |a| a.discard_rejected(args)).await
}

#[tauri::command]
async fn import_preview(app: Shared<'_>, args: ImportFile) -> Out<ImportReport> {
    off_ui(&app, |a| a.import_preview(args)).await
}

#[tauri::command]
async fn import_file(app: Shared<'_>, args: ImportFile) -> Out<ImportReport> {
    off_ui(&app, |a| a.import_file(args)).await
}

#[tauri::command]
async fn list_users(app: Shared<'_>) -> Out<Vec<crm_app::User>> {
    off_ui(&app, |a| a.list_users()).await
}

#[tauri::command]
async fn reassign(app: Shared<'_>, args: Reassign) -> Out<crm_store::Reassigned> {
    off_ui(&app, |a| a.reassign(args)).await
}

#[tauri::command]
async fn get_settings(app: Shared<'_>) -> Out<Settings> {
    off_ui(&app, |a| a.get_settings()).await
}

#[tauri::command]
async fn save_settings(app: Shared<'_>, args: Settings) -> Out<Settings> {
    off_ui(&app, |a| a.save_settings(args)).await
}

#[tauri::command]
async fn mark_ready(app: Shared<'_>, args: crm_app::MarkReady) -> Out<()> {
    off_ui(&app, |a| a.mark_ready(args)).await
}

/// The handler for every command in `crm_app::COMMANDS`.
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        status,
        create_database,
        load_demo,
        account_facets,
        list_accounts,
        account_view,
        timeline,
        history,
        create_account,
        update_account,
        log_interaction,
        list_contacts,
        create_contact,
        list_leads,
        create_lead,
        qualify_lead,
        convert_lead,
        disqualify_lead,
        list_tasks,
        create_task,
        complete_task,
        pipeline,
        create_deal,
        move_deal,
        search,
        today,
        sync_status,
        sync_changes,
        sync_now,
        sync_cancel,
        sync_login,
        sync_logout,
        list_conflicts,
        resolve_conflict,
        list_rejected,
        retry_rejected,
        discard_rejected,
        import_preview,
        import_file,
        list_users,
        reassign,
        get_settings,
        save_settings,
        mark_ready,
    ]
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Value, json};
    use tauri::{
        ipc::{CallbackFn, InvokeBody},
        test::{INVOKE_KEY, get_ipc_response, mock_builder},
        webview::InvokeRequest,
    };

    fn invoke(
        webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
        cmd: &str,
        body: Value,
    ) -> Result<Value, Value> {
        get_ipc_response(
            webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                // The app's own origin: the dev server's in a test build.
                url: "http://localhost:5173/".parse().expect("a URL"),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("JSON"))
    }

    /// Every command of crm-app is registered under its name, takes its
    /// arguments as `args`, and answers errors as the UI expects them.
    #[test]
    fn the_shell_serves_every_core_command_through_ipc() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let core = Arc::new(crm_app::App::open(dir.path()).expect("an empty directory opens"));
        let app = mock_builder()
            .manage(core)
            .invoke_handler(super::handler())
            .build(tauri::generate_context!())
            .expect("the app builds");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("a window");

        let status = invoke(&webview, "status", json!({})).expect("status answers");
        assert_eq!(status["ready"], false);
        let created = invoke(
            &webview,
            "create_database",
            json!({ "args": { "name": "Li Wei", "currency": "CNY" } }),
        )
        .expect("the database is created");
        assert_eq!(created["user"]["name"], "Li Wei");
        let err = invoke(&webview, "sync_now", json!({})).expect_err("not signed in yet");
        assert_eq!(err["message_key"], "error.not_signed_in");

        for name in crm_app::COMMANDS {
            if let Err(e) = invoke(&webview, name, json!({ "args": {} })) {
                // A refusal of the (empty) arguments is fine; an unknown
                // command comes back as a plain string instead of an AppError.
                assert!(
                    e.get("code").is_some() || !e.to_string().contains("not found"),
                    "{name}: {e}"
                );
            }
        }
    }
}
