//! The harness of the whole-system tests: the real `crm-server` binary on a
//! free loopback port with its own database, and laptops that are real data
//! directories driven through the same sync library the app uses (or the real
//! `crm` binary, where a test needs to kill a process).

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{Once, atomic::AtomicBool},
};

use crm_domain::{EntityKind, Id};
use crm_store::{NewUser, Store};
use crm_sync::{Options, Summary, SyncError};
use serde_json::{Value, json};
use tempfile::TempDir;

/// A password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// The path of a workspace binary, built once if a plain `cargo test` of
/// this package did not build it.
pub fn bin(name: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/..")
        .to_owned();
    let path = dir.join(name);
    BUILD.call_once(|| {
        if !dir.join("crm-server").exists() || !dir.join("crm").exists() {
            let status = Command::new(env!("CARGO"))
                .args(["build", "-p", "crm-server", "-p", "crm-cli"])
                .status()
                .expect("cargo build");
            assert!(status.success(), "building crm-server and crm failed");
        }
    });
    path
}

/// The real server, on a free port, over its own database.
pub struct Server {
    child: Option<Child>,
    /// Where it listens, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its database URL.
    pub database: String,
    env: Vec<(String, String)>,
    tls: Option<(PathBuf, PathBuf)>,
    _dir: Option<TempDir>,
}

