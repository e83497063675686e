import Foundation
import XCTest
import TestSupport
@testable import TokenData

final class DatasetGeneratedSampleTests: XCTestCase {
    func testSampleSplitsBackIntoPromptPredictedAndGroundTruth() throws {
        let target = try makeScratchDirectory(self).appendingPathComponent("generated")
        // Window 5, 3 prompt frames: 2 predicted + 2 ground truth, 7 frames in all.
        let sample = try GeneratedSample(prompt: (0..<3).map { datasetTestFrame($0) },
                                         predicted: (100..<102).map { datasetTestFrame($0) },
                                         groundTruth: (3..<5).map { datasetTestFrame($0) })
        try sample.write(to: target, hz: 30, tokenizerCheckpoint: "data/magvit2.ckpt")

        let dataset = try TokenDataset(directory: target)
        XCTAssertEqual(dataset.frameCount, 7)
        XCTAssertEqual(dataset.metadata.values["num_prompt_frames"], .int(3))
        XCTAssertEqual(dataset.metadata.values["window_size"], .int(5))
        XCTAssertEqual(dataset.frame(3), datasetTestFrame(100))
        XCTAssertEqual(try GeneratedSample.read(from: target), sample)

        // Writing again replaces the directory.
        let shorter = try GeneratedSample(prompt: [datasetTestFrame(7)], predicted: [datasetTestFrame(8)], groundTruth: [datasetTestFrame(9)])
        try shorter.write(to: target, hz: 30, tokenizerCheckpoint: "x")
        XCTAssertEqual(try GeneratedSample.read(from: target), shorter)
    }

    func testReaderRejectsAFrameCountThatDoesNotMatchTheWindow() throws {
        let target = try makeScratchDirectory(self).appendingPathComponent("generated")
        try TokenDatasetWriter.write(frames: (0..<6).map { datasetTestFrame($0) }, segmentIDs: [Int32](repeating: 0, count: 6),
                                     to: target, hz: 30, tokenizerCheckpoint: "x",
                                     extraMetadata: ["num_prompt_frames": .int(3), "window_size": .int(5)])
        assertDatasetError("metadata.json", "num_images is 6; a sample of window 5 with 3 prompt frames has 7") {
            _ = try GeneratedSample.read(from: target)
        }
        try TokenDatasetWriter.write(frames: [datasetTestFrame(0)], segmentIDs: [0], to: target, hz: 30, tokenizerCheckpoint: "x",
                                     replaceExisting: true)
        assertDatasetError("metadata.json", "missing key \"num_prompt_frames\"") { _ = try GeneratedSample.read(from: target) }
        XCTAssertThrowsError(try GeneratedSample(prompt: [datasetTestFrame(0)], predicted: [datasetTestFrame(1)], groundTruth: []))
    }
}
