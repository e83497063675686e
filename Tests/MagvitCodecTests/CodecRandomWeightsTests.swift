import XCTest
@testable import MagvitCodec

final class CodecRandomWeightsTests: XCTestCase {
    func testConvolutionFLOPsOfThe1XCodecMatchTheIssuesCount() {
        // 186.7 and 135.8 GFLOP per frame: the counts that PyTorch's profiler-free estimate in
        // the performance issue gives for the 1X tokenizer.
        let codec = Codec(config: .magvit2, seed: 1, parts: [])
        XCTAssertEqual(codec.flopsPerFrame(.decoder) / 1e9, 186.7, accuracy: 0.1)
        XCTAssertEqual(codec.flopsPerFrame(.encoder) / 1e9, 135.8, accuracy: 0.1)
    }

    func testRandomCodecIsSeededAndDecodesToFiniteImages() throws {
        let config = CodecConfig(baseChannels: 32, channelMultipliers: [1, 1, 1, 1, 1], blocksPerLevel: 1, zChannels: 18)
        let tokens = [(0..<256).map { UInt32($0 * 977 % (1 << 18)) }]
        let a = try Codec(config: config, seed: 5, parts: [.decoder]).decode(tokens: tokens)
        let b = try Codec(config: config, seed: 5, parts: [.decoder]).decode(tokens: tokens)
        let c = try Codec(config: config, seed: 6, parts: [.decoder]).decode(tokens: tokens)
        XCTAssertEqual(a.shape, [1, 3, 256, 256])
        XCTAssertEqual(a.data, b.data)
        XCTAssertNotEqual(a.data, c.data)
        XCTAssertTrue(a.data.allSatisfy { $0.isFinite })
        XCTAssertGreaterThan(a.data.reduce(0) { max($0, abs($1)) }, 0.01)
    }
}
