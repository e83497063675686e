import Core
import Layers

/// The MLP of an ST block: fc1 -> exact GELU -> fc2.
struct MLP {
    let fc1: Linear
    let fc2: Linear

    init(_ scope: ParameterScope, config: GenieConfig) {
        fc1 = Linear(scope.child("fc1"), in: config.dModel, out: config.mlpHidden, bias: config.mlpBias)
        fc2 = Linear(scope.child("fc2"), in: config.mlpHidden, out: config.dModel, bias: config.mlpBias)
    }

    /// `x += fc2(gelu(fc1(input)))`.
    func callAsFunction(_ input: UnsafePointer<Float>, rows: Int, addingTo x: UnsafeMutablePointer<Float>, work: Workspace) {
        fc1(input, rows: rows, into: work.hidden)
        let hidden = work.hidden, width = fc1.outFeatures
        Kernels.parallelFor(rows, minimumPerThread: 16) { range in
            Kernels.gelu(hidden + range.lowerBound * width, count: range.count * width)
        }
        fc2(work.hidden, rows: rows, into: x, accumulating: true)
    }
}

/// One layer of GENIE's decoder (`decoder.layers.{l}`): spatial attention, temporal attention,
/// MLP, each with a residual. `norm1`/`norm2` exist only in models without qk_norm; temporal
/// attention has no pre-norm.
struct STBlock {
    let norm1: LayerNorm?
    let spatialAttn: Attention
    let temporalAttn: Attention
    let norm2: LayerNorm?
    let mlp: MLP

    init(_ scope: ParameterScope, config: GenieConfig) {
        let d = config.dModel
        norm1 = config.qkNorm ? nil : LayerNorm(scope.child("norm1"), width: d)
        spatialAttn = Attention(scope.child("spatial_attn"), config: config)
        temporalAttn = Attention(scope.child("temporal_attn"), config: config)
        norm2 = config.qkNorm ? nil : LayerNorm(scope.child("norm2"), width: d)
        mlp = MLP(scope.child("mlp"), config: config)
    }

    func callAsFunction(_ plan: FramePlan, work: Workspace) {
        let x = work.x, S = plan.framePositions, rows = plan.frameCount * S

        // x = x + spatial_attn(norm1(x))
        spatialAttn.spatial(normalised(x, by: norm1, rows: rows, work: work), frames: plan.frameCount, tokensPerFrame: S, addingTo: x, work: work)
        // x = x + temporal_attn(x), causal in time
        temporalAttn.temporal(x, plan: plan, work: work)
        // x = x + mlp(norm2(x))
        mlp(normalised(x, by: norm2, rows: rows, work: work), rows: rows, addingTo: x, work: work)
    }

    private func normalised(_ x: UnsafeMutablePointer<Float>, by norm: LayerNorm?, rows: Int, work: Workspace) -> UnsafePointer<Float> {
        guard let norm else { return UnsafePointer(x) }
        norm(x, rows: rows, into: work.normed)
        return UnsafePointer(work.normed)
    }
}
