//! The quote's layout on A4: laid out first into pages of drawing operations
//! (so the footer can say "page n of m"), then written with krilla.
//!
//! Coordinates are points from the top-left corner, y growing downwards;
//! text is placed by its baseline.

use krilla::Document;
use krilla::color::rgb;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;

use crate::fonts::Fonts;
use crate::locale::{Labels, currency_decimals};
use crate::text::{Line, Shaper, Typesetter, Weight};
use crate::{Lang, PdfError, QuoteDoc, QuoteLine};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 45.0;
const RIGHT: f32 = PAGE_W - 45.0;
const TOP: f32 = 45.0;
/// Where content stops; the footer sits below.
const BOTTOM: f32 = PAGE_H - 62.0;
const FOOTER_RULE: f32 = PAGE_H - 48.0;
const FOOTER_BASELINE: f32 = PAGE_H - 34.0;

const BODY: f32 = 8.5;
const SMALL: f32 = 7.5;
const LEADING: f32 = 1.35;
const CELL_PAD: f32 = 4.0;

/// The few colours of the page: near-black text, grey for labels and
/// details, light grey rules and the table header's band.
#[derive(Debug, Clone, Copy)]
enum Tone {
    Ink,
    Muted,
    Rule,
    Band,
}

impl Tone {
    fn fill(self) -> Fill {
        let (r, g, b) = match self {
            Tone::Ink => (26, 26, 26),
            Tone::Muted => (100, 100, 100),
            Tone::Rule => (200, 200, 200),
            Tone::Band => (238, 238, 238),
        };
        Fill {
            paint: rgb::Color::new(r, g, b).into(),
            ..Fill::default()
        }
    }
}

/// The table's columns: width (0 = what the others leave) and alignment.
#[derive(Clone, Copy)]
enum Column {
    Position,
    Item,
    Quantity,
    UnitPrice,
    Discount,
    Tax,
    Amount,
}

const COLUMNS: [Column; 7] = [
    Column::Position,
    Column::Item,
    Column::Quantity,
    Column::UnitPrice,
    Column::Discount,
    Column::Tax,
    Column::Amount,
];

impl Column {
    fn width(self) -> f32 {
        match self {
            Column::Position => 24.0,
            Column::Item => 0.0,
            Column::Quantity => 52.0,
            Column::UnitPrice => 64.0,
            Column::Discount => 58.0,
            Column::Tax => 46.0,
            Column::Amount => 72.0,
        }
    }

    fn right_aligned(self) -> bool {
        !matches!(self, Column::Position | Column::Item)
    }

    fn label(self, l: &Labels) -> &'static str {
        match self {
            Column::Position => l.position,
            Column::Item => l.item,
            Column::Quantity => l.quantity,
            Column::UnitPrice => l.unit_price,
            Column::Discount => l.discount,
            Column::Tax => l.tax,
            Column::Amount => l.amount,
        }
    }
}

/// Left edge and width of each column.
fn column_spans() -> [(f32, f32); 7] {
    let fixed: f32 = COLUMNS.iter().map(|c| c.width()).sum();
    let mut spans = [(0.0, 0.0); 7];
    let mut x = LEFT;
    for (span, column) in spans.iter_mut().zip(COLUMNS) {
        let width = match column {
            Column::Item => RIGHT - LEFT - fixed,
            other => other.width(),
        };
        *span = (x, width);
        x += width;
    }
    spans
}

enum Op {
    Text {
        line: Line,
        x: f32,
        y: f32,
        size: f32,
        color: Tone,
    },
    Rect {
        rect: Rect,
        color: Tone,
    },
    Logo {
        image: Image,
        x: f32,
        y: f32,
        size: Size,
    },
}

/// Lines of text set in one style, ready to place.
struct Block {
    lines: Vec<Line>,
    size: f32,
    color: Tone,
}

impl Block {
    fn line_height(&self) -> f32 {
        self.size * LEADING
    }

