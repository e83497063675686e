import Foundation
import XCTest
import TestSupport
@testable import Core
@testable import TokenData

/// Split jobs put back together: shard arithmetic, part manifests, and merges of v1.1 and v2.0
/// parts that must equal, byte for byte, the dataset one unsplit writer makes.
final class DatasetPartsTests: XCTestCase {
    // MARK: - SHA-256 and shard arithmetic

    func testSHA256MatchesTheFIPSVectorsAndSha256sum() throws {
        XCTAssertEqual(SHA256.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Fed in uneven pieces, so the block carry-over is exercised.
        var hasher = SHA256()
        var left = 1_000_000
        var piece = 1
        while left > 0 {
            hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: min(piece, left)))
            left -= min(piece, left)
            piece = piece * 3 % 1000 + 1
        }
        XCTAssertEqual(hasher.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // `sha256sum Tests/MagvitCodecTests/Fixtures/magvit2-b32-r1/magvit2_test.ckpt`
        let checkpoint = fixtureURL("magvit2-b32-r1/magvit2_test.ckpt").path
        XCTAssertEqual(try SHA256.hex(ofFile: checkpoint), "558c016ebfd55f93932e1dac861c7bbc1b25f4ced64279852f388c8ff5380351")
    }

    func testShardSpecParsesIndexOverCountAndReadsSlurmAndKubernetesEnvironments() throws {
        XCTAssertEqual(try ShardSpec(parsing: "3/100"), try ShardSpec(index: 3, count: 100))
        for bad in ["3", "3/3", "-1/3", "a/b", "1/0", "1/2/3"] {
            XCTAssertThrowsError(try ShardSpec(parsing: bad), bad)
        }
        let slurm = ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "10"]
        XCTAssertEqual(try ShardSpec.fromEnvironment(slurm, count: nil), try ShardSpec(index: 7, count: 10))
        XCTAssertEqual(try ShardSpec.fromEnvironment(slurm, count: 100), try ShardSpec(index: 7, count: 100))
        XCTAssertEqual(try ShardSpec.fromEnvironment(["JOB_COMPLETION_INDEX": "4"], count: 5), try ShardSpec(index: 4, count: 5))
        XCTAssertThrowsError(try ShardSpec.fromEnvironment(["JOB_COMPLETION_INDEX": "4"], count: nil))
        XCTAssertThrowsError(try ShardSpec.fromEnvironment(["JOB_COMPLETION_INDEX": "5"], count: 5))
        XCTAssertThrowsError(try ShardSpec.fromEnvironment([:], count: 5))
    }

    func testBalancedRangesKeepOrderCoverEveryItemAndBalanceFrames() throws {
        let costs = [900, 30, 30, 30, 300, 300, 300, 5, 5, 1200, 60]
        for parts in 1...12 {
            let ranges = ShardSpec.balancedRanges(costs: costs, count: parts)
            XCTAssertEqual(ranges.count, parts)
            XCTAssertEqual(ranges.flatMap { Array($0) }, Array(costs.indices), "\(parts) parts")
        }
        // Three parts of a 3,160-frame job (1,053 each would be even; whole items cannot split).
        let three = ShardSpec.balancedRanges(costs: costs, count: 3)
        XCTAssertEqual(three, [0..<4, 4..<9, 9..<11])
        XCTAssertEqual(three.map { $0.map { costs[$0] }.reduce(0, +) }, [990, 910, 1260])
        XCTAssertEqual(ShardSpec.balancedRanges(costs: [0, 0, 0, 0], count: 2), [0..<2, 2..<4])
        XCTAssertEqual(try ShardSpec(index: 2, count: 3).range(of: 10), 6..<10)
        XCTAssertEqual((0..<3).map { try! ShardSpec(index: $0, count: 3).range(of: 2).count }, [0, 1, 1])
    }

    // MARK: - v1.1

    /// Segments of 3, 1, 7, 2, 5, 1, 4 frames: uneven on purpose.
    private let segmentLengths = [3, 1, 7, 2, 5, 1, 4]

    private func segmentFrames(_ segment: Int) -> [[UInt32]] {
        let first = segmentLengths.prefix(segment).reduce(0, +)
        return (first ..< first + segmentLengths[segment]).map { datasetTestFrame($0) }
    }

    /// What one writer makes of all segments: the unsplit run.
    private func writeWhole(to url: URL) throws {
        let writer = try TokenDatasetWriter.create(at: url, hz: 30, tokenizerCheckpoint: "data/magvit2.ckpt")
        for s in segmentLengths.indices {
            writer.beginSegment()
            for frame in segmentFrames(s) { try writer.add(frame: frame) }
        }
        try writer.commit()
    }

    private func manifest(_ shard: ShardSpec, inputs: Range<Int>, frames: Int, checkpointHash: String = "aa",
                          settings: [String: JSONValue] = ["fps": .int(30)], format: PartManifest.DatasetFormat = .v1_1,
                          frameCounts: [Int]? = nil) -> PartManifest {
        PartManifest(
            datasetFormat: format, toolVersion: "test", shard: shard, jobInputs: segmentLengths.indices.map { "clip\($0).mp4" },
            inputs: inputs.map { PartManifest.Input(index: $0, path: "clip\($0).mp4", frames: (frameCounts ?? segmentLengths)[$0]) },
            settings: settings, checkpoint: .init(path: "data/magvit2.ckpt", sha256: checkpointHash, bytes: 1),
            frames: frames, segments: inputs.count)
    }

    /// Part `index` of `count` written as tokenize --shard writes it: a dataset staged, then sealed.
    @discardableResult
    private func writeV1Part(_ index: Int, of count: Int, in folder: URL, checkpointHash: String = "aa") throws -> URL {
        let shard = try ShardSpec(index: index, count: count)
        let inputs = ShardSpec.balancedRanges(costs: segmentLengths, count: count)[index]
        let target = folder.appendingPathComponent("part-\(index)")
        let staging = try DatasetParts.stagingDirectory(for: target)
        let writer = try TokenDatasetWriter.create(at: staging, hz: 30, tokenizerCheckpoint: "data/magvit2.ckpt")
        for s in inputs {
            writer.beginSegment()
            for frame in segmentFrames(s) { try writer.add(frame: frame) }
        }
        try writer.commit()
        let frames = inputs.map { segmentLengths[$0] }.reduce(0, +)
        try DatasetParts.seal(staging, manifest: manifest(shard, inputs: inputs, frames: frames, checkpointHash: checkpointHash), at: target)
        return target
    }

    func testV1PartsOfTwoThreeAndFiveMergeToTheUnsplitDatasetByteForByte() throws {
        let folder = try makeScratchDirectory(self)
        let whole = folder.appendingPathComponent("whole")
        try writeWhole(to: whole)
        for count in [2, 3, 5, 9] {  // 9 parts for 7 inputs: two parts are empty
            let parts = folder.appendingPathComponent("parts-\(count)")
            let urls = try (0..<count).map { try writeV1Part($0, of: count, in: parts) }
            let merged = folder.appendingPathComponent("merged-\(count)")
            let result = try DatasetParts.merge(parts: urls.reversed(), into: merged)  // order given does not matter
            XCTAssertEqual(result.frames, 23)
            XCTAssertEqual(result.segments, 7)
            XCTAssertEqual(try snapshot(merged), try snapshot(whole), "\(count) parts")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }, [])
        }
    }

    func testMergeRefusesPartsOfDifferentCheckpointsNamingBothParts() throws {
        let folder = try makeScratchDirectory(self)
        let first = try writeV1Part(0, of: 2, in: folder)
        let second = try writeV1Part(1, of: 2, in: folder, checkpointHash: "bb")
        let merged = folder.appendingPathComponent("merged")
        do {
            _ = try DatasetParts.merge(parts: [first, second], into: merged)
            XCTFail("merged parts of different checkpoints")
        } catch let error as PartError {
            XCTAssertEqual(error.file, second.path)
            XCTAssertTrue(error.description.contains("checkpoint sha256 bb differs from aa in \(first.path)"), error.description)
            XCTAssertFalse(error.description.contains("\n"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: merged.path))
    }

    func testMergeRefusesMissingDuplicateAndUnfinishedParts() throws {
        let folder = try makeScratchDirectory(self)
        let parts = try (0..<3).map { try writeV1Part($0, of: 3, in: folder) }
        let merged = folder.appendingPathComponent("merged")
        func refusal(_ urls: [URL]) -> PartError? {
            do { _ = try DatasetParts.merge(parts: urls, into: merged); return nil } catch { return error as? PartError }
        }
        func refused(_ urls: [URL]) -> Bool {
            do { _ = try DatasetParts.merge(parts: urls, into: merged); return false } catch { return true }
        }
        XCTAssertEqual(refusal([parts[0], parts[2]])?.problem, .missingShards([1], count: 3))
        XCTAssertEqual(refusal([parts[0], parts[1], parts[2], parts[1]])?.problem, .duplicateShard(index: 1, other: parts[1].path))

        // A task killed before sealing leaves only its hidden staging directory: no part there.
        let killed = folder.appendingPathComponent("part-killed")
        let staging = try DatasetParts.stagingDirectory(for: killed)
        try TokenDatasetWriter.create(at: staging, hz: 30, tokenizerCheckpoint: "data/magvit2.ckpt").commit()
        XCTAssertEqual(refusal([parts[0], killed, parts[2]])?.file, killed.path)
        XCTAssertEqual(refusal([parts[0], staging, parts[2]])?.problem,
                       .notAPart("no \(PartManifest.fileName): not a finished part of a split job"))
        DatasetParts.removeStaleStaging(for: killed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging.path))

        // A manifest not marked complete, and a dataset cut short, are refused too.
        let manifestURL = parts[1].appendingPathComponent(PartManifest.fileName)
        let original = try Data(contentsOf: manifestURL)
        var unfinished = try JSONDecoder().decode(PartManifest.self, from: original)
        unfinished.complete = false
        try unfinished.jsonData().write(to: manifestURL)
        XCTAssertEqual(refusal(parts)?.problem, .incomplete)
        try original.write(to: manifestURL)
        let ids = parts[1].appendingPathComponent(TokenDataset.segmentIDsFile)
        try Data(try Data(contentsOf: ids).dropLast(4)).write(to: ids)
        XCTAssertTrue(refused(parts))
        XCTAssertFalse(FileManager.default.fileExists(atPath: merged.path))
    }

    func testMergeRefusesDifferentSettingsAndOverwritingWithoutReplace() throws {
        let folder = try makeScratchDirectory(self)
        let first = try writeV1Part(0, of: 2, in: folder)
        let second = try writeV1Part(1, of: 2, in: folder)
        let url = second.appendingPathComponent(PartManifest.fileName)
        var changed = try JSONDecoder().decode(PartManifest.self, from: Data(contentsOf: url))
        changed.settings["fps"] = .int(10)
        try changed.jsonData().write(to: url)
        assertPartError(second.path, "settings {\"fps\": 10} differs from {\"fps\": 30} in \(first.path)") {
            _ = try DatasetParts.merge(parts: [first, second], into: folder.appendingPathComponent("merged"))
        }
        changed.settings["fps"] = .int(30)
        try changed.jsonData().write(to: url)
        let merged = folder.appendingPathComponent("merged")
        try FileManager.default.createDirectory(at: merged, withIntermediateDirectories: true)
        assertDatasetError("merged", "already exists") { _ = try DatasetParts.merge(parts: [first, second], into: merged) }
        XCTAssertEqual(try DatasetParts.merge(parts: [first, second], into: merged, replaceExisting: true).frames, 23)
    }

    // MARK: - v2.0

    /// Shards as a v2.0 writer makes them: one per input clip (frames, first global segment id).
    private let v2Inputs: [(frames: Int, segments: Int)] = [(20, 1), (17, 2), (40, 1), (5, 1), (34, 3)]

    private func writeV2Shard(_ input: Int, as k: Int, in directory: URL, firstSegment: Int32, subfolders: Bool) throws {
        func url(_ folder: String, _ name: String) throws -> URL {
            let parent = subfolders ? directory.appendingPathComponent(folder) : directory
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            return parent.appendingPathComponent(name)
        }
        let (frames, segments) = v2Inputs[input]
        try JSONValue.encodeObject(["shard_num_frames": .int(frames), "shard_ind": .int(k), "source": .string("clip\(input)")])
            .write(to: url("metadata", "metadata_\(k).json"))
        let clips = (frames + 16) / 17
        try littleEndianBytes((0..<(clips * 3 * 32 * 32)).map { Int32(($0 * 37 + input * 1000) % 64_000) })
            .write(to: url("videos", "video_\(k).bin"))
        // Segments split the clip evenly: ids firstSegment ..< firstSegment + segments.
        let ids = (0..<frames).map { firstSegment + Int32($0 * segments / frames) }
        try littleEndianBytes(ids).write(to: url("segment_indices", "segment_idx_\(k).bin"))
        try floatBytes((0..<(frames * 25)).map { Float($0 % 50 + input) / 10 }).write(to: url("robot_states", "states_\(k).bin"))
    }

    private func writeV2Top(_ directory: URL, shards: Int, frames: Int) throws {
        try JSONValue.encodeObject(["num_shards": .int(shards), "hz": .int(30), "num_images": .int(frames), "tokenizer": .string("Cosmos-DV8x8x8")])
            .write(to: directory.appendingPathComponent("metadata.json"))
    }

    func testV2PartsOfTwoThreeAndFiveMergeToTheUnsplitShardsByteForByte() throws {
        for subfolders in [true, false] {
            let folder = try makeScratchDirectory(self)
            let whole = folder.appendingPathComponent("whole")
            var segment: Int32 = 0
            for i in v2Inputs.indices {
                try writeV2Shard(i, as: i, in: whole, firstSegment: segment, subfolders: subfolders)
                segment += Int32(v2Inputs[i].segments)
            }
            try writeV2Top(whole, shards: v2Inputs.count, frames: 116)
            XCTAssertEqual(try ShardedTokenDatasetV2(directory: whole).summary().segmentCount, 8)

            for count in [2, 3, 5] {
                let ranges = ShardSpec.balancedRanges(costs: v2Inputs.map(\.frames), count: count)
                var urls: [URL] = []
                for (index, inputs) in ranges.enumerated() {
                    let target = folder.appendingPathComponent("parts-\(count)/part-\(index)")
                    let staging = try DatasetParts.stagingDirectory(for: target)
                    var segment: Int32 = 0  // each part numbers its segments and shards from 0
                    for (k, input) in inputs.enumerated() {
                        try writeV2Shard(input, as: k, in: staging, firstSegment: segment, subfolders: subfolders)
                        segment += Int32(v2Inputs[input].segments)
                    }
                    let frames = inputs.map { v2Inputs[$0].frames }.reduce(0, +)
                    try writeV2Top(staging, shards: inputs.count, frames: frames)
                    var manifest = manifest(try ShardSpec(index: index, count: count), inputs: inputs, frames: frames, format: .v2_0,
                                            frameCounts: v2Inputs.map(\.frames) + [0, 0])
                    manifest.jobInputCount = v2Inputs.count
                    manifest.jobInputsSHA256 = "job"
                    manifest.segments = inputs.map { v2Inputs[$0].segments }.reduce(0, +)
                    try DatasetParts.seal(staging, manifest: manifest, at: target)
                    urls.append(target)
                }
                let merged = folder.appendingPathComponent("merged-\(count)")
                let result = try DatasetParts.merge(parts: urls, into: merged)
                XCTAssertEqual(result.frames, 116)
                XCTAssertEqual(result.segments, 8)
                XCTAssertEqual(try snapshot(merged), try snapshot(whole), "\(count) parts, subfolders \(subfolders)")
            }
        }
    }

    private func fixtureURL(_ relative: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MagvitCodecTests/Fixtures").appendingPathComponent(relative)
    }
}

/// Asserts `body` throws a `PartError` about `file` whose one line contains `words`.
func assertPartError(_ file: String, _ words: String, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error about \(file)", line: line)
    } catch let error as PartError {
        XCTAssertEqual(error.file, file, line: line)
        XCTAssertTrue(error.description.contains(words), "\"\(error)\" lacks \"\(words)\"", line: line)
        XCTAssertFalse(error.description.contains("\n"), line: line)
    } catch {
        XCTFail("unexpected error \(error)", line: line)
    }
}
