//! QR codes of registration URLs, as SVG (inline in pages, sharp on paper)
//! and PNG (for tools that want a bitmap).

use qrcode::{Color, EcLevel, QrCode};

/// Modules of light border around the code (the standard's quiet zone).
const QUIET_ZONE: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the text does not fit in a QR code: {0}")]
    Encode(String),
    #[error("the PNG cannot be written: {0}")]
    Png(String),
}

/// Medium error correction: survives a scratched or partly covered poster.
fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| QrError::Encode(e.to_string()))
}

/// The code as an SVG document of at least `size` pixels wide.
pub fn svg(text: &str, size: u32) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(size, size)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// The code as a greyscale PNG, `scale` pixels per module.
pub fn png(text: &str, scale: usize) -> Result<Vec<u8>, QrError> {
    let code = code(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let scale = scale.clamp(1, 32);
    let side = (modules + 2 * QUIET_ZONE) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for dy in 0..scale {
            let row = (y * scale + dy) * side;
            pixels[row + x * scale..row + (x + 1) * scale].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|e| QrError::Png(e.to_string()))?;
    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, side, side);
        encoder.set_color(::png::ColorType::Grayscale);
        encoder.set_depth(::png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| QrError::Png(e.to_string()))?;
        writer.write_image_data(&pixels).map_err(|e| QrError::Png(e.to_string()))?;
        writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_and_png_are_made() {
        let url = "https://ciao.example.be/r/ABCDEFGHJKLMNPQRSTUVWXYZ23";
        let s = svg(url, 256).unwrap();
        assert!(s.contains("<svg") && s.contains("</svg>"));
        let p = png(url, 4).unwrap();
        assert_eq!(&p[1..4], b"PNG");
    }
}
