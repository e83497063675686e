import XCTest
@testable import MagvitCodec

final class FrameRateResamplerTests: XCTestCase {
    private func resample(_ times: [Double], fps: Double, lastDuration: Double, limit: Int? = nil) -> (frames: [Int], instants: [Double]) {
        var resampler = FrameRateResampler<Int>(fps: fps, limit: limit)
        var frames: [Int] = [], instants: [Double] = []
        let emit = { (frame: Int, index: Int, time: Double) in
            XCTAssertEqual(index, frames.count)
            frames.append(frame)
            instants.append(time)
        }
        for (i, t) in times.enumerated() where !resampler.isDone { resampler.push(i, at: t, emit: emit) }
        resampler.finish(lastFrameDuration: lastDuration, emit: emit)
        return (frames, instants)
    }

    func testEachInstantShowsTheLatestFrameNotAfterIt() {
        let result = resample([0, 0.05, 0.30, 0.31, 0.5], fps: 10, lastDuration: 0.1)
        XCTAssertEqual(result.frames, [0, 1, 1, 2, 3, 4])
        for (k, t) in result.instants.enumerated() { XCTAssertEqual(t, Double(k) / 10, accuracy: 1e-12) }
    }

    func testInstantsStartAtTheFirstFrameTime() {
        let result = resample([1.5, 1.54, 1.58], fps: 25, lastDuration: 0.04)
        XCTAssertEqual(result.frames, [0, 1, 2])
        XCTAssertEqual(result.instants[0], 1.5, accuracy: 1e-12)
    }

    func testUpsamplingRepeatsAndDownsamplingDropsFrames() {
        let source = (0..<50).map { Double($0) / 25 }
        let up = resample(source, fps: 30, lastDuration: 0.04)
        XCTAssertEqual(up.frames.count, 60)
        XCTAssertEqual(up.frames, (0..<60).map { $0 * 25 / 30 })
        let down = resample(source, fps: 10, lastDuration: 0.04)
        XCTAssertEqual(down.frames, (0..<20).map { $0 * 25 / 10 })
    }

    func testLimitStopsOutput() {
        XCTAssertEqual(resample((0..<50).map { Double($0) / 25 }, fps: 10, lastDuration: 0.04, limit: 7).frames.count, 7)
    }

    func testBackwardTimestampReplacesThePendingFrame() {
        XCTAssertEqual(resample([0, 0.1, 0.05, 0.2], fps: 10, lastDuration: 0.1).frames, [0, 2, 3])
    }
}
