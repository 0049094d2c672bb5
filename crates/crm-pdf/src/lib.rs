//! TEMPORARY stub (replaced by the `pdf` branch).
#![allow(missing_docs)]
pub enum Lang {
    En,
    Zh,
    Es,
}
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}
pub struct QuoteLine {
    pub position: u32,
    pub code: Option<String>,
    pub description: String,
    pub quantity: String,
    pub unit: Option<String>,
    pub unit_price: i64,
    pub discount_minor: i64,
    pub tax_rate: String,
    pub net: i64,
}
pub struct QuoteTotals {
    pub subtotal: i64,
    pub discount: i64,
    pub net: i64,
    pub taxes: Vec<(String, i64, i64)>,
    pub gross: i64,
}
pub struct QuoteDoc {
    pub lang: Lang,
    pub company: Party,
    pub logo: Option<Vec<u8>>,
    pub customer: Party,
    pub contact: Option<String>,
    pub number: String,
    pub revision: u32,
    pub issued_on: chrono::NaiveDate,
    pub valid_until: Option<chrono::NaiveDate>,
    pub currency: String,
    pub lines: Vec<QuoteLine>,
    pub totals: QuoteTotals,
    pub terms: Option<String>,
    pub notes: Option<String>,
}
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("no font")]
    NoFont,
}
impl PdfError {
    pub fn code(&self) -> &'static str {
        "pdf_font"
    }
}
pub fn render_quote(_doc: &QuoteDoc) -> Result<Vec<u8>, PdfError> {
    Err(PdfError::NoFont)
}
