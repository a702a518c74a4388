//! The invoice's fonts and single lines of text: cleaning input down to what the fonts
//! can draw, shaping, measuring, cutting to a width with an ellipsis, wrapping.
//!
//! Each weight has two faces: DejaVu Sans (Latin, ₹, most symbols) and Noto Sans
//! Devanagari (Hindi, Marathi, Nepali…). A line is cut into segments, each shaped with
//! the first face that has its characters, and drawn one after the other.
//!
//! Widths come from the same shaping that produces the glyphs krilla draws, so a number
//! right-aligned here ends exactly at its column edge.

use std::ops::Range;
use std::sync::OnceLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};

use crate::InvoiceError;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
static DEVANAGARI_REGULAR_TTF: &[u8] = include_bytes!("../fonts/NotoSansDevanagari-Regular.ttf");
static DEVANAGARI_BOLD_TTF: &[u8] = include_bytes!("../fonts/NotoSansDevanagari-Bold.ttf");

/// The most characters of one field that are looked at. No field has room for more on
/// the page, and it bounds the work a megabyte-long product name can cause.
const MAX_FIELD_CHARS: usize = 600;
/// Stands in for every character no face has a glyph for (emoji, other scripts, …).
const MISSING: char = '?';
const ELLIPSIS: &str = "…";

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

pub(crate) struct Fonts {
    regular: Typeface,
    bold: Typeface,
}

impl Fonts {
    pub(crate) fn get(&self, weight: Weight) -> &Typeface {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// The vendored fonts, parsed once per process: krilla hashes the whole font file when
/// it loads one, which would otherwise cost every invoice a millisecond.
pub(crate) fn fonts() -> Result<&'static Fonts, InvoiceError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: Typeface {
                    faces: [
                        Face::load(REGULAR_TTF)?,
                        Face::load(DEVANAGARI_REGULAR_TTF)?,
                    ],
                },
                bold: Typeface {
                    faces: [Face::load(BOLD_TTF)?, Face::load(DEVANAGARI_BOLD_TTF)?],
                },
            })
        })
        .as_ref()
        .ok_or(InvoiceError::Font)
}

/// One weight: its faces in order of preference (the first one also draws `MISSING`).
pub(crate) struct Typeface {
    faces: [Face; 2],
}

/// One font file: krilla's handle for embedding, rustybuzz's for shaping.
pub(crate) struct Face {
    pub(crate) pdf: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Face> {
        let shaper = rustybuzz::Face::from_slice(bytes, 0)?;
        let units_per_em = shaper.units_per_em() as f32;
        if units_per_em <= 0.0 {
            return None;
        }
        Some(Face {
            pdf: Font::new(bytes.into(), 0)?,
            shaper,
            units_per_em,
        })
    }

    fn has_glyph(&self, character: char) -> bool {
        self.shaper
            .glyph_index(character)
            .is_some_and(|glyph| glyph.0 != 0)
    }
}

/// Shaped text on one line, ready to draw: its segments, one after the other.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub(crate) text: String,
    pub(crate) segments: Vec<Segment>,
    /// Advance width in ems of the font size.
    width_em: f32,
}

/// A stretch of a run shaped with one face.
#[derive(Clone, Debug)]
pub(crate) struct Segment {
    /// Index into the typeface's faces.
    pub(crate) face: usize,
    /// The bytes of the run's text it draws; glyph clusters are relative to them.
    pub(crate) range: Range<usize>,
    pub(crate) glyphs: Vec<KrillaGlyph>,
    width_em: f32,
}

impl Segment {
    pub(crate) fn width(&self, size: f32) -> f32 {
        self.width_em * size
    }
}

impl Run {
    pub(crate) fn width(&self, size: f32) -> f32 {
        self.width_em * size
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.segments
            .iter()
            .all(|segment| segment.glyphs.is_empty())
    }
}

impl Typeface {
    pub(crate) fn face(&self, index: usize) -> &Face {
        &self.faces[index.min(self.faces.len() - 1)]
    }

    /// The first face that can draw `character`.
    fn face_for(&self, character: char) -> Option<usize> {
        self.faces.iter().position(|face| face.has_glyph(character))
    }

    /// `text` on one line, whatever its width.
    pub(crate) fn line(&self, text: &str) -> Run {
        self.shape(self.clean(text))
    }

    /// `text` on one line no wider than `max_width`, cut with an ellipsis if need be.
    pub(crate) fn fit(&self, text: &str, size: f32, max_width: f32) -> Run {
        let run = self.line(text);
        if run.width(size) <= max_width {
            return run;
        }
        self.ellipsize(&run.text, size, max_width)
    }

