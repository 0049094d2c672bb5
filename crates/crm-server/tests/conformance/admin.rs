//! The admin commands of the real `crm-server` binary over each backend.

use std::process::Command;

use crm_domain::Id;
use crm_server::backend::{Backend, DeviceRow};

use crate::support::{Fixture, NOW, conformance, user};

conformance!(fixture: lists_show_the_control_characters_users_typed_escaped);

fn crm_server(fx: &Fixture, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_crm-server"))
        .arg("--database")
        .arg(&fx.url)
        .args(args)
        .output()
        .expect("crm-server runs");
    assert!(
        output.status.success(),
        "crm-server {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// A device name arrives with every login and names are typed by people:
/// an escape sequence in one must reach the administrator's terminal as
/// text, never as a command to the terminal.
fn lists_show_the_control_characters_users_typed_escaped(fx: &Fixture) {
    let mallory = user(
        "mallory@example.com",
        "Mal\u{1b}[2Jlory\r\nroot",
        "rep",
        Some("north\u{7}"),
    );
    fx.db
        .write(|tx| {
            tx.insert_user(&mallory)?;
            let series = tx.next_device_series()?;
            tx.upsert_device(&DeviceRow {
                id: Id::new(),
                user_id: mallory.id,
                name: "laptop\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}".into(),
                token_hash: "token".into(),
                created_at: NOW,
                last_seen_at: None,
                revoked_at: None,
                last_seq: 0,
                series,
                wipe_requested_at: None,
                wipe_sent_at: None,
                lease_key: None,
            })
        })
        .unwrap();
    for (args, shown) in [
        (
            ["device", "list"],
            "laptop\\u{1b}]0;pwned\\u{7}\\u{9b}31m\\u{202e}",
        ),
        (["user", "list"], "Mal\\u{1b}[2Jlory\\r\\nroot"),
    ] {
        let out = crm_server(fx, &args);
        assert!(out.contains(shown), "{args:?} shows {shown}: {out:?}");
        let line = out.lines().next().unwrap_or_default();
        assert_eq!(out, format!("{line}\n"), "one line per entry");
        assert!(
            !out.chars()
                .any(|c| c != '\n' && (c.is_control() || c == '\u{202e}')),
            "{args:?} prints no control character: {out:?}"
        );
    }
    // A document number names its device's series: the list tells which.
    let devices = crm_server(fx, &["device", "list"]);
    assert!(devices.contains(" series 1 "), "{devices:?}");
}
