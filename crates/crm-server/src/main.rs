//! `crm-server`: serve the team, and manage its users and devices.

use std::{io::Read, net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use crm_domain::{Hlc, Id};
use crm_server::{
    Database, admin,
    api::{self, AppState},
    auth,
    backend::Backend,
    escalation, intake,
};

/// The team server of the offline CRM.
#[derive(Debug, Parser)]
#[command(name = "crm-server", version, about)]
struct Cli {
    /// Database URL: sqlite://PATH (default, in the platform data dir) or postgres://...
    #[arg(long, global = true, env = "CRM_SERVER_DATABASE")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the sync API
    Serve {
        /// Address to listen on (port 0: any free port)
        #[arg(long, default_value = "127.0.0.1:8640")]
        listen: SocketAddr,
        /// TLS certificate chain (PEM); serve HTTPS
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM)
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Seconds a client has to send a request's headers (then it is disconnected)
        #[arg(long, default_value_t = 30)]
        header_timeout: u64,
        /// Seconds a client has to send a request's body
        #[arg(long, default_value_t = 120)]
        body_timeout: u64,
        /// Requests per second one intake key may send (twice as many in a burst)
        #[arg(long, default_value_t = 20)]
        intake_per_second: u32,
        /// Minutes between the server's escalation passes over open cases (0: none)
        #[arg(long, default_value_t = 5)]
        escalate_every: u64,
        /// Days a laptop may go without syncing before it warns (0: no limit)
        #[arg(long, env = "CRM_SERVER_OFFLINE_DAYS", default_value_t = 30)]
        offline_days: u32,
        /// Days of warning after that before the laptop locks until it syncs
        #[arg(long, env = "CRM_SERVER_OFFLINE_GRACE_DAYS", default_value_t = 7)]
        offline_grace_days: u32,
    },
    /// Team members
    #[command(subcommand)]
    User(UserCmd),
    /// Laptops that have logged in
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Keys of web forms and mail gateways that send cases and leads
    #[command(subcommand)]
    IntakeKey(IntakeKeyCmd),
    /// Delete tombstones older than the retention (laptops offline longer resync)
    Purge {
        /// Keep tombstones younger than this many days
        #[arg(long, default_value_t = 180)]
        older_than_days: i64,
    },
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Add a member; the password is read from stdin
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// rep, manager, admin or support (works the cases given to them
        /// and to their team)
        #[arg(long, value_parser = ["rep", "manager", "admin", "support"])]
        role: String,
        #[arg(long)]
        team: Option<String>,
    },
    /// Everyone
    List,
    /// Disable a member who left (their records stay)
    Disable { email: String },
}

