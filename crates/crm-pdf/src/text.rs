//! Text as glyphs: the chosen fonts read for one rendering, each character
//! given to the first font that has it, runs shaped with rustybuzz, and
//! paragraphs broken into lines that fit a width.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use krilla::geom::Point;
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};

use crate::fonts::{FaceRef, Fonts};
use crate::{Lang, PdfError};

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

struct Face {
    data: Arc<Vec<u8>>,
    index: u32,
    pdf: krilla::text::Font,
}

/// The fonts of one rendering, read from disk, in fallback order for each
/// weight.
pub(crate) struct Typesetter {
    faces: Vec<Face>,
    regular: Vec<usize>,
    bold: Vec<usize>,
}

impl Typesetter {
    pub fn new(fonts: &Fonts, lang: Lang) -> Result<Typesetter, PdfError> {
        let chain = fonts.chain(lang);
        if chain.is_empty() {
            return Err(PdfError::NoFont { lang });
        }
        let mut faces: Vec<Face> = Vec::new();
        let mut opened: HashMap<&FaceRef, usize> = HashMap::new();
        let mut files: HashMap<&std::path::Path, Arc<Vec<u8>>> = HashMap::new();
        let (mut regular, mut bold) = (Vec::new(), Vec::new());
        for family in chain {
            for (face_ref, list) in [
                (&family.regular, &mut regular),
                (family.bold.as_ref().unwrap_or(&family.regular), &mut bold),
            ] {
                if let Some(&at) = opened.get(face_ref) {
                    list.push(at);
                    continue;
                }
                let data = match files.get(face_ref.path.as_path()) {
                    Some(data) => data.clone(),
                    None => {
                        let data =
                            std::fs::read(&face_ref.path).map_err(|_| PdfError::NoFont { lang })?;
                        let data = Arc::new(data);
                        files.insert(face_ref.path.as_path(), data.clone());
                        data
                    }
                };
                let pdf = krilla::text::Font::new(data.clone().into(), face_ref.index)
                    .ok_or(PdfError::NoFont { lang })?;
                if rustybuzz::Face::from_slice(&data, face_ref.index).is_none() {
                    return Err(PdfError::NoFont { lang });
                }
                faces.push(Face {
                    data,
                    index: face_ref.index,
                    pdf,
                });
                opened.insert(face_ref, faces.len() - 1);
                list.push(faces.len() - 1);
            }
        }
        Ok(Typesetter {
            faces,
            regular,
            bold,
        })
    }

    /// The parsed faces, borrowed from the data read in [`Typesetter::new`].
    pub fn shaper(&self) -> Shaper<'_> {
        Shaper {
            setter: self,
            faces: self
                .faces
                .iter()
                .map(|face| {
                    // Parsed successfully in `new`, from the same bytes.
                    rustybuzz::Face::from_slice(&face.data, face.index)
                        .expect("face parsed when the typesetter was made")
                })
                .collect(),
        }
    }
}

/// Shapes text with the typesetter's fonts.
pub(crate) struct Shaper<'a> {
    setter: &'a Typesetter,
    faces: Vec<rustybuzz::Face<'a>>,
}

/// One glyph placed in a line, its advance in ems.
#[derive(Debug, Clone)]
struct Glyph {
    face: usize,
    id: u32,
    advance: f32,
    x_offset: f32,
    y_offset: f32,
    /// The bytes of the line's text it draws.
    text: Range<usize>,
}

/// A single line of shaped text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Line {
    text: String,
    glyphs: Vec<Glyph>,
}

impl Line {
    /// The width at a font size.
    pub fn width(&self, size: f32) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum::<f32>() * size
    }

    pub fn is_empty(&self) -> bool {
        self.glyphs.is_empty()
    }

    /// The glyphs `range` as a line of their own, text and all.
    fn slice(&self, range: Range<usize>) -> Line {
        let glyphs = &self.glyphs[range];
        let (Some(first), Some(last)) = (glyphs.first(), glyphs.last()) else {
            return Line::default();
        };
        let start = glyphs
            .iter()
            .map(|g| g.text.start)
            .min()
            .unwrap_or(first.text.start);
        let end = glyphs
            .iter()
            .map(|g| g.text.end)
            .max()
            .unwrap_or(last.text.end);
        Line {
            text: self.text[start..end].to_owned(),
            glyphs: glyphs
                .iter()
                .map(|g| Glyph {
                    text: g.text.start - start..g.text.end - start,
                    ..g.clone()
                })
                .collect(),
        }
    }
}

