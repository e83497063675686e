import Foundation
import Core

// Cosmos-Predict1's autoregressive transformer (the 4B the 1X fork runs), float32 arithmetic on
// bf16 weights that stay where the checkpoint maps them:
//
//     h = tok_embeddings[token]
//     for each layer:  h = h + Attention(RMSNorm(h));  h = h + FeedForward(RMSNorm(h))
//     logits = output(RMSNorm(h))             # logits at position p score token p + 1
//
// Facts: ../shared/docs/cosmos-ar.md sections 4-7.

// The blocks, named as in the reference (nested: GENIE has an `Attention` of its own).
extension CosmosARModel {
    /// y = x / sqrt(mean(x^2) + eps) * weight over the last axis.
    struct RMSNorm {
        let weight: [Float]
        let eps: Float

        func callAsFunction(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
            weight.withUnsafeBufferPointer {
                Kernels.rmsNormRows(x, rows: rows, width: width, stride: stride, weight: $0.baseAddress!, eps: eps)
            }
        }
    }

    /// cos and sin of the 3D rotary angles of every grid position: headDim/2 angles per position,
    /// the time block first (t/2 frequencies of the time coordinate), then height and width (s/2
    /// each). Positions are grid coordinates (t, h, w), not the flat index.
    struct RotaryTable {
        let half: Int
        let cos: [Float]
        let sin: [Float]

        init(config: CosmosARConfig) {
            let (t, s) = config.ropeSplit
            let theta = config.ropeTheta
            // As the reference, in float32: 1 / theta^(2i / n).
            func inverseFrequencies(_ n: Int) -> [Float] {
                (0..<(n / 2)).map { 1 / Foundation.pow(theta, Float(2 * $0) / Float(n)) }
            }
            let inverseTime = inverseFrequencies(t), inverseSpace = inverseFrequencies(s)
            let (gridH, gridW) = (config.latentShape[1], config.latentShape[2])
            half = config.headDim / 2
            var cos = [Float](), sin = [Float]()
            cos.reserveCapacity(config.maxSequenceLength * half)
            sin.reserveCapacity(config.maxSequenceLength * half)
            for p in 0..<config.maxSequenceLength {
                let (pt, ph, pw) = (Float(p / (gridH * gridW)), Float(p / gridW % gridH), Float(p % gridW))
                let angles = inverseTime.map { pt * $0 } + inverseSpace.map { ph * $0 } + inverseSpace.map { pw * $0 }
                cos += angles.map { Foundation.cos($0) }
                sin += angles.map { Foundation.sin($0) }
            }
            self.cos = cos
            self.sin = sin
        }

