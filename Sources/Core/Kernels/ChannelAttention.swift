import Foundation

/// Single-head attention pieces of the Cosmos tokenizers' mid blocks, over channel-major
/// activations (C, N) as the 1x1x1 q/k/v convolutions leave them.
extension Kernels {
    /// out (C, N) = v softmax(scale q^T k)^T: every one of the N positions attends to all N.
    /// Two GEMMs around a row softmax; `scores` is N x N scratch. The softmax is `softmaxRows`,
    /// with the vectorised `Kernels.exp`: libm's `expf` took 4 times as long at N = 1024 (4.2
    /// against 1.0 ms per frame), about 10 ms of each full-size encode and decode.
    ///
    /// - q, k, v, out: (C, N)
    public static func attention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 channels: Int, positions n: Int, scale: Float,
                                 scores: UnsafeMutablePointer<Float>, output out: UnsafeMutablePointer<Float>) {
        // scores[i, j] = scale * sum_c q[c, i] k[c, j]
        gemm(transA: true, m: n, n: n, k: channels, alpha: scale, a: q, lda: n, b: k, ldb: n, c: scores, ldc: n)
        parallelFor(n, minimumPerThread: 16) { rows in
            softmaxRows(scores + rows.lowerBound * n, rows: rows.count, width: n)
        }
        // out[c, i] = sum_j v[c, j] scores[i, j]
        gemm(transB: true, m: channels, n: n, k: n, a: v, lda: n, b: scores, ldb: n, c: out, ldc: n)
    }

    /// Causal attention along time, separately at every position: query frame i attends to key
    /// frames 0 ... i of the same position (T is small: 3 latent frames per clip).
    ///
    /// - q, k, v: (T, C, N), frame-major, frame t at + t * `inputFrameStride` (default C * N;
    ///   3 C N where q, k and v come out of one stacked convolution)
    /// - out: (T, C, N), frame-major
    public static func causalTemporalAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                               frames: Int, channels: Int, positions n: Int, scale: Float,
                                               inputFrameStride: Int? = nil, output out: UnsafeMutablePointer<Float>) {
        let frame = channels * n, inFrame = inputFrameStride ?? frame
        parallelFor(n, minimumPerThread: 64) { range in
            let width = range.count
            var weights = [Float](repeating: 0, count: frames * width)
            for i in 0..<frames {
                // weights[j, p] = scale * sum_c q[i, c, p] k[j, c, p] for j <= i, then softmax over j.
                weights.withUnsafeMutableBufferPointer { wp in
                    let w = wp.baseAddress!
                    for j in 0...i {
                        let row = w + j * width
                        row.update(repeating: 0, count: width)
                        for c in 0..<channels {
                            let qc = q + i * inFrame + c * n + range.lowerBound
                            let kc = k + j * inFrame + c * n + range.lowerBound
                            for p in 0..<width { row[p] += qc[p] * kc[p] }
                        }
                        for p in 0..<width { row[p] *= scale }
                    }
                    for p in 0..<width {
                        var largest = -Float.infinity
                        for j in 0...i { largest = max(largest, w[j * width + p]) }
                        var total: Float = 0
                        for j in 0...i {
                            let e = expf(w[j * width + p] - largest)
                            w[j * width + p] = e
                            total += e
                        }
                        for j in 0...i { w[j * width + p] = zeroIfSubnormal(w[j * width + p] / total) }
                    }
                    for c in 0..<channels {
                        let o = out + i * frame + c * n + range.lowerBound
                        o.update(repeating: 0, count: width)
                        for j in 0...i {
                            let vc = v + j * inFrame + c * n + range.lowerBound
                            let row = w + j * width
                            for p in 0..<width { o[p] += row[p] * vc[p] }
                        }
                    }
                }
            }
        }
    }

    /// The naive twin of `attention`: scores, softmax and weighted sum per query, in double.
    public static func attentionReference(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                          channels: Int, positions n: Int, scale: Float,
                                          output out: UnsafeMutablePointer<Float>) {
        var row = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for c in 0..<channels { s += Double(q[c * n + i]) * Double(k[c * n + j]) }
                row[j] = s * Double(scale)
            }
            let largest = row.max()!
            let e = row.map { Foundation.exp($0 - largest) }
            let total = e.reduce(0, +)
            for c in 0..<channels {
                var sum = 0.0
                for j in 0..<n { sum += e[j] / total * Double(v[c * n + j]) }
                out[c * n + i] = Float(sum)
            }
        }
    }

    /// The naive twin of `causalTemporalAttention`: per position and query frame, a masked
    /// softmax over all T key frames (masked scores at -infinity), in double.
    public static func causalTemporalAttentionReference(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                                        frames: Int, channels: Int, positions n: Int, scale: Float,
                                                        output out: UnsafeMutablePointer<Float>) {
        let frame = channels * n
        for p in 0..<n {
            for i in 0..<frames {
                var scores = [Double](repeating: -.infinity, count: frames)
                for j in 0..<frames where j <= i {
                    var s = 0.0
                    for c in 0..<channels { s += Double(q[i * frame + c * n + p]) * Double(k[j * frame + c * n + p]) }
                    scores[j] = s * Double(scale)
                }
                let largest = scores.max()!
                let e = scores.map { Foundation.exp($0 - largest) }
                let total = e.reduce(0, +)
                for c in 0..<channels {
                    var sum = 0.0
                    for j in 0..<frames { sum += e[j] / total * Double(v[j * frame + c * n + p]) }
                    out[i * frame + c * n + p] = Float(sum)
                }
            }
        }
    }
}
