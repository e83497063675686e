import XCTest
@testable import MagvitCodec
import Layers
import Core

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

    /// `RandomWeights` (now on Core's SplitMix64) gives the values of the generator it replaced,
    /// written out here as it was: the bench and the tests depend on them bit for bit.
    func testRandomWeightsKeepTheirValues() {
        func inline(_ key: String, shape: [Int], seed: UInt64) -> [Float] {
            let count = shape.reduce(1, *)
            let halfWidth: Float = shape.count >= 4 ? 1 / Float(shape.dropFirst().reduce(1, *)).squareRoot() : 0.05
            var state = key.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } ^ seed
            return (0..<count).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                let unit = Float(z >> 40) / Float(1 << 24)
                return halfWidth * (2 * unit - 1)
            }
        }
        for (key, shape) in [("decoder.conv_in.weight", [64, 18, 3, 3]), ("decoder.conv_in.bias", [64]),
                             ("encoder.conv_in.0.conv3d.weight", [24, 192, 1, 3, 3])] {
            XCTAssertEqual(RandomWeights.tensor(key, shape: shape, seed: 7).data.map(\.bitPattern),
                           inline(key, shape: shape, seed: 7).map(\.bitPattern), key)
        }
        let scope = ParameterScope(RandomWeights(seed: 7)).child("decoder").child("norm_out")
        XCTAssertEqual(scope("weight", shape: [3]).data, [1, 1, 1])
        XCTAssertEqual(scope("bias", shape: [3]).data, [0, 0, 0])
    }
}
