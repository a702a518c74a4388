//! What an upload really is, judged from its bytes alone: the file name and the client's
//! content type are whatever the phone (or an attacker) chose to send.

use image::ImageFormat;

use crate::MediaError;

const JPEG_START_OF_SCAN: u8 = 0xDA;
const JPEG_END_OF_IMAGE: u8 = 0xD9;

/// The real type of an upload, from its magic bytes only.
pub(crate) fn sniff_format(upload: &[u8]) -> Result<ImageFormat, MediaError> {
    match image::guess_format(upload) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(MediaError::UnsupportedType),
    }
}

/// Refuses a JPEG cut off inside its image data.
///
/// image's JPEG decoder runs in lenient mode and pads a truncated scan with grey, which
/// would publish half a photo from an upload that dropped mid-transfer. A complete JPEG has
/// an end-of-image marker after its first start-of-scan; entropy-coded data cannot contain
/// that marker (0xFF is always stuffed), and bytes after it (Samsung motion-photo
/// trailers) are allowed. Header segments are walked by length so an EXIF thumbnail's own
/// markers are skipped.
pub(crate) fn check_jpeg_complete(jpeg: &[u8]) -> Result<(), MediaError> {
    let truncated = || MediaError::Corrupt("the file is damaged or incomplete".into());
    let mut position = 2; // after SOI
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while jpeg.get(position) == Some(&0xFF) && jpeg.get(position + 1) == Some(&0xFF) {
            position += 1;
        }
        if jpeg.get(position) != Some(&0xFF) {
            return Err(truncated());
        }
        let marker = *jpeg.get(position + 1).ok_or_else(truncated)?;
        let length_bytes = jpeg.get(position + 2..position + 4).ok_or_else(truncated)?;
        let segment_length = usize::from(u16::from_be_bytes([length_bytes[0], length_bytes[1]]));
        if marker == JPEG_START_OF_SCAN {
            let scan = jpeg.get(position + 2..).ok_or_else(truncated)?;
            let has_end = scan
                .windows(2)
                .any(|pair| pair == [0xFF, JPEG_END_OF_IMAGE]);
            return if has_end { Ok(()) } else { Err(truncated()) };
        }
        if marker == JPEG_END_OF_IMAGE || segment_length < 2 {
            return Err(truncated());
        }
        position += 2 + segment_length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_complete(jpeg: &[u8], complete: bool) {
        assert_eq!(check_jpeg_complete(jpeg).is_ok(), complete, "{jpeg:02x?}");
    }

    #[test]
    fn jpeg_completeness() {
        // SOI, APP0 (length 4), SOS (length 2), scan bytes, EOI.
        check_complete(
            b"\xFF\xD8\xFF\xE0\x00\x04ab\xFF\xDA\x00\x02\x12\xFF\x00\x34\xFF\xD9",
            true,
        );
        check_complete(b"\xFF\xD8\xFF\xDA\x00\x02\x12\x34\xFF\xD9trailer", true);
        check_complete(b"\xFF\xD8\xFF\xFF\xDA\x00\x02\x12\xFF\xD9", true);
        check_complete(
            b"\xFF\xD8\xFF\xE0\x00\x04ab\xFF\xDA\x00\x02\x12\xFF\x00\x34",
            false,
        );
        check_complete(b"\xFF\xD8\xFF\xE0\x00\x40ab", false);
        check_complete(b"\xFF\xD8\xFF\xE0\x00", false);
        check_complete(b"\xFF\xD8", false);
        check_complete(b"\xFF\xD8\xFF\xD9", false);
        check_complete(b"\xFF\xD8\xFF\xE0\x00\x00\xFF\xD9", false);
        // An EOI inside an APP1 segment (an EXIF thumbnail) does not count.
        check_complete(
            b"\xFF\xD8\xFF\xE1\x00\x04\xFF\xD9\xFF\xDA\x00\x02\x12",
            false,
        );
    }

    #[test]
    fn only_jpeg_png_and_webp_pass() {
        assert_eq!(
            sniff_format(b"\xFF\xD8\xFF\xE0").unwrap(),
            ImageFormat::Jpeg
        );
        assert!(matches!(
            sniff_format(b"GIF89a"),
            Err(MediaError::UnsupportedType)
        ));
    }
}