        /// Rotates the `heads` head vectors of one token at grid position `position`.
        func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, position: Int) {
            cos.withUnsafeBufferPointer { c in
                sin.withUnsafeBufferPointer { s in
                    Kernels.rotateHalves(x, heads: heads, headDim: headDim, cos: c.baseAddress! + position * half,
                                         sin: s.baseAddress! + position * half)
                }
            }
        }
    }

    /// Grouped-query attention with RMSNorm on each q and k head before the 3D RoPE.
    struct Attention {
        let wq: BF16Matrix, wk: BF16Matrix, wv: BF16Matrix, wo: BF16Matrix
        let qNorm: RMSNorm, kNorm: RMSNorm
        let heads: Int, kvHeads: Int, headDim: Int

        /// x: (count, dim) normalized inputs at positions start ..< start + count; their keys and
        /// values go into `cache`. Returns (count, dim).
        func callAsFunction(_ x: UnsafePointer<Float>, count: Int, start: Int, dim: Int, rope: RotaryTable,
                            cache: CosmosARCache.Layer) -> [Float] {
            let qWidth = heads * headDim, kvWidth = kvHeads * headDim
            var q = [Float](repeating: 0, count: count * qWidth)
            var k = [Float](repeating: 0, count: count * kvWidth)
            var v = [Float](repeating: 0, count: count * kvWidth)
            q.withUnsafeMutableBufferPointer { Kernels.linearBF16(x, rows: count, ldx: dim, weight: wq, into: $0.baseAddress!, ldy: qWidth) }
            k.withUnsafeMutableBufferPointer { Kernels.linearBF16(x, rows: count, ldx: dim, weight: wk, into: $0.baseAddress!, ldy: kvWidth) }
            v.withUnsafeMutableBufferPointer { Kernels.linearBF16(x, rows: count, ldx: dim, weight: wv, into: $0.baseAddress!, ldy: kvWidth) }
            q.withUnsafeMutableBufferPointer { q in
                k.withUnsafeMutableBufferPointer { k in
                    qNorm(q.baseAddress!, rows: count * heads, width: headDim, stride: headDim)
                    kNorm(k.baseAddress!, rows: count * kvHeads, width: headDim, stride: headDim)
                    for i in 0..<count {
                        rope.rotate(q.baseAddress! + i * qWidth, heads: heads, headDim: headDim, position: start + i)
                        rope.rotate(k.baseAddress! + i * kvWidth, heads: kvHeads, headDim: headDim, position: start + i)
                    }
                }
            }
            cache.write(keys: k, values: v, count: count, start: start)
            var attended = [Float](repeating: 0, count: count * qWidth)
            q.withUnsafeBufferPointer { q in
                attended.withUnsafeMutableBufferPointer { out in
                    Kernels.causalAttention(q: q.baseAddress!, keys: cache.keys, values: cache.values, start: start, count: count,
                                            heads: heads, kvHeads: kvHeads, headDim: headDim, capacity: cache.capacity,
                                            scale: 1 / Float(headDim).squareRoot(), out: out.baseAddress!)
                }
            }
            var y = [Float](repeating: 0, count: count * dim)
            attended.withUnsafeBufferPointer { a in
                y.withUnsafeMutableBufferPointer { Kernels.linearBF16(a.baseAddress!, rows: count, ldx: qWidth, weight: wo, into: $0.baseAddress!, ldy: dim) }
            }
            return y
        }
    }

    /// SwiGLU: w2(silu(w1 x) * w3 x).
    struct FeedForward {
        let w1: BF16Matrix, w2: BF16Matrix, w3: BF16Matrix

        /// Hidden units computed together: the (rows, hidden) intermediates of the whole width
        /// would be 176 MB each at 3072 rows, so the hidden layer goes in slices of 2048: each
        /// slice's gate and up (w1, w3 rows), then its part of the output (w2 columns), added
        /// to h. Every weight is widened once per call, for all rows at once (row blocks had
        /// each block widen all three matrices again).
        static let hiddenSlice = 2048

        /// Adds w2(silu(w1 x) * w3 x) to `h`; x and h are (count, dim). A decode step (one or
        /// two rows, where `linearBF16` is a GEMV) takes the whole hidden width at once: its
        /// intermediates are small, and w2's rows are then streamed whole instead of in 4 KB
        /// pieces, whose read-ahead would overshoot into the next slice's columns.
        func add(_ x: UnsafePointer<Float>, count: Int, dim: Int, to h: UnsafeMutablePointer<Float>) {
            let hidden = w1.rows, slice = count <= 2 ? hidden : min(hidden, Self.hiddenSlice)
            var gate = [Float](repeating: 0, count: count * slice)
            var up = gate
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeMutableBufferPointer { u in
                    var h0 = 0
                    while h0 < hidden {
                        let units = h0..<min(hidden, h0 + slice)
                        Kernels.linearBF16(x, rows: count, ldx: dim, weight: w1.rows(units), into: g.baseAddress!, ldy: units.count)
                        Kernels.linearBF16(x, rows: count, ldx: dim, weight: w3.rows(units), into: u.baseAddress!, ldy: units.count)
                        Kernels.swiGLU(gate: g.baseAddress!, up: u.baseAddress!, count: count * units.count)
                        Kernels.linearBF16(g.baseAddress!, rows: count, ldx: units.count, weight: w2.columns(units), into: h,
                                           ldy: dim, accumulate: true)
                        h0 = units.upperBound
                    }
                }
            }
        }
    }

    /// Pre-norm block: h = h + attention(norm(h)); h = h + feed_forward(norm(h)).
    struct TransformerBlock {
        let attentionNorm: RMSNorm
        let attention: Attention
        let ffnNorm: RMSNorm
        let feedForward: FeedForward

        func callAsFunction(_ h: inout [Float], count: Int, start: Int, dim: Int, rope: RotaryTable, cache: CosmosARCache.Layer) {
            var normed = h
            normed.withUnsafeMutableBufferPointer { attentionNorm($0.baseAddress!, rows: count, width: dim, stride: dim) }
            let attended = normed.withUnsafeBufferPointer {
                attention($0.baseAddress!, count: count, start: start, dim: dim, rope: rope, cache: cache)
            }
            for i in 0..<h.count { h[i] += attended[i] }
            normed = h
            normed.withUnsafeMutableBufferPointer { ffnNorm($0.baseAddress!, rows: count, width: dim, stride: dim) }
            normed.withUnsafeBufferPointer { x in
                h.withUnsafeMutableBufferPointer { feedForward.add(x.baseAddress!, count: count, dim: dim, to: $0.baseAddress!) }
            }
        }
    }
}

/// Keys and values of every layer for one clip (batch 1), float32, sized for the whole grid.
public final class CosmosARCache {
    final class Layer {
        let capacity: Int, kvHeads: Int, headDim: Int
        let keys: UnsafeMutablePointer<Float>
        let values: UnsafeMutablePointer<Float>

