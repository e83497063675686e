// AVX-512 micro-kernels for products whose A side is packed at load in panels of 6 rows
// (`PackedRowPanels`: panel element [d][r] at panel + 6 d + r) and whose B is read in place:
// the Winograd and (k,1,1) convolutions behind `Kernels.gemmPacked`.
//
// Same contract as PackedSliverKernels.swift: built for skylake-avx512, called only after
// AVX-512 was seen at run time.
#if arch(x86_64)
import CPUIntrinsics

public enum AVX512PanelKernels {
    /// Columns of B and C one tile covers.
    public static let tileColumns = 32

    /// Depth steps ahead at which `tile12x32` prefetches B's rows. B (the Winograd products'
    /// transformed inputs) comes from L2 at a stride of the block's width, and its loads were
    /// where the kernel stalled. Alternated in one process (`bench --only gemm`'s Winograd
    /// shapes, three runs of six each): 8 ahead took 6-12% less time than none in 8 of 9 medians;
    /// 16 ahead was no better than 8.
    static let prefetchSteps = 8

    /// C[0..<12][0..<32] = sum over d < depth of A[i][d] * B[d][j] for two consecutive packed
    /// panels (`a0`: rows 0..<6, `a1`: rows 6..<12); B row d at b + d * ldb. Twenty-four zmm
    /// accumulators: per depth step two vector loads of B, twelve broadcasts, twenty-four FMAs.
    @inline(never)
    public static func tile12x32(depth: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>,
                                 b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                                 accumulate: Bool = false) {
        typealias Lanes = SIMD16<Float>
        var c00 = Lanes(), c01 = Lanes(), c10 = Lanes(), c11 = Lanes(), c20 = Lanes(), c21 = Lanes()
        var c30 = Lanes(), c31 = Lanes(), c40 = Lanes(), c41 = Lanes(), c50 = Lanes(), c51 = Lanes()
        var c60 = Lanes(), c61 = Lanes(), c70 = Lanes(), c71 = Lanes(), c80 = Lanes(), c81 = Lanes()
        var c90 = Lanes(), c91 = Lanes(), ca0 = Lanes(), ca1 = Lanes(), cb0 = Lanes(), cb1 = Lanes()
        var p = a0, q = a1, bp = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride, ahead = prefetchSteps * bStep
        for _ in 0..<depth {
            // Past B's last row this reads ahead into whatever follows, harmlessly: a prefetch
            // never faults.
            cpu_prefetch(bp + ahead); cpu_prefetch(bp + ahead + 64)
            let x0 = bp.loadUnaligned(as: Lanes.self), x1 = bp.loadUnaligned(fromByteOffset: 64, as: Lanes.self)
            var s = Lanes(repeating: p[0]); c00.addProduct(s, x0); c01.addProduct(s, x1)
            s = Lanes(repeating: p[1]); c10.addProduct(s, x0); c11.addProduct(s, x1)
            s = Lanes(repeating: p[2]); c20.addProduct(s, x0); c21.addProduct(s, x1)
            s = Lanes(repeating: p[3]); c30.addProduct(s, x0); c31.addProduct(s, x1)
            s = Lanes(repeating: p[4]); c40.addProduct(s, x0); c41.addProduct(s, x1)
            s = Lanes(repeating: p[5]); c50.addProduct(s, x0); c51.addProduct(s, x1)
            s = Lanes(repeating: q[0]); c60.addProduct(s, x0); c61.addProduct(s, x1)
            s = Lanes(repeating: q[1]); c70.addProduct(s, x0); c71.addProduct(s, x1)
            s = Lanes(repeating: q[2]); c80.addProduct(s, x0); c81.addProduct(s, x1)
            s = Lanes(repeating: q[3]); c90.addProduct(s, x0); c91.addProduct(s, x1)
            s = Lanes(repeating: q[4]); ca0.addProduct(s, x0); ca1.addProduct(s, x1)
            s = Lanes(repeating: q[5]); cb0.addProduct(s, x0); cb1.addProduct(s, x1)
            p += 6
            q += 6
            bp += bStep
        }
        let out = UnsafeMutableRawPointer(c), row = ldc * MemoryLayout<Float>.stride
        put(c00, c01, out, accumulate); put(c10, c11, out + row, accumulate); put(c20, c21, out + 2 * row, accumulate)
        put(c30, c31, out + 3 * row, accumulate); put(c40, c41, out + 4 * row, accumulate); put(c50, c51, out + 5 * row, accumulate)
        put(c60, c61, out + 6 * row, accumulate); put(c70, c71, out + 7 * row, accumulate); put(c80, c81, out + 8 * row, accumulate)
        put(c90, c91, out + 9 * row, accumulate); put(ca0, ca1, out + 10 * row, accumulate); put(cb0, cb1, out + 11 * row, accumulate)
    }

