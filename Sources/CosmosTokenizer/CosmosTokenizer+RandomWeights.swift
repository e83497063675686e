import MagvitCodec
import Layers

extension CosmosTokenizer {
    /// A tokenizer of `config`'s size with seeded random weights (`RandomWeights`, as the
    /// MAGVIT2 codec's), for `tokentool bench`: the same arithmetic as the real one.
    public convenience init(randomWeights config: CosmosConfig, parts: Set<Part> = [.encoder, .decoder], seed: UInt64, imageSize: Int? = 256) {
        let scope = ParameterScope { key, shape in RandomWeights.tensor(key, shape: shape, seed: seed) }
        self.init(config: config, parts: parts, scope: scope, imageSize: imageSize, paths: ["random weights"])
    }
}
