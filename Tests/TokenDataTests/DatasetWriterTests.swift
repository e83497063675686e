import Foundation
import XCTest
import TestSupport
@testable import TokenData

final class DatasetWriterTests: XCTestCase {
    private func makeDataset(_ name: String = "ds", extra: [String: JSONValue] = [:]) throws -> URL {
        let target = try makeScratchDirectory(self).appendingPathComponent(name)
        let writer = try TokenDatasetWriter.create(at: target, hz: 30, tokenizerCheckpoint: "data/magvit2.ckpt", extraMetadata: extra)
        for i in 0..<3 {
            if i == 2 { writer.beginSegment() }
            try writer.add(frame: datasetTestFrame(i))
        }
        try writer.commit()
        return target
    }

    private func stagingLeftovers(beside target: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path).filter { $0.hasPrefix(".") }
    }

    func testAppendContinuesSegmentIDsAndKeepsExtraMetadata() throws {
        let target = try makeDataset(extra: ["notes": .string("kept"), "hz_source": .double(29.97)])
        XCTAssertEqual(try TokenDataset(directory: target).segmentIDs, [0, 0, 1])

        try TokenDatasetWriter.append(segments: [[datasetTestFrame(10)], [datasetTestFrame(11), datasetTestFrame(12)]], to: target)
        let dataset = try TokenDataset(directory: target)
        XCTAssertEqual(dataset.segmentIDs, [0, 0, 1, 2, 3, 3])
        XCTAssertEqual((0..<6).map(dataset.frame), [0, 1, 2, 10, 11, 12].map { datasetTestFrame($0) })
        XCTAssertEqual(dataset.metadata.frameCount, 6)
        XCTAssertEqual(dataset.metadata.values["notes"], .string("kept"))
        XCTAssertEqual(dataset.metadata.values["hz_source"], .double(29.97))
        XCTAssertEqual(try stagingLeftovers(beside: target), [])
    }

    func testEmptySegmentsTakeNoID() throws {
        let target = try makeScratchDirectory(self).appendingPathComponent("ds")
        let writer = try TokenDatasetWriter.create(at: target, hz: 30, tokenizerCheckpoint: "x")
        writer.beginSegment()
        writer.beginSegment()
        try writer.add(frame: datasetTestFrame(0))
        writer.beginSegment()
        try writer.add(frame: datasetTestFrame(1))
        try writer.commit()
        XCTAssertEqual(try TokenDataset(directory: target).segmentIDs, [0, 1])
    }

    func testFailedOrAbandonedAppendLeavesTheDatasetByteForByte() throws {
        let target = try makeDataset()
        let before = try snapshot(target)
        XCTAssertEqual(before.count, 4)  // metadata, video, segment ids and the lock file (issue 10)

        // A bad token midway: the error names it and the target is untouched.
        let writer = try TokenDatasetWriter.append(to: target)
        try writer.add(frame: datasetTestFrame(20))
        var bad = datasetTestFrame(21)
        bad[7] = 262_144
        assertDatasetError("ds", "token 262144 at position 7") { try writer.add(frame: bad) }
        XCTAssertEqual(try snapshot(target), before)
        writer.discard()
        XCTAssertEqual(try snapshot(target), before)

        // Frames added but never committed (e.g. tokenize interrupted): released writer cleans up.
        do {
            let abandoned = try TokenDatasetWriter.append(to: target)
            try abandoned.add(frame: datasetTestFrame(30))
            assertDatasetError("ds", "has 255 tokens; expected 256") { try abandoned.add(frame: Array(datasetTestFrame(31).prefix(255))) }
        }
        XCTAssertEqual(try snapshot(target), before)
        XCTAssertEqual(try stagingLeftovers(beside: target), [])
    }

    func testAppendRefusesDatasetsWithActions() throws {
        let target = try makeDataset()
        let actions = target.appendingPathComponent("actions")
        try FileManager.default.createDirectory(at: actions, withIntermediateDirectories: true)
        try floatBytes([0, 1, 2]).write(to: actions.appendingPathComponent("l_hand_closure.bin"))
        assertDatasetError("actions", "cannot append frames without actions") { _ = try TokenDatasetWriter.append(to: target) }
    }

    func testCreateRefusesAnExistingTargetUnlessReplacing() throws {
        let target = try makeDataset()
        let before = try snapshot(target)
        assertDatasetError("ds", "already exists") {
            _ = try TokenDatasetWriter.create(at: target, hz: 30, tokenizerCheckpoint: "x")
        }
        XCTAssertEqual(try snapshot(target), before)

        try TokenDatasetWriter.write(frames: [datasetTestFrame(40)], segmentIDs: [3], to: target, hz: 15,
                                     tokenizerCheckpoint: "y", replaceExisting: true)
        let replaced = try TokenDataset(directory: target)
        XCTAssertEqual(replaced.frameCount, 1)
        XCTAssertEqual(replaced.frame(0), datasetTestFrame(40))
        XCTAssertEqual(replaced.metadata.hz, 15)
        XCTAssertEqual(try stagingLeftovers(beside: target), [])
    }

    func testWriteRejectsMismatchedOrDecreasingSegmentIDs() throws {
        let target = try makeScratchDirectory(self).appendingPathComponent("ds")
        assertDatasetError("ds", "2 frames but 1 segment ids") {
            try TokenDatasetWriter.write(frames: [datasetTestFrame(0), datasetTestFrame(1)], segmentIDs: [0], to: target,
                                         hz: 30, tokenizerCheckpoint: "x")
        }
        assertDatasetError("ds", "decrease at frame 1") {
            try TokenDatasetWriter.write(frames: [datasetTestFrame(0), datasetTestFrame(1)], segmentIDs: [1, 0], to: target,
                                         hz: 30, tokenizerCheckpoint: "x")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }
}
