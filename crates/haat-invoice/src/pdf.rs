//! Writing laid-out pages as a PDF with krilla, which embeds only the glyphs used of
//! each font and the logo's JPEG bytes as they are.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::Document;

use crate::layout::{PAGE_HEIGHT, PAGE_WIDTH};
use crate::page::{Colour, Op, Page};
use crate::text::Fonts;
use crate::InvoiceError;

pub(crate) fn write(
    pages: &[Page],
    fonts: &Fonts,
    logo: Option<&Image>,
    title: String,
) -> Result<Vec<u8>, InvoiceError> {
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(title).creator("Haat".to_owned()));
    for page in pages {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| InvoiceError::Pdf("invalid page size".to_owned()))?;
        let mut pdf_page = document.start_page_with(settings);
        let mut surface = pdf_page.surface();
        for op in &page.ops {
            draw(&mut surface, op, fonts, logo);
        }
        surface.finish();
        pdf_page.finish();
    }
    document
        .finish()
        .map_err(|error| InvoiceError::Pdf(error.to_string()))
}

fn draw(surface: &mut Surface<'_>, op: &Op, fonts: &Fonts, logo: Option<&Image>) {
    match op {
        Op::Text {
            x,
            baseline,
            run,
            weight,
            size,
            colour,
        } => {
            surface.set_fill(Some(fill(*colour)));
            let typeface = fonts.get(*weight);
            let mut left = *x;
            for segment in &run.segments {
                let Some(text) = run.text.get(segment.range.clone()) else {
                    continue;
                };
                surface.draw_glyphs(
                    Point::from_xy(left, *baseline),
                    &segment.glyphs,
                    typeface.face(segment.face).pdf.clone(),
                    text,
                    *size,
                    false,
                );
                left += segment.width(*size);
            }
        }
        Op::Rect {
            x,
            y,
            width,
            height,
            colour,
        } => {
            let mut path = PathBuilder::new();
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else {
                return;
            };
            path.push_rect(rect);
            let Some(path) = path.finish() else {
                return;
            };
            surface.set_fill(Some(fill(*colour)));
            surface.draw_path(&path);
        }
        Op::Logo {
            x,
            y,
            width,
            height,
        } => {
            let (Some(image), Some(size)) = (logo, Size::from_wh(*width, *height)) else {
                return;
            };
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(image.clone(), size);
            surface.pop();
        }
    }
}

fn fill(Colour(red, green, blue): Colour) -> Fill {
    Fill {
        paint: rgb::Color::new(red, green, blue).into(),
        ..Fill::default()
    }
}
