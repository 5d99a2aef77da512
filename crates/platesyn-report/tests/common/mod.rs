//! Shared helpers and tolerances for the report crate's integration tests.
#![allow(dead_code)]

/// Minimum standard deviation of the 8-bit grey levels of a rendered figure for it to count as
/// "not blank". A uniform image has 0; any figure with a filled grid or axes is far above 20.
pub const MIN_PIXEL_STDDEV: f64 = 20.0;

/// Minimum number of pixels that must change when a title of a dozen characters is added at
/// 22 px: each glyph covers tens of pixels, so well over 100 differ when text is really drawn.
pub const MIN_TEXT_PIXELS: usize = 100;

/// Decodes a PNG, checking the magic bytes, and returns (width, height, RGB8 pixels).
pub fn decode_png(png: &[u8]) -> (u32, u32, Vec<u8>) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG magic");
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("PNG decodes")
        .to_rgb8();
    (img.width(), img.height(), img.into_raw())
}

/// Standard deviation of the grey level (mean of R, G, B) over all pixels.
pub fn grey_stddev(rgb: &[u8]) -> f64 {
    let grey: Vec<f64> = rgb
        .chunks(3)
        .map(|p| (f64::from(p[0]) + f64::from(p[1]) + f64::from(p[2])) / 3.0)
        .collect();
    let n = grey.len() as f64;
    let mean = grey.iter().sum::<f64>() / n;
    (grey.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// Number of pixels that differ between two equally sized RGB buffers.
pub fn differing_pixels(a: &[u8], b: &[u8]) -> usize {
    assert_eq!(a.len(), b.len());
    a.chunks(3).zip(b.chunks(3)).filter(|(x, y)| x != y).count()
}

/// The RGB colour at pixel (x, y).
pub fn pixel(rgb: &[u8], width: u32, x: u32, y: u32) -> [u8; 3] {
    let i = ((y * width + x) * 3) as usize;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}
