import CPUIntrinsics
#if arch(x86_64)
import KernelsAVX512
#endif

// `linearBF16` on AMX tiles (GEMMPath.amx), with float32 accuracy.
//
// The tile unit multiplies bfloat16 by bfloat16 into float32 accumulators, 16 times the
// multiply-adds per cycle of 512-bit FMAs. The weights are bf16 already (exact, as on the FMA
// paths). The float32 activations are split without loss into three bf16 parts,
// x = hi + mid + lo: hi is x's bit pattern cut to its top 16 bits (sign, exponent, 7 bits of
// significand), mid the same cut of x - hi (exact in float32), lo of what remains (at most 8
// significant bits, so lo is exact). Each product of a part by a weight is exact in float32, so
// Y = hi W^T + mid W^T + lo W^T differs from a float32 GEMM only in the order of its float32
// additions: three passes over the tiles for the accuracy of one float32 product. (Tiles treat
// bf16 subnormals as zero: parts of |x| < 2^-110, where the float32 product loses nothing that
// matters.) `tokentool bench --only gemm` on this 2-core Xeon (3072 x 4096 x 4096, three runs):
// 410-412 GFLOP/s against 226-268 for the AVX-512 micro-kernels and an FMA peak of 269-277.
//
// Layouts. X's parts: per 16-row tile t and depth step s (32 deep), three 16 x 32 bf16 blocks
// (part p at ((t * steps + s) * 3 + p) * 512): the A operand, rows as in X. W, per column block
// and depth block: per 16-column tile and step, a 16 x 16 block of bf16 pairs (row r: for each
// of the 16 weight rows j, W[j][2r] and W[j][2r + 1]): the B operand. Both are zero past the
// edges, so every tile product is whole; C tiles past Y's edges go through a scratch copy.

/// Whether this process may use the AMX tiles (asked of Linux once).
public enum AMXTiles {
    public static let isGranted: Bool = {
        #if os(Linux) && arch(x86_64)
        let flags = CPUFeatures.current.flags
        guard flags.contains("amx_tile"), flags.contains("amx_bf16") else { return false }
        return amx_request_permission() == 0
        #else
        return false
        #endif
    }()
}

extension Kernels {
    /// Depth steps (of 32) per packed block of W: 512 depths, 16 KB per 16 columns.
    static let amxStepsPerBlock = 16
    /// Columns of W one thread packs per depth block (256 x 512 bf16 = 256 KB, in L2).
    static let amxColumnBlock = 256
    /// Fewer rows than this go to the FMA kernels: the tiles then mostly multiply zero rows.
    static let amxMinimumRows = 16

    static func gemmBF16AMX(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight w: BF16Matrix,
                            into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool) {
        #if os(Linux) && arch(x86_64)
        let n = w.rows, k = w.columns, steps = (k + 31) / 32
        let tilePairs = (m + 31) / 32
        let parts = UnsafeMutablePointer<UInt16>.allocate(capacity: 2 * tilePairs * steps * 3 * 512)
        defer { parts.deallocate() }
        parallelFor(2 * tilePairs) { tiles in
            for t in tiles { AVX512BF16Parts.splitRowTile(x, rows: m, ldx: ldx, depth: k, tile: t, into: parts + t * steps * 3 * 512) }
        }
        let perThread = (n + threadCount - 1) / threadCount
        let block = min(amxColumnBlock, max(32, (perThread + 31) / 32 * 32))
        let blocks = (n + block - 1) / block
        parallelFor(blocks) { range in
            let packed = UnsafeMutablePointer<UInt16>.allocate(capacity: block / 16 * amxStepsPerBlock * 512)
            let edge = UnsafeMutablePointer<Float>.allocate(capacity: 32 * 32)
            amx_configure_tiles()
            defer { amx_release_tiles(); packed.deallocate(); edge.deallocate() }
            for b in range {
                let n0 = b * block, nb = min(block, n - n0), columnPairs = (nb + 31) / 32
                var s0 = 0
                while s0 < steps {
                    let blockSteps = min(amxStepsPerBlock, steps - s0)
                    packWeightPairs(w, rows: n0..<(n0 + nb), tiles: 2 * columnPairs, steps: s0..<(s0 + blockSteps), into: packed)
                    let addsToC = s0 > 0 || accumulate
                    for i in 0..<tilePairs {
                        let a0 = parts + ((2 * i) * steps + s0) * 3 * 512, a1 = a0 + steps * 3 * 512
                        let rows = min(32, m - 32 * i)
                        for j in 0..<columnPairs {
                            let b0 = packed + (2 * j) * blockSteps * 512, b1 = b0 + blockSteps * 512
                            let columns = min(32, nb - 32 * j)
                            let c = y + 32 * i * ldy + n0 + 32 * j
                            amxTile(c, ldc: ldy, rows: rows, columns: columns, edge: edge) { c, ldc in
                                amx_product_32x32_split_a(a0, a1, b0, b1, blockSteps, c, ldc * 4, addsToC ? 1 : 0)
                            }
                        }
                    }
                    s0 += blockSteps
                }
            }
        }
        #else
        preconditionFailure("the AMX path exists on x86-64 Linux only")
        #endif
    }

    /// `product(c, ldc)` on the 32 x 32 tile at c, or, where only rows x columns of it lie in C,
    /// on a copy in `edge` (32 x 32) whose rows and columns past C are never stored.
    @inline(__always)
    static func amxTile(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int, edge: UnsafeMutablePointer<Float>,
                        _ product: (UnsafeMutablePointer<Float>, Int) -> Void) {
        guard rows < 32 || columns < 32 else { return product(c, ldc) }
        for r in 0..<rows { for q in 0..<columns { edge[r * 32 + q] = c[r * ldc + q] } }
        product(edge, 32)
        for r in 0..<rows { for q in 0..<columns { c[r * ldc + q] = edge[r * 32 + q] } }
    }

    /// W's rows `rows` (zero past them, up to `tiles` x 16) and depth steps `steps`, as the B
    /// operand: tile j, step s at (j * steps.count + s) * 512, row r holding the pairs
    /// W[16 j + q][32 s + 2r ..< 32 s + 2r + 2] for q = 0..<16 (zero past the depth).
    private static func packWeightPairs(_ w: BF16Matrix, rows: Range<Int>, tiles: Int, steps: Range<Int>,
                                        into packed: UnsafeMutablePointer<UInt16>) {
        let k = w.columns
        packed.withMemoryRebound(to: UInt32.self, capacity: tiles * steps.count * 256) { pairs in
            for j in 0..<tiles {
                for q in 0..<16 {
                    let row = rows.lowerBound + 16 * j + q
                    for (si, s) in steps.enumerated() {
                        let block = pairs + (j * steps.count + si) * 256 + q
                        guard row < rows.upperBound else {
                            for r in 0..<16 { block[r * 16] = 0 }
                            continue
                        }
                        let source = w.bits + row * w.rowStride + 32 * s
                        if 32 * s + 32 <= k {
                            let v = UnsafeRawPointer(source).loadUnaligned(as: SIMD16<UInt32>.self)
                            for r in 0..<16 { block[r * 16] = v[r] }
                        } else {
                            for r in 0..<16 {
                                let d = 32 * s + 2 * r
                                let low = d < k ? UInt32(source[2 * r]) : 0, high = d + 1 < k ? UInt32(source[2 * r + 1]) : 0
                                block[r * 16] = low | high << 16
                            }
                        }
                    }
                }
            }
        }
    }
}