    fn height(&self) -> f32 {
        self.lines.len() as f32 * self.line_height()
    }
}

struct Layout<'a> {
    doc: &'a QuoteDoc,
    labels: &'static Labels,
    shaper: Shaper<'a>,
    decimals: u32,
    pages: Vec<Vec<Op>>,
    /// The top of the free space on the current page.
    y: f32,
}

pub(crate) fn render(doc: &QuoteDoc, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let logo = doc.logo.as_deref().map(logo_image).transpose()?;
    let setter = Typesetter::new(fonts, doc.lang)?;
    let mut layout = Layout {
        doc,
        labels: doc.lang.labels(),
        shaper: setter.shaper(),
        decimals: currency_decimals(&doc.currency),
        pages: vec![Vec::new()],
        y: TOP,
    };
    layout.heading(logo)?;
    layout.customer()?;
    layout.table()?;
    layout.totals()?;
    let l = layout.labels;
    if let Some(terms) = doc.terms.as_deref().filter(|t| !t.trim().is_empty()) {
        layout.paragraphs(l.terms, terms)?;
    }
    if let Some(notes) = doc.notes.as_deref().filter(|t| !t.trim().is_empty()) {
        layout.paragraphs(l.notes, notes)?;
    }
    layout.footers()?;
    layout.write()
}

/// The logo as an image krilla can embed.
pub(crate) fn logo_image(bytes: &[u8]) -> Result<Image, PdfError> {
    let data = krilla::Data::from(bytes.to_vec());
    let image = if bytes.starts_with(b"\x89PNG") {
        Image::from_png(data, true)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        Image::from_jpeg(data, true)
    } else {
        Err("not a PNG or JPEG file".to_owned())
    };
    let image = image.map_err(|problem| PdfError::Logo { problem })?;
    // krilla decodes only when writing: write the image alone once to find
    // a file that is damaged past its header.
    let mut document = Document::new();
    let mut page = document.start_page();
    let mut surface = page.surface();
    if let Some(size) = Size::from_wh(1.0, 1.0) {
        surface.draw_image(image.clone(), size);
    }
    surface.finish();
    page.finish();
    document.finish().map_err(write_error)?;
    Ok(image)
}

fn write_error(error: KrillaError) -> PdfError {
    match error {
        KrillaError::Image(_, _, problem) => PdfError::Logo { problem },
        other => PdfError::Write {
            problem: format!("{other:?}"),
        },
    }
}