impl Shaper<'_> {
    /// `text` as one line, however long.
    pub fn line(&self, text: &str, weight: Weight) -> Result<Line, PdfError> {
        let text = clean(text);
        let chain = match weight {
            Weight::Regular => &self.setter.regular,
            Weight::Bold => &self.setter.bold,
        };
        let mut glyphs = Vec::new();
        for (face, run) in self.runs(&text, chain)? {
            self.shape_run(&text, run, face, &mut glyphs);
        }
        Ok(Line { text, glyphs })
    }

    /// `text` broken into lines no wider than `width` at `size`: at its own
    /// line breaks, then between words, between Chinese characters, and
    /// inside a word only when the word alone is too wide.
    pub fn wrap(
        &self,
        text: &str,
        weight: Weight,
        size: f32,
        width: f32,
    ) -> Result<Vec<Line>, PdfError> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let line = self.line(paragraph, weight)?;
            break_line(&line, size, width, &mut lines);
        }
        Ok(lines)
    }

    /// Splits `text` into runs each set in one face: the first face of the
    /// chain that has the character, keeping spaces and punctuation in the
    /// run they sit in when its face has them.
    fn runs(&self, text: &str, chain: &[usize]) -> Result<Vec<(usize, Range<usize>)>, PdfError> {
        let mut runs: Vec<(usize, Range<usize>)> = Vec::new();
        for (at, c) in text.char_indices() {
            let end = at + c.len_utf8();
            let has = |face: usize| self.faces[face].glyph_index(c).is_some();
            if let Some((face, range)) = runs.last_mut()
                && (!c.is_alphanumeric() || c.is_ascii_digit())
                && has(*face)
            {
                range.end = end;
                continue;
            }
            let face = chain
                .iter()
                .copied()
                .find(|&face| has(face))
                .ok_or(PdfError::NoGlyph { character: c })?;
            match runs.last_mut() {
                Some((last, range)) if *last == face => range.end = end,
                _ => runs.push((face, at..end)),
            }
        }
        Ok(runs)
    }

    fn shape_run(&self, text: &str, run: Range<usize>, face: usize, out: &mut Vec<Glyph>) {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(&text[run.clone()]);
        buffer.guess_segment_properties();
        buffer.set_direction(Direction::LeftToRight);
        let rb = &self.faces[face];
        let shaped = rustybuzz::shape(rb, &[], buffer);
        let em = rb.units_per_em() as f32;
        let infos = shaped.glyph_infos();
        let positions = shaped.glyph_positions();
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            // A cluster ends where the next different cluster starts.
            let end = infos[i + 1..]
                .iter()
                .map(|next| next.cluster as usize)
                .find(|&next| next != start)
                .unwrap_or(run.len());
            out.push(Glyph {
                face,
                id: info.glyph_id,
                advance: pos.x_advance as f32 / em,
                x_offset: pos.x_offset as f32 / em,
                y_offset: pos.y_offset as f32 / em,
                text: run.start + start..run.start + end,
            });
        }
    }

    /// Draws `line` with its baseline starting at `at`.
    pub fn draw(&self, surface: &mut Surface<'_>, line: &Line, at: Point, size: f32) {
        let mut x = at.x;
        let mut start = 0;
        while start < line.glyphs.len() {
            let face = line.glyphs[start].face;
            let end = line.glyphs[start..]
                .iter()
                .position(|g| g.face != face)
                .map_or(line.glyphs.len(), |n| start + n);
            let part = line.slice(start..end);
            let glyphs: Vec<KrillaGlyph> = part
                .glyphs
                .iter()
                .map(|g| {
                    KrillaGlyph::new(
                        GlyphId::new(g.id),
                        g.advance,
                        g.x_offset,
                        g.y_offset,
                        0.0,
                        g.text.clone(),
                        None,
                    )
                })
                .collect();
            surface.draw_glyphs(
                Point::from_xy(x, at.y),
                &glyphs,
                self.setter.faces[face].pdf.clone(),
                &part.text,
                size,
                false,
            );
            x += part.width(size);
            start = end;
        }
    }
}

/// Tabs become spaces; other control characters (a stray carriage return)
/// have no glyph and are dropped.
fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Greedy line breaking of one paragraph.
fn break_line(line: &Line, size: f32, width: f32, out: &mut Vec<Line>) {
    if line.glyphs.is_empty() {
        out.push(Line::default());
        return;
    }
    let glyphs = &line.glyphs;
    let mut start = 0;
    while start < glyphs.len() {
        // Skip the spaces a break left at the start of the line.
        while start < glyphs.len() && is_space(line, start) {
            start += 1;
        }
        if start == glyphs.len() {
            break;
        }
        let mut used = 0.0;
        let mut last_break = None;
        let mut end = start;
        while end < glyphs.len() {
            if end > start && can_break_before(line, end) {
                last_break = Some(end);
            }
            let advance = glyphs[end].advance * size;
            if used + advance > width && end > start && !is_space(line, end) {
                break;
            }
            used += advance;
            end += 1;
        }
        let stop = if end == glyphs.len() {
            end
        } else {
            last_break.unwrap_or(end)
        };
        // Trailing spaces do not count against the width and are not drawn.
        let mut trimmed = stop;
        while trimmed > start && is_space(line, trimmed - 1) {
            trimmed -= 1;
        }
        out.push(line.slice(start..trimmed));
        start = stop;
    }
}

fn char_at(line: &Line, glyph: usize) -> char {
    line.text[line.glyphs[glyph].text.start..]
        .chars()
        .next()
        .unwrap_or(' ')
}

fn is_space(line: &Line, glyph: usize) -> bool {
    char_at(line, glyph).is_whitespace()
}

/// Whether a line may start at glyph `at`: after a space, or next to a
/// Chinese or Japanese character, except before closing punctuation and
/// after opening punctuation (which must stay with what they enclose).
fn can_break_before(line: &Line, at: usize) -> bool {
    let (before, here) = (char_at(line, at - 1), char_at(line, at));
    if line.glyphs[at - 1].text == line.glyphs[at].text {
        return false; // one cluster drawn with several glyphs
    }
    if here.is_whitespace() {
        return false; // break after the spaces, not before them
    }
    if before.is_whitespace() {
        return true;
    }
    const NO_START: &str = "，。、；：？！）》」』】〕〉”’·…—%％,.;:?!)]}";
    const NO_END: &str = "（《「『【〔〈“‘([{";
    if NO_START.contains(here) || NO_END.contains(before) {
        return false;
    }
    is_cjk(before) || is_cjk(here)
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF      // radicals, punctuation, kana, CJK ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFF00..=0xFFEF    // full-width forms
        | 0x20000..=0x3FFFF) // extension ideographs
}
