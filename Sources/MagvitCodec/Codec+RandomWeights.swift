import Core
import Layers

extension Codec {
    /// A codec of the given shape with seeded random weights (`RandomWeights`), for benchmarks:
    /// convolution weights uniform in +-1/sqrt(fan_in) (PyTorch's default), biases in +-0.05,
    /// norms the identity. Each key gets its own stream, so a weight does not depend on which
    /// parts load.
    public convenience init(config: CodecConfig, seed: UInt64, parts: Set<Part> = [.encoder, .decoder]) {
        self.init(config: config, weightSet: .plain, parts: parts, scope: ParameterScope(RandomWeights(seed: seed)))
    }
}
