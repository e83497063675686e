import Foundation
import Predictor
import XCTest
import TokenData

/// Windows of consecutive 17-frame clips in a 1X v2.0 dataset stay inside one segment.
final class ClipWindowsTests: XCTestCase {
    /// Flat layout. Shard 0: 40 frames (clips at frames 0-16, 17-33, 34-39), segment 0 for
    /// frames 0...20 and 1 after; shard 1: 34 frames (2 clips), all segment 2.
    func makeDataset() throws -> ShardedTokenDatasetV2 {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clipwindows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        func bytes(_ values: [Int32]) -> Data { values.withUnsafeBytes { Data($0) } }
        try Data(#"{"num_shards": 2, "hz": 30, "num_images": 74}"#.utf8).write(to: dir.appendingPathComponent("metadata.json"))
        let shards: [(frames: Int, segments: [Int32])] = [
            (40, Array(repeating: 0, count: 21) + Array(repeating: 1, count: 19)),
            (34, Array(repeating: 2, count: 34)),
        ]
        for (k, shard) in shards.enumerated() {
            try Data(#"{"shard_num_frames": \#(shard.frames), "shard_ind": \#(k)}"#.utf8).write(to: dir.appendingPathComponent("metadata_\(k).json"))
            let clips = (shard.frames + 16) / 17
            try bytes([Int32](repeating: 5, count: clips * 3 * 32 * 32)).write(to: dir.appendingPathComponent("video_\(k).bin"))
            try bytes(shard.segments).write(to: dir.appendingPathComponent("segment_idx_\(k).bin"))
        }
        return try ShardedTokenDatasetV2(directory: dir)
    }

    func testSingleClipsThatCrossASegmentBoundaryAreLeftOut() throws {
        let data = try makeDataset()
        // Shard 0's clip 1 (frames 17-33) spans segments 0 and 1.
        XCTAssertEqual(ClipWindows.starts(in: data, length: 1),
                       [ClipWindow(shard: 0, firstClip: 0), ClipWindow(shard: 0, firstClip: 2),
                        ClipWindow(shard: 1, firstClip: 0), ClipWindow(shard: 1, firstClip: 1)])
    }

    func testWindowsDoNotCrossSegmentsOrShards() throws {
        let data = try makeDataset()
        // Two clips of shard 0 always include the boundary at frame 21; shard 1 has one pair.
        XCTAssertEqual(ClipWindows.starts(in: data, length: 2), [ClipWindow(shard: 1, firstClip: 0)])
        XCTAssertEqual(ClipWindows.starts(in: data, length: 3), [])
    }
}
