import Foundation
import XCTest
import TestSupport
@testable import Core
@testable import TokenData

/// Issue 10: datasets with hostile sizes, concurrent and interrupted appends, segment-id
/// headroom, and replacements that must not destroy what is not a dataset.
final class ReliabilityDatasetTests: XCTestCase {
    private func makeDataset(frames: Int = 3, in folder: URL? = nil) throws -> URL {
        let target = try (folder ?? makeScratchDirectory(self)).appendingPathComponent("ds")
        let writer = try TokenDatasetWriter.create(at: target, hz: 30, tokenizerCheckpoint: "x")
        for i in 0..<frames { try writer.add(frame: datasetTestFrame(i)) }
        try writer.commit()
        return target
    }

    private func writeMetadata(_ values: [String: Any], to directory: URL) throws {
        try JSONSerialization.data(withJSONObject: values).write(to: directory.appendingPathComponent("metadata.json"))
    }

    // MARK: Sizes read from the files

    func testHugeNumImagesWithEmptyFilesIsAClearErrorNotACrash() throws {
        let directory = try makeScratchDirectory(self)
        try writeMetadata(["token_dtype": "uint32", "h": 16, "w": 16, "vocab_size": 262_144, "num_images": 1 << 62], to: directory)
        try Data().write(to: directory.appendingPathComponent("video.bin"))
        try Data().write(to: directory.appendingPathComponent("segment_ids.bin"))
        assertDatasetError("metadata.json", "num_images 4611686018427387904 is above the cap") {
            _ = try TokenDataset(directory: directory)
        }
    }

    func testActionRowSizeThatOverflowsIsAClearErrorNotSIGFPE() throws {
        // 4 x num_images wraps to 0 for num_images = 2^62: the modulo used to divide by zero.
        let directory = try makeScratchDirectory(self)
        let actions = directory.appendingPathComponent("actions")
        try FileManager.default.createDirectory(at: actions, withIntermediateDirectories: true)
        try Data(count: 4).write(to: actions.appendingPathComponent("joints.bin"))
        assertDatasetError("joints.bin", "not a whole number of float32 rows") {
            _ = try ActionTrack.loadAll(in: actions, rowCount: 1 << 62)
        }
    }

    func testTokenGridAboveTheCapIsRefused() throws {
        let directory = try makeScratchDirectory(self)
        try writeMetadata(["token_dtype": "uint32", "h": 1 << 31, "w": 1 << 31, "vocab_size": 262_144, "num_images": 1 << 30], to: directory)
        assertDatasetError("metadata.json", "above the cap of 4096 per side") { _ = try TokenDataset(directory: directory) }
    }

    // MARK: Appends

