import Foundation
import XCTest
import Predictor
import Core

/// Measures GENIE_35M-size teacher-forced scoring (random weights). Not a test of speed (no
/// timing assertions); it runs only when GENIE_BENCHMARK=1, in a release build (other test
/// targets use `@testable`, hence `-enable-testing`):
///
///     GENIE_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing --filter GenieBenchmarkTests
///
/// Compare with `python torch_genie.py time` (bench/) in the same sitting.
final class GenieBenchmarkTests: XCTestCase {
    func testMeasureTeacherForcedSecondsPerPredictedFrame() throws {
        guard ProcessInfo.processInfo.environment["GENIE_BENCHMARK"] == "1" else {
            throw XCTSkip("set GENIE_BENCHMARK=1 to measure")
        }
        let windowsCount = Int(ProcessInfo.processInfo.environment["GENIE_BENCHMARK_WINDOWS"] ?? "") ?? 1
        let config = GenieConfig.genie35M
        let model = try GenieModel(config: config, seed: 1)
        var rng = Xoshiro256(seed: 2)
        let windows = (0 ..< windowsCount).map { _ in
            (0 ..< config.T).map { _ in (0 ..< config.S).map { _ in UInt32(rng.next() % 262_144) } }
        }
        _ = try model.predict(context: [windows[0][0]], known: nil) // warm-up
        let start = Date()
        let logits = try model.teacherForced(windows: windows)
        let seconds = Date().timeIntervalSince(start)
        let frames = logits.reduce(0) { $0 + $1.count }
        print(String(format: "GENIE_35M teacher-forced: %d windows, %d predicted frames, %.3f s, %.4f s per predicted frame", windowsCount, frames, seconds, seconds / Double(frames)))
        XCTAssertEqual(frames, windowsCount * (config.T - 1))
    }
}
