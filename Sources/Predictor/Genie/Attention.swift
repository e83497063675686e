import Foundation
import Core
import Layers

/// Multi-head self-attention of an ST block, used along space (the S tokens of a frame) or
/// along time (one spatial position across the frames of a `FramePlan`, causally).
///
/// `qkv` yields [q | k | v] per token, each (heads, head_dim). With qk_norm one LayerNorm over
/// head_dim (`norm`) is applied to q and to k. Scores are scaled by head_dim^-0.5, or by
/// 8/head_dim under muP.
struct Attention {
    let qkv: Linear
    let proj: Linear
    let norm: LayerNorm?
    let heads: Int
    let headDim: Int
    let scale: Float

    init(_ scope: ParameterScope, config: GenieConfig) {
        let d = config.dModel
        heads = config.numHeads
        headDim = config.headDim
        scale = config.useMup ? 8 / Float(headDim) : 1 / Float(headDim).squareRoot()
        qkv = Linear(scope.child("qkv"), in: d, out: 3 * d, bias: config.qkvBias)
        proj = Linear(scope.child("proj"), in: d, out: d, bias: config.projBias)
        norm = config.qkNorm ? LayerNorm(scope.child("norm"), width: headDim) : nil
    }

    private var d: Int { heads * headDim }

    /// `work.qkv = qkv(input)`, then the qk LayerNorm when the model has one. q and k of a
    /// token are 2 * heads contiguous rows of head_dim, so the norm runs over those rows.
    private func projectQKV(_ input: UnsafePointer<Float>, rows: Int, work: Workspace) {
        qkv(input, rows: rows, into: work.qkv)
        guard let norm else { return }
        let d = d, headDim = headDim, heads = heads, qkvRows = work.qkv
        let weight = norm.weight.readOnly, bias = norm.bias.readOnly, eps = norm.eps
        Kernels.parallelFor(rows, minimumPerThread: 64) { range in
            for r in range {
                let qk = qkvRows + r * 3 * d
                Kernels.layerNorm(qk, into: qk, rows: 2 * heads, width: headDim, weight: weight, bias: bias, eps: eps)
            }
        }
    }

    /// `x += proj(attention over the S tokens of each frame of input)`, for `frames` frames.
    func spatial(_ input: UnsafePointer<Float>, frames: Int, tokensPerFrame S: Int, addingTo x: UnsafeMutablePointer<Float>, work: Workspace) {
        let rows = frames * S, d = d, stride = 3 * d
        projectQKV(input, rows: rows, work: work)
        let heads = heads, headDim = headDim, scale = scale, qkvRows = UnsafePointer(work.qkv), attended = work.attended
        // (frame, head) pairs spread over the cores, each worker with its own scores matrix.
        Kernels.parallelChunks(frames * heads) { range, worker in
            let scores = work.scores + worker * S * S
            for pair in range {
                let f = pair / heads, h = pair % heads
                let q = qkvRows + f * S * stride + h * headDim
                // scores[i, j] = scale * q_i . k_j
                Kernels.gemm(
                    transB: true, m: S, n: S, k: headDim, alpha: scale,
                    a: q, lda: stride, b: q + d, ldb: stride, c: scores, ldc: S)
                Kernels.softmaxRows(scores, rows: S, width: S)
                // attended_i = sum_j p_ij v_j
                Kernels.gemm(
                    m: S, n: headDim, k: S,
                    a: scores, lda: S, b: q + 2 * d, ldb: stride,
                    c: attended + f * S * d + h * headDim, ldc: d)
            }
        }
        proj(work.attended, rows: rows, into: x, accumulating: true)
    }

    /// `x += proj(attention over time)`: at each spatial position, frame f attends to the frames
    /// `plan` lists for it (its causal past and itself).
    func temporal(_ x: UnsafeMutablePointer<Float>, plan: FramePlan, work: Workspace) {
        let S = plan.framePositions, rows = plan.frameCount * S
        projectQKV(x, rows: rows, work: work)
        let d = d, stride = 3 * d, heads = heads, headDim = headDim, scale = scale
        let qkvRows = UnsafePointer(work.qkv), attended = work.attended
        plan.keys.withUnsafeBufferPointer { keys in
            plan.keyStart.withUnsafeBufferPointer { keyStart in
                Kernels.parallelFor(rows, minimumPerThread: 64) { range in
                    // A frame sees at most every frame of the plan.
                    let weights = UnsafeMutablePointer<Float>.allocate(capacity: plan.frameCount)
                    let bases = UnsafeMutablePointer<Int>.allocate(capacity: plan.frameCount)
                    defer { weights.deallocate(); bases.deallocate() }
                    for row in range {
                        let f = row / S, s = row % S
                        let count = keyStart[f + 1] - keyStart[f]
                        // Row of spatial position s of each frame this one attends to.
                        for j in 0 ..< count { bases[j] = (keys[keyStart[f] + j] * S + s) * stride }
                        for h in 0 ..< heads {
                            let head = qkvRows + h * headDim
                            Kernels.attendOne(
                                query: head + row * stride, keys: head + d, values: head + 2 * d,
                                bases: bases, count: count, width: headDim, scale: scale,
                                weights: weights, into: attended + row * d + h * headDim)
                        }
                    }
                }
            }
        }
        proj(attended, rows: rows, into: x, accumulating: true)
    }
}
