//! What the admin commands print. Names, emails and device names were typed
//! by users (a device name comes with every login), so they are printed
//! through [`printable`]: an escape sequence in a device name must not reach
//! the administrator's terminal as one.

use std::borrow::Cow;

use crate::backend::{DeviceRow, UserRow};

/// `text` with control characters (C0, DEL, C1: terminal escapes, carriage
/// returns, newlines) and the invisible bidirectional overrides shown
/// escaped (`\u{1b}`, `\r`, `\u{202e}`), so one line of output stays one
/// line that says what is stored. Other text is returned as it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// Characters that change how a terminal shows what follows instead of
/// showing themselves.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One line of `crm-server user list`.
pub fn user_line(u: &UserRow) -> String {
    let state = if u.active { "active" } else { "disabled" };
    format!(
        "{:<36}  {:<28} {:<24} {:<8} {:<12} {state}",
        u.id,
        printable(&u.email),
        printable(&u.name),
        printable(&u.role),
        printable(u.team.as_deref().unwrap_or_default())
    )
}

/// One line of `crm-server device list`.
pub fn device_line(d: &DeviceRow) -> String {
    let state = match (d.wipe_requested_at, d.wipe_sent_at, d.revoked_at) {
        (Some(_), Some(_), _) => "lost: told to erase",
        (Some(_), None, _) => "lost: to erase at next contact",
        (None, _, Some(_)) => "revoked",
        (None, _, None) => "active",
    };
    format!(
        "{}  user {}  {:<20} series {:<5} seq {:<8} {state}",
        d.id,
        d.user_id,
        printable(&d.name),
        d.series,
        d.last_seq
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped_and_other_text_as_it_is() {
        assert!(matches!(printable("Ana's laptop"), Cow::Borrowed(_)));
        assert_eq!(printable("Méndez 笔记本"), "Méndez 笔记本");
        assert_eq!(
            printable("x\u{1b}]0;owned\u{7}\u{1b}[2J\r\nroot\t\u{9b}"),
            "x\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\r\\nroot\\t\\u{9b}"
        );
        assert_eq!(printable("abc\u{202e}txt.exe"), "abc\\u{202e}txt.exe");
        assert_eq!(printable("\u{7f}"), "\\u{7f}");
    }
}
