/// An 8-bit RGB image, rows top to bottom, pixels interleaved (rgb24, as ffmpeg's rawvideo).
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// width * height * 3 bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "rgb24 image \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8) = (0, 0, 0)) {
        var p = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: p.count, by: 3) {
            p[i] = fill.r; p[i + 1] = fill.g; p[i + 2] = fill.b
        }
        self.init(width: width, height: height, pixels: p)
    }
}
