//! Byte-level photo fixtures shared by the media and HTTP tests: an EXIF block as a phone
//! camera writes it (orientation + GPS), inserted into any JPEG.

/// The GPS latitude written into the test EXIF block: 12° 58' 12.34" (Bengaluru), as
/// three big-endian RATIONALs. Finding these bytes in an output means GPS leaked.
pub const GPS_LATITUDE_RATIONALS: [u8; 24] = [
    0, 0, 0, 12, 0, 0, 0, 1, // 12/1 degrees
    0, 0, 0, 58, 0, 0, 0, 1, // 58/1 minutes
    0, 0, 0x04, 0xD2, 0, 0, 0, 100, // 1234/100 seconds
];

/// `jpeg` with an APP1 EXIF segment inserted after SOI, carrying Orientation =
/// `orientation` and a GPS IFD holding [`GPS_LATITUDE_RATIONALS`].
pub fn insert_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let exif = exif_app1_payload(orientation);
    let segment_length = u16::try_from(exif.len() + 2).expect("the EXIF block is small");
    let mut output = Vec::with_capacity(jpeg.len() + exif.len() + 4);
    output.extend_from_slice(&jpeg[..2]); // SOI
    output.extend_from_slice(&[0xFF, 0xE1]); // APP1
    output.extend_from_slice(&segment_length.to_be_bytes());
    output.extend_from_slice(&exif);
    output.extend_from_slice(&jpeg[2..]);
    output
}

/// "Exif\0\0" + a big-endian TIFF structure: IFD0 {Orientation, GPSInfo pointer} and a GPS
/// IFD {GPSLatitudeRef = "N", GPSLatitude = 3 RATIONALs}. Offsets count from the TIFF
/// header.
fn exif_app1_payload(orientation: u16) -> Vec<u8> {
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let ifd0_offset: u32 = 8;
    let two_entry_ifd_size: u32 = 2 + 12 * 2 + 4;
    let gps_ifd_offset = ifd0_offset + two_entry_ifd_size;
    let latitude_offset = gps_ifd_offset + two_entry_ifd_size;
    let [orientation_high, orientation_low] = orientation.to_be_bytes();

    let mut tiff = b"MM\0\x2A".to_vec();
    tiff.extend_from_slice(&ifd0_offset.to_be_bytes());
    write_ifd(
        &mut tiff,
        &[
            (0x0112, SHORT, 1, [orientation_high, orientation_low, 0, 0]),
            (0x8825, LONG, 1, gps_ifd_offset.to_be_bytes()),
        ],
    );
    write_ifd(
        &mut tiff,
        &[
            (0x0001, ASCII, 2, *b"N\0\0\0"),
            (0x0002, RATIONAL, 3, latitude_offset.to_be_bytes()),
        ],
    );
    assert_eq!(tiff.len(), usize::try_from(latitude_offset).expect("fits"));
    tiff.extend_from_slice(&GPS_LATITUDE_RATIONALS);

    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    payload
}

/// One big-endian IFD: entry count, 12-byte entries (tag, type, count, value/offset) and
/// a zero "next IFD" offset.
fn write_ifd(tiff: &mut Vec<u8>, entries: &[(u16, u16, u32, [u8; 4])]) {
    tiff.extend_from_slice(&u16::try_from(entries.len()).expect("fits").to_be_bytes());
    for (tag, kind, count, value) in entries {
        tiff.extend_from_slice(&tag.to_be_bytes());
        tiff.extend_from_slice(&kind.to_be_bytes());
        tiff.extend_from_slice(&count.to_be_bytes());
        tiff.extend_from_slice(value);
    }
    tiff.extend_from_slice(&0u32.to_be_bytes());
}
