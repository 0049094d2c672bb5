//! Sales documents as PDF: a quote on A4 in English, Chinese or Spanish.
//!
//! The caller hands over the quote as it should read (names, lines, amounts
//! in minor units, already computed totals); this crate owns the document's
//! own words, how money and dates are written in each language, and the
//! layout. Text is set in fonts found on the computer (see [`Fonts`]) and
//! only the glyphs used are embedded, so a Chinese quote carries real CJK
//! glyphs in a file of tens of kilobytes and is made without a network.
//!
//! The PDF is written with krilla (font subsetting, PDF objects) and text is
//! shaped with rustybuzz; no typesetting engine is involved: a quote's layout
//! is fixed and measured here.

mod fonts;
mod layout;
mod locale;
mod text;

use std::fmt;
use std::sync::OnceLock;

use chrono::NaiveDate;

pub use fonts::Fonts;

/// The language a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
    /// Spanish.
    Es,
}

impl Lang {
    /// The language's code: `en`, `zh`, `es`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
            Lang::Es => "es",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A company or a customer as printed: a name and the lines under it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    /// The legal or trading name.
    pub name: String,
    /// Address lines, phone, email, tax id..., each printed on its own line.
    pub lines: Vec<String>,
}

/// One line of a quote, with its amounts already computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLine {
    /// The number shown in the first column.
    pub position: u32,
    /// A product code, printed above the description.
    pub code: Option<String>,
    /// What is sold; long text wraps, line breaks are kept.
    pub description: String,
    /// The quantity as the caller writes it ("2.5"); a plain decimal gets the
    /// language's decimal mark.
    pub quantity: String,
    /// The unit ("pcs", "h", "台"), printed after the quantity.
    pub unit: Option<String>,
    /// Price of one unit, in the currency's minor units.
    pub unit_price: i64,
    /// The discount on this line, in minor units; 0 prints nothing.
    pub discount_minor: i64,
    /// The tax rate in percent, as a decimal ("13", "6.5").
    pub tax_rate: String,
    /// The line's amount before tax, in minor units.
    pub net: i64,
}

/// The totals of a quote, in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuoteTotals {
    /// The lines' amounts before discounts.
    pub subtotal: i64,
    /// All discounts; 0 leaves the row out.
    pub discount: i64,
    /// The amount before tax.
    pub net: i64,
    /// One entry per tax rate: the rate ("13"), the base and the tax.
    pub taxes: Vec<(String, i64, i64)>,
    /// The amount to pay.
    pub gross: i64,
}

/// A quote as it should be printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteDoc {
    /// The language of the document's own words, money and dates.
    pub lang: Lang,
    /// The selling company, from settings.
    pub company: Party,
    /// The company's logo, a PNG or JPEG file's bytes.
    pub logo: Option<Vec<u8>>,
    /// Who the quote is for.
    pub customer: Party,
    /// The customer's contact person.
    pub contact: Option<String>,
    /// The quote's number, e.g. "Q-7-00012".
    pub number: String,
    /// The revision, printed next to the number.
    pub revision: u32,
    /// The day the quote is issued.
    pub issued_on: NaiveDate,
    /// The last day the offer holds.
    pub valid_until: Option<NaiveDate>,
    /// The ISO 4217 code ("CNY"); it decides how many decimals amounts have.
    pub currency: String,
    /// The lines, in order.
    pub lines: Vec<QuoteLine>,
    /// The totals.
    pub totals: QuoteTotals,
    /// Terms (payment, delivery); line breaks are kept.
    pub terms: Option<String>,
    /// Other remarks; line breaks are kept.
    pub notes: Option<String>,
}

/// Why a PDF could not be made. [`PdfError::code`] names the case for the
/// interface, which words it in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// No installed font can set this language (for Chinese: no CJK font;
    /// on Debian/Ubuntu `fonts-noto-cjk` provides one).
    #[error("no font on this computer can set {lang} text; install Noto Sans CJK (fonts-noto-cjk)")]
    NoFont {
        /// The document's language.
        lang: Lang,
    },
    /// A character of the quote is in none of the fonts found (a Chinese
    /// name on a computer without a Chinese font, an emoji...).
    #[error("no font on this computer has the character {character:?}")]
    NoGlyph {
        /// The first such character.
        character: char,
    },
    /// The logo is not a PNG or JPEG image that can be read.
    #[error("the company logo cannot be read as a PNG or JPEG image: {problem}")]
    Logo {
        /// What the image decoder said.
        problem: String,
    },
    /// The PDF writer failed.
    #[error("the PDF could not be written: {problem}")]
    Write {
        /// What the writer said.
        problem: String,
    },
}

impl PdfError {
    /// A stable code for the interface's message: `pdf_no_font`,
    /// `pdf_no_glyph`, `pdf_logo`, `pdf_write`.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::NoFont { .. } => "pdf_no_font",
            PdfError::NoGlyph { .. } => "pdf_no_glyph",
            PdfError::Logo { .. } => "pdf_logo",
            PdfError::Write { .. } => "pdf_write",
        }
    }
}

/// Renders a quote as a PDF file, with the fonts installed on this computer
/// (found on the first call and kept for the process).
pub fn render_quote(doc: &QuoteDoc) -> Result<Vec<u8>, PdfError> {
    static SYSTEM: OnceLock<Fonts> = OnceLock::new();
    render_quote_with(doc, SYSTEM.get_or_init(Fonts::system))
}

/// Renders a quote as a PDF file with the given fonts.
pub fn render_quote_with(doc: &QuoteDoc, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    layout::render(doc, fonts)
}

/// Checks that a logo can be printed (a readable PNG or JPEG), so settings
/// can refuse a bad file when it is chosen rather than when a quote is made.
pub fn check_logo(bytes: &[u8]) -> Result<(), PdfError> {
    layout::logo_image(bytes).map(|_| ())
}
