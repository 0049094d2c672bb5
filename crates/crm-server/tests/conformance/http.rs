//! The server under abuse, served for real on a port of its own: password
//! guessing, login storms, oversized values, stalled connections. Raw HTTP
//! from chosen loopback addresses (127.0.0.0/8 is all this machine), so
//! each test says which client is which.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum_server::Handle;
use crm_domain::{EntityKind, Id, Op};
use crm_protocol::{Open, PROTOCOL_HEADER, PROTOCOL_VERSION, PushRequest, codes};
use crm_server::{
    Database,
    api::{self, AppState, INTAKE_KEY_HEADER, Limits},
    auth,
    backend::Backend,
    intake,
};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
    runtime::Runtime,
};

use crate::support::{Fixture, Laptop, NOW, conformance, hlc};

conformance!(fixture:
    guesses_sent_at_once_are_counted_before_they_are_checked_and_slow_only_the_guesser,
    a_client_failing_on_many_accounts_is_slowed_on_all,
    a_login_storm_is_turned_away_at_once_and_a_signed_in_laptop_keeps_syncing,
    over_long_login_values_are_refused_before_anything_is_stored,
    a_disabled_accounts_right_password_is_answered_as_a_wrong_one,
    a_client_sending_its_headers_a_byte_at_a_time_is_disconnected,
    a_client_stalling_in_its_body_is_answered_and_disconnected,
    intake_requests_get_an_owner_in_turn_and_reach_their_book,
    bad_intake_requests_get_a_clear_error_and_write_nothing,
    intake_is_rate_limited_per_key,
    intake_routes_a_region_to_its_team,
    a_laptop_marked_lost_is_told_to_erase_at_every_contact,
    a_login_brings_the_lease_policy_and_a_key_the_extension_codes_check_against,
);

const PASSWORD: &str = "correct horse battery";

/// The real server over a second handle on the fixture's database, on
/// 127.0.0.1 and a free port, with its own runtime.
struct Served {
    addr: SocketAddr,
    handle: Handle<SocketAddr>,
    runtime: Option<Runtime>,
    /// Dropped after the runtime: a PostgreSQL client cannot be closed
    /// inside one.
    state: Option<AppState>,
}

impl Served {
    fn start(fx: &Fixture, limits: Limits) -> Served {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let db = Database::open(&fx.url).expect("a second handle");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let addr = listener.local_addr().unwrap();
        let handle = Handle::new();
        let state = AppState::with_limits(db, limits);
        runtime.spawn(api::serve(listener, state.clone(), None, handle.clone()));
        Served {
            addr,
            handle,
            runtime: Some(runtime),
            state: Some(state),
        }
    }

    fn block_on<T>(&self, f: impl Future<Output = T>) -> T {
        self.runtime.as_ref().unwrap().block_on(f)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
        drop(self.state.take());
    }
}

/// A loopback address of its own for client `n`.
fn client(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, n)
}

/// An answer: status, headers (names in lower case), JSON body (or the text
/// as a JSON string). Status 0: the server cut the connection first.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn retry_after(&self) -> Option<i64> {
        self.header("retry-after").and_then(|v| v.parse().ok())
    }
}

async fn connect(addr: SocketAddr, from: Ipv4Addr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(IpAddr::V4(from), 0))
        .unwrap_or_else(|e| panic!("binding {from}: {e}"));
    socket.connect(addr).await.expect("connects")
}

/// One request on a connection of its own, from `from`, as a laptop sends
/// it (the sync protocol's header, a token if given).
async fn send(
    addr: SocketAddr,
    from: Ipv4Addr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut headers = vec![(PROTOCOL_HEADER.to_owned(), PROTOCOL_VERSION.to_string())];
    if let Some(token) = token {
        headers.push(("authorization".to_owned(), format!("Bearer {token}")));
    }
    send_raw(addr, from, method, path, &headers, body).await
}

/// One request with exactly `headers` (besides host, type, length, close).
async fn send_raw(
    addr: SocketAddr,
    from: Ipv4Addr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Answer {
    let stream = connect(addr, from).await;
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    // Written while the answer is read: the server may answer (and close)
    // before it has read all of an oversized body.
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    drop(writing.await);
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Answer {
            status: 0,
            headers: Vec::new(),
            body: Value::Null,
        };
    };
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or_else(|_| json!(body)),
    }
}

fn login_body(email: &str, password: &str, device_id: Id, device_name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "email": email,
        "password": password,
        "device_id": device_id.to_string(),
        "device_name": device_name,
    }))
    .unwrap()
}

