import FFmpegShim
import Foundation
import XCTest
@testable import Media
import Core

/// The intake path against what ffmpeg does: upright by the display matrix, crops in display
/// pixels, and `fps=F` frame choice. Inputs are made with the toolkit's own MP4 writer.
final class VideoIntakeTests: XCTestCase {
    /// A landscape picture with no symmetry: gradients, a block in the top-left, a bar at the bottom.
    private func uprightPicture(width: Int = 128, height: Int = 80) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let block = x < width / 2 && y < height / 3
                let bar = y > height * 4 / 5 && x > width / 4
                image.pixels[i] = UInt8(40 + x * 170 / width)
                image.pixels[i + 1] = block ? 230 : UInt8(30 + y * 120 / height)
                image.pixels[i + 2] = bar ? 220 : 60
            }
        }
        return image
    }

    /// `image` turned clockwise by `degrees` (a multiple of 90).
    private func rotatedClockwise(_ image: RGBImage, _ degrees: Int) -> RGBImage {
        var result = image
        for _ in 0..<((degrees / 90) % 4) {
            let w = result.width, h = result.height
            var turned = RGBImage(width: h, height: w)
            for y in 0..<h {
                for x in 0..<w {
                    // (x, y) -> (h - 1 - y, x)
                    let s = (y * w + x) * 3, d = (x * h + (h - 1 - y)) * 3
                    turned.pixels[d..<(d + 3)] = result.pixels[s..<(s + 3)]
                }
            }
            result = turned
        }
        return result
    }

    private func writeClip(_ frames: [RGBImage], to url: URL, fps: Double = 10, rotation: Double? = nil,
                           sampleAspectRatio: AVRational? = nil) throws {
        let writer = try MP4Writer(url: url, width: frames[0].width, height: frames[0].height, fps: fps,
                                   displayRotation: rotation, sampleAspectRatio: sampleAspectRatio)
        for frame in frames { try writer.append(frame) }
        try writer.finish()
    }

    func testRotatedVideoComesOutUprightAt90_180And270Degrees() throws {
        let folder = try temporaryFolder()
        let picture = uprightPicture()
        let uprightURL = folder.appendingPathComponent("upright.mp4")
        try writeClip([picture, picture], to: uprightURL)
        let options = VideoReadOptions(size: 64)
        let upright = try VideoReader(url: uprightURL, options: options).readAll()[0]

        for degrees in [90, 180, 270] {
            // A phone stores the sensor's picture turned and says how to turn it back: the display
            // matrix turns the stored picture `degrees` clockwise (a phone held upright: 90).
            let url = folder.appendingPathComponent("rotated-\(degrees).mp4")
            let stored = rotatedClockwise(picture, 360 - degrees)
            try writeClip([stored, stored], to: url, rotation: Double(degrees))
            let reader = try VideoReader(url: url, options: options)
            XCTAssertFalse(reader.rotationFilters.isEmpty, "\(degrees)")
            let shown = try reader.readAll()[0]
            XCTAssertLessThan(meanAbsoluteError(shown, upright), 3, "\(degrees) degrees: \(reader.filterDescription)")

            // What `ffmpeg -i rotated.mp4 -vf crop,scale` gives (it autorotates first).
            let ffmpegStyle = try VideoReader(url: url, options: options,
                                              customFilters: "crop=min(iw\\,ih):min(iw\\,ih),scale=64:64,format=rgb24").readAll()[0]
            XCTAssertLessThan(meanAbsoluteError(shown, ffmpegStyle), 3, "\(degrees) degrees against ffmpeg's filters")

            let sideways = try VideoReader(url: url, options: VideoReadOptions(size: 64, autorotate: false)).readAll()[0]
            XCTAssertGreaterThan(meanAbsoluteError(sideways, upright), 15, "--no-autorotate keeps the stored picture (\(degrees))")
        }
    }

    func testAnamorphicVideoIsCroppedInDisplayPixels() throws {
        let folder = try temporaryFolder()
        // Displayed 128x72 with square pixels; stored 96x72 with pixels 4:3 wide.
        func display(_ x: Double, _ y: Double) -> (UInt8, UInt8, UInt8) {
            let wave = sin(x * 2 * Double.pi / 32)
            return (UInt8(30 + x * 1.6), UInt8(130 + 90 * wave), UInt8(40 + y * 2))
        }
        func picture(width: Int, height: Int, xScale: Double) -> RGBImage {
            var image = RGBImage(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    let (r, g, b) = display((Double(x) + 0.5) * xScale, Double(y) + 0.5)
                    image.pixels.replaceSubrange(((y * width + x) * 3)..<((y * width + x) * 3 + 3), with: [r, g, b])
                }
            }
            return image
        }
        let squareURL = folder.appendingPathComponent("square.mp4")
        let square = picture(width: 128, height: 72, xScale: 1)
        try writeClip([square, square], to: squareURL)
        let anamorphicURL = folder.appendingPathComponent("anamorphic.mp4")
        let stored = picture(width: 96, height: 72, xScale: 4.0 / 3.0)
        try writeClip([stored, stored], to: anamorphicURL, sampleAspectRatio: AVRational(num: 4, den: 3))

        let options = VideoReadOptions(size: 64)
        let expected = try VideoReader(url: squareURL, options: options).readAll()[0]
        let shown = try VideoReader(url: anamorphicURL, options: options).readAll()[0]
        XCTAssertLessThan(meanAbsoluteError(shown, expected), 4)

        // ffmpeg's way to the display-aspect crop: square pixels first, then crop and scale.
        let ffmpegStyle = try VideoReader(url: anamorphicURL, options: options, customFilters:
            "scale=iw*sar:ih,setsar=1,crop=min(iw\\,ih):min(iw\\,ih),scale=64:64,format=rgb24").readAll()[0]
        XCTAssertLessThan(meanAbsoluteError(shown, ffmpegStyle), 4)

        // A crop in stored pixels takes a wider slice and squeezes it: visibly different.
        let storedCrop = try VideoReader(url: anamorphicURL, options: options, customFilters:
            "crop=min(iw\\,ih):min(iw\\,ih),scale=64:64,format=rgb24").readAll()[0]
        XCTAssertGreaterThan(meanAbsoluteError(storedCrop, expected), 10)
    }

    func testFPS2On4SecondNTSCClipChoosesTheSourceFramesOfFFmpegsFPSFilter() throws {
        let url = try temporaryFolder().appendingPathComponent("ntsc.mp4")
        let rate = 30000.0 / 1001.0
        try writeClip((0..<120).map { IndexedFrames.frame($0) }, to: url, fps: rate)  // 4.004 s

        let chosen = try readIndices(url, VideoReadOptions(fps: 2, size: 64))
        // `ffmpeg -i ntsc.mp4 -vf fps=2` (FFmpeg 5.1) chooses these.
        XCTAssertEqual(chosen, [7, 22, 37, 52, 67, 82, 97, 112])
        XCTAssertEqual(chosen, fpsFilterChoice(sourceTimes: (0..<120).map { Double($0) / rate }, end: 120 / rate, fps: 2, rounding: .near))

        let up = try readIndices(url, VideoReadOptions(fps: 2, size: 64, fpsRounding: .up))
        XCTAssertEqual(up, fpsFilterChoice(sourceTimes: (0..<120).map { Double($0) / rate }, end: 120 / rate, fps: 2, rounding: .up))
        XCTAssertEqual(Array(up.prefix(3)), [0, 14, 29])

        // 30 fps from 29.97 fps input: no repeated first frame.
        let thirty = try readIndices(url, VideoReadOptions(fps: 30, size: 64, maxFrames: 30))
        XCTAssertEqual(thirty, Array(0..<30))
    }

    func testFPSSourceKeepsEveryFrame() throws {
        let url = try temporaryFolder().appendingPathComponent("every.mp4")
        try writeClip((0..<12).map { IndexedFrames.frame($0) }, to: url, fps: 12)
        XCTAssertEqual(try readIndices(url, VideoReadOptions(fps: nil, size: 64)), Array(0..<12))
    }

    private func readIndices(_ url: URL, _ options: VideoReadOptions) throws -> [Int] {
        try VideoReader(url: url, options: options).readAll().map(IndexedFrames.index)
    }
}