impl Layout<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a layout has a page")
    }

    fn block(
        &self,
        text: &str,
        size: f32,
        weight: Weight,
        color: Tone,
        width: f32,
    ) -> Result<Block, PdfError> {
        Ok(Block {
            lines: self.shaper.wrap(text, weight, size, width)?,
            size,
            color,
        })
    }

    fn one_line(&self, text: &str, weight: Weight) -> Result<Line, PdfError> {
        self.shaper.line(text, weight)
    }

    /// Places a block's lines from `top` down, left-aligned at `x` or
    /// right-aligned to `x` plus `width`; returns the bottom.
    fn place(&mut self, block: &Block, x: f32, width: f32, right: bool, top: f32) -> f32 {
        let mut y = top;
        for line in &block.lines {
            let baseline = y + block.size;
            let lx = if right {
                x + width - line.width(block.size)
            } else {
                x
            };
            if !line.is_empty() {
                self.ops().push(Op::Text {
                    line: line.clone(),
                    x: lx,
                    y: baseline,
                    size: block.size,
                    color: block.color,
                });
            }
            y += block.line_height();
        }
        y
    }

    fn text(&mut self, line: Line, x: f32, baseline: f32, size: f32, color: Tone) {
        self.ops().push(Op::Text {
            line,
            x,
            y: baseline,
            size,
            color,
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Tone) {
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            self.ops().push(Op::Rect { rect, color });
        }
    }

    fn rule(&mut self, y: f32) {
        self.rect(LEFT, y, RIGHT - LEFT, 0.6, Tone::Rule);
    }

    fn new_page(&mut self) -> Result<(), PdfError> {
        self.pages.push(Vec::new());
        // Later pages say whose quote they continue.
        let company = self.one_line(&self.doc.company.name, Weight::Bold)?;
        self.text(company, LEFT, TOP + 9.0, 9.0, Tone::Ink);
        let title = self.doc.lang.continued(&self.doc.number);
        let title = self.one_line(&title, Weight::Regular)?;
        let x = RIGHT - title.width(9.0);
        self.text(title, x, TOP + 9.0, 9.0, Tone::Muted);
        self.rule(TOP + 15.0);
        self.y = TOP + 26.0;
        Ok(())
    }

    /// The first page's top: logo and company on the left, the title and the
    /// quote's number and dates on the right.
    fn heading(&mut self, logo: Option<Image>) -> Result<(), PdfError> {
        let doc = self.doc;
        let l = self.labels;
        let left_width = 270.0;
        let mut left = TOP;
        if let Some(image) = logo {
            let (w, h) = image.size();
            let scale = (160.0 / w.max(1) as f32).min(50.0 / h.max(1) as f32);
            let (w, h) = (w as f32 * scale, h as f32 * scale);
            if let Some(size) = Size::from_wh(w, h) {
                self.ops().push(Op::Logo {
                    image,
                    x: LEFT,
                    y: left,
                    size,
                });
                left += h + 8.0;
            }
        }
        let name = self.block(&doc.company.name, 12.0, Weight::Bold, Tone::Ink, left_width)?;
        left = self.place(&name, LEFT, left_width, false, left);
        let lines = self.block(
            &doc.company.lines.join("\n"),
            8.0,
            Weight::Regular,
            Tone::Muted,
            left_width,
        )?;
        if !doc.company.lines.is_empty() {
            left = self.place(&lines, LEFT, left_width, false, left + 1.0);
        }

        let title = self.one_line(l.title, Weight::Bold)?;
        let x = RIGHT - title.width(20.0);
        self.text(title, x, TOP + 18.0, 20.0, Tone::Ink);
        let mut rows = vec![
            (l.number, doc.number.clone()),
            (l.revision, doc.revision.to_string()),
            (l.date, doc.lang.date(doc.issued_on)),
        ];
        if let Some(until) = doc.valid_until {
            rows.push((l.valid_until, doc.lang.date(until)));
        }
        let mut right = TOP + 30.0;
        let label_x = RIGHT - 190.0;
        for (label, value) in rows {
            let label = self.block(label, BODY, Weight::Regular, Tone::Muted, 80.0)?;
            let value = self.block(&value, BODY, Weight::Bold, Tone::Ink, 105.0)?;
            let a = self.place(&label, label_x, 80.0, false, right);
            let b = self.place(&value, RIGHT - 105.0, 105.0, true, right);
            right = a.max(b) + 1.5;
        }
        self.y = left.max(right) + 16.0;
        self.rule(self.y);
        self.y += 12.0;
        Ok(())
    }

    fn customer(&mut self) -> Result<(), PdfError> {
        let doc = self.doc;
        let l = self.labels;
        let width = 300.0;
        let label = self.block(l.customer, SMALL, Weight::Regular, Tone::Muted, width)?;
        let mut y = self.place(&label, LEFT, width, false, self.y);
        let name = self.block(&doc.customer.name, 11.0, Weight::Bold, Tone::Ink, width)?;
        y = self.place(&name, LEFT, width, false, y + 1.0);
        let mut lines = doc.customer.lines.clone();
        if let Some(contact) = doc.contact.as_deref().filter(|c| !c.trim().is_empty()) {
            let colon = if doc.lang == Lang::Zh { "：" } else { ": " };
            lines.push(format!("{}{colon}{contact}", l.contact));
        }
        if !lines.is_empty() {
            let block = self.block(&lines.join("\n"), BODY, Weight::Regular, Tone::Ink, width)?;
            y = self.place(&block, LEFT, width, false, y + 1.0);
        }
        let amounts = self.doc.lang.amounts_in(&doc.currency);
        let amounts = self.block(&amounts, SMALL, Weight::Regular, Tone::Muted, 180.0)?;
        y = y.max(self.place(&amounts, RIGHT - 180.0, 180.0, true, y));
        self.y = y + 8.0;
        Ok(())
    }

    fn table_header(&mut self) -> Result<(), PdfError> {
        let spans = column_spans();
        let mut cells = Vec::with_capacity(COLUMNS.len());
        for (column, (_, width)) in COLUMNS.iter().zip(spans) {
            let label = column.label(self.labels);
            cells.push(self.block(
                label,
                SMALL + 0.5,
                Weight::Bold,
                Tone::Ink,
                width - 2.0 * CELL_PAD,
            )?);
        }
        let height = cells.iter().map(Block::height).fold(0.0, f32::max) + 2.0 * CELL_PAD;
        self.rect(LEFT, self.y, RIGHT - LEFT, height, Tone::Band);
        for ((column, (x, width)), cell) in COLUMNS.iter().zip(spans).zip(&cells) {
            self.place(
                cell,
                x + CELL_PAD,
                width - 2.0 * CELL_PAD,
                column.right_aligned(),
                self.y + CELL_PAD,
            );
        }
        self.y += height;
        Ok(())
    }

    /// The cells of one line of the quote, a block per column.
    fn row(&self, line: &QuoteLine) -> Result<Vec<Vec<Block>>, PdfError> {
        let lang = self.doc.lang;
        let spans = column_spans();
        let inner = |column: usize| spans[column].1 - 2.0 * CELL_PAD;
        let money = |minor: i64| lang.amount(minor, self.decimals);
        let quantity = match line.unit.as_deref().filter(|u| !u.trim().is_empty()) {
            // "2 pcs", but "2台": Chinese sets no space before a Chinese unit.
            Some(unit) if unit.starts_with(crate::text::is_cjk) => {
                format!("{}{unit}", lang.decimal(&line.quantity))
            }
            Some(unit) => format!("{} {unit}", lang.decimal(&line.quantity)),
            None => lang.decimal(&line.quantity),
        };
        let discount = if line.discount_minor == 0 {
            String::new()
        } else {
            money(line.discount_minor)
        };
        let mut item = Vec::new();
        if let Some(code) = line.code.as_deref().filter(|c| !c.trim().is_empty()) {
            item.push(self.block(code, SMALL, Weight::Regular, Tone::Muted, inner(1))?);
        }
        item.push(self.block(
            &line.description,
            BODY,
            Weight::Regular,
            Tone::Ink,
            inner(1),
        )?);
        let plain = |text: &str, column: usize| -> Result<Vec<Block>, PdfError> {
            Ok(vec![self.block(
                text,
                BODY,
                Weight::Regular,
                Tone::Ink,
                inner(column),
            )?])
        };
        Ok(vec![
            plain(&line.position.to_string(), 0)?,
            item,
            plain(&quantity, 2)?,
            plain(&money(line.unit_price), 3)?,
            plain(&discount, 4)?,
            plain(&lang.percent(&line.tax_rate), 5)?,
            plain(&money(line.net), 6)?,
        ])
    }

    fn table(&mut self) -> Result<(), PdfError> {
        self.table_header()?;
        let spans = column_spans();
        for line in &self.doc.lines {
            let mut cells = self.row(line)?;
            loop {
                let height = cells
                    .iter()
                    .map(|blocks| blocks.iter().map(Block::height).sum::<f32>())
                    .fold(0.0, f32::max)
                    + 2.0 * CELL_PAD;
                let fresh_page = self.y <= TOP + 60.0;
                if self.y + height > BOTTOM && !fresh_page {
                    self.new_page()?;
                    self.table_header()?;
                    continue;
                }
                // A row taller than a whole page is split where the page ends.
                let room = BOTTOM - self.y - 2.0 * CELL_PAD;
                let rest = if self.y + height > BOTTOM {
                    split_cells(&mut cells, room)
                } else {
                    None
                };
                let top = self.y + CELL_PAD;
                let mut bottom = top;
                for ((column, (x, width)), blocks) in COLUMNS.iter().zip(spans).zip(&cells) {
                    let mut y = top;
                    for block in blocks {
                        y = self.place(
                            block,
                            x + CELL_PAD,
                            width - 2.0 * CELL_PAD,
                            column.right_aligned(),
                            y,
                        );
                    }
                    bottom = bottom.max(y);
                }
                self.y = bottom + CELL_PAD;
                self.rule(self.y);
                match rest {
                    Some(rest) => {
                        cells = rest;
                        self.new_page()?;
                        self.table_header()?;
                    }
                    None => break,
                }
            }
        }
        self.y += 10.0;
        Ok(())
    }

    fn totals(&mut self) -> Result<(), PdfError> {
        let doc = self.doc;
        let l = self.labels;
        let lang = doc.lang;
        let t = &doc.totals;
        let money = |minor: i64| lang.amount(minor, self.decimals);
        let mut rows = vec![(l.subtotal.to_owned(), money(t.subtotal))];
        if t.discount != 0 {
            rows.push((l.discount.to_owned(), money(-t.discount.abs())));
        }
        rows.push((l.net.to_owned(), money(t.net)));
        for (rate, base, tax) in &t.taxes {
            rows.push((lang.tax_on(rate, &money(*base)), money(*tax)));
        }
        let total_value = lang.money(t.gross, &doc.currency, self.decimals);

        let width = 260.0;
        let x = RIGHT - width;
        let value_width = 100.0;
        let label_width = width - value_width - 8.0;
        let mut blocks = Vec::new();
        for (label, value) in &rows {
            blocks.push((
                self.block(label, BODY, Weight::Regular, Tone::Muted, label_width)?,
                self.block(value, BODY, Weight::Regular, Tone::Ink, value_width)?,
            ));
        }
        let total_label = self.block(l.total, 11.0, Weight::Bold, Tone::Ink, label_width)?;
        let total = self.block(&total_value, 11.0, Weight::Bold, Tone::Ink, width - 60.0)?;
        let height = blocks
            .iter()
            .map(|(a, b)| a.height().max(b.height()) + 2.0)
            .sum::<f32>()
            + 8.0
            + total_label.height().max(total.height());
        if self.y + height > BOTTOM {
            self.new_page()?;
        }
        let mut y = self.y;
        for (label, value) in &blocks {
            let a = self.place(label, x, label_width, false, y);
            let b = self.place(value, RIGHT - value_width, value_width, true, y);
            y = a.max(b) + 2.0;
        }
        self.rect(x, y + 1.0, width, 0.8, Tone::Ink);
        y += 5.0;
        let a = self.place(&total_label, x, label_width, false, y);
        let b = self.place(&total, RIGHT - (width - 60.0), width - 60.0, true, y);
        self.y = a.max(b) + 16.0;
        Ok(())
    }

    /// A heading and its text across the page's width, continued on the next
    /// page where it does not fit.
    fn paragraphs(&mut self, heading: &str, text: &str) -> Result<(), PdfError> {
        let width = RIGHT - LEFT;
        let heading = self.block(heading, 9.0, Weight::Bold, Tone::Ink, width)?;
        let body = self.block(text.trim_end(), BODY, Weight::Regular, Tone::Ink, width)?;
        // The heading keeps at least two lines with it.
        let keep = heading.height() + 3.0 + body.line_height() * body.lines.len().min(2) as f32;
        if self.y + keep > BOTTOM {
            self.new_page()?;
        }
        self.y = self.place(&heading, LEFT, width, false, self.y) + 3.0;
        let line_height = body.line_height();
        for line in body.lines {
            if self.y + line_height > BOTTOM {
                self.new_page()?;
            }
            let one = Block {
                lines: vec![line],
                size: body.size,
                color: body.color,
            };
            self.y = self.place(&one, LEFT, width, false, self.y);
        }
        self.y += 10.0;
        Ok(())
    }

    fn footers(&mut self) -> Result<(), PdfError> {
        let count = self.pages.len();
        let number = self.doc.number.clone();
        let mut who = self.doc.company.name.clone();
        if !who.is_empty() {
            who.push_str(" · ");
        }
        who.push_str(&number);
        for page in 0..count {
            let left = self.one_line(&who, Weight::Regular)?;
            let right = self.one_line(&self.doc.lang.page_of(page + 1, count), Weight::Regular)?;
            let ops = &mut self.pages[page];
            if let Some(rect) = Rect::from_xywh(LEFT, FOOTER_RULE, RIGHT - LEFT, 0.6) {
                ops.push(Op::Rect {
                    rect,
                    color: Tone::Rule,
                });
            }
            let x = RIGHT - right.width(SMALL);
            ops.push(Op::Text {
                line: left,
                x: LEFT,
                y: FOOTER_BASELINE,
                size: SMALL,
                color: Tone::Muted,
            });
            ops.push(Op::Text {
                line: right,
                x,
                y: FOOTER_BASELINE,
                size: SMALL,
                color: Tone::Muted,
            });
        }
        Ok(())
    }

    fn write(self) -> Result<Vec<u8>, PdfError> {
        let doc = self.doc;
        let mut document = Document::new();
        let language = match doc.lang {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
            Lang::Es => "es",
        };
        document.set_metadata(
            Metadata::new()
                .title(format!("{} {}", self.labels.title, doc.number))
                .language(language.to_owned())
                .creator("offline CRM".to_owned()),
        );
        for ops in &self.pages {
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Write {
                problem: "page size".to_owned(),
            })?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for op in ops {
                draw(&mut surface, &self.shaper, op);
            }
            surface.finish();
            page.finish();
        }
        document.finish().map_err(write_error)
    }
}