    /// `text` broken at spaces (or inside a word too long for a line) into at most
    /// `max_lines` lines no wider than `max_width`; the last one ends in an ellipsis when
    /// the text does not fit. Line breaks in `text` count as spaces.
    pub(crate) fn wrap(&self, text: &str, size: f32, max_width: f32, max_lines: usize) -> Vec<Run> {
        let clean = self.clean(text);
        if clean.is_empty() || max_lines == 0 {
            return Vec::new();
        }
        let ranges = self.break_lines(&clean, size, max_width);
        let mut lines = Vec::with_capacity(ranges.len().min(max_lines));
        for (index, range) in ranges.iter().enumerate() {
            let last_allowed = index + 1 == max_lines;
            let rest = if last_allowed && ranges.len() > max_lines {
                // The remaining text goes on this last line and is cut there.
                range.start..clean.len()
            } else {
                range.clone()
            };
            let line = clean[rest].trim();
            let run = self.shape(line.to_owned());
            // Measured word by word, a line can come out a hair wider once shaped whole.
            let run = if run.width(size) <= max_width {
                run
            } else {
                self.ellipsize(line, size, max_width)
            };
            lines.push(run);
            if last_allowed {
                break;
            }
        }
        lines
    }

    /// Each character the font can draw kept, every other one replaced by '?',
    /// invisible formatting (bidi overrides, joiners, variation selectors) dropped and
    /// any run of whitespace or control characters made one space.
    fn clean(&self, text: &str) -> String {
        let mut clean = String::with_capacity(text.len().min(MAX_FIELD_CHARS * 4));
        let mut pending_space = false;
        for character in text.chars().take(MAX_FIELD_CHARS) {
            if character.is_whitespace() || character.is_control() {
                pending_space = !clean.is_empty();
                continue;
            }
            if is_invisible(character) {
                continue;
            }
            if pending_space {
                clean.push(' ');
                pending_space = false;
            }
            clean.push(if self.face_for(character).is_some() {
                character
            } else {
                MISSING
            });
        }
        clean
    }

    /// Clean text shaped segment by segment. A character goes to the first face that
    /// has it; spaces, digits and punctuation stay with the segment they are in when
    /// its face has them, so "दाल मखनी" is one Devanagari segment.
    fn shape(&self, text: String) -> Run {
        let mut segments = Vec::new();
        let mut start = 0;
        let mut current: Option<usize> = None;
        for (offset, character) in text.char_indices() {
            let Some(face) = self.face_for(character) else {
                continue;
            };
            match current {
                Some(previous) if self.faces[previous].has_glyph(character) => {}
                Some(previous) => {
                    segments.push(self.shape_segment(&text, start..offset, previous));
                    start = offset;
                    current = Some(face);
                }
                None => current = Some(face),
            }
        }
        if let Some(face) = current {
            segments.push(self.shape_segment(&text, start..text.len(), face));
        }
        let width_em = segments.iter().map(|segment| segment.width_em).sum();
        Run {
            text,
            segments,
            width_em,
        }
    }

