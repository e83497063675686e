import Foundation
import XCTest
import Media
import Core

/// Video in and out through the binary: tokenize, append (and its atomicity), decode to
/// GIF/MP4, compare. Inputs are synthetic clips made with the project's own writer.
final class VideoCommandTests: XCTestCase {
    let checkpoint = CLI.fixture("MagvitCodecTests/Fixtures/magvit2-b32-r1/magvit2_test.ckpt")

    /// A moving gradient, `seconds` long at `fps`.
    func makeClip(_ url: URL, width: Int = 176, height: Int = 144, fps: Double = 25, seconds: Double = 2) throws {
        let frames = (0..<Int(fps * seconds)).map { k -> RGBImage in
            var p = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    p[i] = UInt8((x + 4 * k) & 255); p[i + 1] = UInt8((y * 2) & 255); p[i + 2] = UInt8((x + y + 8 * k) & 255)
                }
            }
            return RGBImage(width: width, height: height, pixels: p)
        }
        try writeVideo(frames: frames, to: url, fps: fps)
    }

    func directoryBytes(_ dir: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        }
        return result
    }

    func testTokenizeResamplesByTimeAndMakesOneSegmentPerVideo() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = dir.appendingPathComponent("a.mp4")
        try makeClip(clip)
        let data = dir.appendingPathComponent("d").path
        let r = try CLI.run(["tokenize", clip.path, clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let segments = try Data(contentsOf: URL(fileURLWithPath: data + "/segment_ids.bin"))
            .withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        XCTAssertEqual(segments, [Int32](repeating: 0, count: 10) + [Int32](repeating: 1, count: 10))
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data + "/metadata.json"))) as? [String: Any]
        XCTAssertEqual(metadata?["hz"] as? Int, 5)
        XCTAssertEqual(metadata?["num_images"] as? Int, 20)

        let append = try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "5", "--append"])
        XCTAssertEqual(append.status, 0, append.stderr)
        let after = try Data(contentsOf: URL(fileURLWithPath: data + "/segment_ids.bin")).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        XCTAssertEqual(after.count, 30)
        XCTAssertEqual(after.last, 2)
    }

    func testFailedOrInterruptedAppendLeavesTheDatasetAsItWas() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = dir.appendingPathComponent("a.mp4")
        try makeClip(clip, seconds: 1)
        let data = dir.appendingPathComponent("d").path
        // At the rate the appends below use: --append refuses another rate.
        XCTAssertEqual(try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "25"]).status, 0)
        let before = try directoryBytes(data)

        let corrupt = dir.appendingPathComponent("corrupt.mp4")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }).write(to: corrupt)
        let failed = try CLI.run(["tokenize", clip.path, corrupt.path, "-o", data, "--ckpt", checkpoint, "--fps", "25", "--append"])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("corrupt.mp4"), failed.stderr)
        XCTAssertEqual(try directoryBytes(data), before)

        // Killed while appending a long clip: nothing of it may show. (300 frames take ~20 s
        // here, so even a much faster machine is still working when the signal comes.)
        let long = dir.appendingPathComponent("long.mp4")
        try makeClip(long, seconds: 12)
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["tokenize", long.path, "-o", data, "--ckpt", checkpoint, "--fps", "25", "--append", "--batch", "1"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(try directoryBytes(data), before)
        XCTAssertEqual(process.terminationStatus, 128 + SIGTERM)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "scratch files left after the kill")
    }

    func testDecodeToGIFAndMP4AndCompareRenderTheRightFrameCounts() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = dir.appendingPathComponent("a.mp4")
        try makeClip(clip, width: 320, height: 240, seconds: 2)
        let data = dir.appendingPathComponent("d").path
        XCTAssertEqual(try CLI.run(["tokenize", clip.path, "-o", data, "--ckpt", checkpoint, "--fps", "10"]).status, 0)
        for ext in ["gif", "mp4"] {
            let out = dir.appendingPathComponent("out.\(ext)")
            let r = try CLI.run(["decode", data, "-o", out.path, "--ckpt", checkpoint, "--max-frames", "6"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let frames = try VideoReader(url: out).readAll()
            XCTAssertEqual(frames.count, 6, ext)
        }
        let png = dir.appendingPathComponent("cmp.png")
        let c = try CLI.run(["compare", "--pair", data, "--stride", "1", "-o", png.path, "--ckpt", checkpoint])
        XCTAssertEqual(c.status, 0, c.stderr)
        let comic = try PNGCodec.read(from: png)
        let size = ComparisonRenderer().comicSize(promptCount: 9, futureCount: 8, frameWidth: 256, frameHeight: 256)
        XCTAssertEqual(comic.width, size.width)
        XCTAssertEqual(comic.height, size.height)

        let bad = try CLI.run(["decode", data, "-o", dir.appendingPathComponent("out.avi").path, "--ckpt", checkpoint])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.avi").path))
    }
}