fn draw(surface: &mut Surface<'_>, shaper: &Shaper<'_>, op: &Op) {
    match op {
        Op::Text {
            line,
            x,
            y,
            size,
            color,
        } => {
            surface.set_fill(Some(color.fill()));
            shaper.draw(surface, line, Point::from_xy(*x, *y), *size);
        }
        Op::Rect { rect, color } => {
            let mut path = PathBuilder::new();
            path.push_rect(*rect);
            if let Some(path) = path.finish() {
                surface.set_fill(Some(color.fill()));
                surface.draw_path(&path);
            }
        }
        Op::Logo { image, x, y, size } => {
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(image.clone(), *size);
            surface.pop();
        }
    }
}

/// Cuts the cells of a row at `room` points of height: the lines that fit
/// stay, the rest is returned for the next page.
fn split_cells(cells: &mut [Vec<Block>], room: f32) -> Option<Vec<Vec<Block>>> {
    let mut rest = Vec::with_capacity(cells.len());
    let mut any = false;
    for blocks in cells.iter_mut() {
        let mut used = 0.0;
        let mut kept = Vec::new();
        let mut moved = Vec::new();
        for mut block in std::mem::take(blocks) {
            let fit = (((room - used) / block.line_height()).floor().max(0.0) as usize)
                .min(block.lines.len());
            used += fit as f32 * block.line_height();
            let tail = block.lines.split_off(fit);
            if !tail.is_empty() {
                any = true;
                moved.push(Block {
                    lines: tail,
                    size: block.size,
                    color: block.color,
                });
            }
            if !block.lines.is_empty() {
                kept.push(block);
            }
        }
        *blocks = kept;
        rest.push(moved);
    }
    any.then_some(rest)
}
