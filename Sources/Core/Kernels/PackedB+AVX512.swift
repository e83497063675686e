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
    static func gemmPackedBAVX512(m: Int, n: Int, k: Int, a x: UnsafePointer<Float>, lda ldx: Int,
                                  c y: UnsafeMutablePointer<Float>, ldc ldy: Int, scratch: PackedBScratch, accumulate addsToC: Bool,
                                  pack: (Range<Int>, UnsafeMutablePointer<Float>) -> UnsafePointer<Float>) {
        #if arch(x86_64)
        typealias Tiles = AVX512SliverKernels
        let kc = bf16DepthBlock, slivers = (n + 15) / 16, tileRows = Tiles.packedTileRows
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
                Tiles.packRows(x + i0 * ldx + k0, lda: ldx, rows: rows, depth: depth, into: packedRows)
                let a = UnsafePointer(packedRows)
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
