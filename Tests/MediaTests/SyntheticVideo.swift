import Foundation
@testable import Media
import Core

/// Moving test pictures whose centre patch carries the frame number as a grey level
/// (`frameMarker`), so a reader's choice of frame can be checked after lossy coding.
enum SyntheticVideo {
    static func frameMarker(_ index: Int) -> UInt8 { UInt8(20 + (index * 4) % 216) }

    static func frame(_ index: Int, width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let box = max(4, height / 6)
        let boxX = (index * 7) % max(1, width - box)
        let marker = frameMarker(index)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let inCentre = x >= width * 35 / 100 && x < width * 65 / 100 && y >= height * 35 / 100 && y < height * 65 / 100
                let inBox = y < box && x >= boxX && x < boxX + box
                if inCentre {
                    pixels[i] = marker; pixels[i + 1] = marker; pixels[i + 2] = marker
                } else if inBox {
                    pixels[i] = 250; pixels[i + 1] = 250; pixels[i + 2] = 40
                } else {
                    pixels[i] = UInt8(x * 255 / max(1, width - 1))
                    pixels[i + 1] = UInt8(y * 255 / max(1, height - 1))
                    pixels[i + 2] = UInt8((x + y + index * 3) % 256 / 2 + 64)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Writes `count` frames at `fps` with the toolkit's own writer.
    static func write(to url: URL, width: Int, height: Int, fps: Double, count: Int) throws {
        let writer = try makeVideoWriter(url: url, width: width, height: height, fps: fps)
        for i in 0..<count { try writer.append(frame(i, width: width, height: height)) }
        try writer.finish()
    }

    /// The grey level in the middle of a square frame (mean of the central 4x4 block).
    static func centreLevel(_ image: RGBImage) -> Double {
        var sum = 0
        let c = image.width / 2
        for y in (c - 2)..<(c + 2) {
            for x in (c - 2)..<(c + 2) {
                let i = (y * image.width + x) * 3
                sum += Int(image.pixels[i]) + Int(image.pixels[i + 1]) + Int(image.pixels[i + 2])
            }
        }
        return Double(sum) / 48
    }

    /// The source frame a decoded frame shows, recovered from its marker.
    static func sourceIndex(of image: RGBImage, candidates: Range<Int>) -> Int {
        let level = centreLevel(image)
        return candidates.min(by: { abs(Double(frameMarker($0)) - level) < abs(Double(frameMarker($1)) - level) })!
    }
}

func meanAbsoluteError(_ a: RGBImage, _ b: RGBImage) -> Double {
    precondition(a.pixels.count == b.pixels.count)
    var total = 0
    for i in a.pixels.indices { total += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
    return Double(total) / Double(a.pixels.count)
}

/// Every output frame of `url` with its time.
func readFrames(_ url: URL, _ options: VideoReadOptions) throws -> (frames: [RGBImage], times: [Double]) {
    var frames: [RGBImage] = [], times: [Double] = []
    let reader = try VideoReader(url: url, options: options)
    try reader.forEachFrame { frame, index, time in
        precondition(index == frames.count)
        frames.append(frame)
        times.append(time)
    }
    return (frames, times)
}
