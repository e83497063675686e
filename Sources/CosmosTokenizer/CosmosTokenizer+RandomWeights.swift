import MagvitCodec

extension CosmosTokenizer {
    /// A tokenizer of `config`'s size with seeded random weights, for `tokentool bench`: the
    /// same arithmetic as the real one. Convolutions are uniform in +-1/sqrt(fan-in), norms
    /// the identity, so activations keep their scale through the network.
    public convenience init(randomWeights config: CosmosConfig, parts: Set<Part> = [.encoder, .decoder], seed: UInt64, imageSize: Int? = 256) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let scope = ParameterScope { key, shape in
            let count = shape.reduce(1, *)
            if key.hasSuffix("norm.weight") { return Tensor(shape: shape, data: [Float](repeating: 1, count: count)) }
            if key.hasSuffix("norm.bias") { return Tensor(zeros: shape) }
            let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
            let bound = key.hasSuffix("bias") ? 0.05 : 1 / Float(fanIn).squareRoot()
            return Tensor(shape: shape, data: (0..<count).map { _ in
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * bound
            })
        }
        self.init(config: config, parts: parts, scope: scope, imageSize: imageSize, paths: ["random weights"])
    }
}
