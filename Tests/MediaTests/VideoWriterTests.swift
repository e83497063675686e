import Foundation
import XCTest
@testable import Media
import Core

final class VideoWriterTests: XCTestCase {
    private let size = 128

    private func clip(_ count: Int) -> [RGBImage] {
        (0..<count).map { SyntheticVideo.frame($0, width: size, height: size) }
    }

    func testMP4DecodesBackToTheSameFramesWithinLossyTolerance() throws {
        let url = try temporaryFolder().appendingPathComponent("clip.mp4")
        let frames = clip(12)
        try writeVideo(frames: frames, to: url, fps: 10)
        let back = try readFrames(url, VideoReadOptions(size: size, crop: .none))
        XCTAssertEqual(back.frames.count, 12)
        for (i, t) in back.times.enumerated() { XCTAssertEqual(t - back.times[0], Double(i) / 10, accuracy: 1e-4) }
        let errors = zip(frames, back.frames).map { meanAbsoluteError($0, $1) }
        print("MP4 mean abs error per frame: max \(errors.max()!)")
        XCTAssertLessThan(errors.max()!, 10)
        XCTAssertEqual(try folderContents(url.deletingLastPathComponent()), ["clip.mp4"])
    }

    func testMP4UsesH264WhenLibx264IsPresent() throws {
        let url = try temporaryFolder().appendingPathComponent("clip.mp4")
        let writer = try MP4Writer(url: url, width: 64, height: 64, fps: 25)
        XCTAssertTrue(["libx264", "mpeg4"].contains(writer.encoderName))
        try writer.append(RGBImage(width: 64, height: 64, fill: (1, 2, 3)))
        try writer.finish()
        let data = try Data(contentsOf: url)
        // Codec box: avc1 for H.264, mp4v for MPEG-4 Part 2.
        let tag = writer.encoderName == "libx264" ? "avc1" : "mp4v"
        XCTAssertNotNil(data.range(of: Data(tag.utf8)))
    }

    func testOddSizedMP4IsPaddedToEvenSize() throws {
        let url = try temporaryFolder().appendingPathComponent("odd.mp4")
        try writeVideo(frames: [RGBImage(width: 175, height: 143, fill: (200, 50, 50))], to: url, fps: 25)
        let reader = try VideoReader(url: url)
        XCTAssertEqual(reader.sourceWidth, 176)
        XCTAssertEqual(reader.sourceHeight, 144)
    }

    func testGIFDecodesBackWithItsFrameCountDelaysAndColours() throws {
        let url = try temporaryFolder().appendingPathComponent("clip.gif")
        let frames = clip(10)
        try writeVideo(frames: frames, to: url, fps: 2)
        let back = try readFrames(url, VideoReadOptions(size: size, crop: .none))
        XCTAssertEqual(back.frames.count, 10)
        for (i, t) in back.times.enumerated() { XCTAssertEqual(t - back.times[0], Double(i) / 2, accuracy: 0.011) }
        let errors = zip(frames, back.frames).map { meanAbsoluteError($0, $1) }
        print("GIF mean abs error per frame: max \(errors.max()!)")
        XCTAssertLessThan(errors.max()!, 10)
        let data = try Data(contentsOf: url)
        XCTAssertEqual(String(decoding: data.prefix(6), as: UTF8.self), "GIF89a")
        XCTAssertNotNil(data.range(of: Data("NETSCAPE2.0".utf8)), "loop extension")
    }

    func testSingleImageGoesToPNG() throws {
        let url = try temporaryFolder().appendingPathComponent("one.png")
        let image = noiseImage(width: 256, height: 256, seed: 3)
        try writeVideo(frames: [image], to: url, fps: 2)
        XCTAssertEqual(try PNGCodec.read(from: url), image)
        XCTAssertThrowsError(try writeVideo(frames: [image, image], to: url.deletingLastPathComponent().appendingPathComponent("two.png"), fps: 2))
    }
}
