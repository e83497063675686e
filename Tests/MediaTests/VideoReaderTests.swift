import Foundation
import XCTest
@testable import Media
import Core

final class VideoReaderTests: XCTestCase {
    func testTwoSecondsAt25FPSResampleLikeFFmpegsFPSFilterTo10And30FPS() throws {
        let url = try temporaryFolder().appendingPathComponent("clip.mp4")
        try SyntheticVideo.write(to: url, width: 176, height: 144, fps: 25, count: 50)

        let native = try readFrames(url, VideoReadOptions(size: 64))
        XCTAssertEqual(native.frames.count, 50)
        for (i, t) in native.times.enumerated() { XCTAssertEqual(t - native.times[0], Double(i) / 25, accuracy: 1e-4) }
        XCTAssertEqual(native.frames.map { SyntheticVideo.sourceIndex(of: $0, candidates: 0..<50) }, Array(0..<50))

        for fps in [10.0, 30.0] {
            let reader = try VideoReader(url: url, options: VideoReadOptions(fps: fps, size: 64))
            XCTAssertEqual(reader.estimatedFrameCount, Int(2 * fps))
            let result = try readFrames(url, VideoReadOptions(fps: fps, size: 64))
            XCTAssertEqual(result.frames.count, Int(2 * fps), "at \(fps) fps")
            for (k, t) in result.times.enumerated() { XCTAssertEqual(t - result.times[0], Double(k) / fps, accuracy: 1e-9) }
            let shown = result.frames.map { SyntheticVideo.sourceIndex(of: $0, candidates: 0..<50) }
            XCTAssertEqual(shown, fpsFilterChoice(sourceTimes: (0..<50).map { Double($0) / 25 }, end: 2, fps: fps, rounding: .near),
                           "at \(fps) fps")
        }
    }

    func testNTSCRateAt720pKeepsTimestampsAndResamples() throws {
        let url = try temporaryFolder().appendingPathComponent("ntsc.mp4")
        let fps = 30000.0 / 1001.0
        try SyntheticVideo.write(to: url, width: 1280, height: 720, fps: fps, count: 30)

        let reader = try VideoReader(url: url, options: VideoReadOptions(size: 32))
        XCTAssertEqual(reader.sourceWidth, 1280)
        XCTAssertEqual(reader.sourceHeight, 720)
        XCTAssertEqual(reader.sourceFrameRate ?? 0, fps, accuracy: 1e-6)
        let native = try readFrames(url, VideoReadOptions(size: 32))
        XCTAssertEqual(native.frames.count, 30)
        for (i, t) in native.times.enumerated() { XCTAssertEqual(t - native.times[0], Double(i) * 1001 / 30000, accuracy: 1e-4) }

        // 30 frames last 1.001 s, which rounds to 10 ticks of 0.1 s.
        let resampled = try readFrames(url, VideoReadOptions(fps: 10, size: 32))
        XCTAssertEqual(resampled.frames.count, 10)
        let shown = resampled.frames.map { SyntheticVideo.sourceIndex(of: $0, candidates: 0..<30) }
        XCTAssertEqual(shown, fpsFilterChoice(sourceTimes: (0..<30).map { Double($0) / fps }, end: 30 / fps, fps: 10, rounding: .near))
    }

    func testMaxFramesStopsEarlyAndCapsTheEstimate() throws {
        let url = try temporaryFolder().appendingPathComponent("clip.mp4")
        try SyntheticVideo.write(to: url, width: 176, height: 144, fps: 25, count: 50)
        let options = VideoReadOptions(fps: 10, size: 32, maxFrames: 7)
        XCTAssertEqual(try VideoReader(url: url, options: options).estimatedFrameCount, 7)
        let result = try readFrames(url, options)
        XCTAssertEqual(result.frames.count, 7)
        XCTAssertEqual(result.frames.map { SyntheticVideo.sourceIndex(of: $0, candidates: 0..<50) }, [1, 3, 6, 8, 11, 13, 16])
    }

    func testForEachFrameCanRunTwice() throws {
        let url = try temporaryFolder().appendingPathComponent("clip.mp4")
        try SyntheticVideo.write(to: url, width: 176, height: 144, fps: 25, count: 10)
        let reader = try VideoReader(url: url, options: VideoReadOptions(size: 16))
        let first = try reader.readAll()
        let second = try reader.readAll()
        XCTAssertEqual(first.count, 10)
        XCTAssertEqual(first, second)
    }

    /// Green centre square between a red left margin and a blue right margin.
    private func marginFrame() -> RGBImage {
        var image = RGBImage(width: 320, height: 160, fill: (0, 200, 0))
        for y in 0..<160 {
            for x in 0..<80 { image.pixels.replaceSubrange(((y * 320 + x) * 3)..<((y * 320 + x) * 3 + 3), with: [220, 0, 0]) }
            for x in 240..<320 { image.pixels.replaceSubrange(((y * 320 + x) * 3)..<((y * 320 + x) * 3 + 3), with: [0, 0, 220]) }
        }
        return image
    }

    private func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
        Array(image.pixels[((y * image.width + x) * 3)..<((y * image.width + x) * 3 + 3)])
    }

    func testCenterCropRemovesSideMarginsAndNoCropKeepsThem() throws {
        let url = try temporaryFolder().appendingPathComponent("margins.png")
        try PNGCodec.write(marginFrame(), to: url)

        let cropped = try VideoReader(url: url, options: VideoReadOptions(size: 64, crop: .center)).readAll()
        XCTAssertEqual(cropped.count, 1)
        XCTAssertEqual(cropped[0].width, 64)
        for y in 0..<64 { for x in 0..<64 { XCTAssertEqual(pixel(cropped[0], x, y), [0, 200, 0], "(\(x), \(y))") } }

        let whole = try VideoReader(url: url, options: VideoReadOptions(size: 64, crop: .none)).readAll()[0]
        for y in 0..<64 {
            XCTAssertEqual(pixel(whole, 2, y), [220, 0, 0])
            XCTAssertEqual(pixel(whole, 13, y), [220, 0, 0])
            XCTAssertEqual(pixel(whole, 32, y), [0, 200, 0])
            XCTAssertEqual(pixel(whole, 50, y), [0, 0, 220])
            XCTAssertEqual(pixel(whole, 61, y), [0, 0, 220])
        }
    }

    func testUpscalingSmallFramesGivesTheRequestedSize() throws {
        let url = try temporaryFolder().appendingPathComponent("small.png")
        try PNGCodec.write(RGBImage(width: 40, height: 30, fill: (10, 120, 230)), to: url)
        let frame = try VideoReader(url: url, options: VideoReadOptions(size: 256)).readAll()[0]
        XCTAssertEqual(frame.width, 256)
        XCTAssertEqual(pixel(frame, 128, 128), [10, 120, 230])
    }
}
