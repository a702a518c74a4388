//! Conversions from raw columns to domain values shared by several queries.

use haat_domain::catalog::ImageRef;

/// Builds an image reference from the nullable columns of a `LEFT JOIN images`.
pub(crate) fn image_ref(
    hash: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
    variant_widths: Option<Vec<i32>>,
) -> Option<ImageRef> {
    Some(ImageRef {
        hash: hash?,
        width: u32::try_from(width?).ok()?,
        height: u32::try_from(height?).ok()?,
        variant_widths: variant_widths?
            .into_iter()
            .filter_map(|w| u32::try_from(w).ok())
            .collect(),
    })
}

pub(crate) fn widths_to_sql(image: &ImageRef) -> Vec<i32> {
    image
        .variant_widths
        .iter()
        .map(|w| i32::try_from(*w).unwrap_or(i32::MAX))
        .collect()
}

/// Compares two byte strings in time independent of where they differ.
pub(crate) fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}