async fn login(addr: SocketAddr, from: Ipv4Addr, email: &str, password: &str) -> Answer {
    let body = login_body(email, password, Id::new(), "laptop");
    send(addr, from, "POST", "/api/v1/login", None, body).await
}

/// A member with a real (Argon2) password.
fn member(db: &Database, email: &str) {
    auth::add_user(
        db,
        email,
        email.split('@').next().unwrap_or(email),
        "rep",
        Some("north"),
        PASSWORD,
        hlc(NOW, "server"),
    )
    .expect("adding a member");
}

/// The failed logins the database holds for `email` from client `from`.
fn failures(db: &Database, email: &str, from: Ipv4Addr) -> i64 {
    db.read(|tx| tx.login_failures(email, &from.to_string(), 0))
        .unwrap()
        .0
}

/// Thirty guesses sent at once from one address: the count is taken before
/// each password is checked, so at most the free failures are checked and
/// the rest wait (429, Retry-After); then the right password waits there
/// too. The account's owner, from an address that has not been guessing,
/// logs in at once: guessing slows the guesser, never locks the account.
fn guesses_sent_at_once_are_counted_before_they_are_checked_and_slow_only_the_guesser(
    fx: &Fixture,
) {
    member(&fx.db, "ana@example.com");
    let server = Served::start(fx, Limits::default());
    let addr = server.addr;
    let guesser = client(2);
    let answers = server.block_on(async {
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let password = format!("guess {i}");
                tokio::spawn(
                    async move { login(addr, guesser, "ana@example.com", &password).await },
                )
            })
            .collect();
        let mut answers = Vec::new();
        for guess in guesses {
            answers.push(guess.await.unwrap());
        }
        answers
    });
    let checked = answers.iter().filter(|a| a.status == 401).count();
    assert!(
        checked as i64 <= auth::FREE_FAILED_LOGINS,
        "{checked} guesses were checked: {answers:#?}"
    );
    for waited in answers.iter().filter(|a| a.status != 401) {
        assert_eq!(
            (waited.status, waited.code()),
            (429, Some(codes::RATE_LIMITED)),
            "{waited:?}"
        );
        let retry = waited.retry_after().expect("a Retry-After header");
        assert!(retry >= 1, "{waited:?}");
        assert_eq!(
            waited.body["error"]["params"]["retry_after_s"],
            json!(retry)
        );
    }
    // The guesser waits, right password or not.
    let right = server.block_on(login(addr, guesser, "ana@example.com", PASSWORD));
    assert_eq!(
        (right.status, right.code()),
        (429, Some(codes::RATE_LIMITED)),
        "{right:?}"
    );
    assert!(right.retry_after().is_some_and(|s| s >= 1), "{right:?}");
    // The owner, elsewhere, is not held back by someone else's guessing.
    let owner = server.block_on(login(addr, client(3), "ana@example.com", PASSWORD));
    assert_eq!(owner.status, 200, "{owner:?}");
}