#[derive(Debug, Subcommand)]
enum IntakeKeyCmd {
    /// Make a key (printed once: only its hash is kept)
    Add {
        /// case or lead: what its requests become
        #[arg(long)]
        kind: String,
        /// The team whose members take its requests in turn
        #[arg(long)]
        team: String,
        /// A name for people, e.g. "Website contact form"
        #[arg(long)]
        name: String,
        /// Requests from this region go to this team instead (repeatable): 华南=South
        #[arg(long = "route", value_name = "REGION=TEAM")]
        routes: Vec<String>,
    },
    /// Every key (never the key itself)
    List,
    /// Refuse a key's requests from now on
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
enum DeviceCmd {
    /// Every device
    List,
    /// Sign a device out at once
    Revoke { id: String },
    /// Mark a device lost: at its next contact the laptop erases its copy of
    /// the team's data, its backups and its key, and says why
    Wipe { id: String },
    /// Print a code that lets a laptop that cannot reach the server work
    /// offline N more days (read it out to its user: Settings, or `crm lease extend CODE`)
    Extend {
        id: String,
        /// Days from today
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn device_id(id: &str) -> Result<Id> {
    id.parse()
        .map_err(|_| anyhow::anyhow!("{id} is not a device id (crm-server device list)"))
}

fn server_hlc() -> Hlc {
    Hlc {
        wall_ms: now_ms().max(0).unsigned_abs(),
        counter: 0,
        node: "server".into(),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let url = cli.database.unwrap_or_else(Database::default_url);
    let db =
        Database::open(&url).with_context(|| format!("cannot open the server database {url}"))?;
    match cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            header_timeout,
            body_timeout,
            intake_per_second,
            escalate_every,
            offline_days,
            offline_grace_days,
        } => {
            let limits = api::Limits {
                header_timeout: Duration::from_secs(header_timeout.max(1)),
                body_timeout: Duration::from_secs(body_timeout.max(1)),
                intake_per_second: intake_per_second.max(1),
                lease: crm_protocol::lease::LeasePolicy {
                    offline_days,
                    grace_days: offline_grace_days,
                },
                ..api::Limits::default()
            };
            serve(db, listen, tls_cert.zip(tls_key), limits, escalate_every)
        }
        Command::User(UserCmd::Add {
            email,
            name,
            role,
            team,
        }) => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            if password.chars().count() < 8 {
                bail!("the password must have at least 8 characters (read from standard input)");
            }
            let email = crm_domain::Email::try_from_text(&email).context("--email")?;
            let user = auth::add_user(
                &db,
                &email,
                &name,
                &role,
                team.as_deref(),
                password,
                server_hlc(),
            )?;
            println!(
                "added {} <{}> as {} ({})",
                admin::printable(&user.name),
                admin::printable(&user.email),
                user.role,
                user.id
            );
            Ok(())
        }
        Command::User(UserCmd::List) => {
            for u in db.read(|tx| tx.users())? {
                println!("{}", admin::user_line(&u));
            }
            Ok(())
        }
        Command::User(UserCmd::Disable { email }) => {
            match auth::disable_user(&db, &email, server_hlc())? {
                Some(u) => {
                    println!(
                        "disabled {} <{}>; their devices can no longer sync",
                        admin::printable(&u.name),
                        admin::printable(&u.email)
                    );
                    Ok(())
                }
                None => bail!("no user with email {}", admin::printable(&email)),
            }
        }
        Command::Device(DeviceCmd::List) => {
            for d in db.read(|tx| tx.devices())? {
                println!("{}", admin::device_line(&d));
            }
            Ok(())
        }
        Command::Device(DeviceCmd::Wipe { id }) => {
            let id = device_id(&id)?;
            match auth::wipe_device(&db, id, now_ms())? {
                Some(d) => {
                    println!(
                        "device {id} ({}) is marked lost: it erases its data at its next contact",
                        admin::printable(&d.name)
                    );
                    Ok(())
                }
                None => bail!("no device {id}"),
            }
        }
        Command::Device(DeviceCmd::Extend { id, days }) => {
            let id = device_id(&id)?;
            let Some(device) = db.read(|tx| tx.device(id))? else {
                bail!("no device {id}");
            };
            let Some(key) = device.lease_key else {
                bail!(
                    "device {id} logged in before leases existed; it needs no code (it has no limit until it syncs again)"
                );
            };
            let today = now_ms().div_euclid(86_400_000);
            let until = u16::try_from(today + i64::from(days.clamp(1, 365)))
                .context("a day too far in the future")?;
            let code = crm_protocol::lease::extension_code(key.as_bytes(), id, until);
            let date = chrono::DateTime::from_timestamp(i64::from(until) * 86_400, 0)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            println!(
                "code for {} to work offline until the end of {date} (UTC): {code}",
                admin::printable(&device.name)
            );
            Ok(())
        }
        Command::Device(DeviceCmd::Revoke { id }) => {
            let id: Id = id
                .parse()
                .map_err(|_| anyhow::anyhow!("{id} is not a device id"))?;
            match auth::revoke_device(&db, id, now_ms())? {
                Some(_) => {
                    println!("revoked device {id}");
                    Ok(())
                }
                None => bail!("no device {id}"),
            }
        }
        Command::IntakeKey(IntakeKeyCmd::Add {
            kind,
            team,
            name,
            routes,
        }) => {
            let (key, secret) = intake::add_key(&db, &kind, &team, &name, &routes, now_ms())?;
            println!(
                "intake key {} for {} requests to team {} ({})",
                key.id,
                key.kind,
                admin::printable(&key.team),
                admin::printable(&key.name)
            );
            println!("key (shown once, send it in the x-crm-intake-key header): {secret}");
            Ok(())
        }
        Command::IntakeKey(IntakeKeyCmd::List) => {
            for k in db.read(|tx| tx.intake_keys())? {
                println!(
                    "{}  {:<4}  team {}  {}{}",
                    k.id,
                    k.kind,
                    admin::printable(&k.team),
                    admin::printable(&k.name),
                    if k.revoked_at.is_some() {
                        "  (revoked)"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        Command::IntakeKey(IntakeKeyCmd::Revoke { id }) => {
            let id: Id = id
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{id} is not a key id (see intake-key list)"))?;
            if db.write(|tx| tx.revoke_intake_key(id, now_ms()))? {
                println!("revoked intake key {id}: its requests are refused from now on");
                Ok(())
            } else {
                bail!("no intake key {id}")
            }
        }
        Command::Purge { older_than_days } => {
            let before = now_ms() - older_than_days * 24 * 60 * 60 * 1000;
            let purged = db.write(|tx| tx.purge_tombstones(before))?;
            println!("purged {purged} tombstones older than {older_than_days} days");
            Ok(())
        }
    }
}

fn serve(
    db: Database,
    listen: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
    limits: api::Limits,
    escalate_every: u64,
) -> Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Kept here so the database is closed after the runtime, not in it: the
    // PostgreSQL client blocks on its own runtime when it closes, which
    // panics inside another.
    let state = AppState::with_limits(db, limits);
    let serving = state.clone();
    let served = runtime.block_on(async move {
        let tls = match tls {
            Some((cert, key)) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                Some(
                    axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                        .await
                        .with_context(|| {
                            format!(
                                "cannot load the TLS certificate {} / key {}",
                                cert.display(),
                                key.display()
                            )
                        })?,
                )
            }
            None => None,
        };
        let listener = std::net::TcpListener::bind(listen)
            .with_context(|| format!("cannot listen on {listen}"))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("listening on {scheme}://{}", listener.local_addr()?);
        if escalate_every > 0 {
            let db = std::sync::Arc::clone(&serving.db);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(escalate_every * 60));
                loop {
                    tick.tick().await;
                    let db = std::sync::Arc::clone(&db);
                    match tokio::task::spawn_blocking(move || escalation::run(db.as_ref(), now_ms())).await {
                        Ok(Ok(pass)) if pass.escalated > 0 => {
                            tracing::info!(examined = pass.examined, escalated = pass.escalated, "escalation pass");
                        }
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => tracing::warn!(error = %e, "escalation pass failed; the next one in {escalate_every} min"),
                        Err(e) => tracing::warn!(error = %e, "escalation pass stopped"),
                    }
                }
            });
        }
        let handle = axum_server::Handle::new();
        let on_ctrl_c = handle.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            on_ctrl_c.graceful_shutdown(Some(Duration::from_secs(10)));
        });
        api::serve(listener, serving, tls, handle).await?;
        Ok(())
    });
    drop(runtime);
    drop(state);
    served
}
