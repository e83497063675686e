import Core
import Layers

extension GenieModel {
    /// A model of the given shape with seeded random weights, for benchmarks and tests
    /// (e.g. `GenieConfig.genie35M`). Linear weights are uniform in +-1/sqrt(fan_in) like
    /// PyTorch's default, embeddings uniform in +-1, LayerNorm weights near 1.
    public convenience init(config: GenieConfig, seed: UInt64) throws {
        if let problem = config.problem { throw GenieError.badConfig(path: "(in memory)", reason: problem) }
        self.init(config: config, scope: ParameterScope(GenieRandomWeights(seed: seed)))
    }
}

/// Seeded random weights of GENIE's own distribution (xoshiro streams, not the convolutional
/// models' `RandomWeights`); each key gets its own stream, so a weight does not change when
/// others are added or removed.
private final class GenieRandomWeights: WeightProvider {
    let seed: UInt64

    init(seed: UInt64) { self.seed = seed }

    func tensor(_ key: String, shape: [Int]) -> Tensor {
        var rng = Xoshiro256(seed: seed, stream: stableHash(key))
        let count = shape.reduce(1, *)
        let isNormWeight = key.hasSuffix(".weight") && key.split(separator: ".").dropLast().last?.hasPrefix("norm") == true
        let (center, halfWidth): (Float, Float)
        if isNormWeight {
            (center, halfWidth) = (1, 0.1)
        } else if key.contains("embed") {
            (center, halfWidth) = (0, 1)
        } else {
            (center, halfWidth) = (0, 1 / Float(shape.last ?? 1).squareRoot())
        }
        let data = (0 ..< count).map { _ in center + halfWidth * (2 * rng.nextUnitFloat() - 1) }
        return Tensor(shape: shape, data: data)
    }

    /// FNV-1a: Swift's `hashValue` is randomised per process.
    private func stableHash(_ key: String) -> UInt64 {
        key.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