        init(capacity: Int, kvHeads: Int, headDim: Int) {
            self.capacity = capacity
            self.kvHeads = kvHeads
            self.headDim = headDim
            keys = .allocate(capacity: kvHeads * capacity * headDim)
            values = .allocate(capacity: kvHeads * capacity * headDim)
            keys.initialize(repeating: 0, count: kvHeads * capacity * headDim)
            values.initialize(repeating: 0, count: kvHeads * capacity * headDim)
        }

        deinit { keys.deallocate(); values.deallocate() }

        /// k, v: (count, kvHeads * headDim) for positions start ..< start + count, stored head-major.
        func write(keys k: [Float], values v: [Float], count: Int, start: Int) {
            for i in 0..<count {
                for h in 0..<kvHeads {
                    let source = (i * kvHeads + h) * headDim, target = (h * capacity + start + i) * headDim
                    for c in 0..<headDim {
                        keys[target + c] = k[source + c]
                        values[target + c] = v[source + c]
                    }
                }
            }
        }
    }

    let layers: [Layer]
    public let capacity: Int

    public init(config: CosmosARConfig) {
        capacity = config.maxSequenceLength
        layers = (0..<config.layers).map { _ in Layer(capacity: config.maxSequenceLength, kvHeads: config.kvHeads, headDim: config.headDim) }
    }

    public var byteCount: Int { layers.count * 2 * (layers.first.map { $0.kvHeads * $0.capacity * $0.headDim } ?? 0) * 4 }
}

/// The whole model. Weights are bf16 views of the checkpoint (or of random weights for `bench`),
/// kept alive by `storage`.
public final class CosmosARModel: @unchecked Sendable {
    public let config: CosmosARConfig
    /// What the weights came from, for reports and errors.
    public let source: String
    let tokEmbeddings: BF16Matrix
    let layers: [TransformerBlock]
    let norm: RMSNorm
    let output: BF16Matrix
    let rope: RotaryTable
    let storage: [AnyObject]

    init(config: CosmosARConfig, source: String, tokEmbeddings: BF16Matrix, layers: [TransformerBlock], norm: RMSNorm,
         output: BF16Matrix, storage: [AnyObject]) {
        self.config = config
        self.source = source
        self.tokEmbeddings = tokEmbeddings
        self.layers = layers
        self.norm = norm
        self.output = output
        self.rope = RotaryTable(config: config)
        self.storage = storage
    }

    public func makeCache() -> CosmosARCache { CosmosARCache(config: config) }

    /// Throws unless every token is a code and the positions fit the grid.
    public func check(_ tokens: [Int32], start: Int, file: String) throws {
        guard start + tokens.count <= config.maxSequenceLength else {
            throw CosmosARError(file: file, .sequenceTooLong(tokens: start + tokens.count, capacity: config.maxSequenceLength))
        }
        if let bad = tokens.firstIndex(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw CosmosARError(file: file, .codeOutOfRange(position: start + bad, code: tokens[bad], vocabulary: config.vocabSize))
        }
    }

    /// The final hidden states (count, dim), before the last norm, of `tokens` at positions
    /// start ..< start + count; their keys and values are written into `cache`, and attention
    /// reads the cache's positions 0 ..< start as the earlier tokens. Tokens must be checked.
    public func hidden(_ tokens: [Int32], start: Int, cache: CosmosARCache) -> [Float] {
        let dim = config.dim, count = tokens.count
        precondition(start + count <= config.maxSequenceLength && count > 0)
        var h = [Float](repeating: 0, count: count * dim)
        h.withUnsafeMutableBufferPointer { h in
            for (i, token) in tokens.enumerated() { tokEmbeddings.row(Int(token), into: h.baseAddress! + i * dim) }
        }
        for (layer, cacheLayer) in zip(layers, cache.layers) {
            layer(&h, count: count, start: start, dim: dim, rope: rope, cache: cacheLayer)
        }
        return h
    }

    /// Logits (rows, vocab) of hidden rows `rows` of `hidden` (each `dim` wide): final norm, then the output head.
    public func logits(_ hidden: [Float], rows: Range<Int>) -> [Float] {
        let dim = config.dim
        var normed = Array(hidden[(rows.lowerBound * dim)..<(rows.upperBound * dim)])
        normed.withUnsafeMutableBufferPointer { norm($0.baseAddress!, rows: rows.count, width: dim, stride: dim) }
        var out = [Float](repeating: 0, count: rows.count * config.vocabSize)
        normed.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer {
                Kernels.linearBF16(x.baseAddress!, rows: rows.count, ldx: dim, weight: output, into: $0.baseAddress!, ldy: config.vocabSize)
            }
        }
        return out
    }
}
