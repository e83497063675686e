import Layers

extension CosmosTokenizer {
    /// A tokenizer of `config`'s size with seeded random weights (`RandomWeights`, as the
    /// MAGVIT2 codec's, rounded to bf16 as NVIDIA's `.jit` files store them), for `tokentool
    /// bench`: the same arithmetic as the real one.
    public convenience init(randomWeights config: CosmosConfig, parts: Set<Part> = [.encoder, .decoder], seed: UInt64, imageSize: Int? = 256) {
        self.init(config: config, parts: parts, scope: ParameterScope(RandomWeights(seed: seed, bfloat16: true)), imageSize: imageSize,
                  paths: ["random weights"])
    }
}
