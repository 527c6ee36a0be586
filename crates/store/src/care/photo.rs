//! Photo preparation for home-visit photos, which are personal data.
//!
//! [`prepare`] turns whatever a phone uploads (JPEG, PNG or WebP) into one upright JPEG of at most
//! [`MAX_EDGE`] pixels a side. The pixels are decoded and encoded anew, and the new file carries
//! no metadata at all: the GPS position of someone's home, the camera, the time and every other
//! EXIF tag stay behind. Where the photo was taken is recorded, if at all, by the visit itself
//! under its own rules, never by the picture.
//!
//! Decoding runs under [`image::Limits`], so a small file that claims a huge picture (a
//! "decompression bomb") is refused before the memory is taken.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use ruamjai_domain::FieldError;

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;

/// The longest side of a prepared photo, in pixels; larger photos are scaled down to it.
pub const MAX_EDGE: u32 = 1600;

/// The largest width or height accepted when decoding, in pixels.
pub const MAX_DECODED_EDGE: u32 = 10_000;

/// The most memory the decoder may take for one photo, in bytes.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// JPEG quality of prepared photos (1–100).
const JPEG_QUALITY: u8 = 82;

/// The form field the errors name.
const FIELD: &str = "photo";

/// A prepared photo: a baseline JPEG without any metadata, upright, at most [`MAX_EDGE`] a side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The encoded JPEG.
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Prepares an uploaded photo for storage: checks the size, guesses the format from the content
/// (JPEG, PNG or WebP), decodes it within limits, applies the EXIF orientation, scales it down to
/// fit [`MAX_EDGE`] (never up), drops any transparency onto white and encodes a JPEG without
/// metadata. Pure: no I/O.
///
/// Errors, all on the field `photo`: `required` (no bytes), `photo_too_large` (more than
/// [`MAX_UPLOAD_BYTES`], more than [`MAX_DECODED_EDGE`] pixels a side, or too much memory to
/// decode) and `not_an_image` (another format, or a file that does not decode).
pub fn prepare(bytes: &[u8]) -> Result<Prepared, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new(FIELD, "required"));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(FieldError::new(FIELD, "photo_too_large"));
    }

    let decoded = decode_upright(bytes).map_err(|e| match e {
        ImageError::Limits(_) => FieldError::new(FIELD, "photo_too_large"),
        _ => FieldError::new(FIELD, "not_an_image"),
    })?;

    let (width, height) = fit_within(decoded.width(), decoded.height(), MAX_EDGE);
    let resized = if (width, height) == (decoded.width(), decoded.height()) {
        decoded
    } else {
        decoded.resize_exact(width, height, FilterType::CatmullRom)
    };
    let rgb = flatten_to_rgb8(resized);

    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        // Encoding an in-memory RGB8 image of a valid size does not fail; should it ever, the
        // upload is refused rather than stored half-done.
        .map_err(|_| FieldError::new(FIELD, "not_an_image"))?;
    Ok(Prepared {
        jpeg,
        width,
        height,
    })
}

