#if arch(x86_64)
import KernelsAVX512
#endif

extension Kernels {
    /// Output columns one thread packs per depth block on the AVX-512 path (512 x 256 float32 =
    /// 512 KB, in L2): twice the AVX2 path's, so that each packed 12-row panel of X serves 16
    /// tiles instead of 8 (packing X's rows was a third of the tile kernel's time at 256).
    static let bf16ColumnBlockAVX512 = 512

    /// `gemmPackedB` on the AVX-512 path (GEMMPath.swift): the same packing of B (16-column
    /// slivers, depth blocks of 256), computed in tiles of 12 rows by two slivers (32 columns),
    /// A's 12 rows packed side by side first (AVX512SliverKernels.tile12x32 says why). A last
    /// odd sliver runs as 12 x 16; tiles with fewer rows or columns go through a padded copy of C.
    /// A (rows x depth, row stride ldx) in the layout `gemmPackedBAVX512` reads with `packedA`:
    /// tile t (rows 12t ..< 12t + 12) and depth block b (256 deep) at (t * depthBlocks + b) *
    /// 12 * 256, as `AVX512SliverKernels.packRows` writes it. The caller deallocates it.
    static func packRowTilesAVX512(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, depth k: Int) -> UnsafeMutablePointer<Float> {
        #if arch(x86_64)
        let kc = bf16DepthBlock, tileRows = AVX512SliverKernels.packedTileRows
        let tiles = (m + tileRows - 1) / tileRows, depthBlocks = (k + kc - 1) / kc
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: tiles * depthBlocks * tileRows * kc)
        parallelFor(tiles) { range in
            for t in range {
                for b in 0..<depthBlocks {
                    AVX512SliverKernels.packRows(x + t * tileRows * ldx + b * kc, lda: ldx, rows: min(tileRows, m - t * tileRows),
                                                 depth: min(kc, k - b * kc), into: packed + (t * depthBlocks + b) * tileRows * kc)
                }
            }
        }
        return packed
        #else
        preconditionFailure("the AVX-512 path exists on x86-64 only")
        #endif
    }

    /// `packedA`: A already packed by `packRowTilesAVX512` (then `a` and `lda` are not read).
    static func gemmPackedBAVX512(m: Int, n: Int, k: Int, a x: UnsafePointer<Float>, lda ldx: Int, packedA: UnsafePointer<Float>? = nil,
                                  c y: UnsafeMutablePointer<Float>, ldc ldy: Int, scratch: PackedBScratch, accumulate addsToC: Bool,
                                  pack: (Range<Int>, UnsafeMutablePointer<Float>) -> UnsafePointer<Float>) {
        #if arch(x86_64)
        typealias Tiles = AVX512SliverKernels
        let kc = bf16DepthBlock, slivers = (n + 15) / 16, tileRows = Tiles.packedTileRows
        let depthBlocks = (k + kc - 1) / kc
        let packedRows = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * kc)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * 32)
        defer { packedRows.deallocate(); tile.deallocate() }
        var k0 = 0
        while k0 < k {
            let depth = min(kc, k - k0)
            let packed = pack(k0..<(k0 + depth), scratch.packed)
            let accumulate = k0 > 0 || addsToC
            var i0 = 0
            while i0 < m {
                let rows = min(tileRows, m - i0)
                let a: UnsafePointer<Float>
                if let packedA {
                    a = packedA + (i0 / tileRows * depthBlocks + k0 / kc) * tileRows * kc
                } else {
                    Tiles.packRows(x + i0 * ldx + k0, lda: ldx, rows: rows, depth: depth, into: packedRows)
                    a = UnsafePointer(packedRows)
                }
                var s = 0
                while s < slivers {
                    let pair = s + 1 < slivers
                    let width = pair ? 32 : 16, columns = min(width, n - 16 * s)
                    let c = y + i0 * ldy + 16 * s
                    let b0 = packed + s * 16 * kc, b1 = b0 + 16 * kc
                    if rows == tileRows && columns == width {
                        if pair {
                            Tiles.tile12x32(depth: depth, a: a, b0: b0, b1: b1, c: c, ldc: ldy, accumulate: accumulate)
                        } else {
                            Tiles.tile12x16(depth: depth, a: a, b: b0, c: c, ldc: ldy, accumulate: accumulate)
                        }
                    } else {
                        tile.initialize(repeating: 0, count: tileRows * 32)
                        if accumulate {
                            for r in 0..<rows { for j in 0..<columns { tile[r * 32 + j] = c[r * ldy + j] } }
                        }
                        if pair {
                            Tiles.tile12x32(depth: depth, a: a, b0: b0, b1: b1, c: tile, ldc: 32, accumulate: true)
                        } else {
                            Tiles.tile12x16(depth: depth, a: a, b: b0, c: tile, ldc: 32, accumulate: true)
                        }
                        for r in 0..<rows { for j in 0..<columns { c[r * ldy + j] = tile[r * 32 + j] } }
                    }
                    s += pair ? 2 : 1
                }
                i0 += tileRows
            }
            k0 += depth
        }
        #else
        preconditionFailure("the AVX-512 path exists on x86-64 only")
        #endif
    }
}
