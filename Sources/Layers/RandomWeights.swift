import Core

/// Seeded random weights for benchmarks of convolutional models (the MAGVIT2 codec, the Cosmos
/// tokenizer): the same arithmetic as real weights, with activations that keep their scale.
/// Use as `ParameterScope(RandomWeights(seed: seed))`. Each key gets its own stream, so a weight
/// does not depend on which other weights (or model parts) are loaded.
public final class RandomWeights: WeightProvider {
    public let seed: UInt64
    /// Whether every value is rounded to the nearest bfloat16, as in a checkpoint stored in bf16
    /// (the Cosmos tokenizer's `.jit` files): kernels that use bf16 hardware on such weights
    /// (AMX tiles) then run in the benchmark as on the real file.
    public let bfloat16: Bool

    public init(seed: UInt64, bfloat16: Bool = false) {
        self.seed = seed
        self.bfloat16 = bfloat16
    }

    public func tensor(_ key: String, shape: [Int]) -> Tensor {
        let t = Self.tensor(key, shape: shape, seed: seed)
        guard bfloat16 else { return t }
        return Tensor(shape: shape, data: t.data.map { value in
            let bits = value.bitPattern
            return Float(bitPattern: (bits &+ 0x7FFF &+ (bits >> 16 & 1)) & 0xFFFF_0000)
        })
    }

    /// Convolution weights (rank 4 or 5, out first) uniform in +-1/sqrt(fan_in) (PyTorch's
    /// default), other tensors in +-0.05, the weights and biases of `norm*` layers the identity.
    public static func tensor(_ key: String, shape: [Int], seed: UInt64) -> Tensor {
        let count = shape.reduce(1, *)
        let layer = key.split(separator: ".").dropLast().last ?? ""
        if layer.hasPrefix("norm") {
            return Tensor(shape: shape, data: [Float](repeating: key.hasSuffix(".weight") ? 1 : 0, count: count))
        }
        let halfWidth: Float = shape.count >= 4
            ? 1 / Float(shape.dropFirst().reduce(1, *)).squareRoot()
            : 0.05
        // FNV-1a of the key picks the stream: Swift's `hashValue` is randomised per process.
        var rng = SplitMix64(state: key.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } ^ seed)
        var data = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let unit = Float(rng.next() >> 40) / Float(1 << 24)  // [0, 1)
            data[i] = halfWidth * (2 * unit - 1)
        }
        return Tensor(shape: shape, data: data)
    }
}