    func testTwoConcurrentAppendsOfTwentyFramesBothLand() throws {
        let target = try makeDataset(frames: 3)
        let group = DispatchGroup()
        let errors = ErrorBox()
        for writerIndex in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let frames = (0..<20).map { datasetTestFrame(100 * (writerIndex + 1) + $0) }
                    try TokenDatasetWriter.append(segments: [frames], to: target, waitForLock: true)
                } catch {
                    errors.append(error)
                }
            }.start()
        }
        group.wait()
        XCTAssertEqual(errors.all.map { "\($0)" }, [])
        let dataset = try TokenDataset(directory: target)
        XCTAssertEqual(dataset.frameCount, 43)
        // Each writer's 20 frames form one segment, whole and in order, whichever came first.
        let runs = dataset.segments().dropFirst()
        XCTAssertEqual(runs.map(\.frames.count), [20, 20])
        XCTAssertEqual(Set(runs.map { dataset.frame($0.frames.lowerBound) }), [datasetTestFrame(100), datasetTestFrame(200)])
        for run in runs {
            let first = dataset.frame(run.frames.lowerBound) == datasetTestFrame(100) ? 100 : 200
            XCTAssertEqual(run.frames.map(dataset.frame), (0..<20).map { datasetTestFrame(first + $0) })
        }
    }

    func testASecondWriterWithoutWaitIsRefusedClearlyAndTheFirstLands() throws {
        let target = try makeDataset(frames: 3)
        let first = try TokenDatasetWriter.append(to: target)
        try first.add(frame: datasetTestFrame(50))
        assertDatasetError("ds", "is being written by another process") { _ = try TokenDatasetWriter.append(to: target) }
        try first.commit()
        XCTAssertEqual(try TokenDataset(directory: target).frameCount, 4)
        // Released: the next writer gets it at once.
        try TokenDatasetWriter.append(segments: [[datasetTestFrame(51)]], to: target)
        XCTAssertEqual(try TokenDataset(directory: target).frameCount, 5)
    }

    func testAppendWritesOnlyNewBytesInPlaceNotACopy() throws {
        let target = try makeDataset(frames: 3)
        let video = target.appendingPathComponent("video.bin").path
        let inodeBefore = try FileManager.default.attributesOfItem(atPath: video)[.systemFileNumber] as? Int
        try TokenDatasetWriter.append(segments: [[datasetTestFrame(7)]], to: target)
        let inodeAfter = try FileManager.default.attributesOfItem(atPath: video)[.systemFileNumber] as? Int
        XCTAssertEqual(inodeBefore, inodeAfter, "video.bin was replaced by a copy instead of appended to")
        XCTAssertEqual(try TokenDataset(directory: target).frame(3), datasetTestFrame(7))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent(AppendJournal.fileName).path))
    }

    func testAnAppendKilledMidCommitLeavesAReadableDatasetThatTheNextWriterRepairs() throws {
        let target = try makeDataset(frames: 3)
        let before = try TokenDataset(directory: target).segmentIDs
        // The state a kill between the byte append and the metadata rename leaves behind.
        try JSONValue.encodeObject([:]).write(to: target.appendingPathComponent(AppendJournal.fileName))
        let video = try FileHandle(forWritingTo: target.appendingPathComponent("video.bin"))
        try video.seekToEnd()
        try video.write(contentsOf: Data(count: 1000))
        try video.close()
        let segments = try FileHandle(forWritingTo: target.appendingPathComponent("segment_ids.bin"))
        try segments.seekToEnd()
        try segments.write(contentsOf: Data(count: 6))
        try segments.close()
        // A leftover staging folder of the killed writer, beside the dataset.
        let stale = target.deletingLastPathComponent().appendingPathComponent(".ds.append-dead1234")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)

        let interrupted = try TokenDataset(directory: target)
        XCTAssertEqual(interrupted.frameCount, 3)
        XCTAssertEqual(interrupted.segmentIDs, before)

        try TokenDatasetWriter.append(segments: [[datasetTestFrame(9)]], to: target)
        let repaired = try TokenDataset(directory: target)
        XCTAssertEqual(repaired.frameCount, 4)
        XCTAssertEqual(repaired.frame(3), datasetTestFrame(9))
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("video.bin")).count, 4 * 256 * 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path), "stale staging folder not swept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent(AppendJournal.fileName).path))
        // Without a journal the strict size check is back.
        let extra = try FileHandle(forWritingTo: target.appendingPathComponent("video.bin"))
        try extra.seekToEnd()
        try extra.write(contentsOf: Data(count: 4))
        try extra.close()
        assertDatasetError("video.bin", "expected 4096") { _ = try TokenDataset(directory: target) }
    }

    func testSegmentIDsThatWouldPassInt32MaxAreRefusedNotWrapped() throws {
        let target = try makeDataset(frames: 1)
        try littleEndianBytes([Int32.max - 1]).write(to: target.appendingPathComponent("segment_ids.bin"))
        let before = try snapshot(target)

        // One more segment fits (id 2^31-1); a second one in the same append does not.
        assertDatasetError("segment_ids.bin", "does not fit an int32") {
            try TokenDatasetWriter.append(segments: [[datasetTestFrame(1)], [datasetTestFrame(2)]], to: target)
        }
        XCTAssertEqual(try snapshot(target), before)
        try TokenDatasetWriter.append(segments: [[datasetTestFrame(1)]], to: target)
        XCTAssertEqual(try TokenDataset(directory: target).segmentIDs, [Int32.max - 1, Int32.max])
        assertDatasetError("segment_ids.bin", "no segment can be appended") {
            try TokenDatasetWriter.append(segments: [[datasetTestFrame(3)]], to: target)
        }
        XCTAssertEqual(try TokenDataset(directory: target).frameCount, 2)
    }

    // MARK: Replacing

    func testReplaceRefusesAFolderThatIsNotADatasetAndAFile() throws {
        let scratch = try makeScratchDirectory(self)
        let folder = scratch.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: folder.appendingPathComponent("holiday.jpg"))
        let before = try snapshot(folder)
        assertDatasetError("photos", "not a token dataset") {
            _ = try TokenDatasetWriter.create(at: folder, hz: 30, tokenizerCheckpoint: "x", replaceExisting: true)
        }
        XCTAssertEqual(try snapshot(folder), before)

        let file = scratch.appendingPathComponent("notes.txt")
        try Data("keep me too".utf8).write(to: file)
        assertDatasetError("notes.txt", "is a file") {
            _ = try TokenDatasetWriter.create(at: file, hz: 30, tokenizerCheckpoint: "x", replaceExisting: true)
        }
        XCTAssertEqual(try Data(contentsOf: file), Data("keep me too".utf8))
    }

    func testReplaceRefusesADatasetThatIsAnInputOfTheCommand() throws {
        let target = try makeDataset()
        let before = try snapshot(target)
        ProtectedInputs.register([target.appendingPathComponent("video.bin").path])
        defer { ProtectedInputs.removeAll() }
        XCTAssertThrowsError(try TokenDatasetWriter.create(at: target, hz: 30, tokenizerCheckpoint: "x", replaceExisting: true)) {
            XCTAssertEqual($0 as? FileError, FileError(file: target.path, .isAnInput(target.appendingPathComponent("video.bin").path)))
        }
        XCTAssertEqual(try snapshot(target), before)
    }
}

private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func append(_ error: Error) { lock.lock(); errors.append(error); lock.unlock() }
    var all: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}
