//! The quote PDF read back as a person's PDF reader would: text extracted
//! with poppler's `pdftotext`, fonts listed with `pdffonts`, images with
//! `pdfimages` (Debian's poppler-utils; `scripts/install-desktop-deps --test`
//! installs it, and fonts-noto-cjk for the Chinese text).

mod fonts;
mod languages;
mod pages;
mod sample;

use std::io::Write;
use std::process::Command;

/// Runs a poppler tool on `pdf` and returns what it printed.
pub fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(pdf).expect("the PDF written");
    let output = Command::new(tool)
        .args(args)
        .arg(file.path())
        .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} could not run ({e}): install poppler-utils (scripts/install-desktop-deps --test)")
        });
    assert!(
        output.status.success(),
        "{tool} refused the PDF: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("poppler prints UTF-8")
}

/// The text of each page, laid out as on the page.
pub fn pages_text(pdf: &[u8]) -> Vec<String> {
    let text = poppler("pdftotext", &["-layout", "-enc", "UTF-8"], pdf);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    // pdftotext ends the last page with a form feed too.
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Asserts that each of `expected` appears in `text`.
#[track_caller]
pub fn assert_has(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(
            text.contains(e),
            "{e:?} is missing from the PDF's text:\n{text}"
        );
    }
}
