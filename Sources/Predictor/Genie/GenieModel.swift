import Foundation
import Core
import Layers
import TokenData

/// GENIE (STMaskGIT), the 1X challenge's baseline world model: factored token embedding plus
/// learned space-time position embedding, `num_layers` ST blocks, and a readout to 2 x 512
/// factored logits per token. Weights are named by their checkpoint keys.
///
/// Load a Hugging Face checkpoint directory with `init(directory:)`; `init(config:seed:)` makes
/// one with seeded random weights for benchmarks.
public final class GenieModel {
    public let config: GenieConfig
    let tokenEmbed: TokenEmbedding
    let posEmbedTSC: Parameter
    let layers: [STBlock]
    let outXProj: Linear

    /// Most frames (context plus queries) put through the model in one pass; bounds the
    /// activations' memory when many windows are scored at once.
    public var framesPerPass = 64

    init(config: GenieConfig, scope: ParameterScope) {
        self.config = config
        tokenEmbed = TokenEmbedding(scope.child("token_embed"), config: config)
        posEmbedTSC = scope.parameter("pos_embed_TSC", shape: [1, config.T, config.S, config.dModel])
        layers = (0 ..< config.numLayers).map { STBlock(scope.child("decoder").child("layers").child($0), config: config) }
        outXProj = Linear(scope.child("out_x_proj"), in: config.dModel, out: config.vocabulary.logitsPerPosition, bias: true)
    }

    /// Runs every frame of `plan` through the model and returns the logits of the frames
    /// listed in `readout`, in that order.
    func run(_ plan: FramePlan, readout: [Int]) -> [FrameLogits] {
        let S = config.S, d = config.dModel
        let work = Workspace(rows: plan.frameCount * S, config: config)
        tokenEmbed(plan.tokens, into: work.x)
        let positions = plan.positions, pos = posEmbedTSC.readOnly, x = work.x
        Kernels.parallelFor(positions.count) { frames in
            for f in frames {
                let row = x + f * S * d, embed = pos + positions[f] * S * d
                for i in 0 ..< S * d { row[i] += embed[i] }
            }
        }
        for layer in layers { layer(plan, work: work) }
        return readout.map { readoutLogits(frame: $0, work: work) }
    }

    /// `out_x_proj` of one frame's tokens (divided by d_model/256 first under muP), written
    /// straight into the factored layout: factor v is output channels v*512 ..< (v+1)*512.
    private func readoutLogits(frame f: Int, work: Workspace) -> FrameLogits {
        let S = config.S, d = config.dModel, vocabulary = config.vocabulary, classes = vocabulary.classes
        let inputScale: Float = config.useMup ? 256 / Float(d) : 1
        var logits = FrameLogits(zerosFor: S, vocabulary: vocabulary)
        logits.values.withUnsafeMutableBufferPointer { out in
            for v in 0 ..< vocabulary.factors {
                let block = out.baseAddress! + v * S * classes
                // Bias first, the product added to it (as in `Linear`).
                if let bias = outXProj.bias {
                    Kernels.fillRows(block, with: bias.readOnly + v * classes, rows: S, width: classes)
                }
                Kernels.gemm(
                    transB: true, m: S, n: classes, k: d, alpha: inputScale,
                    a: work.x + f * S * d, lda: d,
                    b: outXProj.weight.readOnly + v * classes * d, ldb: d,
                    beta: outXProj.bias == nil ? 0 : 1, c: block, ldc: classes)
            }
        }
        return logits
    }
}
