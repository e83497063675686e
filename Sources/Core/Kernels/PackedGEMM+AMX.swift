import CPUIntrinsics
#if arch(x86_64)
import KernelsAVX512
#endif

// The packed weight x activation products (`gemmPackedBlocks`: the Cosmos tokenizer's temporal
// convolutions) on AMX tiles, for weights that are bf16 values stored as float32 (the
// tokenizer's `.jit` files hold bf16). The activations are split exactly into three bf16 parts,
// as in BF16Linear+AMX.swift, which says why the result keeps float32 accuracy; here the parts
// are the B operand: each column block of B becomes per 16-column tile and depth step three
// 16 x 16 blocks of bf16 pairs.

/// A weight (rows x depth, float32 holding bf16 values) as AMX A tiles: per 16-row tile t (an
/// even count, zero rows past the last) and depth step s (32 deep, zero past the depth), a
/// 16 x 32 bf16 block at (t * steps + s) * 512.
public struct AMXWeightTiles: @unchecked Sendable {
    public let rows: Int
    public let depth: Int
    let steps: Int
    let tiles: [UInt16]

    /// nil where the CPU has no AMX tiles for this process, or where a weight is not a bf16
    /// value (its low 16 bits not zero): the tiles would round it.
    public init?(_ w: UnsafePointer<Float>, rows: Int, depth: Int) {
        guard GEMMPath.amx.isAvailable, rows > 0, depth > 0 else { return nil }
        for i in 0..<(rows * depth) where w[i].bitPattern & 0xFFFF != 0 { return nil }
        self.rows = rows
        self.depth = depth
        steps = (depth + 31) / 32
        let tileCount = (rows + 31) / 32 * 2, steps = self.steps
        var tiles = [UInt16](repeating: 0, count: tileCount * steps * 512)
        for r in 0..<rows {
            let t = r / 16, row = r % 16
            for d in 0..<depth { tiles[(t * steps + d / 32) * 512 + row * 32 + d % 32] = UInt16(truncatingIfNeeded: w[r * depth + d].bitPattern >> 16) }
        }
        self.tiles = tiles
    }
}

/// One product of `Kernels.gemmPackedBlocksAMX`: C (+)= A B' + bias (+ residual), where B' is
/// A's depth of B's rows from depth step `firstStep` on (B's rows 32 firstStep ..< + A.depth),
/// C and residual with the call's row stride.
struct AMXBlockProduct {
    var a: AMXWeightTiles
    var firstStep: Int
    var c: UnsafeMutablePointer<Float>
    var bias: UnsafePointer<Float>?
    var residual: UnsafePointer<Float>?
}

extension Kernels {
    /// `gemmPackedBlocks` with A as AMX tiles, for one or more products that read the same B
    /// (depth x columns): the same column blocks and results (bias, accumulation, residual),
    /// the products on the tiles, each block of B split into the tiles' parts once for all of
    /// them. With `direct` (B itself, row stride ldb) each block is split straight from B;
    /// otherwise `fill` writes the block's strips first (a gathered B: im2col) and those are
    /// split. Each 32 x 32 tile of C is summed from zero in a scratch tile and stored once, bias
    /// and residual added on the way (`storeBlock`), so C is read and written once.
    static func gemmPackedBlocksAMX(_ products: [AMXBlockProduct], depth: Int, columns: Int, valid: Int, ldc: Int, accumulate: Bool,
                                    direct: (b: UnsafePointer<Float>, ldb: Int)?,
                                    fill: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        #if os(Linux) && arch(x86_64)
        let steps = (depth + 31) / 32
        for product in products {
            precondition(product.firstStep >= 0 && product.firstStep + product.a.steps <= steps, "a product reads past B's depth")
        }
        let blocks = PackedColumnBlocks(depth: depth, whole: columns), width = blocks.maxWidth
        let tilesWide = (width + 31) / 32 * 2
        parallelClaims(blocks.count) { next in
            let strips = direct == nil ? UnsafeMutablePointer<Float>.allocate(capacity: depth * width) : nil
            let parts = UnsafeMutablePointer<UInt16>.allocate(capacity: tilesWide * steps * 3 * 512)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 32 * 32)
            amx_configure_tiles()
            defer { amx_release_tiles(); strips?.deallocate(); parts.deallocate(); scratch.deallocate() }
            while let block = next() {
                let (j0, w) = blocks.bounds(block), stored = min(w, valid - j0)
                guard stored > 0 else { continue }
                let tileCount = (stored + 31) / 32 * 2
                if let direct {
                    AVX512BF16Parts.splitDepthPairs(direct.b + j0, rowStride: direct.ldb, depth: depth, columns: stored, tiles: tileCount, into: parts)
                } else if let strips {
                    fill(j0, w, strips)
                    splitStrips(strips, depth: depth, columns: w, tiles: tileCount, into: parts)
                }
                for product in products {
                    let rows = product.a.rows, aSteps = product.a.steps
                    product.a.tiles.withUnsafeBufferPointer { tiles in
                        for i in 0..<((rows + 31) / 32) {
                            let a0 = tiles.baseAddress! + 2 * i * aSteps * 512, a1 = a0 + aSteps * 512
                            let row0 = 32 * i, tileRows = min(32, rows - row0)
                            for jp in 0..<(tileCount / 2) {
                                let b0 = parts + (2 * jp * steps + product.firstStep) * 3 * 512, b1 = b0 + steps * 3 * 512
                                amx_product_32x32_split_b(a0, a1, b0, b1, aSteps, scratch, 32 * 4, 0)
                                let column0 = j0 + 32 * jp
                                storeBlock(scratch, ldp: 32, rows: tileRows, columns: min(32, stored - 32 * jp),
                                           into: product.c + row0 * ldc + column0, ldc: ldc, bias: product.bias.map { $0 + row0 },
                                           adding: product.residual.map { $0 + row0 * ldc + column0 }, accumulate: accumulate)
                            }
                        }
                    }
                }
            }
        }
        #else
        preconditionFailure("the AMX path exists on x86-64 Linux only")
        #endif
    }

    #if os(Linux) && arch(x86_64)
    /// B's strips (`packStrips` layout, `columns` a multiple of 16, `tiles` even) split as
    /// `AVX512BF16Parts.splitDepthPairs` lays them out: each strip is B's columns with its own
    /// width as row stride, the two tiles of a strip (zero past the columns) in their place.
    private static func splitStrips(_ strips: UnsafePointer<Float>, depth: Int, columns: Int, tiles: Int,
                                    into parts: UnsafeMutablePointer<UInt16>) {
        let steps = (depth + 31) / 32
        for strip in 0..<(tiles / 2) {
            let start = 32 * strip, width = max(0, min(32, columns - start))
            AVX512BF16Parts.splitDepthPairs(strips + start * depth, rowStride: width, depth: depth, columns: width, tiles: 2,
                                            into: parts + 2 * strip * steps * 3 * 512)
        }
    }
    #endif
}
