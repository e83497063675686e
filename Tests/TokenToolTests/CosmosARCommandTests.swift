import Foundation
import XCTest
import TokenData

/// `evaluate` and `generate` with a Cosmos AR `model.pt` on v2.0 data, through the binary,
/// against the `cosmos-ar-d64` fixture.
final class CosmosARCommandTests: XCTestCase {
    static let fixture = CLI.fixture("PredictorTests/Fixtures/cosmos-ar-d64")

    /// A flat 1X v2.0 dataset holding the fixture's two clips (34 frames, one segment).
    static func datasetOfFixtureClips(in dir: URL, tokens: Data? = nil) throws -> String {
        let data = dir.appendingPathComponent("val_v2.0")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let video = try tokens ?? Data(contentsOf: URL(fileURLWithPath: fixture + "/tokens_i32.bin"))
        try video.write(to: data.appendingPathComponent("video_0.bin"))
        try Data(count: 34 * 4).write(to: data.appendingPathComponent("segment_idx_0.bin"))
        try Data(#"{"shard_num_frames": 34, "shard_ind": 0}"#.utf8).write(to: data.appendingPathComponent("metadata_0.json"))
        try Data(#"{"num_shards": 1, "hz": 30, "num_images": 34}"#.utf8).write(to: data.appendingPathComponent("metadata.json"))
        return data.path
    }

    func testEvaluateReportsTheReferenceTeacherForcedAndFreeRunningCE() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.datasetOfFixtureClips(in: dir)
        let json = dir.appendingPathComponent("out.json").path
        let r = try CLI.run(["evaluate", "--model", Self.fixture, "--data", data, "--clip", "1", "--free-running", "--json", json])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("free_running_ce      12.2183"), r.stdout)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(report["ce"] as? Double), 11.307315826416016, accuracy: 1e-4)
        XCTAssertEqual(try XCTUnwrap(report["free_running_ce"] as? Double), 12.218324661254883, accuracy: 1e-4)
        XCTAssertEqual(report["examples"] as? Int, 1)
        let clips = try XCTUnwrap(report["clips"] as? [[String: Any]])
        XCTAssertEqual(clips.first?["clip"] as? Int, 1)
        for key in ["accuracy", "seconds_per_frame", "free_running_accuracy"] { XCTAssertNotNil(report[key], key) }
    }

    func testGenerateWritesAV2SampleOfPromptGeneratedAndTruth() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.datasetOfFixtureClips(in: dir)
        let out = dir.appendingPathComponent("sample").path
        let r = try CLI.run(["generate", "--model", Self.fixture + "/model.pt", "--data", data, "--clip", "0", "--temperature", "0", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let sample = try ShardedTokenDatasetV2(path: out)
        XCTAssertEqual(sample.clipCount, 2)
        XCTAssertEqual(sample.frameCount, 34)
        let truth = try ShardedTokenDatasetV2(path: data).clip(0, ofShard: 0)
        let generated = sample.clip(0, ofShard: 0)
        XCTAssertEqual(Array(generated[..<2048]), Array(truth[..<2048]), "latents 0-1 are the true prompt")
        XCTAssertEqual(sample.clip(1, ofShard: 0), truth, "clip 1 is the ground truth")
        // Greedy: latent 2 is the fixture's greedy continuation of clip 0.
        let greedy = try Data(contentsOf: URL(fileURLWithPath: Self.fixture + "/greedy_i32.bin"))
        let expected = (0..<1024).map { i in greedy.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) } }
        XCTAssertEqual(Array(generated[2048...]), expected)
        let metadata = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metadata.json"))) as? [String: Any])
        XCTAssertEqual(metadata["generated_sample"] as? Bool, true)
        XCTAssertEqual(metadata["num_prompt_latents"] as? Int, 2)
        XCTAssertEqual(metadata["num_prompt_frames"] as? Int, 9)
        XCTAssertEqual(metadata["clip"] as? Int, 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no staging folder left behind")
    }

    func testCodesOutsideTheCodebookFailWithTheClipNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var tokens = try Data(contentsOf: URL(fileURLWithPath: Self.fixture + "/tokens_i32.bin"))
        withUnsafeBytes(of: Int32(70000).littleEndian) { tokens.replaceSubrange((3072 * 4 + 40)..<(3072 * 4 + 44), with: $0) }
        let data = try Self.datasetOfFixtureClips(in: dir, tokens: tokens)
        let r = try CLI.run(["evaluate", "--model", Self.fixture, "--data", data, "--clip", "0-1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("clip 1: token 10 is 70000, outside the codes 0 ..< 64000"), r.stderr)
    }
}
