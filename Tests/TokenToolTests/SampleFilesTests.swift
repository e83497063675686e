import Foundation
import MagvitCodec
import XCTest
import TokenData
import Media

/// The embedded default in Samples/: the shipped codec loads and reconstructs the shipped clip,
/// and `tokentool demo` runs end to end on it.
final class SampleFilesTests: XCTestCase {
    let samples = CLI.repositoryRoot.appendingPathComponent("Samples")

    /// Held-out PSNR of the shipped codec on every frame of the shipped clip (never seen in
    /// training), through the quantizer. The shipped file measures 20.4 dB (PyTorch and this
    /// codec agree); the floor sits a little under it (see Samples/magvit2-small.json).
    static let psnrFloor = 20.0

    func testShippedCheckpointReconstructsTheShippedClipAboveTheFloor() throws {
        let codec = try Codec(path: samples.appendingPathComponent("magvit2-small.ckpt").path)
        XCTAssertEqual(codec.config.baseChannels, 32)
        let frames = try VideoReader(url: samples.appendingPathComponent("clip.mp4")).readAll()
        XCTAssertGreaterThanOrEqual(frames.count, 40)
        var squaredError = 0.0, count = 0
        for start in stride(from: 0, to: frames.count, by: 8) {
            let batch = Array(frames[start..<min(start + 8, frames.count)])
            let decoded = try codec.decodeImages(tokens: codec.encode(images: batch).tokens)
            for (a, b) in zip(batch, decoded) {
                for (x, y) in zip(a.pixels, b.pixels) {
                    let d = Double(x) - Double(y)
                    squaredError += d * d
                }
                count += a.pixels.count
            }
        }
        let psnr = 10 * log10(255 * 255 / (squaredError / Double(count)))
        print(String(format: "shipped codec on the shipped clip: PSNR %.2f dB over %d frames", psnr, frames.count))
        XCTAssertGreaterThanOrEqual(psnr, Self.psnrFloor)
    }

    func testDemoRunsEndToEndAndWritesEveryOutput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Fewer frames than the default keeps the test short; the steps are the same.
        let r = try CLI.run(["demo", "-o", dir.path, "--prompt-frames", "4", "--frames", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["comparison.gif", "comparison.mp4", "comparison.png", "tokens/video.bin", "generated/metadata.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
        }
        XCTAssertTrue(r.stdout.contains("context"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ce "), r.stdout)
        let gif = try VideoReader(url: dir.appendingPathComponent("comparison.gif")).readAll()
        XCTAssertEqual(gif.count, 7)
        let sample = try GeneratedSample.read(from: dir.appendingPathComponent("generated"))
        XCTAssertEqual(sample.prompt.count, 4)
        XCTAssertEqual(sample.predicted.count, 3)
    }
}
