import Core
import Layers
import TokenData

/// `token_embed`: a token is the sum of the embeddings of its two factors
/// (`factored_embeds.0[x % 512] + factored_embeds.1[x / 512]`); the mask id has its own
/// vector, `mask_token_embed`.
struct TokenEmbedding {
    let factoredEmbeds: [Parameter]
    let maskTokenEmbed: Parameter
    let d: Int
    let maskID: UInt32

    init(_ scope: ParameterScope, config: GenieConfig) {
        d = config.dModel
        maskID = config.maskTokenID
        factoredEmbeds = (0 ..< 2).map {
            scope.child("factored_embeds").child($0).parameter("weight", shape: [config.factoredVocabSize, config.dModel])
        }
        maskTokenEmbed = scope.parameter("mask_token_embed", shape: [1, config.dModel])
    }

    /// Writes the embedding of each token into consecutive rows of `x`. Tokens must be at most
    /// the mask id (the model checks its input before it gets here).
    func callAsFunction(_ tokens: [UInt32], into x: UnsafeMutablePointer<Float>) {
        let classes = UInt32(Vocabulary.magvit2.classes), d = d, maskID = maskID
        let e0 = factoredEmbeds[0].readOnly, e1 = factoredEmbeds[1].readOnly, mask = maskTokenEmbed.readOnly
        tokens.withUnsafeBufferPointer { tokens in
            Kernels.parallelFor(tokens.count, minimumPerThread: 256) { range in
                for r in range {
                    let row = x + r * d, token = tokens[r]
                    if token == maskID {
                        row.update(from: mask, count: d)
                    } else {
                        let a = e0 + Int(token % classes) * d, b = e1 + Int(token / classes) * d
                        for i in 0 ..< d { row[i] = a[i] + b[i] }
                    }
                }
            }
        }
    }
}
