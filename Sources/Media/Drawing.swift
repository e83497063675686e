import Core

/// An 8-bit RGB colour.
public struct RGBColor: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    public static let white = RGBColor(255, 255, 255)
    public static let black = RGBColor(0, 0, 0)
    public static let gray = RGBColor(128, 128, 128)
}

/// Drawing on and arranging images; everything clips to the image, nothing traps.
extension RGBImage {
    public init(width: Int, height: Int, color: RGBColor) {
        self.init(width: width, height: height, fill: (color.r, color.g, color.b))
    }

    public func pixel(x: Int, y: Int) -> RGBColor {
        let i = (y * width + x) * 3
        return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Fills the part of the rectangle that lies inside the image.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 {
                let i = (row * width + column) * 3
                pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel a `scale` x `scale` block.
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 2, color: RGBColor = .black) {
        let scale = max(1, scale)
        for (n, character) in text.enumerated() {
            let left = x + n * BitmapFont.advance * scale
            for (row, bits) in BitmapFont.rows(for: character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    /// Draws `text` centred in the given rectangle at the largest scale up to `maxScale` that
    /// fits it with a small margin.
    public mutating func drawCenteredText(_ text: String, x: Int, y: Int, width w: Int, height h: Int,
                                          maxScale: Int = 3, color: RGBColor = .black) {
        var scale = max(1, maxScale)
        while scale > 1, BitmapFont.width(of: text, scale: scale) > w - 4 * scale || BitmapFont.height(scale: scale) > h - 2 * scale {
            scale -= 1
        }
        drawText(text, x: x + (w - BitmapFont.width(of: text, scale: scale)) / 2,
                 y: y + (h - BitmapFont.height(scale: scale)) / 2, scale: scale, color: color)
    }

    /// A band of `background` with `text` centred on it (the visualizer's 36 px caption).
    public static func captionBand(_ text: String, width: Int, height: Int = 36, maxScale: Int = 3,
                                   background: RGBColor = .white, color: RGBColor = .black) -> RGBImage {
        var band = RGBImage(width: width, height: height, color: background)
        band.drawCenteredText(text, x: 0, y: 0, width: width, height: height, maxScale: maxScale, color: color)
        return band
    }

    /// This image under a caption band of the same width.
    public func captioned(_ text: String, bandHeight: Int = 36) -> RGBImage {
        RGBImage.vstack([RGBImage.captionBand(text, width: width, height: bandHeight), self])
    }

    /// Copies `image` with its top-left corner at (x, y), clipped to this image.
    public mutating func paste(_ image: RGBImage, x: Int, y: Int) {
        let x0 = max(0, x), x1 = min(width, x + image.width)
        guard x0 < x1 else { return }
        for row in max(0, y)..<max(max(0, y), min(height, y + image.height)) {
            let src = ((row - y) * image.width + (x0 - x)) * 3
            let dst = (row * width + x0) * 3
            pixels.replaceSubrange(dst..<(dst + (x1 - x0) * 3), with: image.pixels[src..<(src + (x1 - x0) * 3)])
        }
    }

    public func padded(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0, color: RGBColor = .white) -> RGBImage {
        var out = RGBImage(width: width + left + right, height: height + top + bottom, color: color)
        out.paste(self, x: left, y: top)
        return out
    }

    /// Side by side, top-aligned, `spacing` pixels of `background` between neighbours.
    public static func hstack(_ images: [RGBImage], spacing: Int = 0, background: RGBColor = .white) -> RGBImage {
        let width = images.reduce(0) { $0 + $1.width } + spacing * max(0, images.count - 1)
        var out = RGBImage(width: width, height: images.map(\.height).max() ?? 0, color: background)
        var x = 0
        for image in images {
            out.paste(image, x: x, y: 0)
            x += image.width + spacing
        }
        return out
    }

    /// One above the other, left-aligned, `spacing` pixels of `background` between neighbours.
    public static func vstack(_ images: [RGBImage], spacing: Int = 0, background: RGBColor = .white) -> RGBImage {
        let height = images.reduce(0) { $0 + $1.height } + spacing * max(0, images.count - 1)
        var out = RGBImage(width: images.map(\.width).max() ?? 0, height: height, color: background)
        var y = 0
        for image in images {
            out.paste(image, x: 0, y: y)
            y += image.height + spacing
        }
        return out
    }

    public enum ResizeFilter: Sendable { case nearest, area }

    /// Resized to `w` x `h`: `.nearest` repeats or skips pixels (crisp upscaling of tokens and
    /// text); `.area` averages the source area under each output pixel (clean shrinking).
    public func resized(width w: Int, height h: Int, filter: ResizeFilter = .area) -> RGBImage {
        guard w > 0, h > 0, width > 0, height > 0 else { return RGBImage(width: max(0, w), height: max(0, h)) }
        if w == width, h == height { return self }
        switch filter {
        case .nearest:
            var out = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<h {
                let sy = y * height / h
                for x in 0..<w {
                    let s = (sy * width + x * width / w) * 3, d = (y * w + x) * 3
                    out[d] = pixels[s]; out[d + 1] = pixels[s + 1]; out[d + 2] = pixels[s + 2]
                }
            }
            return RGBImage(width: w, height: h, pixels: out)
        case .area:
            let horizontal = RGBImage.areaWeights(from: width, to: w)
            let vertical = RGBImage.areaWeights(from: height, to: h)
            // Rows first (width -> w), then columns (height -> h), in floating point.
            var rows = [Float](repeating: 0, count: height * w * 3)
            for y in 0..<height {
                for (x, taps) in horizontal.enumerated() {
                    for (sx, weight) in taps {
                        let s = (y * width + sx) * 3, d = (y * w + x) * 3
                        for c in 0..<3 { rows[d + c] += weight * Float(pixels[s + c]) }
                    }
                }
            }
            var out = [UInt8](repeating: 0, count: w * h * 3)
            for (y, taps) in vertical.enumerated() {
                for x in 0..<w {
                    for c in 0..<3 {
                        var sum: Float = 0
                        for (sy, weight) in taps { sum += weight * rows[(sy * w + x) * 3 + c] }
                        out[(y * w + x) * 3 + c] = UInt8(min(255, max(0, sum.rounded())))
                    }
                }
            }
            return RGBImage(width: w, height: h, pixels: out)
        }
    }

    /// For each output index, the source indices it covers and their share of its area.
    private static func areaWeights(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { i in
            let start = Double(i) * scale, end = Double(i + 1) * scale
            var taps: [(Int, Float)] = []
            var s = Int(start.rounded(.down))
            while Double(s) < end, s < source {
                let overlap = min(end, Double(s + 1)) - max(start, Double(s))
                if overlap > 0 { taps.append((s, Float(overlap / scale))) }
                s += 1
            }
            // Enlarging: the output pixel lies inside one source pixel.
            return taps.isEmpty ? [(min(source - 1, Int(start)), Float(1))] : taps
        }
    }
}
