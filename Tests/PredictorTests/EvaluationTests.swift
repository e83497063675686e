import Foundation
import XCTest
import Predictor
import TokenData

/// Predicts the previous frame: logit `peak` on each factor of the previous frame's token,
/// 0 elsewhere. Uses the protocol's default (one `predict` per frame) teacher forcing.
private final class PreviousFramePredictor: FramePredictor {
    let peak: Float
    let vocabulary: Vocabulary
    init(peak: Float, vocabulary: Vocabulary = .magvit2) {
        self.peak = peak
        self.vocabulary = vocabulary
    }
    var name: String { "previous frame" }
    var maxFrames: Int? { nil }

    func predict(context: [FrameTokens], known: KnownTokens?) throws -> FrameLogits {
        let last = context.last!
        var logits = FrameLogits(zerosFor: last.count, vocabulary: vocabulary)
        for (s, token) in last.enumerated() {
            for f in 0 ..< vocabulary.factors {
                logits.values[logits.rowStart(factor: f, position: s) + vocabulary.digit(of: token, factor: f)] = peak
            }
        }
        return logits
    }
}

final class EvaluationTests: XCTestCase {
    /// Window w: frame t keeps the previous frame's token at positions s < 4 + t and puts a
    /// fresh one (both factors different) elsewhere.
    private func windows(count: Int, frames: Int, positions: Int) -> [[FrameTokens]] {
        (0 ..< count).map { w in
            var window: [FrameTokens] = [(0 ..< positions).map { UInt32($0 * 3 + w) }]
            for t in 1 ..< frames {
                window.append(window[t - 1].enumerated().map { s, token in
                    s < 4 + t ? token : (token + 513) % 262_144
                })
            }
            return window
        }
    }

    func testCrossEntropyAndAccuracyMatchTheirDefinitions() throws {
        let peak: Float = 5, positions = 16, frames = 5
        let evaluator = TeacherForcedEvaluator(settings: EvaluationSettings(maskgitSteps: 1, temperature: 0, batchSize: 2))
        var batches = 0
        let report = try evaluator.evaluate(PreviousFramePredictor(peak: peak), windows: windows(count: 3, frames: frames, positions: positions)) { progress in
            batches += 1
            XCTAssertEqual(progress.predictions.count, progress.windows.count)
            XCTAssertEqual(progress.predictions.first?.count, frames - 1)
        }
        // Per factor: right class -log(e^peak / (e^peak + 511)), wrong class log(e^peak + 511).
        let z = exp(Double(peak)) + 511
        let right = log(z) - Double(peak), wrong = log(z)
        let expectedPerT = (1 ..< frames).map { t -> Double in
            let kept = Double(4 + t) / Double(positions)
            return 2 * (kept * right + (1 - kept) * wrong)
        }
        for (got, want) in zip(report.perTimestepCE, expectedPerT) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        XCTAssertEqual(report.ce, expectedPerT.reduce(0, +) / Double(frames - 1), accuracy: 1e-9)
        // Greedy picks the previous token, right exactly where it was kept.
        XCTAssertEqual(report.accuracy, (1 ..< frames).map { Double(4 + $0) }.reduce(0, +) / Double(positions * (frames - 1)), accuracy: 1e-12)
        XCTAssertEqual(report.examples, 3)
        XCTAssertEqual(report.predictedFrames, 12)
        XCTAssertEqual(batches, 2)
        XCTAssertNil(report.lpips)
        XCTAssertEqual(report.predictor, "previous frame")
    }

