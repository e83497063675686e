#if arch(x86_64)
import KernelsAVX512
#endif

extension Kernels {
    /// Tiles (columns of the products) one Winograd block holds at least: the micro-kernel's
    /// width, 32 on the AVX-512 path. A 64 x 64 image with 512 channels otherwise gets blocks of
    /// one 16-tile row, all in the narrower edge kernel (CPU seconds per clip, this machine under
    /// load, one run each: 5.4-5.7 s decode at 16, 32 and 64 tiles, against 9.0-10.0 s on AVX2).
    static let winogradMinimumColumns = GEMMPath.best.hasAVX512 ? 2 * packedGEMMColumns : packedGEMMColumns

    /// `gemmPacked` on the AVX-512 path: tiles of two panels (12 rows) by 32 columns, then what is
    /// left: an odd last panel as 6 x 32, a last 16 columns as 12 x 16 (the AVX2 6 x 16 kernel
    /// for the corner of both).
    /// Same loop order as the AVX2 path (panels outer, so the panels' A stays in L1 while B,
    /// kept in L2, streams past).
    static func gemmPackedAVX512(_ shape: PackedRowPanels, panels: Range<Int>, a: UnsafePointer<Float>,
                                 b: UnsafePointer<Float>, ldb: Int, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        #if arch(x86_64)
        let r = PackedRowPanels.panelRows, depth = shape.depth
        let wide = n / AVX512PanelKernels.tileColumns * AVX512PanelKernels.tileColumns
        var p = panels.lowerBound
        while p < panels.upperBound {
            let pair = p + 1 < panels.upperBound
            let ap = a + p * r * depth
            let cp = c + (p - panels.lowerBound) * r * ldc
            var j = 0
            while j < wide {
                if pair {
                    AVX512PanelKernels.tile12x32(depth: depth, a0: ap, a1: ap + r * depth, b: b + j, ldb: ldb, c: cp + j, ldc: ldc)
                } else {
                    AVX512PanelKernels.tile6x32(depth: depth, a: ap, b: b + j, ldb: ldb, c: cp + j, ldc: ldc)
                }
                j += AVX512PanelKernels.tileColumns
            }
            if wide < n {
                if pair {
                    AVX512PanelKernels.tile12x16(depth: depth, a0: ap, a1: ap + r * depth, b: b + wide, ldb: ldb, c: cp + wide, ldc: ldc)
                } else {
                    microKernel6x16(depth: depth, a: ap, b: b + wide, ldb: ldb, c: cp + wide, ldc: ldc)
                }
            }
            p += pair ? 2 : 1
        }
        #else
        preconditionFailure("the AVX-512 path exists on x86-64 only")
        #endif
    }

    /// Depth one pass of `gemmPackedStripsAVX512` covers: a panel pair's A (12 x 256 floats,
    /// 12 KiB) and a strip's B (32 x 256, 32 KiB) then fit L1 together; over the whole depth of
    /// a 512-channel (3,1,1) convolution (1536) neither would.
    static let stripDepthBlock = 256

    /// `gemmPackedStrips` on the AVX-512 path: 12 x 32 tiles over the 32-column strips, a last
    /// 16-column strip as 12 x 16, an odd last panel as 6 x 32 (or the 6 x 16 AVX2 kernel);
    /// depth in blocks of `stripDepthBlock`, each adding to C after the first.
    static func gemmPackedStripsAVX512(_ shape: PackedRowPanels, a: UnsafePointer<Float>, strips: UnsafePointer<Float>,
                                       n: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        #if arch(x86_64)
        let r = PackedRowPanels.panelRows, depth = shape.depth
        var d0 = 0
        while d0 < depth {
            let kd = min(stripDepthBlock, depth - d0), accumulate = d0 > 0
            var p = 0
            while p < shape.panels {
                let pair = p + 1 < shape.panels
                let a0 = a + p * r * depth + d0 * r, a1 = a0 + r * depth, cp = c + p * r * ldc
                var j = 0
                while j < n {
                    let wide = n - j >= stripColumns, w = wide ? stripColumns : packedGEMMColumns
                    let b = strips + j * depth + d0 * w
                    switch (pair, wide) {
                    case (true, true):
                        AVX512PanelKernels.tile12x32(depth: kd, a0: a0, a1: a1, b: b, ldb: w, c: cp + j, ldc: ldc, accumulate: accumulate)
                    case (false, true):
                        AVX512PanelKernels.tile6x32(depth: kd, a: a0, b: b, ldb: w, c: cp + j, ldc: ldc, accumulate: accumulate)
                    case (true, false):
                        AVX512PanelKernels.tile12x16(depth: kd, a0: a0, a1: a1, b: b, ldb: w, c: cp + j, ldc: ldc, accumulate: accumulate)
                    case (false, false):
                        microKernel6x16(depth: kd, a: a0, b: b, ldb: w, c: cp + j, ldc: ldc, accumulate: accumulate)
                    }
                    j += w
                }
                p += pair ? 2 : 1
            }
            d0 += kd
        }
        #else
        preconditionFailure("the AVX-512 path exists on x86-64 only")
        #endif
    }
}