impl Server {
    /// A server over a fresh SQLite database.
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite://{}", dir.path().join("server.db").display());
        let mut server = Server {
            child: None,
            url: String::new(),
            database,
            env: Vec::new(),
            tls: None,
            _dir: Some(dir),
        };
        server.spawn();
        server
    }

    /// A server over a fresh SQLite database serving HTTPS with `cert`/`key`.
    pub fn start_tls(cert: &Path, key: &Path) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite://{}", dir.path().join("server.db").display());
        let mut server = Server {
            child: None,
            url: String::new(),
            database,
            env: Vec::new(),
            tls: None,
            _dir: Some(dir),
        };
        server.tls = Some((cert.to_owned(), key.to_owned()));
        server.spawn();
        server
    }

    /// A server over `database` (e.g. a PostgreSQL URL shared with others).
    pub fn start_on(database: &str) -> Server {
        let mut server = Server {
            child: None,
            url: String::new(),
            database: database.to_owned(),
            env: Vec::new(),
            tls: None,
            _dir: None,
        };
        server.spawn();
        server
    }

    /// Restart with an environment variable set (fault injection).
    pub fn restart_with(&mut self, key: &str, value: &str) {
        self.kill();
        self.env = vec![(key.to_owned(), value.to_owned())];
        self.spawn();
    }

    /// Restart as it was first started.
    pub fn restart(&mut self) {
        self.kill();
        self.env.clear();
        self.spawn();
    }

    fn spawn(&mut self) {
        // Reuse the port of a restart so laptops keep their server address.
        let listen = self
            .url
            .split_once("://")
            .map_or_else(|| "127.0.0.1:0".to_owned(), |(_, addr)| addr.to_owned());
        let mut command = Command::new(bin("crm-server"));
        command.args(["--database", &self.database, "serve", "--listen", &listen]);
        if let Some((cert, key)) = &self.tls {
            command
                .arg("--tls-cert")
                .arg(cert)
                .arg("--tls-key")
                .arg(key);
        }
        let mut child = command
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start crm-server");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server prints its address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from crm-server: {line:?}"))
            .to_owned();
        self.url = url;
        self.child = Some(child);
    }

    /// Stop the process (as a crash would).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Wait for the process to end by itself (a fault made it abort).
    pub fn wait_dead(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// Run an admin command of `crm-server` on this server's database.
    pub fn admin(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new(bin("crm-server"))
            .arg("--database")
            .arg(&self.database)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run crm-server");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("crm-server output")
    }

    /// Add a team member with [`PASSWORD`].
    pub fn add_user(&self, email: &str, name: &str, role: &str, team: &str) {
        let out = self.admin(
            &[
                "user", "add", "--email", email, "--name", name, "--role", role, "--team", team,
            ],
            PASSWORD,
        );
        assert!(
            out.status.success(),
            "user add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A laptop: a real data directory with its own database.
pub struct Laptop {
    dir: TempDir,
    /// Its store.
    pub store: Store,
}

/// The passphrase every test laptop's database is encrypted under (the
/// `crm` binary is given it in `CRM_PASSPHRASE`).
pub const LAPTOP_PASSPHRASE: &str = "laptop passphrase 口令";

/// Make the database in `dir` ready to open, encrypted, as the app does.
fn unlock(dir: &Path) {
    crm_store::unlock(&Store::path_in(dir), Some(LAPTOP_PASSPHRASE)).expect("unlocking the laptop");
}

impl Laptop {
    /// A new laptop for `name`.
    pub fn new(name: &str) -> Laptop {
        let dir = tempfile::tempdir().expect("temp dir");
        unlock(dir.path());
        let store = Store::create(
            &Store::path_in(dir.path()),
            &NewUser {
                name: name.to_owned(),
                email: None,
                team: None,
                currency: "EUR".into(),
            },
        )
        .expect("create laptop database");
        Laptop { dir, store }
    }

    /// A laptop over the database a backup was restored into, in `dir`.
    pub fn restored(dir: TempDir, backup: &Path) -> Laptop {
        unlock(dir.path());
        // Made by another laptop: its vault file and passphrase give its key.
        Store::restore_with(&Store::path_in(dir.path()), backup, Some(LAPTOP_PASSPHRASE))
            .expect("restore");
        let store = Store::open(&Store::path_in(dir.path())).expect("open restored");
        Laptop { dir, store }
    }

    /// A laptop over the data directory `dir` as it is (a folder copied
    /// back from an OS backup or a disk image).
    pub fn open_in(dir: TempDir) -> Laptop {
        unlock(dir.path());
        let store = Store::open(&Store::path_in(dir.path())).expect("open the copied folder");
        Laptop { dir, store }
    }

    /// A copy of the data directory, every file as it is now, as an OS
    /// backup or a disk image takes it (the database is open meanwhile).
    pub fn copy_data_folder(&self) -> TempDir {
        let copy = tempfile::tempdir().expect("temp dir");
        for entry in std::fs::read_dir(self.dir.path()).expect("read the data folder") {
            let entry = entry.expect("a file of the data folder");
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                std::fs::copy(entry.path(), copy.path().join(entry.file_name()))
                    .expect("copy a file of the data folder");
            }
        }
        copy
    }

    /// A new laptop, logged in to `server` as `email`.
    pub fn logged_in(server: &Server, email: &str) -> Laptop {
        let mut laptop = Laptop::new(email);
        laptop.login(server, email);
        laptop
    }

    /// Log in.
    pub fn login(&mut self, server: &Server, email: &str) {
        crm_sync::login(
            &mut self.store,
            &server.url,
            email,
            PASSWORD,
            &Options::default(),
        )
        .unwrap_or_else(|e| panic!("login as {email}: {e}"));
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Close and reopen the database (an app restart).
    pub fn reopen(&mut self) {
        self.store = Store::open(&Store::path_in(self.dir.path())).expect("reopen laptop database");
    }

    /// Sync once.
    pub fn try_sync(&mut self) -> Result<Summary, SyncError> {
        crm_sync::sync(
            &mut self.store,
            &Options::default(),
            |_| {},
            &AtomicBool::new(false),
        )
    }

    /// Sync once with `options`.
    pub fn try_sync_with(&mut self, options: &Options) -> Result<Summary, SyncError> {
        crm_sync::sync(&mut self.store, options, |_| {}, &AtomicBool::new(false))
    }

    /// Sync once, expecting success.
    pub fn sync(&mut self) -> Summary {
        self.try_sync()
            .unwrap_or_else(|e| panic!("sync failed: {e}"))
    }

    /// Run the real `crm` binary on this laptop's data directory.
    pub fn crm(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(bin("crm"))
            .env("CRM_DATA_DIR", self.dir.path())
            .env("CRM_PASSPHRASE", LAPTOP_PASSPHRASE)
            .env("LANG", "en_US.UTF-8")
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run crm")
    }

    /// Create a record.
    pub fn insert(&mut self, entity: EntityKind, fields: &[(&str, Value)]) -> Id {
        self.store
            .write(|w| w.insert(entity, fields))
            .unwrap_or_else(|e| panic!("insert {entity}: {e}"))
    }

    /// Create an account owned by this laptop's user.
    pub fn account(&mut self, name: &str) -> Id {
        let me = self.store.user_id().to_string();
        self.insert(
            EntityKind::Account,
            &[("name", json!(name)), ("owner_id", json!(me))],
        )
    }

    /// Change fields of a record.
    pub fn update(&mut self, entity: EntityKind, id: Id, fields: &[(&str, Value)]) {
        self.store
            .write(|w| w.update(entity, id, fields))
            .unwrap_or_else(|e| panic!("update {entity}: {e}"));
    }

    /// A field's value here (deleted records included), `None` if the record
    /// is not on this laptop.
    pub fn field(&self, entity: EntityKind, id: Id, field: &str) -> Option<Value> {
        let def = entity.field(field).expect("known field");
        let sql = format!("SELECT {field} FROM {} WHERE id = ?1", entity.table());
        self.store
            .conn()
            .query_row(&sql, [id.0], |r| {
                Ok(crm_store_value(def.ty.storage(), r.get_ref(0)?))
            })
            .ok()
    }

    /// Whether the record is here and soft-deleted.
    pub fn is_deleted(&self, entity: EntityKind, id: Id) -> Option<bool> {
        let sql = format!(
            "SELECT deleted_at IS NOT NULL FROM {} WHERE id = ?1",
            entity.table()
        );
        self.store.conn().query_row(&sql, [id.0], |r| r.get(0)).ok()
    }

    /// Every visible record of a kind with all its fields, by id: what two
    /// converged laptops must agree on.
    pub fn snapshot(&self, entity: EntityKind) -> Vec<(String, Value, bool)> {
        let defs = entity.fields();
        let cols: Vec<&str> = defs.iter().map(|d| d.name).collect();
        let sql = format!(
            "SELECT id, deleted_at IS NOT NULL, {} FROM {} ORDER BY id",
            cols.join(", "),
            entity.table()
        );
        let mut stmt = self.store.conn().prepare(&sql).expect("snapshot query");
        stmt.query_map([], |r| {
            let id: uuid::Uuid = r.get(0)?;
            let deleted: bool = r.get(1)?;
            let mut fields = serde_json::Map::new();
            for (i, d) in defs.iter().enumerate() {
                fields.insert(
                    d.name.to_owned(),
                    crm_store_value(d.ty.storage(), r.get_ref(i + 2)?),
                );
            }
            Ok((id.to_string(), Value::Object(fields), deleted))
        })
        .expect("snapshot rows")
        .collect::<Result<_, _>>()
        .expect("snapshot")
    }

    /// Changes waiting in the outbox.
    pub fn pending(&self) -> i64 {
        self.store.outbox_len().expect("outbox")
    }
}

/// A column's canonical value, as the store reads it.
fn crm_store_value(
    storage: crm_domain::schema::Storage,
    value: rusqlite::types::ValueRef<'_>,
) -> Value {
    use crm_domain::schema::Storage;
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => match storage {
            Storage::JsonList => json!([]),
            _ => Value::Null,
        },
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => {
            let text = String::from_utf8_lossy(t).into_owned();
            match storage {
                Storage::JsonList | Storage::Json => {
                    serde_json::from_str(&text).unwrap_or(json!(text))
                }
                _ => json!(text),
            }
        }
        ValueRef::Blob(b) => {
            uuid::Uuid::from_slice(b).map_or(Value::Null, |u| json!(u.to_string()))
        }
    }
}

/// A company CA and a server certificate for localhost/127.0.0.1 signed by
/// it, made with `openssl` in `dir`: returns (ca.pem, cert.pem, key.pem).
pub fn company_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let path = |name: &str| dir.join(name);
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A company CA, and the server's certificate signed by it.
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        path("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
    (path("ca.pem"), path("cert.pem"), path("key.pem"))
}
