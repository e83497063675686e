import Foundation
import XCTest
import TestSupport
import Core

/// The Cosmos AR kernels against their naive twins, over odd shapes (partial 6-row panels,
/// partial 16-column slivers, depths across the 256 block), and the GQA head mapping pinned by
/// a property that a wrong mapping breaks.
final class CosmosARKernelTests: XCTestCase {
    private func randomBF16(_ count: Int, seed: UInt64) -> [UInt16] {
        randomFloats(count, seed: seed).map { UInt16(truncatingIfNeeded: $0.bitPattern >> 16) }
    }

    func testBF16LinearMatchesNaiveTwinOverOddShapes() {
        let shapes = [(1, 16, 8), (2, 37, 300), (3, 16, 256), (5, 48, 513), (7, 33, 100), (13, 300, 257), (64, 64, 64), (300, 70, 530)]
        for (seed, (m, n, k)) in shapes.enumerated() {
            let x = randomFloats(m * (k + 3), seed: UInt64(seed))
            var bits = randomBF16(n * k, seed: 100 + UInt64(seed))
            var fast = [Float](repeating: .nan, count: m * (n + 5)), slow = fast
            bits.withUnsafeMutableBufferPointer { b in
                let w = BF16Matrix(rows: n, columns: k, bits: UnsafePointer(b.baseAddress!), owner: nil)
                x.withUnsafeBufferPointer { x in
                    Kernels.linearBF16(x.baseAddress!, rows: m, ldx: k + 3, weight: w, into: &fast, ldy: n + 5)
                    Kernels.linearBF16Reference(x.baseAddress!, rows: m, ldx: k + 3, weight: w, into: &slow, ldy: n + 5)
                }
            }
            var worst: Float = 0
            for i in 0..<m {
                for j in 0..<n { worst = max(worst, abs(fast[i * (n + 5) + j] - slow[i * (n + 5) + j])) }
                // Padding columns of y are never written.
                for j in n..<(n + 5) { XCTAssertTrue(fast[i * (n + 5) + j].isNaN, "m \(m) n \(n) k \(k): wrote past the row") }
            }
            XCTAssertLessThan(worst, 1e-5 * Float(k).squareRoot(), "m \(m) n \(n) k \(k)")
        }
    }

    /// A block of a wider bf16 matrix (`rows(_:)` then `columns(_:)`, so rows are strided) added
    /// into y (`accumulate`), for one row (GEMV) and many (GEMM) on every path: what the
    /// feed-forward's hidden slices do.
    func testBF16LinearOnAColumnBlockAddsToWhatYHolds() {
        let (wide, deep) = (90, 700)
        let bits = randomBF16(wide * deep, seed: 7)
        bits.withUnsafeBufferPointer { b in
            let full = BF16Matrix(rows: wide, columns: deep, bits: b.baseAddress!, owner: nil)
            let block = full.rows(10..<80).columns(300..<650)
            XCTAssertEqual(block.rowStride, deep)
            for m in [1, 2, 30] {
                let x = randomFloats(m * block.columns, seed: UInt64(m)), prior = randomFloats(m * block.rows, seed: 50 + UInt64(m))
                var expected = [Float](repeating: 0, count: m * block.rows)
                for i in 0..<m {
                    for j in 0..<block.rows {
                        var sum = 0.0
                        for d in 0..<block.columns {
                            let weight = Float(bitPattern: UInt32(b[(10 + j) * deep + 300 + d]) << 16)
                            sum += Double(x[i * block.columns + d]) * Double(weight)
                        }
                        expected[i * block.rows + j] = prior[i * block.rows + j] + Float(sum)
                    }
                }
                for path in GEMMPath.allCases where path.isAvailable {
                    var y = prior
                    Kernels.linearBF16(x, rows: m, ldx: block.columns, weight: block, into: &y, ldy: block.rows, accumulate: true, path: path)
                    XCTAssertLessThan(zip(y, expected).map { abs($0 - $1) }.max()!, 1e-4, "\(m) rows on \(path)")
                }
            }
        }
    }