    /// A predictor over a flat vocabulary goes through the same evaluator, MaskGIT and CE:
    /// one softmax of `size` classes per position.
    func testFlatVocabularyPredictorIsScoredWithOneSoftmaxPerPosition() throws {
        let peak: Float = 3, positions = 8, frames = 4, size = 1000
        let data = windows(count: 2, frames: frames, positions: positions).map { $0.map { $0.map { $0 % UInt32(size) } } }
        let evaluator = TeacherForcedEvaluator(settings: EvaluationSettings(maskgitSteps: 2, temperature: 0))
        let report = try evaluator.evaluate(PreviousFramePredictor(peak: peak, vocabulary: .flat(size: size)), windows: data)
        let z = exp(Double(peak)) + Double(size - 1)
        let right = log(z) - Double(peak), wrong = log(z)
        var ce = 0.0, correct = 0, tokens = 0
        for window in data {
            for t in 1 ..< frames {
                for (previous, truth) in zip(window[t - 1], window[t]) {
                    ce += previous == truth ? right : wrong
                    correct += previous == truth ? 1 : 0
                    tokens += 1
                }
            }
        }
        XCTAssertEqual(report.ce, ce / Double(tokens), accuracy: 1e-9)
        XCTAssertEqual(report.accuracy, Double(correct) / Double(tokens), accuracy: 1e-12)
        let logits = FrameLogits(zerosFor: 3, vocabulary: .cosmosDV)
        XCTAssertEqual(logits.values.count, 3 * 64_000)
        XCTAssertEqual(logits.crossEntropySum(truth: [0, 63_999, 12_345]) / 3, log(64_000), accuracy: 1e-9)
    }

    func testCrossEntropyOfFlatLogitsIsTwiceLog512() {
        let logits = FrameLogits(zerosFor: 4, vocabulary: .magvit2)
        XCTAssertEqual(logits.crossEntropySum(truth: [0, 1, 262_143, 7777]) / 4, 2 * log(512), accuracy: 1e-9)
    }

    func testReportUsesSnakeCaseKeys() throws {
        let report = try TeacherForcedEvaluator(settings: EvaluationSettings(maskgitSteps: 1))
            .evaluate(PreviousFramePredictor(peak: 1), windows: windows(count: 1, frames: 3, positions: 8))
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
        XCTAssertEqual(Set(json.keys), ["predictor", "ce", "accuracy", "seconds_per_frame", "examples", "predicted_frames", "per_timestep_ce", "settings"])
        let settings = json["settings"] as! [String: Any]
        XCTAssertEqual(Set(settings.keys), ["maskgit_steps", "temperature", "remask_order", "seed", "batch_size"])
        XCTAssertEqual(try JSONDecoder().decode(EvaluationReport.self, from: JSONEncoder().encode(report)), report)
    }

    func testResultsDoNotDependOnBatchSize() throws {
        let config = GenieConfig(numLayers: 1, numHeads: 2, dModel: 16, T: 5, S: 16, mlpRatio: 2)
        let model = try GenieModel(config: config, seed: 4)
        let data = windows(count: 3, frames: 5, positions: 16)
        func run(batchSize: Int) throws -> EvaluationReport {
            try TeacherForcedEvaluator(settings: EvaluationSettings(maskgitSteps: 3, temperature: 1, seed: 9, batchSize: batchSize))
                .evaluate(model, windows: data)
        }
        let one = try run(batchSize: 1), all = try run(batchSize: 3)
        XCTAssertEqual(one.ce, all.ce, accuracy: 1e-6 * one.ce)
        XCTAssertEqual(one.accuracy, all.accuracy)
        XCTAssertEqual(one.perTimestepCE.count, 4)
    }

    func testBadWindowsAreReportedByIndex() {
        let evaluator = TeacherForcedEvaluator()
        var data = windows(count: 2, frames: 3, positions: 8)
        data[1][2][0] = 262_144
        XCTAssertThrowsError(try evaluator.evaluate(PreviousFramePredictor(peak: 1), windows: data)) {
            XCTAssertTrue("\($0)".contains("window 1, frame 2"), "\($0)")
            XCTAssertEqual("\($0)", "window 1, frame 2: token 262144 is not below 2^18")
        }
        var flat = [[FrameTokens]](repeating: [FrameTokens](repeating: FrameTokens(repeating: 0, count: 8), count: 3), count: 2)
        flat[1][2][0] = 999
        XCTAssertThrowsError(try evaluator.evaluate(PreviousFramePredictor(peak: 1, vocabulary: .flat(size: 999)), windows: flat)) {
            XCTAssertEqual("\($0)", "window 1, frame 2: token 999 is not below 999")
        }
        XCTAssertThrowsError(try evaluator.evaluate(PreviousFramePredictor(peak: 1), windows: [[[UInt32](repeating: 0, count: 8)]])) {
            XCTAssertTrue("\($0)".contains("at least 2"), "\($0)")
        }
    }
}
