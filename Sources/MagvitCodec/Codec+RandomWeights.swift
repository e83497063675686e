import Core
import Layers

extension Codec {
    /// A codec of the given shape with seeded random weights, for benchmarks: convolution
    /// weights uniform in +-1/sqrt(fan_in) (PyTorch's default), biases in +-0.05, norms the
    /// identity. Each key gets its own stream, so a weight does not depend on which parts load.
    public convenience init(config: CodecConfig, seed: UInt64, parts: Set<Part> = [.encoder, .decoder]) {
        self.init(config: config, weightSet: .plain, parts: parts, scope: ParameterScope { key, shape in
            RandomWeights.tensor(key, shape: shape, seed: seed)
        })
    }
}

/// Seeded random weights for benchmarks of convolutional models (the MAGVIT2 codec, the Cosmos
/// tokenizer): the same arithmetic as real weights, with activations that keep their scale.
public enum RandomWeights {
    /// Convolution weights (rank 4 or 5, out first) uniform in +-1/sqrt(fan_in), other tensors
    /// in +-0.05, the weights and biases of `norm*` layers the identity.
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
        var state = key.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } ^ seed
        var data = [Float](repeating: 0, count: count)
        for i in 0..<count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let unit = Float(z >> 40) / Float(1 << 24)  // [0, 1)
            data[i] = halfWidth * (2 * unit - 1)
        }
        return Tensor(shape: shape, data: data)
    }
}