/// Decodes `bytes` as JPEG, PNG or WebP within the limits, and turns the result upright.
fn decode_upright(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    // The JPEG decoder fills a cut-off picture with grey instead of failing; an upload cut short
    // is refused instead of being stored half grey.
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_reaches_end(bytes) {
        return Err(ImageError::IoError(
            std::io::ErrorKind::UnexpectedEof.into(),
        ));
    }
    if !matches!(
        reader.format(),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)
    ) {
        return Err(ImageError::Unsupported(
            image::error::UnsupportedError::from_format_and_kind(
                image::error::ImageFormatHint::Unknown,
                image::error::UnsupportedErrorKind::Format(image::error::ImageFormatHint::Unknown),
            ),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_EDGE);
    limits.max_image_height = Some(MAX_DECODED_EDGE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits.clone());

    // Checks the declared width and height against the limits before any pixel is read.
    let mut decoder = reader.into_decoder()?;
    // Broken orientation metadata is no reason to refuse the picture itself.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    limits.reserve(decoder.total_bytes())?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Whether the JPEG `bytes` run to their end-of-image marker: the segments are followed from the
/// start, through the entropy-coded data of every scan, until EOI. Data after EOI (some cameras
/// append their own) does not matter; an EOI inside a segment (the EXIF thumbnail's) is skipped.
fn jpeg_reaches_end(bytes: &[u8]) -> bool {
    const SOI: u8 = 0xD8;
    const EOI: u8 = 0xD9;
    const SOS: u8 = 0xDA;
    let is_rst = |m: u8| (0xD0..=0xD7).contains(&m);
    if bytes.get(..2) != Some(&[0xFF, SOI][..]) {
        return false;
    }
    let mut at = 2;
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return false;
        }
        // Fill bytes may stand before a marker.
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at + 1) else {
            return false;
        };
        if marker == EOI {
            return true;
        }
        if is_rst(marker) || marker == 0x01 {
            at += 2;
            continue;
        }
        let Some(&[hi, lo]) = bytes.get(at + 2..at + 4) else {
            return false;
        };
        let length = usize::from(u16::from_be_bytes([hi, lo]));
        if length < 2 {
            return false;
        }
        at += 2 + length;
        if marker == SOS {
            // Entropy-coded data: 0xFF is followed by a stuffed 0x00 or a restart marker, or it
            // starts the next segment.
            loop {
                match (bytes.get(at), bytes.get(at + 1)) {
                    (Some(0xFF), Some(&next)) if next == 0x00 || is_rst(next) => at += 2,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => at += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

/// The size of a `width` × `height` picture scaled to fit `max_edge` on its longest side,
/// keeping the aspect ratio; pictures that already fit keep their size.
fn fit_within(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_edge {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(max_edge) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(max_edge).clamp(1, max_edge)
    };
    (scale(width), scale(height))
}

/// RGB8 pixels of `image`; transparent parts are laid on white (JPEG has no transparency, and a
/// plain conversion would show them in whatever colour hides behind the transparency, often black).
fn flatten_to_rgb8(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            // c·a + 255·(255 − a), divided by 255 with rounding; at most 255.
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb, Rgba, RgbaImage};

    fn code(result: Result<Prepared, FieldError>) -> &'static str {
        let e = match result {
            Ok(p) => panic!("accepted as a {}×{} photo", p.width, p.height),
            Err(e) => e,
        };
        assert_eq!(e.field, "photo");
        e.code
    }

    fn jpeg_of(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(image)
            .unwrap();
        out
    }

    fn png_of(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    /// A picture whose left half is red and right half blue.
    fn red_blue(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        })
    }

    /// Appends one little-endian IFD entry (tag, type, count, value or offset).
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value);
    }

    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;

    /// A minimal little-endian TIFF as found in an EXIF block: IFD0 with Orientation, and when
    /// `gps` is set a GPSInfo pointer to a GPS IFD placing the photo in Nan (18°47'N 100°46'E).
    fn exif_tiff(orientation: u16, gps: bool) -> Vec<u8> {
        let ifd0_entries: u16 = if gps { 2 } else { 1 };
        let ifd0_len = 2 + 12 * u32::from(ifd0_entries) + 4;
        let gps_ifd = 8 + ifd0_len;
        let gps_ifd_len = 2 + 12 * 4 + 4;
        let latitude_at = gps_ifd + gps_ifd_len;
        let longitude_at = latitude_at + 24;

        let mut t = b"II".to_vec();
        t.extend_from_slice(&42u16.to_le_bytes());
        t.extend_from_slice(&8u32.to_le_bytes());

        // IFD0, entries in ascending tag order.
        t.extend_from_slice(&ifd0_entries.to_le_bytes());
        let [lo, hi] = orientation.to_le_bytes();
        entry(&mut t, 0x0112, SHORT, 1, [lo, hi, 0, 0]);
        if gps {
            entry(&mut t, 0x8825, LONG, 1, gps_ifd.to_le_bytes());
        }
        t.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        if !gps {
            return t;
        }

        assert_eq!(t.len() as u32, gps_ifd);
        t.extend_from_slice(&4u16.to_le_bytes());
        entry(&mut t, 0x0001, ASCII, 2, *b"N\0\0\0"); // GPSLatitudeRef
        entry(&mut t, 0x0002, RATIONAL, 3, latitude_at.to_le_bytes()); // GPSLatitude
        entry(&mut t, 0x0003, ASCII, 2, *b"E\0\0\0"); // GPSLongitudeRef
        entry(&mut t, 0x0004, RATIONAL, 3, longitude_at.to_le_bytes()); // GPSLongitude
        t.extend_from_slice(&0u32.to_le_bytes());

        assert_eq!(t.len() as u32, latitude_at);
        for (num, den) in [
            (18u32, 1u32),
            (47, 1),
            (1234, 100),
            (100, 1),
            (46, 1),
            (5678, 100),
        ] {
            t.extend_from_slice(&num.to_le_bytes());
            t.extend_from_slice(&den.to_le_bytes());
        }
        t
    }

    /// `jpeg` with an APP1 "Exif" segment holding `tiff` right after the SOI marker.
    fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
        let length = u16::try_from(2 + 6 + tiff.len()).unwrap();
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// The markers of the JPEG segments before the image data (start of scan).
    fn header_markers(jpeg: &[u8]) -> Vec<u8> {
        assert_eq!(&jpeg[..2], [0xFF, 0xD8], "not a JPEG");
        let mut markers = Vec::new();
        let mut at = 2;
        loop {
            assert_eq!(jpeg[at], 0xFF, "segment expected at {at}");
            let marker = jpeg[at + 1];
            markers.push(marker);
            if marker == 0xDA {
                return markers;
            }
            let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
            at += 2 + length;
        }
    }

    fn read_exif(bytes: &[u8]) -> Result<exif::Exif, exif::Error> {
        exif::Reader::new().read_from_container(&mut Cursor::new(bytes))
    }

    #[test]
    fn gps_and_all_exif_are_removed() {
        let input = with_exif(&jpeg_of(&red_blue(64, 48)), &exif_tiff(1, true));

        // The input really carries the position, so this test can fail.
        let exif = read_exif(&input).expect("the test input has EXIF");
        let latitude = exif
            .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .expect("the test input has GPSLatitude");
        assert!(
            latitude
                .display_value()
                .to_string()
                .starts_with("18 deg 47 min")
        );
        assert!(
            exif.get_field(exif::Tag::GPSLongitude, exif::In::PRIMARY)
                .is_some()
        );
        assert!(header_markers(&input).contains(&0xE1));

        let prepared = prepare(&input).unwrap();
        assert_eq!((prepared.width, prepared.height), (64, 48));
        match read_exif(&prepared.jpeg) {
            Err(exif::Error::NotFound(_)) => {}
            Err(e) => panic!("unexpected EXIF error: {e}"),
            Ok(exif) => panic!(
                "EXIF left in the output: {:?}",
                exif.fields().collect::<Vec<_>>()
            ),
        }
        let markers = header_markers(&prepared.jpeg);
        assert!(
            !markers.contains(&0xE1),
            "APP1 segment in the output: {markers:x?}"
        );
        assert!(!prepared.jpeg.windows(6).any(|w| w == b"Exif\0\0"));
    }

    #[test]
    fn exif_orientation_is_applied() {
        // Orientation 6: the camera was turned, the picture must be rotated 90° clockwise.
        let input = with_exif(&jpeg_of(&red_blue(40, 20)), &exif_tiff(6, false));
        let prepared = prepare(&input).unwrap();
        assert_eq!((prepared.width, prepared.height), (20, 40));

        // The left (red) half is now on top, the right (blue) half at the bottom.
        let output = image::load_from_memory(&prepared.jpeg).unwrap().into_rgb8();
        assert_eq!(output.dimensions(), (20, 40));
        let top = output.get_pixel(10, 5).0;
        let bottom = output.get_pixel(10, 34).0;
        assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");

        // Without the tag the same picture stays as it is.
        let plain = prepare(&jpeg_of(&red_blue(40, 20))).unwrap();
        assert_eq!((plain.width, plain.height), (40, 20));
    }

    #[test]
    fn large_png_is_scaled_down_to_jpeg() {
        let picture = RgbImage::from_fn(4000, 3000, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let prepared = prepare(&png_of(&picture)).unwrap();
        assert_eq!((prepared.width, prepared.height), (1600, 1200));
        assert_eq!(&prepared.jpeg[..2], [0xFF, 0xD8]);
        let decoded =
            image::load_from_memory_with_format(&prepared.jpeg, ImageFormat::Jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (1600, 1200));

        // Portrait too: the longest side decides.
        let tall = prepare(&png_of(&RgbImage::new(1000, 3200))).unwrap();
        assert_eq!((tall.width, tall.height), (500, 1600));
    }

    #[test]
    fn small_image_is_not_enlarged() {
        let prepared = prepare(&png_of(&red_blue(100, 50))).unwrap();
        assert_eq!((prepared.width, prepared.height), (100, 50));
        let decoded = image::load_from_memory(&prepared.jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (100, 50));
        assert_eq!(fit_within(MAX_EDGE, 10, MAX_EDGE), (MAX_EDGE, 10));
        assert_eq!(fit_within(MAX_EDGE + 1, 1, MAX_EDGE), (MAX_EDGE, 1));
    }

    #[test]
    fn webp_is_accepted_and_transparency_becomes_white() {
        let picture = RgbaImage::from_fn(30, 10, |x, _| {
            if x < 15 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([0, 128, 0, 255])
            }
        });
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(picture.as_raw(), 30, 10, image::ExtendedColorType::Rgba8)
            .unwrap();
        let prepared = prepare(&webp).unwrap();
        assert_eq!((prepared.width, prepared.height), (30, 10));
        let output = image::load_from_memory(&prepared.jpeg).unwrap().into_rgb8();
        assert!(
            output.get_pixel(3, 5).0.iter().all(|&c| c > 240),
            "{:?}",
            output.get_pixel(3, 5)
        );
        assert!(output.get_pixel(26, 5).0[1] > 100);
    }

    #[test]
    fn not_an_image_is_refused() {
        assert_eq!(code(prepare(b"hello, not a picture")), "not_an_image");
        // A format the image crate knows but ruamjai does not accept (GIF signature).
        assert_eq!(
            code(prepare(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")),
            "not_an_image"
        );
        // A PNG signature and nothing that follows.
        assert_eq!(code(prepare(b"\x89PNG\r\n\x1a\n")), "not_an_image");
    }

    #[test]
    fn truncated_jpeg_is_refused() {
        let picture = RgbImage::from_fn(64, 64, |x, y| Rgb([(x * 4) as u8, (y * 4) as u8, 7]));
        let jpeg = jpeg_of(&picture);
        prepare(&jpeg).expect("the whole JPEG is fine");
        assert_eq!(code(prepare(&jpeg[..jpeg.len() / 2])), "not_an_image");
        assert_eq!(code(prepare(&jpeg[..40])), "not_an_image");
        // Only the end-of-image marker missing.
        assert_eq!(code(prepare(&jpeg[..jpeg.len() - 2])), "not_an_image");
        // Data after the end does not matter (some cameras append their own).
        let mut trailing = jpeg.clone();
        trailing.extend_from_slice(b"vendor trailer");
        prepare(&trailing).expect("trailing data is fine");
        // The EXIF block may hold a whole JPEG thumbnail with its own end marker.
        let thumbnail_tiff = [exif_tiff(1, false), jpeg_of(&red_blue(8, 8))].concat();
        let with_thumbnail = with_exif(&jpeg, &thumbnail_tiff);
        prepare(&with_thumbnail).expect("the whole JPEG with a thumbnail is fine");
        let cut = &with_thumbnail[..with_thumbnail.len() / 2];
        assert!(cut.windows(2).any(|w| w == [0xFF, 0xD9]));
        assert_eq!(code(prepare(cut)), "not_an_image");
    }

    #[test]
    fn jpeg_end_is_found_across_scans() {
        assert!(!jpeg_reaches_end(b""));
        assert!(!jpeg_reaches_end(b"\xFF\xD8"));
        assert!(jpeg_reaches_end(b"\xFF\xD8\xFF\xD9"));
        // SOS header, data with a stuffed 0xFF and a restart marker, a second scan, then EOI.
        let two_scans =
            b"\xFF\xD8\xFF\xDA\x00\x02\x12\xFF\x00\x34\xFF\xD3\x56\xFF\xDA\x00\x02\x78\xFF\xD9";
        assert!(jpeg_reaches_end(two_scans));
        assert!(!jpeg_reaches_end(&two_scans[..two_scans.len() - 1]));
        // A segment whose declared length runs past the end.
        assert!(!jpeg_reaches_end(b"\xFF\xD8\xFF\xE1\x10\x00Exif\xFF\xD9"));
    }

    #[test]
    fn truncated_png_is_refused() {
        let picture = RgbImage::from_fn(64, 64, |x, y| Rgb([(x * 4) as u8, (y * 4) as u8, 7]));
        let png = png_of(&picture);
        prepare(&png).expect("the whole PNG is fine");
        assert_eq!(code(prepare(&png[..png.len() / 2])), "not_an_image");
    }

    #[test]
    fn size_limits() {
        assert_eq!(code(prepare(&[])), "required");
        assert_eq!(
            code(prepare(&vec![0u8; MAX_UPLOAD_BYTES + 1])),
            "photo_too_large"
        );
        // Checked before decoding: a real JPEG padded past the limit is refused too.
        let mut padded = jpeg_of(&red_blue(8, 8));
        padded.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert_eq!(code(prepare(&padded)), "photo_too_large");
    }

    #[test]
    fn decompression_bomb_is_refused() {
        // A few hundred bytes that declare a picture wider than the decoder may open.
        let wide = png_of(&RgbImage::new(MAX_DECODED_EDGE + 1, 1));
        assert!(wide.len() < 1000);
        assert_eq!(code(prepare(&wide)), "photo_too_large");
        let tall = png_of(&RgbImage::new(1, MAX_DECODED_EDGE + 1));
        assert_eq!(code(prepare(&tall)), "photo_too_large");
        // At the limit itself it is still a picture.
        let edge = prepare(&png_of(&RgbImage::new(MAX_DECODED_EDGE, 1))).unwrap();
        assert_eq!((edge.width, edge.height), (MAX_EDGE, 1));
    }
}
