import Foundation
import XCTest
@testable import Predictor
import TokenData

final class CopyModelTests: XCTestCase {
    func testSmoothedMassSitsOnThePreviousToken() throws {
        let previous: FrameTokens = (0..<256).map { UInt32($0 * 1021 % 262_144) }
        let logits = try CopyPredictor(mixing: 0.2).predict(context: [[UInt32](repeating: 0, count: 256), previous], known: nil)
        for v in 0..<2 {
            for s in [0, 17, 255] {
                let start = logits.rowStart(factor: v, position: s)
                let row = logits.values[start..<(start + 512)].map { Double(exp($0)) }
                let expected = Int(v == 0 ? previous[s] % 512 : previous[s] / 512)
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
                XCTAssertEqual(row[expected], 0.8 + 0.2 / 512, accuracy: 1e-6)
                XCTAssertEqual(row[(expected + 1) % 512], 0.2 / 512, accuracy: 1e-8)
            }
        }
        // CE when the next frame repeats the previous one: 2 * -log(0.8 + 0.2/512).
        XCTAssertEqual(logits.crossEntropySum(truth: previous) / Double(logits.positions), -2 * log(0.8 + 0.2 / 512), accuracy: 1e-5)
    }

    func testFitMixingMinimizesCrossEntropyOnItsWindows() throws {
        let dataset = try SyntheticTokens.dataset(self, segments: 2, framesPerSegment: 30)
        // Consecutive frames (stride 1) change little enough that the best eps is below 0.5.
        let windows = WindowSet(dataset: dataset, spec: try WindowSpec(length: 4, stride: 1), filterOverlaps: true)
        // Per segment starts 0...26; looking back 1, 2, 3 frames keeps every fourth: 0, 4, ..., 24.
        XCTAssertEqual(windows.starts, [0, 4, 8, 12, 16, 20, 24, 30, 34, 38, 42, 46, 50, 54])
        let fit = CopyPredictor.fit(dataset: dataset, windows: windows)
        let eps = fit.mixing
        XCTAssertGreaterThan(eps, 0.01)
        XCTAssertLessThan(eps, 0.5)
        func crossEntropy(_ mixing: Float) throws -> Double {
            try BaselineEvaluation.meanCrossEntropy(of: try CopyPredictor(mixing: mixing), dataset: dataset, windows: windows)
        }
        let atFit = try crossEntropy(eps)
        print("copy fit: eps \(eps), CE \(atFit); eps/2 \(try crossEntropy(eps * 0.5)); 2 eps \(try crossEntropy(eps * 2))")
        for factor: Float in [0.5, 0.9, 1.1, 2] {
            XCTAssertLessThanOrEqual(atFit, try crossEntropy(eps * factor), "eps x \(factor)")
        }
    }

    func testMixingOutsideZeroToOneIsRejected() {
        for bad: Float in [0, -0.1, 1.5, .nan] {
            XCTAssertThrowsError(try CopyPredictor(mixing: bad), "mixing \(bad)")
        }
        XCTAssertNoThrow(try CopyPredictor(mixing: 1))
    }
}
