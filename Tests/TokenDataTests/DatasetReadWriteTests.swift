import Foundation
import XCTest
import TestSupport
@testable import TokenData

final class DatasetReadWriteTests: XCTestCase {
    func testWrittenDatasetHasTheRealMetadataKeysAndReadsBack() throws {
        let target = try makeScratchDirectory(self).appendingPathComponent("ds")
        let frames = (0..<5).map { datasetTestFrame($0) }
        try TokenDatasetWriter.write(frames: frames, segmentIDs: [4, 4, 4, 9, 9], to: target, hz: 30,
                                     tokenizerCheckpoint: "data/magvit2.ckpt")
        let metadata = try JSONDecoder().decode([String: JSONValue].self,
                                                from: Data(contentsOf: target.appendingPathComponent("metadata.json")))
        XCTAssertEqual(metadata, ["token_dtype": .string("uint32"), "s": .int(16), "h": .int(16), "w": .int(16),
                                  "vocab_size": .int(262_144), "hz": .int(30), "tokenizer_ckpt": .string("data/magvit2.ckpt"),
                                  "num_images": .int(5)])
        // Raw layout: N x 256 little-endian uint32, then one int32 id per frame, renumbered from 0.
        let video = try Data(contentsOf: target.appendingPathComponent("video.bin"))
        XCTAssertEqual(video, littleEndianBytes(frames.flatMap { $0 }))
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("segment_ids.bin")),
                       littleEndianBytes([0, 0, 0, 1, 1] as [Int32]))

        let dataset = try TokenDataset(directory: target, checkTokenRange: true)
        XCTAssertEqual(dataset.frameCount, 5)
        XCTAssertEqual(dataset.segmentIDs, [0, 0, 0, 1, 1])
        XCTAssertEqual((0..<5).map(dataset.frame), frames)
        XCTAssertEqual(dataset.segments().map(\.frames), [0..<3, 3..<5])
        XCTAssertEqual(dataset.metadata.hz, 30)
    }

    func testScanReportsTheTokenValueRange() throws {
        let target = try makeScratchDirectory(self).appendingPathComponent("ds")
        var frame = [UInt32](repeating: 7, count: 256)
        frame[3] = 262_143
        frame[200] = 2
        try TokenDatasetWriter.write(frames: [frame, frame], segmentIDs: [0, 0], to: target, hz: 30, tokenizerCheckpoint: "x")
        let summary = try TokenDataset(directory: target).scanTokens()
        XCTAssertEqual(summary.count, 512)
        XCTAssertEqual(summary.minimum, 2)
        XCTAssertEqual(summary.maximum, 262_143)
        XCTAssertEqual(summary.invalidCount, 0)
    }

    func testUint16TokensAndActionWidthsFromFileSizes() throws {
        let directory = try makeScratchDirectory(self)
        let frames = 3
        let metadata = #"{"token_dtype": "uint16", "s": 2, "h": 2, "w": 2, "vocab_size": 1000, "hz": 10, "num_images": 3, "custom": [1, 2]}"#
        try Data(metadata.utf8).write(to: directory.appendingPathComponent("metadata.json"))
        try littleEndianBytes((0..<12).map { UInt16($0 * 80) }).write(to: directory.appendingPathComponent("video.bin"))
        try littleEndianBytes([5, 5, 6] as [Int32]).write(to: directory.appendingPathComponent("segment_ids.bin"))
        let actions = directory.appendingPathComponent("actions")
        try FileManager.default.createDirectory(at: actions, withIntermediateDirectories: true)
        try floatBytes((0..<(frames * 21)).map(Float.init)).write(to: actions.appendingPathComponent("joint_pos.bin"))
        try floatBytes((0..<(frames * 3)).map { Float($0) / 2 }).write(to: actions.appendingPathComponent("neck_desired.bin"))

        let dataset = try TokenDataset(directory: directory, checkTokenRange: true)
        XCTAssertEqual(dataset.frame(1), [320, 400, 480, 560])
        XCTAssertEqual(dataset.actions.map(\.name), ["joint_pos", "neck_desired"])
        XCTAssertEqual(dataset.action(named: "joint_pos")?.width, 21)
        XCTAssertEqual(dataset.action(named: "neck_desired")?.width, 3)
        XCTAssertEqual(dataset.action(named: "neck_desired")?.row(2), [3, 3.5, 4])
        XCTAssertEqual(dataset.action(named: "joint_pos")?.valueRange(), 0...62)
        XCTAssertEqual(dataset.metadata.values["custom"], .array([.int(1), .int(2)]))

        try floatBytes([1, 2, 3, 4]).write(to: actions.appendingPathComponent("l_hand_closure.bin"))
        assertDatasetError("actions/l_hand_closure.bin", "not a whole number of float32 rows") {
            _ = try TokenDataset(directory: directory)
        }
    }

    func testInvalidDatasetsGetOneLineErrorsNamingTheFile() throws {
        let directory = try makeScratchDirectory(self)
        let ds = directory.appendingPathComponent("ds")
        try TokenDatasetWriter.write(frames: (0..<3).map { datasetTestFrame($0) }, segmentIDs: [0, 0, 1], to: ds, hz: 30,
                                     tokenizerCheckpoint: "x")
        let metadataURL = ds.appendingPathComponent("metadata.json")
        let goodMetadata = try Data(contentsOf: metadataURL)
        func setMetadata(_ change: (inout [String: JSONValue]) -> Void) throws {
            var values = try JSONDecoder().decode([String: JSONValue].self, from: goodMetadata)
            change(&values)
            try JSONEncoder().encode(values).write(to: metadataURL)
        }

        assertDatasetError("nope", "not a dataset directory") { _ = try TokenDataset(directory: directory.appendingPathComponent("nope")) }
        try setMetadata { $0["vocab_size"] = nil }
        assertDatasetError("metadata.json", "missing key \"vocab_size\"") { _ = try TokenDataset(directory: ds) }
        try setMetadata { $0["token_dtype"] = .string("float32") }
        assertDatasetError("metadata.json", "token_dtype") { _ = try TokenDataset(directory: ds) }
        try setMetadata { $0["num_images"] = .string("3") }
        assertDatasetError("metadata.json", "num_images") { _ = try TokenDataset(directory: ds) }
        try setMetadata { $0["num_images"] = .int(4) }
        assertDatasetError("video.bin", "expected 4096") { _ = try TokenDataset(directory: ds) }
        try Data("{oops".utf8).write(to: metadataURL)
        assertDatasetError("metadata.json", "not a JSON object") { _ = try TokenDataset(directory: ds) }
        try goodMetadata.write(to: metadataURL)

        let segmentsURL = ds.appendingPathComponent("segment_ids.bin")
        try littleEndianBytes([0, 2, 1] as [Int32]).write(to: segmentsURL)
        assertDatasetError("segment_ids.bin", "decrease at frame 2") { _ = try TokenDataset(directory: ds) }
        try littleEndianBytes([0, 0] as [Int32]).write(to: segmentsURL)
        assertDatasetError("segment_ids.bin", "expected 12") { _ = try TokenDataset(directory: ds) }
        try littleEndianBytes([0, 0, 1] as [Int32]).write(to: segmentsURL)

        // A token of 262144 at frame 1, position 5: found only when the range is checked.
        var video = try Data(contentsOf: ds.appendingPathComponent("video.bin"))
        video.replaceSubrange((1024 + 20)..<(1024 + 24), with: littleEndianBytes([262_144 as UInt32]))
        try video.write(to: ds.appendingPathComponent("video.bin"))
        XCTAssertNoThrow(try TokenDataset(directory: ds))
        assertDatasetError("video.bin", "262144 at frame 1, position 5") { _ = try TokenDataset(directory: ds, checkTokenRange: true) }

        try FileManager.default.removeItem(at: ds.appendingPathComponent("video.bin"))
        assertDatasetError("video.bin", "missing file") { _ = try TokenDataset(directory: ds) }
        try FileManager.default.removeItem(at: metadataURL)
        assertDatasetError("metadata.json", "missing file") { _ = try TokenDataset(directory: ds) }
    }
}