    func testCausalAttentionMatchesNaiveTwinForPrefillAndDecode() {
        for (heads, kvHeads, headDim) in [(4, 2, 16), (6, 2, 16), (6, 3, 40), (8, 1, 16), (4, 2, 128)] {
            // (300, 100): 400 keys, two depth blocks of the packed values.
            let capacity = 400
            let keys = randomFloats(kvHeads * capacity * headDim, seed: 1), values = randomFloats(kvHeads * capacity * headDim, seed: 2)
            for (start, count) in [(0, 150), (130, 1), (64, 70), (300, 100)] {
                let q = randomFloats(count * heads * headDim, seed: 3)
                var fast = [Float](repeating: 0, count: count * heads * headDim), slow = fast
                Kernels.causalAttention(q: q, keys: keys, values: values, start: start, count: count, heads: heads, kvHeads: kvHeads,
                                        headDim: headDim, capacity: capacity, scale: 0.25, out: &fast)
                Kernels.causalAttentionReference(q: q, keys: keys, values: values, start: start, count: count, heads: heads,
                                                 kvHeads: kvHeads, headDim: headDim, capacity: capacity, scale: 0.25, out: &slow)
                let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-5, "heads \(heads)/\(kvHeads) of \(headDim), start \(start), count \(count)")
            }
        }
    }

    /// Query head j reads kv head j / (heads / kvHeads): with 6 query heads over 2 kv heads whose
    /// values are all 0 (kv head 0) and all 1 (kv head 1), heads 0-2 must give 0 and 3-5 give 1.
    /// j mod 2 or j / kvHeads would give another pattern.
    func testGroupedQueryHeadsReadTheirKVHeadByIntegerDivision() {
        let heads = 6, kvHeads = 2, headDim = 8, capacity = 10, count = 4
        let keys = randomFloats(kvHeads * capacity * headDim, seed: 5)
        var values = [Float](repeating: 0, count: kvHeads * capacity * headDim)
        for i in (capacity * headDim)..<(2 * capacity * headDim) { values[i] = 1 }
        let q = randomFloats(count * heads * headDim, seed: 6)
        var out = [Float](repeating: -1, count: count * heads * headDim)
        Kernels.causalAttention(q: q, keys: keys, values: values, start: 0, count: count, heads: heads, kvHeads: kvHeads,
                                headDim: headDim, capacity: capacity, scale: 1, out: &out)
        for i in 0..<count {
            for h in 0..<heads {
                let expected: Float = h < 3 ? 0 : 1
                for c in 0..<headDim { XCTAssertEqual(out[(i * heads + h) * headDim + c], expected, accuracy: 1e-6, "query head \(h)") }
            }
        }
    }

    func testRMSNormAndSwiGLUMatchNaiveTwins() {
        for width in [16, 64, 100, 4096] {
            let weight = randomFloats(width, seed: 9)
            var fast = randomFloats(3 * (width + 2), seed: 10), slow = fast
            Kernels.rmsNormRows(&fast, rows: 3, width: width, stride: width + 2, weight: weight, eps: 1e-5)
            Kernels.rmsNormRowsReference(&slow, rows: 3, width: width, stride: width + 2, weight: weight, eps: 1e-5)
            XCTAssertLessThan(zip(fast, slow).map { abs($0 - $1) }.max()!, 2e-6, "width \(width)")
        }
        let up = randomFloats(1003, seed: 11)
        var fast = randomFloats(1003, seed: 12).map { $0 * 20 }, slow = fast
        Kernels.swiGLU(gate: &fast, up: up, count: 1003)
        Kernels.swiGLUReference(gate: &slow, up: up, count: 1003)
        XCTAssertLessThan(zip(fast, slow).map { abs($0 - $1) }.max()!, 1e-5)
    }

    /// Channel c pairs with c + headDim/2 (non-interleaved halves), for every head.
    func testRotationPairsEachChannelWithTheOneHalfAHeadAway() {
        let headDim = 20, heads = 3, half = 10
        let x = randomFloats(heads * headDim, seed: 13)
        let angles = (0..<half).map { Float($0) * 0.3 + 0.1 }
        var rotated = x
        Kernels.rotateHalves(&rotated, heads: heads, headDim: headDim, cos: angles.map { cos($0) }, sin: angles.map { sin($0) })
        for h in 0..<heads {
            for c in 0..<half {
                let a = x[h * headDim + c], b = x[h * headDim + c + half]
                XCTAssertEqual(rotated[h * headDim + c], a * cos(angles[c]) - b * sin(angles[c]), accuracy: 1e-6)
                XCTAssertEqual(rotated[h * headDim + c + half], b * cos(angles[c]) + a * sin(angles[c]), accuracy: 1e-6)
            }
        }
    }
}
