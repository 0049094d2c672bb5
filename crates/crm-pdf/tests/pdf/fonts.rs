//! The fonts: found on the computer, embedded as subsets, and a coded error
//! instead of a PDF of empty boxes when none can set the text.

use std::path::Path;

use crm_pdf::{Fonts, Lang, PdfError, check_logo, render_quote, render_quote_with};

use crate::sample;
use crate::{pages_text, poppler};

/// A folder holding only DejaVu Sans, a Latin font without Chinese.
fn latin_only() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let dejavu = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    assert!(dejavu.exists(), "install fonts-dejavu-core for this test");
    std::fs::copy(dejavu, dir.path().join("DejaVuSans.ttf")).expect("the font copied");
    dir
}

#[test]
fn the_chinese_font_is_found_on_the_system() {
    let fonts = Fonts::system();
    let families = fonts.families(Lang::Zh);
    assert!(
        families
            .first()
            .is_some_and(|f| f.contains("CJK") || f.contains("Han") || f.contains("Hei")),
        "a Chinese family comes first, got {families:?}; install fonts-noto-cjk"
    );
}

#[test]
fn fonts_are_embedded_as_subsets_and_a_50_line_chinese_quote_stays_small() {
    let pdf = render_quote(&sample::quote(Lang::Zh, 50)).expect("the quote rendered");
    let listing = poppler("pdffonts", &[], &pdf);
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!fonts.is_empty(), "the PDF has fonts:\n{listing}");
    for font in fonts {
        // Columns: name, type..., emb, sub, uni, object, generation.
        let cols: Vec<&str> = font.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "embedded, subset, with a Unicode map: {font}"
        );
        // A subset's name has a six-letter tag: "GGTZKU+NotoSansCJKsc-Regular".
        assert_eq!(cols[0].find('+'), Some(6), "a subset's name: {font}");
    }
    // The whole font is 16 MB; the subset of the glyphs used is a few dozen KB.
    assert!(
        pdf.len() < 300 * 1024,
        "a 50-line Chinese quote is {} bytes",
        pdf.len()
    );
}

#[test]
fn no_font_at_all_is_a_coded_error_not_a_pdf_of_boxes() {
    let empty = tempfile::tempdir().expect("a temporary folder");
    let fonts = Fonts::from_dirs(&[empty.path()]);
    for lang in [Lang::En, Lang::Zh, Lang::Es] {
        let err = render_quote_with(&sample::quote(lang, 2), &fonts).expect_err("no font");
        assert_eq!(err, PdfError::NoFont { lang });
        assert_eq!(err.code(), "pdf_no_font");
    }
}

#[test]
fn a_chinese_quote_without_a_chinese_font_is_refused() {
    let dir = latin_only();
    let fonts = Fonts::from_dirs(&[dir.path()]);
    assert_eq!(fonts.families(Lang::Zh), Vec::<&str>::new());
    assert_eq!(fonts.families(Lang::En), ["DejaVu Sans"]);
    let err = render_quote_with(&sample::quote(Lang::Zh, 2), &fonts).expect_err("no CJK font");
    assert_eq!(err, PdfError::NoFont { lang: Lang::Zh });
}

#[test]
fn a_latin_font_alone_sets_latin_text_and_refuses_chinese_names() {
    let dir = latin_only();
    let fonts = Fonts::from_dirs(&[dir.path()]);

    let mut doc = sample::quote(Lang::Es, 2);
    doc.customer.name = "Distribuciones Núñez S.A.".to_owned();
    doc.customer.lines = vec!["Calle Mayor 1, Madrid".to_owned()];
    doc.contact = Some("Begoña Ibáñez".to_owned());
    let pdf = render_quote_with(&doc, &fonts).expect("a Latin quote with a Latin font");
    let text = pages_text(&pdf).join("\n");
    assert!(
        text.contains("Distribuciones Núñez S.A.") && text.contains("Begoña Ibáñez"),
        "{text}"
    );
    assert!(poppler("pdffonts", &[], &pdf).contains("DejaVuSans"));

    // The sample's customer is Chinese: the font has no glyph for it.
    let err = render_quote_with(&sample::quote(Lang::En, 2), &fonts).expect_err("no glyph");
    assert_eq!(err, PdfError::NoGlyph { character: '上' });
}

#[test]
fn a_logo_is_embedded_and_a_broken_one_is_refused() {
    let logo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pdf/logo.png"))
        .expect("the test logo");
    check_logo(&logo).expect("a good PNG");
    let mut doc = sample::quote(Lang::Zh, 2);
    doc.logo = Some(logo.clone());
    let pdf = render_quote(&doc).expect("the quote rendered");
    let images = poppler("pdfimages", &["-list"], &pdf);
    assert!(
        images
            .lines()
            .skip(2)
            .any(|l| l.contains(" 96 ") && l.contains(" 32 ")),
        "{images}"
    );

    for broken in [b"GIF89a".to_vec(), logo[..60].to_vec()] {
        let err = check_logo(&broken).expect_err("not a readable image");
        assert_eq!(err.code(), "pdf_logo");
        doc.logo = Some(broken);
        assert_eq!(
            render_quote(&doc).expect_err("a broken logo").code(),
            "pdf_logo"
        );
    }
}
