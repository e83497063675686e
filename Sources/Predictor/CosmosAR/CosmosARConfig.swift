import Foundation
import TokenData

/// The sizes of a Cosmos-Predict1 autoregressive transformer. Everything but `ropeTheta`,
/// `normEps` and `latentShape` is read off the checkpoint's tensor shapes (see the loader);
/// those three are not in the file and default to the 4B's values.
public struct CosmosARConfig: Codable, Equatable, Sendable {
    public var dim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    /// Not always dim / heads (the 12B family member sets 128 with dim 5120).
    public var headDim: Int
    public var ffnHidden: Int
    public var vocabSize: Int
    public var normEps: Float = 1e-5
    public var ropeTheta: Float = 500_000
    /// (t, h, w) of one clip's latent grid; its product is the longest sequence (3072).
    public var latentShape: [Int] = [3, 32, 32]

    /// The 4B the 1X fork runs: 16 layers of width 4096, 32 heads over 8 kv heads.
    public static let cosmos4B = CosmosARConfig(dim: 4096, layers: 16, heads: 32, kvHeads: 8, headDim: 128,
                                                ffnHidden: 14336, vocabSize: Vocabulary.cosmosDV.size)

    public init(dim: Int, layers: Int, heads: Int, kvHeads: Int, headDim: Int, ffnHidden: Int, vocabSize: Int,
                ropeTheta: Float = 500_000, latentShape: [Int] = [3, 32, 32]) {
        self.dim = dim
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ffnHidden = ffnHidden
        self.vocabSize = vocabSize
        self.ropeTheta = ropeTheta
        self.latentShape = latentShape
    }

    public var maxSequenceLength: Int { latentShape.reduce(1, *) }
    /// The codes the head scores, one flat softmax (`Vocabulary.cosmosDV` for the 1X data).
    public var vocabulary: Vocabulary { .flat(size: vocabSize) }
    public var tokensPerLatentFrame: Int { latentShape.dropFirst().reduce(1, *) }

    /// Channels of a head given to time and to each spatial axis: s = (headDim / 6) * 2 with
    /// integer division, t = headDim - 2s (128: 44 / 42 / 42).
    public var ropeSplit: (time: Int, space: Int) {
        let space = headDim / 6 * 2
        return (headDim - 2 * space, space)
    }

    /// Parameters, embeddings and output head included.
    public var parameterCount: Int {
        let perLayer = 2 * dim * heads * headDim + 2 * dim * kvHeads * headDim + 3 * dim * ffnHidden + 2 * dim + 2 * headDim
        return layers * perLayer + 2 * vocabSize * dim + dim
    }

    /// Bytes one decode step reads: every bf16 weight but the embedding table.
    public var decodeWeightBytes: Int { 2 * (parameterCount - vocabSize * dim) }

    /// Multiply-adds x 2 of one layer over a causal window of n tokens from position 0
    /// (attention counts only the keys each query sees), as the PyTorch rebuild counts them.
    public func layerFLOPs(tokens n: Int) -> Double {
        let qd = heads * headDim, kd = kvHeads * headDim
        let projections = 2.0 * Double(n) * Double(dim * qd * 2 + dim * kd * 2 + 3 * dim * ffnHidden)
        let attention = 4.0 * Double(heads * headDim) * Double(n) * Double(n + 1) / 2
        return projections + attention
    }
}
