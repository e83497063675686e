import XCTest
import TestSupport
import Predictor
import TokenData
import Core

/// The shared-context paths (one causal pass over a window's true frames, then every predicted
/// frame as a query) must give what the reference's way gives: the whole window with frames
/// >= t masked, run causally. Random weights, every config switch.
final class GenieSharedContextTests: XCTestCase {
    private func tinyConfig(qkNorm: Bool = false, useMup: Bool = false, biases: Bool = false) -> GenieConfig {
        GenieConfig(numLayers: 2, numHeads: 4, dModel: 32, T: 6, S: 16, useMup: useMup,
                    qkvBias: biases, projBias: biases, qkNorm: qkNorm, mlpRatio: 2, mlpBias: biases)
    }

    private func randomWindow(frames: Int, positions: Int, seed: UInt64) -> [FrameTokens] {
        var rng = Xoshiro256(seed: seed)
        return (0 ..< frames).map { _ in (0 ..< positions).map { _ in UInt32(rng.next() % 262_144) } }
    }

    private func maxAbsDifference(_ a: FrameLogits, _ b: FrameLogits) -> Float {
        zip(a.values, b.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    private func checkTeacherForcedMatchesReferenceAndPredict(_ config: GenieConfig, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try GenieModel(config: config, seed: 7)
        model.framesPerPass = 12 // forces several passes, so packing is exercised too
        // Two windows of T frames, one longer than T (its late frames slide the context).
        let windows = [6, 6, 8].enumerated().map { randomWindow(frames: $1, positions: config.S, seed: UInt64($0)) }
        let shared = try model.teacherForced(windows: windows)

        var worstReference: Float = 0, worstPredict: Float = 0
        for (w, window) in windows.enumerated() {
            XCTAssertEqual(shared[w].count, window.count - 1, file: file, line: line)
            for t in 1 ..< window.count {
                let single = try model.predict(context: Array(window[..<t]), known: nil)
                worstPredict = max(worstPredict, maxAbsDifference(shared[w][t - 1], single))
                let slid = Array(window[max(0, t - (config.T - 1)) ... t])
                let reference = try model.logitsMaskingFrames(from: slid.count - 1, of: slid)
                worstReference = max(worstReference, maxAbsDifference(shared[w][t - 1], reference))
            }
        }
        print("qk_norm \(config.qkNorm) mup \(config.useMup) biases \(config.qkvBias): max |shared - masked window| \(worstReference), max |shared - predict| \(worstPredict)")
        XCTAssertLessThan(worstReference, 1e-4, file: file, line: line)
        XCTAssertLessThan(worstPredict, 1e-4, file: file, line: line)
        // Logits must depend on the context at all, or the comparisons above prove nothing.
        XCTAssertGreaterThan(maxAbsDifference(shared[0][0], shared[0][4]), 1e-3, file: file, line: line)
    }

    func testSharedContextMatchesMaskedWindowWithLayerNorms() throws {
        try checkTeacherForcedMatchesReferenceAndPredict(tinyConfig())
    }

    func testSharedContextMatchesMaskedWindowWithQKNorm() throws {
        try checkTeacherForcedMatchesReferenceAndPredict(tinyConfig(qkNorm: true))
    }

    func testSharedContextMatchesMaskedWindowWithMupAndBiases() throws {
        try checkTeacherForcedMatchesReferenceAndPredict(tinyConfig(useMup: true, biases: true))
    }

    func testKnownTokensChangeOnlyTheQueriedFrame() throws {
        let config = tinyConfig()
        let model = try GenieModel(config: config, seed: 3)
        let window = randomWindow(frames: 4, positions: config.S, seed: 9)
        var known = [KnownTokens?](repeating: nil, count: 3)
        known[1] = window[2].enumerated().map { $0.offset % 2 == 0 ? $0.element : nil }
        let partly = try model.teacherForced(windows: [window], known: [known])[0]
        let masked = try model.teacherForced(windows: [window])[0]
        let direct = try model.predict(context: Array(window[..<2]), known: known[1])
        XCTAssertEqual(maxAbsDifference(partly[0], masked[0]), 0)
        XCTAssertEqual(maxAbsDifference(partly[2], masked[2]), 0)
        XCTAssertGreaterThan(maxAbsDifference(partly[1], masked[1]), 1e-3)
        XCTAssertLessThan(maxAbsDifference(partly[1], direct), 1e-4)
    }

    func testLongContextSlidesToTheLastTMinusOneFrames() throws {
        let config = tinyConfig()
        let model = try GenieModel(config: config, seed: 5)
        let window = randomWindow(frames: 9, positions: config.S, seed: 2)
        let all = try model.predict(context: window, known: nil)
        let last = try model.predict(context: Array(window.suffix(config.T - 1)), known: nil)
        let fewer = try model.predict(context: Array(window.suffix(config.T - 2)), known: nil)
        XCTAssertEqual(maxAbsDifference(all, last), 0)
        XCTAssertGreaterThan(maxAbsDifference(all, fewer), 1e-3)
    }

    func testBadInputIsAnErrorNotACrash() throws {
        let config = tinyConfig()
        let model = try GenieModel(config: config, seed: 1)
        let good = randomWindow(frames: 3, positions: config.S, seed: 4)
        XCTAssertThrowsError(try model.predict(context: [Array(good[0].prefix(5))], known: nil)) {
            XCTAssertTrue("\($0)".contains("5 tokens"), "\($0)")
        }
        var bad = good
        bad[1][3] = 262_145
        XCTAssertThrowsError(try model.teacherForced(windows: [bad])) {
            XCTAssertTrue("\($0)".contains("262145"), "\($0)")
        }
        XCTAssertThrowsError(try GenieModel(config: GenieConfig(numLayers: 1, numHeads: 3, dModel: 32), seed: 0))
    }
}
