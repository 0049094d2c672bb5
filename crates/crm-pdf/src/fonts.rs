//! Which fonts on this computer a quote is set in.
//!
//! Nothing is bundled: a CJK font is 16-20 MB, and every desktop that shows
//! Chinese already has one. The scan reads only the fonts' name tables; the
//! chosen files are read when a quote is rendered and subset into the PDF.

use std::path::{Path, PathBuf};

use fontdb::{Database, FaceInfo, Source, Style};
use rustybuzz::ttf_parser;

use crate::Lang;

/// Simplified-Chinese families, best first: what Debian/Ubuntu
/// (fonts-noto-cjk, fonts-wqy-*), Adobe, Windows and macOS ship.
const CJK_FAMILIES: &[&str] = &[
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Droid Sans Fallback",
];

/// Latin sans families, best first, for a computer without a CJK font.
const LATIN_FAMILIES: &[&str] = &[
    "Noto Sans",
    "DejaVu Sans",
    "Liberation Sans",
    "Arial",
    "Helvetica Neue",
    "Helvetica",
    "Segoe UI",
];

/// A sample each kind of font must draw to be taken when no family above is
/// installed: the title of a Chinese quote, and Spanish text with an amount.
const CJK_SAMPLE: &str = "报价单合计";
const LATIN_SAMPLE: &str = "Quote ñá€";

/// One face of a font file (a `.ttc` collection holds several).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FaceRef {
    pub path: PathBuf,
    pub index: u32,
}

/// A family's regular face and, when installed, its bold one.
#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub name: String,
    pub regular: FaceRef,
    pub bold: Option<FaceRef>,
}

/// The fonts found for quotes: a Chinese family (which also covers Latin
/// text, so it sets every language and keeps one look across them) and a
/// Latin family for what it lacks, or for a computer without Chinese fonts.
///
/// Finding them scans font folders, some tens of milliseconds: keep one
/// `Fonts` for the process ([`render_quote`](crate::render_quote) does).
#[derive(Debug, Clone)]
pub struct Fonts {
    pub(crate) cjk: Option<Family>,
    pub(crate) latin: Option<Family>,
}

impl Fonts {
    /// The fonts installed on this computer: on Linux `/usr/share/fonts`,
    /// `/usr/local/share/fonts` and the user's `~/.local/share/fonts`; the
    /// system and user font folders on Windows and macOS.
    pub fn system() -> Fonts {
        let mut db = Database::new();
        db.load_system_fonts();
        Fonts::choose(&db)
    }

    /// The fonts in these folders only (searched recursively), for a
    /// deployment that ships its own or for tests.
    pub fn from_dirs<P: AsRef<Path>>(dirs: &[P]) -> Fonts {
        let mut db = Database::new();
        for dir in dirs {
            db.load_fonts_dir(dir);
        }
        Fonts::choose(&db)
    }

    fn choose(db: &Database) -> Fonts {
        Fonts {
            cjk: choose_family(db, CJK_FAMILIES, CJK_SAMPLE),
            latin: choose_family(db, LATIN_FAMILIES, LATIN_SAMPLE),
        }
    }

    /// The family names a quote in `lang` would be set in, first choice
    /// first; empty when no font can set it.
    pub fn families(&self, lang: Lang) -> Vec<&str> {
        self.chain(lang)
            .iter()
            .map(|family| family.name.as_str())
            .collect()
    }

    /// The families a quote in `lang` is set in, in the order a character is
    /// looked for; empty when none can set that language. A Chinese quote
    /// needs the Chinese family; Latin text can be set by either.
    pub(crate) fn chain(&self, lang: Lang) -> Vec<&Family> {
        match lang {
            Lang::Zh if self.cjk.is_none() => Vec::new(),
            Lang::Zh | Lang::En | Lang::Es => self.cjk.iter().chain(self.latin.iter()).collect(),
        }
    }
}

fn choose_family(db: &Database, preferred: &[&str], sample: &str) -> Option<Family> {
    let upright = |face: &&FaceInfo| face.style == Style::Normal && file_of(face).is_some();
    for name in preferred {
        let faces: Vec<&FaceInfo> = db
            .faces()
            .filter(upright)
            .filter(|face| face.families.iter().any(|(family, _)| family == name))
            .collect();
        if let Some(family) = family_from(name, &faces) {
            return Some(family);
        }
    }
    // None of the usual families: any upright face that draws the sample,
    // read only now because it means opening every font file.
    let covering: Vec<&FaceInfo> = db
        .faces()
        .filter(upright)
        .filter(|face| !face.monospaced)
        .filter(|face| {
            db.with_face_data(face.id, |data, index| covers(data, index, sample))
                .unwrap_or(false)
        })
        .collect();
    let name = covering.first()?.families.first()?.0.clone();
    let faces: Vec<&FaceInfo> = covering
        .into_iter()
        .filter(|face| face.families.iter().any(|(family, _)| *family == name))
        .collect();
    family_from(&name, &faces)
}

/// The face nearest to regular weight, and the one nearest to bold if it is
/// really bolder.
fn family_from(name: &str, faces: &[&FaceInfo]) -> Option<Family> {
    let nearest = |weight: i32| {
        faces
            .iter()
            .min_by_key(|face| (i32::from(face.weight.0) - weight).abs())
            .copied()
    };
    let regular = nearest(400)?;
    let bold = nearest(700).filter(|face| face.weight.0 >= 600);
    Some(Family {
        name: name.to_owned(),
        regular: file_of(regular)?,
        bold: bold.and_then(file_of),
    })
}

fn file_of(face: &FaceInfo) -> Option<FaceRef> {
    match &face.source {
        Source::File(path) | Source::SharedFile(path, _) => Some(FaceRef {
            path: path.clone(),
            index: face.index,
        }),
        Source::Binary(_) => None,
    }
}

fn covers(data: &[u8], index: u32, sample: &str) -> bool {
    ttf_parser::Face::parse(data, index).is_ok_and(|face| {
        sample
            .chars()
            .all(|c| c == ' ' || face.glyph_index(c).is_some())
    })
}