    /// As `tile12x32` for one panel: C[0..<6][0..<32]. The odd panel at the end.
    @inline(never)
    public static func tile6x32(depth: Int, a: UnsafePointer<Float>,
                                b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                                 accumulate: Bool = false) {
        typealias Lanes = SIMD16<Float>
        var c00 = Lanes(), c01 = Lanes(), c10 = Lanes(), c11 = Lanes(), c20 = Lanes(), c21 = Lanes()
        var c30 = Lanes(), c31 = Lanes(), c40 = Lanes(), c41 = Lanes(), c50 = Lanes(), c51 = Lanes()
        var p = a, bp = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        for _ in 0..<depth {
            let x0 = bp.loadUnaligned(as: Lanes.self), x1 = bp.loadUnaligned(fromByteOffset: 64, as: Lanes.self)
            var s = Lanes(repeating: p[0]); c00.addProduct(s, x0); c01.addProduct(s, x1)
            s = Lanes(repeating: p[1]); c10.addProduct(s, x0); c11.addProduct(s, x1)
            s = Lanes(repeating: p[2]); c20.addProduct(s, x0); c21.addProduct(s, x1)
            s = Lanes(repeating: p[3]); c30.addProduct(s, x0); c31.addProduct(s, x1)
            s = Lanes(repeating: p[4]); c40.addProduct(s, x0); c41.addProduct(s, x1)
            s = Lanes(repeating: p[5]); c50.addProduct(s, x0); c51.addProduct(s, x1)
            p += 6
            bp += bStep
        }
        let out = UnsafeMutableRawPointer(c), row = ldc * MemoryLayout<Float>.stride
        put(c00, c01, out, accumulate); put(c10, c11, out + row, accumulate); put(c20, c21, out + 2 * row, accumulate)
        put(c30, c31, out + 3 * row, accumulate); put(c40, c41, out + 4 * row, accumulate); put(c50, c51, out + 5 * row, accumulate)
    }

    /// As `tile12x32` for 16 columns: C[0..<12][0..<16], for products whose width is 16 mod 32
    /// (the Winograd blocks of one 16-tile row).
    @inline(never)
    public static func tile12x16(depth: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>,
                                 b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                                 accumulate: Bool = false) {
        typealias Lanes = SIMD16<Float>
        var c0 = Lanes(), c1 = Lanes(), c2 = Lanes(), c3 = Lanes(), c4 = Lanes(), c5 = Lanes()
        var c6 = Lanes(), c7 = Lanes(), c8 = Lanes(), c9 = Lanes(), ca = Lanes(), cb = Lanes()
        var p = a0, q = a1, bp = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        for _ in 0..<depth {
            let x = bp.loadUnaligned(as: Lanes.self)
            c0.addProduct(Lanes(repeating: p[0]), x); c1.addProduct(Lanes(repeating: p[1]), x)
            c2.addProduct(Lanes(repeating: p[2]), x); c3.addProduct(Lanes(repeating: p[3]), x)
            c4.addProduct(Lanes(repeating: p[4]), x); c5.addProduct(Lanes(repeating: p[5]), x)
            c6.addProduct(Lanes(repeating: q[0]), x); c7.addProduct(Lanes(repeating: q[1]), x)
            c8.addProduct(Lanes(repeating: q[2]), x); c9.addProduct(Lanes(repeating: q[3]), x)
            ca.addProduct(Lanes(repeating: q[4]), x); cb.addProduct(Lanes(repeating: q[5]), x)
            p += 6
            q += 6
            bp += bStep
        }
        let out = UnsafeMutableRawPointer(c), row = ldc * MemoryLayout<Float>.stride
        let store = AVX512SliverKernels.store
        store(c0, out, 0, accumulate); store(c1, out, row, accumulate); store(c2, out, 2 * row, accumulate)
        store(c3, out, 3 * row, accumulate); store(c4, out, 4 * row, accumulate); store(c5, out, 5 * row, accumulate)
        store(c6, out, 6 * row, accumulate); store(c7, out, 7 * row, accumulate); store(c8, out, 8 * row, accumulate)
        store(c9, out, 9 * row, accumulate); store(ca, out, 10 * row, accumulate); store(cb, out, 11 * row, accumulate)
    }

    @inline(__always)
    static func put(_ low: SIMD16<Float>, _ high: SIMD16<Float>, _ out: UnsafeMutableRawPointer, _ accumulate: Bool) {
        AVX512SliverKernels.store(low, out, 0, accumulate)
        AVX512SliverKernels.store(high, out, 64, accumulate)
    }
}

#endif
