import Foundation
import XCTest

/// The 1X v2.0 (Cosmos DV8x8x8) side of the commands, through the built binary, on the
/// cosmos-dv-c24 fixture.
final class CosmosCommandTests: XCTestCase {
    let fixture = CLI.fixture("CosmosTokenizerTests/Fixtures/cosmos-dv-c24")
    var encoder: String { fixture + "/encoder.jit" }

    private func framePaths(_ folder: String) -> [String] {
        (0..<17).map { fixture + String(format: "/%@/frame_%02d.png", folder, $0) }
    }

    private func int32s(_ path: String) throws -> [Int32] {
        try Data(contentsOf: URL(fileURLWithPath: path)).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
    }

    private func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    func testTokenizeWithACosmosEncoderWritesTheFixtureCodesAsAV2DatasetAndAppendAddsAShard() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dataset = dir.appendingPathComponent("v2").path
        let t = try CLI.run(["tokenize"] + framePaths("frames") + framePaths("chunk2_frames") + ["-o", dataset, "--ckpt", encoder])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(try int32s(dataset + "/video_0.bin"), try int32s(fixture + "/tokens_2chunks_i32.bin"))
        XCTAssertEqual(try int32s(dataset + "/segment_idx_0.bin"), [Int32](repeating: 0, count: 34))
        XCTAssertEqual(try json(dataset + "/metadata.json") as NSDictionary, ["num_shards": 1, "hz": 30, "num_images": 34])
        XCTAssertEqual(try json(dataset + "/metadata_0.json") as NSDictionary, ["shard_num_frames": 34, "shard_ind": 0])

        // 5 more frames: a shard of one clip, padded with its last frame, 5 real frames recorded.
        let a = try CLI.run(["tokenize"] + Array(framePaths("frames").prefix(5)) + ["-o", dataset, "--ckpt", encoder, "--append"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(try json(dataset + "/metadata.json") as NSDictionary, ["num_shards": 2, "hz": 30, "num_images": 39])
        XCTAssertEqual(try json(dataset + "/metadata_1.json") as NSDictionary, ["shard_num_frames": 5, "shard_ind": 1])
        XCTAssertEqual(try int32s(dataset + "/video_1.bin").count, 3 * 32 * 32)
        XCTAssertEqual(try int32s(dataset + "/segment_idx_1.bin"), [Int32](repeating: 1, count: 5))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])

        let i = try CLI.run(["inspect", dataset])
        XCTAssertEqual(i.status, 0, i.stderr)
    }

    func testDecodeOfTheFixtureV2DatasetGivesItsFramesAndClipSelection() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rgb = dir.appendingPathComponent("all.rgb").path
        let d = try CLI.run(["decode", fixture + "/v2_dataset", "-o", rgb, "--ckpt", fixture])
        XCTAssertEqual(d.status, 0, d.stderr)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: rgb))
        let frame = 256 * 256 * 3
        XCTAssertEqual(bytes.count, 34 * frame)
        let pngs = dir.appendingPathComponent("clip1").path
        let p = try CLI.run(["decode", fixture + "/v2_dataset", "-o", pngs, "--ckpt", fixture + "/decoder.jit", "--clip", "1"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: pngs).count, 17)
        let bad = try CLI.run(["decode", fixture + "/v2_dataset", "-o", pngs + "x", "--ckpt", fixture, "--clip", "2"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("past the end"), bad.stderr)
    }

    func testCompareRendersAV2PairAndAGeneratedSampleSideBySideAndInSequence() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A generated-sample directory as `generate` writes it: clip 0 generated side, clip 1 truth.
        let sample = dir.appendingPathComponent("sample")
        try FileManager.default.createDirectory(at: sample, withIntermediateDirectories: true)
        let tokens = try Data(contentsOf: URL(fileURLWithPath: fixture + "/tokens_2chunks_i32.bin"))
        try tokens.write(to: sample.appendingPathComponent("video_0.bin"))
        try Data(count: 34 * 4).write(to: sample.appendingPathComponent("segment_idx_0.bin"))
        try Data(#"{"shard_num_frames": 34, "shard_ind": 0}"#.utf8).write(to: sample.appendingPathComponent("metadata_0.json"))
        try Data(#"{"num_shards": 1, "hz": 30, "num_images": 34, "generated_sample": true, "num_prompt_latents": 2, "num_prompt_frames": 9}"#.utf8)
            .write(to: sample.appendingPathComponent("metadata.json"))

        let comic = dir.appendingPathComponent("sample.png").path
        let c = try CLI.run(["compare", sample.path, "-o", comic, "--ckpt", fixture])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: comic))

        let sequential = dir.appendingPathComponent("sequential.gif").path
        let s = try CLI.run(["compare", sample.path, "-o", sequential, "--ckpt", fixture, "--layout", "sequential"])
        XCTAssertEqual(s.status, 0, s.stderr)

        let pair = dir.appendingPathComponent("pair.gif").path
        let p = try CLI.run(["compare", "--pair", fixture + "/v2_dataset", "--clip", "1", "-o", pair, "--ckpt", fixture])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pair))
    }

    func testBadV2InputsFailWithOneLineNamingTheFileAndLeaveNoOutput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("v2")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture + "/v2_dataset"), to: copy)
        let out = dir.appendingPathComponent("out.rgb").path

        // A code outside 0 ..< 64000.
        var video = try Data(contentsOf: copy.appendingPathComponent("video_0.bin"))
        withUnsafeBytes(of: Int32(64_000).littleEndian) { video.replaceSubrange(8..<12, with: $0) }
        try video.write(to: copy.appendingPathComponent("video_0.bin"))
        let range = try CLI.run(["decode", copy.path, "-o", out, "--ckpt", fixture])
        XCTAssertNotEqual(range.status, 0)
        XCTAssertTrue(range.stderr.contains("code 64000 is outside 0 ..< 64000"), range.stderr)

        // A shard that is not a whole number of clips.
        try video.prefix(video.count - 4).write(to: copy.appendingPathComponent("video_0.bin"))
        let size = try CLI.run(["decode", copy.path, "-o", out, "--ckpt", fixture])
        XCTAssertNotEqual(size.status, 0)
        XCTAssertTrue(size.stderr.contains("video_0.bin"), size.stderr)

        // Top metadata that disagrees with the shards.
        try video.write(to: copy.appendingPathComponent("video_0.bin"))
        try Data(#"{"num_shards": 1, "hz": 30, "num_images": 40}"#.utf8).write(to: copy.appendingPathComponent("metadata.json"))
        let metadata = try CLI.run(["decode", copy.path, "-o", out, "--ckpt", fixture])
        XCTAssertNotEqual(metadata.status, 0)
        XCTAssertTrue(metadata.stderr.contains("metadata.json: num_images is 40"), metadata.stderr)

        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testInspectListsATorchScriptArchivesTensorsAndArchitecture() throws {
        let r = try CLI.run(["inspect", encoder])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("TorchScript"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Cosmos DV8x8x8, channels 24, levels [48, 96, 96], 2 res blocks"), r.stdout)
        XCTAssertTrue(r.stdout.contains("encoder.conv_in.0.conv3d.weight bf16 [24, 192, 1, 3, 3]"), r.stdout)
        let folder = try CLI.run(["inspect", fixture])
        XCTAssertEqual(folder.status, 0, folder.stderr)
        XCTAssertTrue(folder.stdout.contains("decoder.conv_out.1.conv3d.weight"), folder.stdout)
    }
}