/// One address trying one wrong password on each of many accounts is
/// slowed on every account once it has spent its allowance.
fn a_client_failing_on_many_accounts_is_slowed_on_all(fx: &Fixture) {
    member(&fx.db, "ana@example.com");
    let server = Served::start(
        fx,
        Limits {
            failures_per_client: 3,
            ..Limits::default()
        },
    );
    let addr = server.addr;
    let sprayer = client(4);
    let answers = server.block_on(async {
        let tries: Vec<_> = (0..8)
            .map(|i| {
                tokio::spawn(async move {
                    login(addr, sprayer, &format!("user{i}@example.com"), "123456").await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tries {
            answers.push(t.await.unwrap());
        }
        answers
    });
    let checked = answers.iter().filter(|a| a.status == 401).count();
    assert_eq!(checked, 3, "only the allowance was checked: {answers:#?}");
    assert!(
        answers
            .iter()
            .filter(|a| a.status != 401)
            .all(|a| a.status == 429 && a.retry_after().is_some()),
        "{answers:#?}"
    );
    let fresh = server.block_on(login(addr, sprayer, "ana@example.com", PASSWORD));
    assert_eq!(
        (fresh.status, fresh.code()),
        (429, Some(codes::RATE_LIMITED)),
        "an account it never tried is slowed too: {fresh:?}"
    );
    let other = server.block_on(login(addr, client(5), "ana@example.com", PASSWORD));
    assert_eq!(other.status, 200, "other addresses are not: {other:?}");
}

/// Logins beyond what the hashing slots and their queue hold are answered
/// `busy` at once, with Retry-After; hashing runs off the async workers,
/// so a signed-in laptop's pushes and pulls go on answering meanwhile.
fn a_login_storm_is_turned_away_at_once_and_a_signed_in_laptop_keeps_syncing(fx: &Fixture) {
    member(&fx.db, "ana@example.com");
    let server = Served::start(
        fx,
        Limits {
            hashing_slots: 1,
            hashing_queue: 2,
            ..Limits::default()
        },
    );
    let addr = server.addr;
    let device_id = Id::new();
    let signed_in = server.block_on(send(
        addr,
        client(6),
        "POST",
        "/api/v1/login",
        None,
        login_body("ana@example.com", PASSWORD, device_id, "Ana's laptop"),
    ));
    assert_eq!(signed_in.status, 200, "{signed_in:?}");
    let token = signed_in.body["token"].as_str().unwrap().to_owned();
    let ana = fx
        .db
        .read(|tx| tx.user_by_email("ana@example.com"))
        .unwrap()
        .unwrap();
    let laptop = Laptop::new(ana, device_id, 6);
    let ops: Vec<Op> = (0..5)
        .map(|i| {
            laptop.insert(
                EntityKind::Account,
                &[("name", json!(format!("Acme {i}")))],
                NOW,
            )
        })
        .collect();

    // Order of answers, as they come.
    let order = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let (storm, syncs) = server.block_on(async {
        let storm: Vec<_> = (0..32u8)
            .map(|i| {
                let order = Arc::clone(&order);
                tokio::spawn(async move {
                    // Each from an address of its own: only the hashing
                    // limit is in play, not the guessing one.
                    let answer = login(
                        addr,
                        Ipv4Addr::new(127, 0, 1, i + 1),
                        &format!("someone{i}@example.com"),
                        "a guess",
                    )
                    .await;
                    (
                        order.fetch_add(1, Ordering::SeqCst),
                        started.elapsed(),
                        answer,
                    )
                })
            })
            .collect();
        let mut syncs = Vec::new();
        for op in ops {
            let body = serde_json::to_vec(&PushRequest {
                ops: vec![Open::Known(op)],
            })
            .unwrap();
            let push = send(addr, client(6), "POST", "/api/v1/push", Some(&token), body).await;
            syncs.push((order.fetch_add(1, Ordering::SeqCst), push));
            let pull = send(
                addr,
                client(6),
                "GET",
                "/api/v1/pull?cursor=0",
                Some(&token),
                Vec::new(),
            )
            .await;
            syncs.push((order.fetch_add(1, Ordering::SeqCst), pull));
        }
        let mut answers = Vec::new();
        for s in storm {
            answers.push(s.await.unwrap());
        }
        (answers, syncs)
    });
    for (_, answer) in &syncs {
        assert_eq!(answer.status, 200, "the laptop syncs: {answer:?}");
    }
    assert!(
        syncs
            .iter()
            .filter_map(|(_, a)| a.body["verdicts"].as_array())
            .flatten()
            .all(|v| v["outcome"] == "applied"),
        "{syncs:#?}"
    );
    let busy: Vec<_> = storm.iter().filter(|(_, _, a)| a.status == 503).collect();
    let hashed: Vec<_> = storm.iter().filter(|(_, _, a)| a.status == 401).collect();
    assert_eq!(busy.len() + hashed.len(), storm.len(), "{storm:#?}");
    assert!(
        busy.len() >= storm.len() / 2,
        "beyond one slot and two waiting, logins are turned away: {} of {}",
        busy.len(),
        storm.len()
    );
    for (_, took, answer) in &busy {
        assert_eq!(answer.code(), Some(codes::BUSY), "{answer:?}");
        assert!(answer.retry_after().is_some_and(|s| s >= 1), "{answer:?}");
        assert!(
            *took < Duration::from_secs(30),
            "turned away at once: {took:?}"
        );
    }
    // Hashes run one at a time, each for a while in a debug build; the
    // laptop's whole sync is answered before the last of them.
    let last_sync = syncs.iter().map(|(n, _)| *n).max().unwrap();
    let last_hash = hashed.iter().map(|(n, _, _)| *n).max().unwrap_or(0);
    assert!(
        hashed.is_empty() || last_sync < last_hash,
        "the sync waited for the storm: sync #{last_sync}, last login #{last_hash}"
    );
}

/// A megabyte email, or values longer than anything real, are refused
/// before they are counted, stored or hashed.
fn over_long_login_values_are_refused_before_anything_is_stored(fx: &Fixture) {
    member(&fx.db, "ana@example.com");
    let server = Served::start(fx, Limits::default());
    let addr = server.addr;
    let from = client(7);
    let huge = format!("{}@example.com", "a".repeat(1024 * 1024));
    let answer = server.block_on(login(addr, from, &huge, "x"));
    assert!(
        answer.status == 0 || (answer.status, answer.code()) == (413, Some(codes::TOO_LARGE)),
        "a megabyte login is refused as too large: {answer:?}"
    );
    assert_eq!(failures(&fx.db, &huge, from), 0, "and not stored");
    let long_email = format!("{}@example.com", "a".repeat(300));
    for (email, password, device_name, field) in [
        (long_email.as_str(), "x", "laptop", "email"),
        ("ana@example.com", &*"p".repeat(5_000), "laptop", "password"),
        (
            "ana@example.com",
            PASSWORD,
            &*"n".repeat(1_000),
            "device_name",
        ),
    ] {
        let body = login_body(email, password, Id::new(), device_name);
        let answer = server.block_on(send(addr, from, "POST", "/api/v1/login", None, body));
        assert_eq!(
            (answer.status, answer.code()),
            (400, Some(codes::TOO_LONG)),
            "{field}: {answer:?}"
        );
        assert_eq!(answer.body["error"]["params"]["field"], json!(field));
        assert!(answer.body["error"]["params"]["max"].as_u64().is_some());
        assert_eq!(
            failures(&fx.db, &email.to_lowercase(), from),
            0,
            "{field}: nothing stored"
        );
    }
    assert!(
        fx.db.read(|tx| tx.devices()).unwrap().is_empty(),
        "no device registered with an over-long name"
    );
}

/// A disabled account's right password gets the answer a wrong one gets,
/// so a password cannot be tried against it.
fn a_disabled_accounts_right_password_is_answered_as_a_wrong_one(fx: &Fixture) {
    member(&fx.db, "ana@example.com");
    auth::disable_user(&fx.db, "ana@example.com", hlc(NOW, "server"))
        .unwrap()
        .expect("ana exists");
    let server = Served::start(fx, Limits::default());
    let right = server.block_on(login(server.addr, client(8), "ana@example.com", PASSWORD));
    let wrong = server.block_on(login(server.addr, client(8), "ana@example.com", "wrong"));
    assert_eq!(
        (right.status, right.code()),
        (401, Some(codes::BAD_LOGIN)),
        "{right:?}"
    );
    assert_eq!(
        (right.status, &right.body),
        (wrong.status, &wrong.body),
        "the same answer"
    );
}

/// Whether the server closes `stream` within `within` while `trickle` bytes
/// go out one at a time (0.1 s apart); returns what it answered.
async fn cut_off(stream: TcpStream, trickle: Vec<u8>, within: Duration) -> Option<Vec<u8>> {
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        for byte in trickle {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Then silence, the connection held open.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(writer);
    });
    let mut answered = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => answered.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    writing.abort();
    read.ok().map(|()| answered)
}

/// Headers sent a byte at a time (slowloris) must not hold a connection:
/// the server closes it once the header timeout has passed.
fn a_client_sending_its_headers_a_byte_at_a_time_is_disconnected(fx: &Fixture) {
    let server = Served::start(
        fx,
        Limits {
            header_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
    );
    let addr = server.addr;
    // Far more bytes than fit in the timeout at 10 a second.
    let trickle = b"POST /api/v1/login HTTP/1.1\r\nhost: x\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec();
    let started = Instant::now();
    let closed = server.block_on(async {
        let stream = connect(addr, client(9)).await;
        cut_off(stream, trickle.clone(), Duration::from_secs(20)).await
    });
    assert!(
        closed.is_some(),
        "the connection was still open after 20 s (header timeout 1 s)"
    );
    assert!(
        started.elapsed() < Duration::from_secs(trickle.len() as u64 / 10),
        "closed before the client finished its headers: {:?}",
        started.elapsed()
    );
    // A silent connection is closed too.
    let closed = server.block_on(async {
        let stream = connect(addr, client(9)).await;
        cut_off(stream, Vec::new(), Duration::from_secs(20)).await
    });
    assert!(closed.is_some(), "a silent connection was held open");
}

/// A body that stalls is answered 408 `timeout` once the body timeout has
/// passed, and the connection closed.
fn a_client_stalling_in_its_body_is_answered_and_disconnected(fx: &Fixture) {
    let server = Served::start(
        fx,
        Limits {
            body_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
    );
    let addr = server.addr;
    let closed = server.block_on(async {
        let mut stream = connect(addr, client(10)).await;
        let head = format!(
            "POST /api/v1/login HTTP/1.1\r\nhost: x\r\n{PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"email\":"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        cut_off(stream, b" \"ana@example.com\"".repeat(20), Duration::from_secs(20)).await
    });
    let answered = closed.expect("the connection was still open after 20 s (body timeout 1 s)");
    let answer = parse_answer(&answered);
    assert_eq!(
        (answer.status, answer.code()),
        (408, Some(codes::TIMEOUT)),
        "{answer:?}"
    );
}

/// An intake request as a web form's backend sends it: plain JSON with the
/// form's key, no sync protocol header.
async fn intake_post(addr: SocketAddr, path: &str, key: Option<&str>, body: Vec<u8>) -> Answer {
    let headers: Vec<(String, String)> = key
        .map(|k| (INTAKE_KEY_HEADER.to_owned(), k.to_owned()))
        .into_iter()
        .collect();
    send_raw(addr, client(40), "POST", path, &headers, body).await
}

fn team_member(db: &Database, email: &str, role: &str, team: &str) -> Id {
    auth::add_user(
        db,
        email,
        email.split('@').next().unwrap_or(email),
        role,
        Some(team),
        PASSWORD,
        hlc(NOW, "server"),
    )
    .expect("adding a member")
    .id
}

fn stored_data(db: &Database, id: &str) -> Value {
    let id: Id = id.parse().expect("an id");
    let record = db.read(|tx| tx.record(id)).unwrap().expect("stored");
    json!({ "data": record.data, "scope_user": record.scope_user.map(|u| u.to_string()) })
}

fn records(db: &Database) -> usize {
    let admin = crate::support::viewer(Id::new(), "admin", None);
    db.read(|tx| tx.changes_since(&admin, 0, u32::MAX - 1, usize::MAX))
        .unwrap()
        .len()
}

/// Cases from a web form go to the team's members in turn and land in the
/// owner's book (what a laptop's pull is served from); a second request
/// from the same person lands on the same customer and owner; a lead comes
/// with a call planned for the next day.
fn intake_requests_get_an_owner_in_turn_and_reach_their_book(fx: &Fixture) {
    let ana = team_member(&fx.db, "ana@example.com", "rep", "north");
    let ben = team_member(&fx.db, "ben@example.com", "rep", "north");
    team_member(&fx.db, "mia@example.com", "manager", "north");
    team_member(&fx.db, "cy@example.com", "rep", "south");
    let (_, case_key) = intake::add_key(&fx.db, "case", "north", "Website", &[], NOW).unwrap();
    let (_, lead_key) =
        intake::add_key(&fx.db, "lead", "north", "Website leads", &[], NOW).unwrap();
    let server = Served::start(fx, Limits::default());
    let addr = server.addr;
    let post = |path: &str, key: &str, body: Value| {
        server.block_on(intake_post(
            addr,
            path,
            Some(key),
            serde_json::to_vec(&body).unwrap(),
        ))
    };
    let mut owners = Vec::new();
    let mut first_case = None;
    for (i, email) in [
        "wang@example.cn",
        "lopez@example.es",
        "kim@example.com",
        "li@example.cn",
    ]
    .iter()
    .enumerate()
    {
        let answer = post(
            "/api/v1/intake/case",
            &case_key,
            json!({
                "name": format!("客户 {i}"),
                "email": email,
                "subject": "水泵漏水，一个月没人回电话",
                "description": "I emailed a month ago and nobody called back.",
                "priority": "high",
            }),
        );
        assert_eq!(answer.status, 201, "{answer:?}");
        assert_eq!(answer.body["number"], json!(format!("C0-{:05}", i + 1)));
        let id = answer.body["id"].as_str().unwrap().to_owned();
        let case = stored_data(&fx.db, &id);
        assert_eq!(case["data"]["status"], json!("new"));
        assert_eq!(case["data"]["channel"], json!("web"));
        assert_eq!(
            case["scope_user"], case["data"]["owner_id"],
            "in its owner's book"
        );
        owners.push(case["data"]["owner_id"].as_str().unwrap().to_owned());
        first_case.get_or_insert((id, case));
    }
    let (a, b) = (ana.to_string(), ben.to_string());
    assert!(
        owners == [a.clone(), b.clone(), a.clone(), b.clone()]
            || owners == [b.clone(), a.clone(), b.clone(), a.clone()],
        "the team's reps in turn, not its manager nor another team: {owners:?}"
    );
    // The same person again: the same customer, the same owner.
    let (_, first) = first_case.unwrap();
    let again = post(
        "/api/v1/intake/case",
        &case_key,
        json!({"name": "客户 0", "email": "WANG@example.cn", "subject": "还是漏水"}),
    );
    assert_eq!(again.status, 201, "{again:?}");
    let second = stored_data(&fx.db, again.body["id"].as_str().unwrap());
    assert_eq!(second["data"]["account_id"], first["data"]["account_id"]);
    assert_eq!(second["data"]["owner_id"], first["data"]["owner_id"]);
    let account = stored_data(&fx.db, first["data"]["account_id"].as_str().unwrap());
    assert_eq!(account["scope_user"], first["data"]["owner_id"]);

    let lead = post(
        "/api/v1/intake/lead",
        &lead_key,
        json!({"name": "Lucía Pérez", "company": "Agua Clara S.L.", "email": "lucia@aguaclara.es"}),
    );
    assert_eq!(lead.status, 201, "{lead:?}");
    let lead_id = lead.body["id"].as_str().unwrap().to_owned();
    let stored = stored_data(&fx.db, &lead_id);
    assert_eq!(stored["data"]["source"], json!("web"));
    let admin = crate::support::viewer(Id::new(), "admin", None);
    let tasks: Vec<_> = fx
        .db
        .read(|tx| tx.changes_since(&admin, 0, u32::MAX - 1, usize::MAX))
        .unwrap()
        .into_iter()
        .filter(|r| r.entity == EntityKind::Task && r.data["lead_id"] == json!(lead_id))
        .collect();
    assert_eq!(tasks.len(), 1, "a call back is planned");
    assert_eq!(tasks[0].data["activity"], json!("call"));
    assert_eq!(tasks[0].data["assignee_id"], stored["data"]["owner_id"]);
    // The served state runs on the real clock.
    let tomorrow = chrono::Utc::now()
        .date_naive()
        .succ_opt()
        .unwrap()
        .to_string();
    assert_eq!(tasks[0].data["due_date"], json!(tomorrow));
}

/// A wrong or missing key, the other kind's key, a bad value, a 10 MB
/// description: each a clear error naming what is wrong, nothing written.
fn bad_intake_requests_get_a_clear_error_and_write_nothing(fx: &Fixture) {
    team_member(&fx.db, "ana@example.com", "rep", "north");
    let (_, case_key) = intake::add_key(&fx.db, "case", "north", "Website", &[], NOW).unwrap();
    let (lead_id, lead_key) = intake::add_key(&fx.db, "lead", "north", "Leads", &[], NOW).unwrap();
    let (_, empty_team) =
        intake::add_key(&fx.db, "case", "nobody", "Orphan form", &[], NOW).unwrap();
    let server = Served::start(fx, Limits::default());
    let addr = server.addr;
    let before = records(&fx.db);
    let good = json!({"name": "Wang", "email": "wang@example.cn", "subject": "Leak"});
    let post = |path: &str, key: Option<&str>, body: Vec<u8>| {
        server.block_on(intake_post(addr, path, key, body))
    };
    let bytes = |v: &Value| serde_json::to_vec(v).unwrap();

    let a = post("/api/v1/intake/case", None, bytes(&good));
    assert_eq!(
        (a.status, a.code()),
        (401, Some(codes::INTAKE_KEY)),
        "{a:?}"
    );
    let a = post("/api/v1/intake/case", Some("crmi_guessed"), bytes(&good));
    assert_eq!(
        (a.status, a.code()),
        (401, Some(codes::INTAKE_KEY)),
        "{a:?}"
    );
    let a = post("/api/v1/intake/case", Some(&lead_key), bytes(&good));
    assert_eq!(
        (a.status, a.code()),
        (403, Some(codes::INTAKE_KEY)),
        "{a:?}"
    );
    for (body, field) in [
        (
            json!({"name": "Wang", "email": "not an email", "subject": "Leak"}),
            "email",
        ),
        (
            json!({"name": "Wang", "email": "wang@example.cn", "subject": "  "}),
            "subject",
        ),
        (
            json!({"name": "Wang", "email": "wang@example.cn", "subject": "Leak", "priority": "asap"}),
            "priority",
        ),
    ] {
        let a = post("/api/v1/intake/case", Some(&case_key), bytes(&body));
        assert_eq!(
            (a.status, a.code()),
            (422, Some(codes::INVALID)),
            "{field}: {a:?}"
        );
        assert_eq!(a.body["error"]["params"]["field"], json!(field));
    }
    let a = post(
        "/api/v1/intake/case",
        Some(&case_key),
        bytes(&json!({"name": "Wang", "subject": "no email"})),
    );
    assert_eq!(
        (a.status, a.code()),
        (400, Some(codes::BAD_REQUEST)),
        "{a:?}"
    );
    let a = post(
        "/api/v1/intake/case",
        Some(&case_key),
        b"{not json".to_vec(),
    );
    assert_eq!(
        (a.status, a.code()),
        (400, Some(codes::BAD_REQUEST)),
        "{a:?}"
    );
    let huge = json!({"name": "Wang", "email": "wang@example.cn", "subject": "Leak",
                      "description": "x".repeat(10 * 1024 * 1024)});
    let a = post("/api/v1/intake/case", Some(&case_key), bytes(&huge));
    assert!(
        a.status == 0 || (a.status, a.code()) == (413, Some(codes::TOO_LARGE)),
        "a 10 MB description is refused as too large: {a:?}"
    );
    let a = post("/api/v1/intake/case", Some(&empty_team), bytes(&good));
    assert_eq!(
        (a.status, a.code()),
        (409, Some(codes::NO_ASSIGNEE)),
        "{a:?}"
    );
    let a = post(
        "/api/v1/intake/lead",
        Some(&lead_key),
        bytes(&json!({"name": "Nobody to call"})),
    );
    assert_eq!((a.status, a.code()), (422, Some(codes::INVALID)), "{a:?}");
    fx.db
        .write(|tx| tx.revoke_intake_key(lead_id.id, NOW))
        .unwrap();
    let a = post(
        "/api/v1/intake/lead",
        Some(&lead_key),
        bytes(&json!({"name": "Lucía", "email": "lucia@example.es"})),
    );
    assert_eq!(
        (a.status, a.code()),
        (401, Some(codes::INTAKE_KEY)),
        "revoked: {a:?}"
    );
    assert_eq!(records(&fx.db), before, "nothing written by any of them");
}

/// One key's requests beyond its rate are turned away with Retry-After.
fn intake_is_rate_limited_per_key(fx: &Fixture) {
    team_member(&fx.db, "ana@example.com", "rep", "north");
    let (_, key) = intake::add_key(&fx.db, "lead", "north", "Website", &[], NOW).unwrap();
    let server = Served::start(
        fx,
        Limits {
            intake_per_second: 1,
            ..Limits::default()
        },
    );
    let addr = server.addr;
    let statuses: Vec<Answer> = (0..4)
        .map(|i| {
            let body =
                serde_json::to_vec(&json!({"name": format!("L{i}"), "phone": "+86 10 8888 9999"}))
                    .unwrap();
            server.block_on(intake_post(addr, "/api/v1/intake/lead", Some(&key), body))
        })
        .collect();
    assert_eq!(
        statuses.iter().map(|a| a.status).collect::<Vec<_>>(),
        vec![201, 201, 429, 429],
        "a burst of twice the rate, then slowed"
    );
    assert_eq!(statuses[2].code(), Some(codes::RATE_LIMITED));
    assert!(statuses[2].retry_after().is_some_and(|s| s >= 1));
}

/// A key's route sends requests from a region to that region's team; the
/// rest go to the key's own team, each team's members in turn.
fn intake_routes_a_region_to_its_team(fx: &Fixture) {
    let ana = team_member(&fx.db, "ana@example.com", "rep", "north");
    let cy = team_member(&fx.db, "cy@example.com", "rep", "south");
    assert!(
        intake::add_key(
            &fx.db,
            "case",
            "north",
            "Website",
            &["no-equals".into()],
            NOW
        )
        .is_err(),
        "a route is REGION=TEAM"
    );
    let (_, key) = intake::add_key(
        &fx.db,
        "case",
        "north",
        "Website",
        &["华南=south".into(), "Andalucía = south".into()],
        NOW,
    )
    .unwrap();
    let server = Served::start(fx, Limits::default());
    let addr = server.addr;
    let owner_of = |email: &str, region: Option<&str>| {
        let mut body = json!({"name": "Requester", "email": email, "subject": "Leak"});
        if let Some(r) = region {
            body["region"] = json!(r);
        }
        let a = server.block_on(intake_post(
            addr,
            "/api/v1/intake/case",
            Some(&key),
            serde_json::to_vec(&body).unwrap(),
        ));
        assert_eq!(a.status, 201, "{a:?}");
        let case = stored_data(&fx.db, a.body["id"].as_str().unwrap());
        (
            case["data"]["owner_id"].as_str().unwrap().to_owned(),
            case["data"]["team"].clone(),
        )
    };
    assert_eq!(
        owner_of("a@example.cn", Some("华南")),
        (cy.to_string(), json!("south"))
    );
    assert_eq!(
        owner_of("b@example.es", Some("andalucía")),
        (cy.to_string(), json!("south"))
    );
    assert_eq!(
        owner_of("c@example.cn", Some("华北")),
        (ana.to_string(), json!("north"))
    );
    assert_eq!(
        owner_of("d@example.com", None),
        (ana.to_string(), json!("north"))
    );
}

/// An administrator marks a laptop lost: its next pull, push and login are
/// answered `device_wiped` (410), every time (the first answer may be lost
/// on the way), another laptop of the same user goes on, and the device
/// list says the laptop was told.
fn a_laptop_marked_lost_is_told_to_erase_at_every_contact(fx: &Fixture) {
    member(&fx.db, "ana@example.com");
    let server = Served::start(fx, Limits::default());
    let (lost, kept) = (Id::new(), Id::new());
    let mut tokens = Vec::new();
    for device in [lost, kept] {
        let body = login_body("ana@example.com", PASSWORD, device, "laptop");
        let answer = server.block_on(send(
            server.addr,
            client(20),
            "POST",
            "/api/v1/login",
            None,
            body,
        ));
        assert_eq!(answer.status, 200, "{answer:?}");
        tokens.push(answer.body["token"].as_str().unwrap().to_owned());
    }
    auth::wipe_device(&fx.db, lost, NOW)
        .unwrap()
        .expect("the device exists");
    let pull = |token: &str| {
        server.block_on(send(
            server.addr,
            client(20),
            "GET",
            "/api/v1/pull?cursor=0",
            Some(token),
            Vec::new(),
        ))
    };
    for _ in 0..2 {
        let answer = pull(&tokens[0]);
        assert_eq!(
            (answer.status, answer.code()),
            (410, Some(codes::DEVICE_WIPED)),
            "{answer:?}"
        );
    }
    let push = server.block_on(send(
        server.addr,
        client(20),
        "POST",
        "/api/v1/push",
        Some(&tokens[0]),
        serde_json::to_vec(&json!({"ops": []})).unwrap(),
    ));
    assert_eq!(push.code(), Some(codes::DEVICE_WIPED), "{push:?}");
    let again = server.block_on(send(
        server.addr,
        client(20),
        "POST",
        "/api/v1/login",
        None,
        login_body("ana@example.com", PASSWORD, lost, "laptop"),
    ));
    assert_eq!(
        (again.status, again.code()),
        (410, Some(codes::DEVICE_WIPED)),
        "logging in again on it does not undo it"
    );
    assert_eq!(pull(&tokens[1]).status, 200, "her other laptop goes on");
    let device = fx.db.read(|tx| tx.device(lost)).unwrap().unwrap();
    assert!(device.wipe_sent_at.is_some(), "the server knows it told it");
    assert!(
        crm_server::admin::device_line(&device).contains("told to erase"),
        "and the device list says so"
    );
}

/// A login is told the team's lease policy and given a key of its own; a
/// code made with that key for that device checks on the laptop; every
/// pull repeats the policy, so a change reaches laptops.
fn a_login_brings_the_lease_policy_and_a_key_the_extension_codes_check_against(fx: &Fixture) {
    member(&fx.db, "ana@example.com");
    let limits = Limits {
        lease: crm_protocol::lease::LeasePolicy {
            offline_days: 10,
            grace_days: 2,
        },
        ..Limits::default()
    };
    let server = Served::start(fx, limits);
    let device = Id::new();
    let answer = server.block_on(send(
        server.addr,
        client(21),
        "POST",
        "/api/v1/login",
        None,
        login_body("ana@example.com", PASSWORD, device, "laptop"),
    ));
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.body["lease"],
        json!({"offline_days": 10, "grace_days": 2})
    );
    let key = answer.body["lease_key"]
        .as_str()
        .expect("a lease key")
        .to_owned();
    let stored = fx.db.read(|tx| tx.device(device)).unwrap().unwrap();
    assert_eq!(
        stored.lease_key.as_deref(),
        Some(key.as_str()),
        "kept for the admin's codes"
    );
    let code = crm_protocol::lease::extension_code(key.as_bytes(), device, 20_800);
    assert_eq!(
        crm_protocol::lease::check_code(key.as_bytes(), device, &code),
        Some(20_800)
    );
    let token = answer.body["token"].as_str().unwrap().to_owned();
    let pulled = server.block_on(send(
        server.addr,
        client(21),
        "GET",
        "/api/v1/pull?cursor=0",
        Some(&token),
        Vec::new(),
    ));
    assert_eq!(
        pulled.body["lease"]["offline_days"],
        json!(10),
        "{pulled:?}"
    );
}
