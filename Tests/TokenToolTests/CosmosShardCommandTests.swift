import Foundation
import XCTest
import Core
import TokenData

/// Split Cosmos (1X v2.0) jobs through the binary: `tokenize --shard` with a Cosmos encoder
/// writes v2.0 parts, and `merge` of them is byte for byte the unsplit v2.0 dataset.
final class CosmosShardCommandTests: XCTestCase {
    let fixture = CLI.fixture("CosmosTokenizerTests/Fixtures/cosmos-dv-c24")

    func files(_ dir: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            result[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return result
    }

    /// Uneven units: a folder of 17 frames, a run of two images (one shard, never cut), 9
    /// frames of a video, another folder of 17: one 17-frame clip each to encode.
    var inputs: [String] {
        [fixture + "/frames", fixture + "/frames/frame_03.png", fixture + "/chunk2_frames/frame_05.png",
         CLI.repositoryRoot.appendingPathComponent("Samples/clip.mp4").path, fixture + "/chunk2_frames"]
    }

    func testCosmosTokenizeInTwoThreeAndFivePartsMergesToTheUnsplitV2DatasetByteForByte() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = ["--ckpt", fixture + "/encoder.jit", "--max-frames", "9"]
        let single = dir.appendingPathComponent("single")
        let r = try CLI.run(["tokenize"] + inputs + ["-o", single.path] + settings)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("wrote 45 frames (4 clips of 17 at 30 Hz)"), r.stdout)

        for count in [2, 3, 5] {
            var parts: [String] = []
            for index in 0..<count {
                let part = dir.appendingPathComponent("parts-\(count)/part-\(index)").path
                let t = try CLI.run(["tokenize"] + inputs + ["-o", part, "--shard", "\(index)/\(count)"] + settings)
                XCTAssertEqual(t.status, 0, t.stderr)
                XCTAssertTrue(t.stdout.contains("wrote part \(index)/\(count)"), t.stdout)
                parts.append(part)
            }
            let merged = dir.appendingPathComponent("merged-\(count)")
            let m = try CLI.run(["merge"] + parts.shuffled() + ["-o", merged.path])
            XCTAssertEqual(m.status, 0, m.stderr)
            XCTAssertTrue(m.stdout.contains("wrote 45 frames in 4 segments from \(count) parts"), m.stdout)
            XCTAssertEqual(try files(merged), try files(single), "\(count) parts")
        }
        // The folders' shards hold the fixture's PyTorch codes (frames, then chunk2_frames).
        let golden = try Data(contentsOf: URL(fileURLWithPath: fixture + "/tokens_2chunks_i32.bin"))
        let single0 = try Data(contentsOf: single.appendingPathComponent("video_0.bin"))
        let single3 = try Data(contentsOf: single.appendingPathComponent("video_3.bin"))
        XCTAssertEqual(single0 + single3, golden)
        let manifests = try (0..<5).map { index in
            try JSONDecoder().decode(PartManifest.self, from: Data(contentsOf: dir.appendingPathComponent("parts-5/part-\(index)/\(PartManifest.fileName)")))
        }
        XCTAssertEqual(manifests.map(\.datasetFormat), Array(repeating: .v2_0, count: 5))
        XCTAssertEqual(manifests.map { $0.inputs.map(\.index) }.filter { !$0.isEmpty }, [[0], [1, 2], [3], [4]])
        XCTAssertEqual(manifests.map(\.frames).filter { $0 > 0 }, [17, 2, 9, 17])
        XCTAssertEqual(manifests[0].settings["tokenizer"], .string("cosmos-dv8x8x8"))
        XCTAssertEqual(manifests[0].checkpoint.sha256, try SHA256.hex(ofFile: fixture + "/encoder.jit"))
    }

    func testCosmosPartRerunIsSkippedAndMergeRefusesAPartOfAnotherJob() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let short = [fixture + "/frames/frame_00.png", fixture + "/frames/frame_01.png", fixture + "/chunk2_frames"]
        let settings = ["--ckpt", fixture, "--max-frames", "3"]
        let parts = (0..<2).map { dir.appendingPathComponent("parts/part-\($0)").path }
        for (index, part) in parts.enumerated() {
            let t = try CLI.run(["tokenize"] + short + ["-o", part, "--shard", "\(index)/2"] + settings)
            XCTAssertEqual(t.status, 0, t.stderr)
        }
        let finished = try files(URL(fileURLWithPath: parts[0]))
        let again = try CLI.run(["tokenize"] + short + ["-o", parts[0], "--shard", "0/2"] + settings)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("part 0/2 already complete"), again.stdout)
        XCTAssertEqual(try files(URL(fileURLWithPath: parts[0])), finished)

        // Part 1 of a job with another frame limit: merge names both parts and the field.
        let other = dir.appendingPathComponent("other-1").path
        XCTAssertEqual(try CLI.run(["tokenize"] + short + ["-o", other, "--shard", "1/2", "--ckpt", fixture, "--max-frames", "2"]).status, 0)
        let refused = try CLI.run(["merge", parts[0], other, "-o", dir.appendingPathComponent("merged").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(other) && refused.stderr.contains(parts[0]) && refused.stderr.contains("settings"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("merged").path))
    }
}