/// Frames that carry their index in two grey patches (tens of 12 and units of 12), robust to
/// lossy coding and scaling.
enum IndexedFrames {
    private static let step = 18

    static func frame(_ index: Int, width: Int = 96, height: Int = 96) -> RGBImage {
        var image = RGBImage(width: width, height: height, fill: (0, 0, 0))
        let high = UInt8(20 + (index / 12) * step), low = UInt8(20 + (index % 12) * step)
        for y in (height / 4)..<(height * 3 / 4) {
            for x in (width / 8)..<(width * 7 / 8) {
                let level = x < width / 2 ? high : low
                let i = (y * width + x) * 3
                image.pixels[i] = level; image.pixels[i + 1] = level; image.pixels[i + 2] = level
            }
        }
        return image
    }

    static func index(of image: RGBImage) -> Int {
        func level(_ fx: Double) -> Int {
            let cx = Int(Double(image.width) * fx), cy = image.height / 2
            var sum = 0
            for y in (cy - 2)..<(cy + 2) { for x in (cx - 2)..<(cx + 2) { sum += Int(image.pixels[(y * image.width + x) * 3 + 1]) } }
            return Int((Double(sum) / 16 - 20) / Double(step) + 0.5)
        }
        return level(0.3) * 12 + level(0.7)
    }
}

