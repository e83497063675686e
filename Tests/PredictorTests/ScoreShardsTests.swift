import Foundation
import XCTest
@testable import Predictor
import TokenData

/// A split evaluation must report exactly (bit for bit) what an unsplit one reports.
final class ScoreShardsTests: XCTestCase {
    /// Windows of drifting synthetic tokens, 16 positions each.
    private func windows(count: Int, frames: Int) -> [[FrameTokens]] {
        (0..<count).map { w in
            SyntheticTokens.segment(seed: UInt64(w + 1), frames: frames).map { Array($0.prefix(16)) }
        }
    }

    /// Parts are cut at batch boundaries because GENIE's batched products may round differently
    /// when the windows batched together change (EvaluationTests promises batch-size
    /// independence only to 1e-6); copy at temperature 1 samples, so the random streams matter.
    func testScoresOfShardsCutAtBatchBoundariesCombineToTheUnsplitReportBitForBit() throws {
        let genie = try GenieModel(config: GenieConfig(numLayers: 1, numHeads: 2, dModel: 16, T: 5, S: 16, mlpRatio: 2), seed: 4)
        let copy = try CopyPredictor(mixing: 0.5)
        let data = windows(count: 11, frames: 5)
        let settings = EvaluationSettings(maskgitSteps: 2, temperature: 1, seed: 9, batchSize: 3)
        let evaluator = TeacherForcedEvaluator(settings: settings)
        for model in [genie, copy] as [FramePredictor] {
            let unsplit = try evaluator.evaluate(model, windows: data)
            XCTAssertEqual(unsplit.examples, 11)
            if model === copy {
                XCTAssertGreaterThan(unsplit.accuracy, 0.02)
                XCTAssertLessThan(unsplit.accuracy, 0.9)
            }
            for count in [2, 3, 5] {
                var parts: [EvaluationPart] = []
                for index in 0..<count {
                    let shard = try ShardSpec(index: index, count: count)
                    let range = shard.range(of: data.count, inBlocksOf: settings.batchSize)
                    XCTAssertEqual(range.lowerBound % settings.batchSize, 0)
                    let scored = try evaluator.scoreWindows(model, windows: data[range], firstExample: range.lowerBound)
                    let part = EvaluationPart(toolVersion: "test", shard: shard, job: ["data": .string("synthetic")], predictor: model.name,
                                              settings: settings, firstWindow: range.lowerBound, totalWindows: data.count,
                                              windows: scored.windows, seconds: scored.seconds, lpips: nil)
                    // Through JSON, as merge-scores reads it.
                    parts.append(try JSONDecoder().decode(EvaluationPart.self, from: part.jsonData()))
                }
                let merged = try ScoreShards.combine(parts.reversed(), names: (0..<count).map { "part-\($0)" }.reversed())
                XCTAssertEqual(merged.ce.bitPattern, unsplit.ce.bitPattern, "\(model.name), \(count) parts")
                XCTAssertEqual(merged.accuracy.bitPattern, unsplit.accuracy.bitPattern, "\(model.name), \(count) parts")
                XCTAssertEqual(merged.perTimestepCE.map(\.bitPattern), unsplit.perTimestepCE.map(\.bitPattern))
                XCTAssertEqual(merged.examples, unsplit.examples)
                XCTAssertEqual(merged.predictedFrames, unsplit.predictedFrames)
            }
        }
    }

    func testScoresFromTheWrongStreamsAreCaught() throws {
        // Scoring a later shard as if it began at window 0 samples other random streams: the
        // accuracy moves, which is what the firstExample offset is there to prevent.
        let data = windows(count: 6, frames: 5)
        let evaluator = TeacherForcedEvaluator(settings: EvaluationSettings(maskgitSteps: 2, temperature: 1, seed: 9, batchSize: 3))
        let copy = try CopyPredictor(mixing: 0.5)
        let right = try evaluator.scoreWindows(copy, windows: data[3...], firstExample: 3).windows
        let wrong = try evaluator.scoreWindows(copy, windows: data[3...], firstExample: 0).windows
        XCTAssertEqual(right.map(\.ce), wrong.map(\.ce))  // CE comes from the first step's logits
        XCTAssertNotEqual(right.map(\.correct), wrong.map(\.correct))
    }

    func testCombineRefusesPartsOfDifferentJobsAndGaps() throws {
        let settings = EvaluationSettings()
        func part(_ index: Int, of count: Int, first: Int, windows: Int, data: String = "a") throws -> EvaluationPart {
            EvaluationPart(toolVersion: "test", shard: try ShardSpec(index: index, count: count), job: ["data": .string(data)],
                           predictor: "copy", settings: settings, firstWindow: first, totalWindows: 4,
                           windows: Array(repeating: WindowScore(ce: [1.5], tokensPerFrame: 4, correct: 2), count: windows),
                           seconds: 1, lpips: nil)
        }
        XCTAssertEqual(try ScoreShards.combine([part(0, of: 2, first: 0, windows: 2), part(1, of: 2, first: 2, windows: 2)], names: ["p0", "p1"]).ce, 1.5 / 4)
        assertPartError("p1", "job {\"data\": \"b\"} differs from {\"data\": \"a\"} in p0") {
            _ = try ScoreShards.combine([part(0, of: 2, first: 0, windows: 2), part(1, of: 2, first: 2, windows: 2, data: "b")], names: ["p0", "p1"])
        }
        assertPartError("p1", "starts at window 3 where window 2 was expected") {
            _ = try ScoreShards.combine([part(0, of: 2, first: 0, windows: 2), part(1, of: 2, first: 3, windows: 1)], names: ["p0", "p1"])
        }
        assertPartError("p0", "1 of 2 parts missing (shard 1)") {
            _ = try ScoreShards.combine([part(0, of: 2, first: 0, windows: 2)], names: ["p0"])
        }
    }
}

/// Asserts `body` throws a `PartError` about `file` whose one line contains `words`.
private func assertPartError(_ file: String, _ words: String, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error about \(file)", line: line)
    } catch let error as PartError {
        XCTAssertEqual(error.file, file, line: line)
        XCTAssertTrue(error.description.contains(words), "\"\(error)\" lacks \"\(words)\"", line: line)
    } catch {
        XCTFail("unexpected error \(error)", line: line)
    }
}