    fn shape_segment(&self, text: &str, range: Range<usize>, face_index: usize) -> Segment {
        let face = &self.faces[face_index];
        let piece = &text[range.clone()];
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(piece);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let output = rustybuzz::shape(&face.shaper, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut width_em = 0.0;
        for (index, (info, position)) in infos.iter().zip(positions).enumerate() {
            let x_advance = position.x_advance as f32 / face.units_per_em;
            width_em += x_advance;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                x_advance,
                position.x_offset as f32 / face.units_per_em,
                position.y_offset as f32 / face.units_per_em,
                position.y_advance as f32 / face.units_per_em,
                cluster_range(piece, infos, index),
                None,
            ));
        }
        Segment {
            face: face_index,
            range,
            glyphs,
            width_em,
        }
    }

    /// The longest start of `clean` that fits in `max_width` followed by an ellipsis
    /// (the ellipsis alone if nothing does).
    fn ellipsize(&self, clean: &str, size: f32, max_width: f32) -> Run {
        let candidate = |chars: usize| {
            let end = byte_offset(clean, chars);
            self.shape(format!("{}{ELLIPSIS}", clean[..end].trim_end()))
        };
        let (mut low, mut high) = (0, clean.chars().count());
        let mut best = candidate(0);
        while low < high {
            let middle = low + (high - low).div_ceil(2);
            let run = candidate(middle);
            if run.width(size) <= max_width {
                best = run;
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        best
    }

    /// Greedy line breaking of clean text: byte ranges of each line.
    fn break_lines(&self, clean: &str, size: f32, max_width: f32) -> Vec<Range<usize>> {
        let space = self.shape(" ".to_owned()).width(size);
        let mut lines = Vec::new();
        let mut line: Option<(Range<usize>, f32)> = None;
        for word in words(clean) {
            let word_width = self.shape(clean[word.clone()].to_owned()).width(size);
            if let Some((range, width)) = &mut line {
                if *width + space + word_width <= max_width {
                    range.end = word.end;
                    *width += space + word_width;
                    continue;
                }
                lines.push(range.clone());
            }
            // The word starts a line; a word wider than a line is split where it must be.
            let mut start = word.start;
            let mut width = word_width;
            while width > max_width && start < word.end {
                let piece = &clean[start..word.end];
                let cut = self.longest_fitting_prefix(piece, size, max_width);
                lines.push(start..start + cut);
                start += cut;
                width = self.shape(clean[start..word.end].to_owned()).width(size);
            }
            line = (start < word.end).then_some((start..word.end, width));
        }
        if let Some((range, _)) = line {
            lines.push(range);
        }
        lines
    }

    /// Bytes of the longest start of `piece` no wider than `max_width`; at least one
    /// character, so that breaking always makes progress.
    fn longest_fitting_prefix(&self, piece: &str, size: f32, max_width: f32) -> usize {
        let (mut low, mut high) = (1, piece.chars().count());
        while low < high {
            let middle = low + (high - low).div_ceil(2);
            let end = byte_offset(piece, middle);
            if self.shape(piece[..end].to_owned()).width(size) <= max_width {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        byte_offset(piece, low)
    }
}

/// Byte offset of the `chars`-th character of `text` (its length past the end).
fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(offset, _)| offset)
}

/// Byte ranges of the space-separated words of clean text.
fn words(clean: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut offset = 0;
    clean.split(' ').filter_map(move |word| {
        let start = offset;
        offset += word.len() + 1;
        (!word.is_empty()).then(|| start..start + word.len())
    })
}

/// The bytes of `text` that glyph `index` stands for (krilla maps them back to text for
/// copy and paste). Clusters are byte offsets at character starts and never decrease in
/// left-to-right text; anything else falls back to the whole text rather than risk a
/// slice inside a character.
fn cluster_range(text: &str, infos: &[rustybuzz::GlyphInfo], index: usize) -> Range<usize> {
    let start = infos[index].cluster as usize;
    let end = infos[index + 1..]
        .iter()
        .map(|info| info.cluster as usize)
        .find(|&cluster| cluster != start)
        .unwrap_or(text.len());
    let valid = start < end
        && end <= text.len()
        && text.is_char_boundary(start)
        && text.is_char_boundary(end);
    if valid {
        start..end
    } else {
        0..text.len()
    }
}

/// Formatting characters with no look of their own that DejaVu lacks: dropping them
/// keeps a flag or a family emoji one '?' per visible part instead of a row of them.
fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regular() -> &'static Typeface {
        &fonts().unwrap().regular
    }

    #[test]
    fn characters_the_font_lacks_become_question_marks() {
        let check = |input: &str, expected: &str| {
            assert_eq!(regular().line(input).text, expected, "{input:?}");
        };
        check("₹1,234.50", "₹1,234.50");
        check("Crème brûlée", "Crème brûlée");
        check("दाल", "दाल");
        check("👉 दाल", "? दाल");
        check("🎂 cake", "? cake");
        check("👍🏽", "??");
        check("  two\n\tlines  ", "two lines");
        check("\u{202E}evil", "evil");
        check("", "");
    }

    #[test]
    fn devanagari_is_shaped_with_its_own_face() {
        let run = regular().line("Dal दाल मखनी 2 kg");
        let faces: Vec<usize> = run.segments.iter().map(|s| s.face).collect();
        assert_eq!(faces, [0, 1, 0], "{run:?}");
        let texts: Vec<&str> = run
            .segments
            .iter()
            .map(|s| &run.text[s.range.clone()])
            .collect();
        assert_eq!(texts[0], "Dal ");
        assert!(texts[1].starts_with("दाल मखनी"), "{texts:?}");
        assert!(texts[2].ends_with("kg"), "{texts:?}");
        assert_eq!(texts.concat(), run.text, "the segments cover the text");
        assert!(run
            .segments
            .iter()
            .all(|s| !s.glyphs.is_empty() && s.width(10.0) > 0.0));
        let total: f32 = run.segments.iter().map(|s| s.width(10.0)).sum();
        assert!((total - run.width(10.0)).abs() < 0.001);
        // The conjunct "क्ष" shapes into fewer glyphs than its three characters.
        let conjunct = regular().line("क्ष");
        assert_eq!(conjunct.segments.len(), 1);
        assert!(conjunct.segments[0].glyphs.len() < 3, "{conjunct:?}");
    }

    #[test]
    fn fitting_cuts_with_an_ellipsis() {
        let run = regular().fit(&"Chocolate truffle ".repeat(20), 10.0, 120.0);
        assert!(run.text.ends_with('…'), "{}", run.text);
        assert!(run.width(10.0) <= 120.0);
        assert_eq!(regular().fit("Short", 10.0, 120.0).text, "Short");
        assert_eq!(regular().fit("Anything", 10.0, 0.0).text, "…");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_long_words() {
        let lines = regular().wrap("Black Forest cake with cherries", 10.0, 90.0, 5);
        let texts: Vec<&str> = lines.iter().map(|run| run.text.as_str()).collect();
        assert_eq!(texts, ["Black Forest cake", "with cherries"]);
        let long = regular().wrap(&"x".repeat(300), 10.0, 90.0, 2);
        assert_eq!(long.len(), 2);
        assert!(long[1].text.ends_with('…'));
        for run in &long {
            assert!(run.width(10.0) <= 90.0);
        }
        assert!(regular().wrap("   ", 10.0, 90.0, 2).is_empty());
    }
}
