import Foundation

extension Kernels {
    /// Causal grouped-query attention of `count` new queries at positions `start ..< start + count`
    /// over a key/value cache that already holds positions `0 ..< start + count`.
    ///
    /// - q: (count, heads * headDim), head-major within a row; out has the same layout.
    /// - keys, values: (kvHeads, capacity, headDim); query head j reads kv head j / (heads / kvHeads)
    ///   (each kv head serves consecutive query heads, as `repeat_interleave`).
    /// - The query at position p sees keys 0 ... p. Scores are scaled by `scale`.
    ///
    /// Blocks of 64 queries of one head are one job: scores = Q K^T and out = P V are GEMMs, so
    /// prefill and scoring run at GEMM speed; a decode step (count 1) is the same with one row.
    public static func causalAttention(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                       start: Int, count: Int, heads: Int, kvHeads: Int, headDim: Int, capacity: Int,
                                       scale: Float, out: UnsafeMutablePointer<Float>) {
        if count <= 2 {
            return attendFewQueries(q: q, keys: keys, values: values, start: start, count: count, heads: heads, kvHeads: kvHeads,
                                    headDim: headDim, capacity: capacity, scale: scale, out: out)
        }
        let block = 64
        let blocksPerHead = (count + block - 1) / block
        let width = heads * headDim
        let group = heads / kvHeads
        let end = start + count
        let workers = threadCount
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * block * end)
        defer { scratch.deallocate() }
        parallelChunks(heads * blocksPerHead) { range, worker in
            let scores = scratch + worker * block * end
            let packing = PackedBScratch(columns: max(headDim, 16))
            for job in range {
                let h = job / blocksPerHead, b = job % blocksPerHead
                let i0 = b * block, rows = min(block, count - i0)
                let seen = start + i0 + rows  // keys the last query of the block sees
                let kv = h / group
                let k = keys + kv * capacity * headDim, v = values + kv * capacity * headDim
                // scores = Q K^T, 16 keys at a time (the packing's column count is headDim wide
                // at least, so the key dimension runs in blocks of that many keys).
                var j0 = 0
                while j0 < seen {
                    let keysHere = min(packing.columns, seen - j0)
                    gemmPackedB(m: rows, n: keysHere, k: headDim, a: q + i0 * width + h * headDim, lda: width,
                                c: scores + j0, ldc: seen, scratch: packing) { depth, packed in
                        for key in 0..<keysHere {
                            let source = k + (j0 + key) * headDim
                            let sliver = packed + (key / 16) * 16 * bf16DepthBlock + key % 16
                            for d in depth { sliver[(d - depth.lowerBound) * 16] = source[d] * scale }
                        }
                        for key in keysHere..<((keysHere + 15) / 16 * 16) {
                            let sliver = packed + (key / 16) * 16 * bf16DepthBlock + key % 16
                            for d in 0..<depth.count { sliver[d * 16] = 0 }
                        }
                    }
                    j0 += keysHere
                }
                for r in 0..<rows {
                    let visible = start + i0 + r + 1
                    let row = scores + r * seen
                    for j in visible..<seen { row[j] = -.infinity }
                }
                softmaxRows(scores, rows: rows, width: seen)
                // out = P V: V's rows are the depth, its headDim columns the slivers.
                gemmPackedB(m: rows, n: headDim, k: seen, a: scores, lda: seen, c: out + i0 * width + h * headDim, ldc: width,
                            scratch: packing) { depth, packed in
                    for s in 0..<((headDim + 15) / 16) {
                        let sliver = packed + s * 16 * bf16DepthBlock
                        let columns = min(16, headDim - 16 * s)
                        for d in depth {
                            let row = v + d * headDim + 16 * s, target = sliver + (d - depth.lowerBound) * 16
                            for j in 0..<columns { target[j] = row[j] }
                            for j in columns..<16 { target[j] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// A decode step: each query head reads its keys and values in place (packing them for the
    /// GEMM would copy the whole cache once per query head for a single row of work).
    static func attendFewQueries(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                 start: Int, count: Int, heads: Int, kvHeads: Int, headDim: Int, capacity: Int,
                                 scale: Float, out: UnsafeMutablePointer<Float>) {
        let width = heads * headDim, group = heads / kvHeads
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: threadCount * (start + count))
        defer { scratch.deallocate() }
        parallelChunks(heads * count) { range, worker in
            let weights = scratch + worker * (start + count)
            for job in range {
                let i = job / heads, h = job % heads
                let seen = start + i + 1
                let k = keys + (h / group) * capacity * headDim, v = values + (h / group) * capacity * headDim
                let query = q + i * width + h * headDim, target = out + i * width + h * headDim
                for j in 0..<seen { weights[j] = scale * dot(query, k + j * headDim, count: headDim) }
                softmaxRows(weights, rows: 1, width: seen)
                for c in 0..<headDim { target[c] = 0 }
                for j in 0..<seen { addScaled(v + j * headDim, by: weights[j], to: target, count: headDim) }
            }
        }
    }

    /// The naive twin of `causalAttention`: one query, one head, one key at a time, in Double.
    public static func causalAttentionReference(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                                start: Int, count: Int, heads: Int, kvHeads: Int, headDim: Int, capacity: Int,
                                                scale: Float, out: UnsafeMutablePointer<Float>) {
        let width = heads * headDim
        for i in 0..<count {
            let position = start + i
            for h in 0..<heads {
                let kv = h / (heads / kvHeads)
                let query = q + i * width + h * headDim
                var logits = [Double](repeating: 0, count: position + 1)
                for j in 0...position {
                    let key = keys + (kv * capacity + j) * headDim
                    var dot = 0.0
                    for c in 0..<headDim { dot += Double(query[c]) * Double(key[c]) }
                    logits[j] = dot * Double(scale)
                }
                let peak = logits.max() ?? 0
                let weights = logits.map { Foundation.exp($0 - peak) }
                let total = weights.reduce(0, +)
                for c in 0..<headDim {
                    var sum = 0.0
                    for j in 0...position { sum += weights[j] * Double(values[(kv * capacity + j) * headDim + c]) }
                    out[i * width + h * headDim + c] = Float(sum / total)
                }
            }
        }
    }
}
