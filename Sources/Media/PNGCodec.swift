import FFmpegShim
import Foundation
import Core

/// PNG files through libpng's simplified API (no setjmp needed).
///
/// Reading accepts any PNG libpng reads (gray, palette, 16-bit, alpha) and converts it to
/// 8-bit RGB; an alpha channel is composited onto black, so a transparent pixel reads as
/// (0, 0, 0) and an opaque one keeps its colour. Writing stores 8-bit RGB without alpha,
/// so an RGB image survives a write/read round trip bit for bit.
public enum PNGCodec {
    /// Caps on a PNG's stated size, checked before its pixels are allocated (8K video is 7680 wide).
    public static let maxSide = 16_384
    public static let maxPixels = 1 << 26

    public static func read(from url: URL) throws -> RGBImage {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MediaError.fileNotFound(path: url.path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw MediaError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decode(data, path: url.path)
    }

    /// `path` only names the source in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> RGBImage {
        var image = png_image()
        shim_png_image_init(&image)
        let began = data.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard began != 0 else {
            throw MediaError.unreadable(path: path, reason: message(of: &image))
        }
        image.format = shim_png_format_rgb()
        let width = Int(image.width), height = Int(image.height)
        // The header's size is untrusted: a 69-byte file can claim 10^6 x 10^6 pixels.
        guard width <= maxSide, height <= maxSide, width * height <= maxPixels else {
            png_image_free(&image)
            throw MediaError.unreadable(path: path, reason:
                "PNG claims \(width)x\(height) pixels, above the cap of \(maxSide) a side and \(maxPixels) pixels")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var black = png_color(red: 0, green: 0, blue: 0)
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, &black, buffer.baseAddress, png_int_32(width * 3), nil)
        }
        guard finished != 0 else {
            let reason = message(of: &image)
            png_image_free(&image)
            throw MediaError.unreadable(path: path, reason: reason)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// `path` only names the destination in errors.
    public static func encode(_ rgb: RGBImage, path: String = "<memory>") throws -> Data {
        guard rgb.width > 0, rgb.height > 0 else {
            throw MediaError.invalidFrames(path: path, reason: "cannot write an empty \(rgb.width)x\(rgb.height) image")
        }
        var image = png_image()
        shim_png_image_init(&image)
        image.width = png_uint_32(rgb.width)
        image.height = png_uint_32(rgb.height)
        image.format = shim_png_format_rgb()
        let stride = png_int_32(rgb.width * 3)
        // First call sizes the buffer, second fills it.
        var size: png_alloc_size_t = 0
        let sized = rgb.pixels.withUnsafeBytes { pixels in
            png_image_write_to_memory(&image, nil, &size, 0, pixels.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else {
            throw MediaError.cannotWrite(path: path, reason: "libpng: \(message(of: &image))")
        }
        var data = Data(count: Int(size))
        let written = data.withUnsafeMutableBytes { out in
            rgb.pixels.withUnsafeBytes { pixels in
                png_image_write_to_memory(&image, out.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
            }
        }
        guard written != 0 else {
            throw MediaError.cannotWrite(path: path, reason: "libpng: \(message(of: &image))")
        }
        return data.prefix(Int(size))
    }

    /// Writes atomically: a temporary file beside `url`, renamed into place on success.
    public static func write(_ image: RGBImage, to url: URL) throws {
        let output = try AtomicOutput(destination: url)
        try output.write(encode(image, path: url.path))
    }

    private static func message(of image: inout png_image) -> String {
        let text = String(cString: shim_png_image_message(&image))
        return text.isEmpty ? "not a PNG libpng can read" : text
    }
}
