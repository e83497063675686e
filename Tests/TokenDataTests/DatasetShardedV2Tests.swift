import Foundation
import XCTest
import TestSupport
@testable import TokenData

final class DatasetShardedV2Tests: XCTestCase {
    /// Two shards of 20 and 17 frames: 2 + 1 clips of 3x32x32 int32 tokens.
    private func writeShards(in directory: URL, subfolders: Bool) throws {
        func url(_ folder: String, _ name: String) throws -> URL {
            let parent = subfolders ? directory.appendingPathComponent(folder) : directory
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            return parent.appendingPathComponent(name)
        }
        try Data(#"{"num_shards": 2, "hz": 30, "num_images": 37}"#.utf8).write(to: directory.appendingPathComponent("metadata.json"))
        let frames = [20, 17]
        let segments: [[Int32]] = [Array(repeating: 0, count: 12) + Array(repeating: 1, count: 8), Array(repeating: 1, count: 17)]
        for k in 0..<2 {
            try Data(#"{"shard_num_frames": \#(frames[k]), "shard_ind": \#(k)}"#.utf8).write(to: url("metadata", "metadata_\(k).json"))
            let clips = (frames[k] + 16) / 17
            let tokens = (0..<(clips * 3 * 32 * 32)).map { Int32(($0 * 37 + k * 1000) % 64_000) }
            try littleEndianBytes(tokens).write(to: url("videos", "video_\(k).bin"))
            try littleEndianBytes(segments[k]).write(to: url("segment_indices", "segment_idx_\(k).bin"))
            let states = (0..<(frames[k] * 25)).map { Float($0 % 50) / 10 - 2 }
            try floatBytes(states).write(to: url("robot_states", "states_\(k).bin"))
        }
    }

    func testBothLayoutsReportShardsFramesClipsSegmentsAndRanges() throws {
        for subfolders in [true, false] {
            let directory = try makeScratchDirectory(self)
            try writeShards(in: directory, subfolders: subfolders)
            let dataset = try ShardedTokenDatasetV2(directory: directory)
            XCTAssertEqual(dataset.layout, subfolders ? .subfolders : .flat)
            XCTAssertEqual(dataset.hz, 30)
            let summary = dataset.summary()
            XCTAssertEqual(summary.shardCount, 2)
            XCTAssertEqual(summary.frameCount, 37)
            XCTAssertEqual(summary.clipCount, 3)
            XCTAssertEqual(summary.segmentCount, 2)
            XCTAssertEqual(summary.tokenMinimum, 0)
            XCTAssertEqual(summary.tokenMaximum, 63_993)  // largest (i*37 + k*1000) % 64000 over the written ranges (computed in Python)
            XCTAssertEqual(summary.tokensOutOfRange, 0)
            XCTAssertEqual(summary.stateMinimum, -2)
            XCTAssertEqual(summary.stateMaximum, 2.9)
            XCTAssertEqual(dataset.clip(1, ofShard: 0).first, Int32((3 * 32 * 32 * 37) % 64_000))
        }
    }

    func testWrongVideoSizeNamesTheShardFile() throws {
        let directory = try makeScratchDirectory(self)
        try writeShards(in: directory, subfolders: true)
        try littleEndianBytes([Int32](repeating: 0, count: 3 * 32 * 32)).write(to: directory.appendingPathComponent("videos/video_0.bin"))
        assertDatasetError("videos/video_0.bin", "expected 24576") { _ = try ShardedTokenDatasetV2(directory: directory) }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("metadata/metadata_1.json"))
        try writeShards(in: directory, subfolders: true)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("segment_indices/segment_idx_1.bin"))
        assertDatasetError("segment_idx_1.bin", "missing file") { _ = try ShardedTokenDatasetV2(directory: directory) }
    }
}
