//! Integration tests of the app's API: the commands over a real database in
//! a temporary directory, and the HTTP bridge's routes with the real router.

mod bridge;
mod commands;

use crm_app::{App, CreateDatabase};
use tempfile::TempDir;

/// An app over a fresh data directory. The app is declared first so its
/// database closes before the directory is removed.
pub struct Fixture {
    pub app: App,
    pub dir: TempDir,
}

impl Fixture {
    /// No database yet: what a first start sees.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let app = App::open_with(dir.path(), Some(crm_app::TEST_PASSPHRASE))
            .expect("an empty directory opens");
        Fixture { app, dir }
    }

    /// A database for Li Wei, in CNY.
    pub fn ready() -> Self {
        let fx = Fixture::empty();
        fx.app
            .create_database(CreateDatabase {
                name: "Li Wei".into(),
                email: Some("li.wei@example.com".into()),
                currency: "CNY".into(),
            })
            .expect("creating the database");
        fx
    }
}
