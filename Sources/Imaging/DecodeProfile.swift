/// Whose decoder to reproduce. The pixels of ordinary 8-bit files are the same under every profile
/// (libjpeg-turbo's default accurate IDCT and fancy upsampling in all three); they differ only where
/// the Python libraries differ:
///
/// | | `pillow` | `pillowExifTransposed` | `opencv` |
/// |---|---|---|---|
/// | EXIF orientation | ignored | applied | applied |
/// | 16-bit grey PNG | `min(v, 255)` | `min(v, 255)` | `v >> 8` |
/// | other 16-bit PNG | `v >> 8` | `v >> 8` | `v >> 8` |
/// | CMYK/YCCK JPEG | Pillow's `cmyk2rgb` (Adobe-inverted) | same | OpenCV's `icvCvt_CMYK2BGR` |
/// | alpha, tRNS | dropped | dropped | dropped |
/// | palette index past PLTE | black | black | black |
public enum DecodeProfile: String, Sendable, CaseIterable {
    /// `PIL.Image.open(path).convert("RGB")`: OpenAI CLIP and open_clip preprocessing.
    case pillow
    /// `ImageOps.exif_transpose(Image.open(path)).convert("RGB")`: HF transformers `load_image`.
    case pillowExifTransposed
    /// `cv2.imdecode(bytes, cv2.IMREAD_COLOR)` then BGR→RGB: `mmcv.imfrombytes(flag="color",
    /// backend="cv2")`, MMSeg's `LoadImageFromFile`.
    case opencv

    /// True when the EXIF orientation is applied.
    public var appliesOrientation: Bool { self != .pillow }
}
