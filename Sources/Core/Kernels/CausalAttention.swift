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
    /// Keys and values are packed for the GEMMs once per kv head, up front (keys scaled, as
    /// the B operand of Q K^T; values as the B operand of P V, a depth block of 256 keys at a
    /// time), and shared by the query heads of the group and every block of queries. Packed
    /// per block of 64 queries instead, attention was a sixth of a 2048-code prefill: each
    /// packed float then served only ~128 multiply-adds. Blocks of 64 queries of one head are
    /// one job: scores = Q K^T and out = P V are GEMMs, so prefill and scoring run at GEMM speed.
    public static func causalAttention(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                       start: Int, count: Int, heads: Int, kvHeads: Int, headDim: Int, capacity: Int,
                                       scale: Float, out: UnsafeMutablePointer<Float>) {
        if count <= 2 || headDim > bf16DepthBlock {
            return attendFewQueries(q: q, keys: keys, values: values, start: start, count: count, heads: heads, kvHeads: kvHeads,
                                    headDim: headDim, capacity: capacity, scale: scale, out: out)
        }
        let block = 64, kc = bf16DepthBlock
        let blocksPerHead = (count + block - 1) / block
        let width = heads * headDim
        let group = heads / kvHeads
        let end = start + count
        // Keys: slivers of 16 keys, each (headDim x 16) at a stride of 16 x 256 (`gemmPackedB`'s).
        let keySlivers = (end + 15) / 16, keyFloats = keySlivers * 16 * kc
        // Values: per depth block of 256 keys, headDim / 16 slivers of (256 x 16).
        let valueSlivers = (headDim + 15) / 16, depthBlocks = (end + kc - 1) / kc
        let valueFloats = depthBlocks * valueSlivers * 16 * kc
        let packedKeys = UnsafeMutablePointer<Float>.allocate(capacity: kvHeads * keyFloats)
        let packedValues = UnsafeMutablePointer<Float>.allocate(capacity: kvHeads * valueFloats)
        defer { packedKeys.deallocate(); packedValues.deallocate() }
        parallelFor(kvHeads) { range in
            for kv in range {
                let k = keys + kv * capacity * headDim, v = values + kv * capacity * headDim
                let pk = packedKeys + kv * keyFloats, pv = packedValues + kv * valueFloats
                for key in 0..<(keySlivers * 16) {
                    let sliver = pk + (key / 16) * 16 * kc + key % 16
                    if key < end {
                        let source = k + key * headDim
                        for d in 0..<headDim { sliver[d * 16] = source[d] * scale }
                    } else {
                        for d in 0..<headDim { sliver[d * 16] = 0 }
                    }
                }
                for b in 0..<depthBlocks {
                    for s in 0..<valueSlivers {
                        let sliver = pv + (b * valueSlivers + s) * 16 * kc
                        let columns = min(16, headDim - 16 * s)
                        for d in 0..<min(kc, end - b * kc) {
                            let row = v + (b * kc + d) * headDim + 16 * s, target = sliver + d * 16
                            for j in 0..<columns { target[j] = row[j] }
                            for j in columns..<16 { target[j] = 0 }
                        }
                    }
                }
            }
        }
        let workers = threadCount
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * block * end)
        defer { scratch.deallocate() }
        parallelChunks(heads * blocksPerHead) { range, worker in
            let scores = scratch + worker * block * end
            let edges = PackedBScratch(columns: 16)
            for job in range {
                let h = job / blocksPerHead, b = job % blocksPerHead
                let i0 = b * block, rows = min(block, count - i0)
                let seen = start + i0 + rows  // keys the last query of the block sees
                let kv = h / group
                gemmPackedB(m: rows, n: seen, k: headDim, a: q + i0 * width + h * headDim, lda: width,
                            c: scores, ldc: seen, scratch: edges) { _, _ in UnsafePointer(packedKeys + kv * keyFloats) }
                for r in 0..<rows {
                    let visible = start + i0 + r + 1
                    let row = scores + r * seen
                    for j in visible..<seen { row[j] = -.infinity }
                }
                softmaxRows(scores, rows: rows, width: seen)
                let values = packedValues + kv * valueFloats
                gemmPackedB(m: rows, n: headDim, k: seen, a: scores, lda: seen, c: out + i0 * width + h * headDim, ldc: width,
                            scratch: edges) { depth, _ in UnsafePointer(values + depth.lowerBound / kc * valueSlivers * 16 * kc) }
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