/// The `fps` filter's rule, written out: output tick k (at k / fps from the first frame) shows
/// the last source frame whose time, rounded onto the output clock, is <= k; ticks run up to
/// the end of the last frame, rounded the same way.
func fpsFilterChoice(sourceTimes: [Double], end: Double, fps: Double, rounding: FrameRateRounding) -> [Int] {
    func onClock(_ t: Double) -> Int {
        let v = (t - sourceTimes[0]) * fps
        switch rounding {
        case .near: return Int((v + 1e-9).rounded(.toNearestOrAwayFromZero))
        case .up, .inf: return Int((v - 1e-9).rounded(.up))
        case .down, .zero: return Int((v + 1e-9).rounded(.down))
        }
    }
    let ticks = onClock(end)
    return (0..<ticks).compactMap { k in sourceTimes.indices.last { onClock(sourceTimes[$0]) <= k } }
}

/// The display matrix to filters, case by case, as the ffmpeg tool maps them.
final class AutorotationTests: XCTestCase {
    private func matrix(rotation: Double, hflip: Bool = false, vflip: Bool = false) -> [Int32] {
        var m = [Int32](repeating: 0, count: 9)
        m.withUnsafeMutableBufferPointer { buffer in
            av_display_rotation_set(buffer.baseAddress!, rotation)
            if hflip || vflip { av_display_matrix_flip(buffer.baseAddress!, hflip ? 1 : 0, vflip ? 1 : 0) }
        }
        return m
    }

    func testRotationsAndFlipsBecomeFFmpegsFilters() {
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: nil), [])
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: matrix(rotation: 0)), [])
        // A phone held upright: ffprobe says "rotation of -90 degrees" and ffmpeg turns it clockwise.
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: matrix(rotation: 90)), ["transpose=clock"])
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: matrix(rotation: -90)), ["transpose=cclock"])
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: matrix(rotation: 180)), ["hflip", "vflip"])
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: matrix(rotation: 0, hflip: true)), ["hflip"])
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: matrix(rotation: 0, vflip: true)), ["vflip"])
        XCTAssertEqual(IntakeFilters.autorotation(displayMatrix: matrix(rotation: 45)).first?.hasPrefix("rotate="), true)
    }
}
