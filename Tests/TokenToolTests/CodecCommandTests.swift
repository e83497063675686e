import Foundation
import XCTest

/// The codec commands end to end, through the built binary, on the b32 fixture.
final class CodecCommandTests: XCTestCase {
    let fixture = CLI.fixture("MagvitCodecTests/Fixtures/magvit2-b32-r1")
    var checkpoint: String { fixture + "/magvit2_test.ckpt" }

    func testInspectReportsInferredArchitectureAndPlainWeights() throws {
        let r = try CLI.run(["inspect", checkpoint])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("PyTorch zip"))
        XCTAssertTrue(r.stdout.contains("base 32, multipliers [1, 1, 2, 2, 4]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("encoder.* / decoder.*"), r.stdout)
        let ema = try CLI.run(["inspect", checkpoint, "--ema"])
        XCTAssertTrue(ema.stdout.contains("model_ema.*"), ema.stdout)
    }

    func testTokenizeOf256PNGsGivesTheReferenceTokensAndDecodeGivesTheReferenceBytes() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dataset = dir.appendingPathComponent("d").path
        let t = try CLI.run(["tokenize", fixture + "/frame_000.png", fixture + "/frame_001.png", "-o", dataset, "--ckpt", checkpoint])
        XCTAssertEqual(t.status, 0, t.stderr)
        let tokens = try Data(contentsOf: URL(fileURLWithPath: dataset + "/video.bin"))
        let reference = try Data(contentsOf: URL(fileURLWithPath: fixture + "/tokens_u32.bin"))
        let words = { (d: Data) in d.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) } }
        let equal = zip(words(tokens), words(reference)).filter { $0 == $1 }.count
        XCTAssertEqual(tokens.count, reference.count)
        XCTAssertGreaterThanOrEqual(Double(equal) / Double(reference.count / 4), 0.995)
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dataset + "/metadata.json"))) as? [String: Any]
        XCTAssertEqual(metadata?["tokenizer_ckpt"] as? String, checkpoint)
        XCTAssertEqual(metadata?["num_images"] as? Int, 2)

        let rgb = dir.appendingPathComponent("out.rgb").path
        let d = try CLI.run(["decode", dataset, "-o", rgb, "--ckpt", checkpoint])
        XCTAssertEqual(d.status, 0, d.stderr)
        let got = try Data(contentsOf: URL(fileURLWithPath: rgb))
        let want = try Data(contentsOf: URL(fileURLWithPath: fixture + "/decoded_u8.bin"))
        XCTAssertEqual(got.count, want.count)
        let close = zip(got, want).filter { abs(Int($0) - Int($1)) <= 1 }.count
        XCTAssertGreaterThanOrEqual(Double(close) / Double(want.count), 0.999)

        let pngs = dir.appendingPathComponent("frames").path
        let p = try CLI.run(["decode", dataset, "-o", pngs, "--ckpt", checkpoint, "--max-frames", "1"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: pngs), ["frame_000000.png"])
    }

    func testBrokenCheckpointsFailWithOneLineNamingTheFileAndLeaveNoOutput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let broken = CLI.fixture("CheckpointsTests/Fixtures/checkpoints")
        let cases: [(file: String, says: String)] = [
            (dir.appendingPathComponent("missing.ckpt").path, "no such file"),
            (broken + "/random.bin", "not a checkpoint"),
            (broken + "/truncated_zip.pt", "truncated"),
            (broken + "/disallowed_global.pt", "system"),
            (broken + "/zip_all.pt", "encoder.conv_in.weight"),
        ]
        for (n, c) in cases.enumerated() {
            let out = dir.appendingPathComponent("out\(n)").path
            let r = try CLI.run(["tokenize", fixture + "/frame_000.png", "-o", out, "--ckpt", c.file])
            XCTAssertNotEqual(r.status, 0, c.file)
            let message = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            XCTAssertEqual(message.count, 1, r.stderr)
            XCTAssertTrue(message.first?.contains((c.file as NSString).lastPathComponent) ?? false, r.stderr)
            XCTAssertTrue(r.stderr.lowercased().contains(c.says), "\(c.file): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "partial output left for \(c.file)")
        }
    }

    func testBadDatasetMetadataAndOutOfRangeTokensAreRejected() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dataset = dir.appendingPathComponent("d")
        try FileManager.default.createDirectory(at: dataset, withIntermediateDirectories: true)
        var tokens = [UInt32](repeating: 7, count: 256)
        tokens[5] = 262_144
        try tokens.withUnsafeBytes { try Data($0).write(to: dataset.appendingPathComponent("video.bin")) }
        try Data(count: 4).write(to: dataset.appendingPathComponent("segment_ids.bin"))
        try Data("{\"token_dtype\": \"uint32\", \"h\": 16}".utf8).write(to: dataset.appendingPathComponent("metadata.json"))
        let out = dir.appendingPathComponent("x.rgb").path
        let bad = try CLI.run(["decode", dataset.path, "-o", out, "--ckpt", checkpoint])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("metadata.json"), bad.stderr)

        let metadata = #"{"token_dtype": "uint32", "s": 16, "h": 16, "w": 16, "vocab_size": 262144, "hz": 30, "tokenizer_ckpt": "x", "num_images": 1}"#
        try Data(metadata.utf8).write(to: dataset.appendingPathComponent("metadata.json"))
        let range = try CLI.run(["decode", dataset.path, "-o", out, "--ckpt", checkpoint])
        XCTAssertNotEqual(range.status, 0)
        XCTAssertTrue(range.stderr.contains("262144"), range.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
