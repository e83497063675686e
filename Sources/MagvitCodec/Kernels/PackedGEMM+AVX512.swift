#if arch(x86_64)
import KernelsAVX512
#endif

extension Kernels {
    /// `gemmPacked` on the AVX-512 path: tiles of two panels (12 rows) by 32 columns, then what is
    /// left: an odd last panel as 6 x 32, and a last 16 columns with the AVX2 6 x 16 kernel.
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
                microKernel6x16(depth: depth, a: ap, b: b + wide, ldb: ldb, c: cp + wide, ldc: ldc)
                if pair {
                    microKernel6x16(depth: depth, a: ap + r * depth, b: b + wide, ldb: ldb, c: cp + r * ldc + wide, ldc: ldc)
                }
            }
            p += pair ? 2 : 1
        }
        #else
        preconditionFailure("the AVX-512 path exists on x86-64 only")
        #endif
    }
}
