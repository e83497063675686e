// AVX-512 micro-kernels for products whose A side is packed at load in panels of 6 rows
// (`PackedRowPanels`: panel element [d][r] at panel + 6 d + r) and whose B is read in place:
// the Winograd and (k,1,1) convolutions behind `Kernels.gemmPacked`.
//
// Same contract as PackedSliverKernels.swift: built for skylake-avx512, called only after
// AVX-512 was seen at run time.
#if arch(x86_64)

public enum AVX512PanelKernels {
    /// Columns of B and C one tile covers.
    public static let tileColumns = 32

    /// C[0..<12][0..<32] = sum over d < depth of A[i][d] * B[d][j] for two consecutive packed
    /// panels (`a0`: rows 0..<6, `a1`: rows 6..<12); B row d at b + d * ldb. Twenty-four zmm
    /// accumulators: per depth step two vector loads of B, twelve broadcasts, twenty-four FMAs.
    @inline(never)
    public static func tile12x32(depth: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>,
                                 b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        typealias Lanes = SIMD16<Float>
        var c00 = Lanes(), c01 = Lanes(), c10 = Lanes(), c11 = Lanes(), c20 = Lanes(), c21 = Lanes()
        var c30 = Lanes(), c31 = Lanes(), c40 = Lanes(), c41 = Lanes(), c50 = Lanes(), c51 = Lanes()
        var c60 = Lanes(), c61 = Lanes(), c70 = Lanes(), c71 = Lanes(), c80 = Lanes(), c81 = Lanes()
        var c90 = Lanes(), c91 = Lanes(), ca0 = Lanes(), ca1 = Lanes(), cb0 = Lanes(), cb1 = Lanes()
        var p = a0, q = a1, bp = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        for _ in 0..<depth {
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
        put(c00, c01, out); put(c10, c11, out + row); put(c20, c21, out + 2 * row)
        put(c30, c31, out + 3 * row); put(c40, c41, out + 4 * row); put(c50, c51, out + 5 * row)
        put(c60, c61, out + 6 * row); put(c70, c71, out + 7 * row); put(c80, c81, out + 8 * row)
        put(c90, c91, out + 9 * row); put(ca0, ca1, out + 10 * row); put(cb0, cb1, out + 11 * row)
    }

    /// As `tile12x32` for one panel: C[0..<6][0..<32]. The odd panel at the end.
    @inline(never)
    public static func tile6x32(depth: Int, a: UnsafePointer<Float>,
                                b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
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
        put(c00, c01, out); put(c10, c11, out + row); put(c20, c21, out + 2 * row)
        put(c30, c31, out + 3 * row); put(c40, c41, out + 4 * row); put(c50, c51, out + 5 * row)
    }

    /// As `tile12x32` for 16 columns: C[0..<12][0..<16], for products whose width is 16 mod 32
    /// (the Winograd blocks of one 16-tile row).
    @inline(never)
    public static func tile12x16(depth: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>,
                                 b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
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
        out.storeBytes(of: c0, as: Lanes.self); out.storeBytes(of: c1, toByteOffset: row, as: Lanes.self)
        out.storeBytes(of: c2, toByteOffset: 2 * row, as: Lanes.self); out.storeBytes(of: c3, toByteOffset: 3 * row, as: Lanes.self)
        out.storeBytes(of: c4, toByteOffset: 4 * row, as: Lanes.self); out.storeBytes(of: c5, toByteOffset: 5 * row, as: Lanes.self)
        out.storeBytes(of: c6, toByteOffset: 6 * row, as: Lanes.self); out.storeBytes(of: c7, toByteOffset: 7 * row, as: Lanes.self)
        out.storeBytes(of: c8, toByteOffset: 8 * row, as: Lanes.self); out.storeBytes(of: c9, toByteOffset: 9 * row, as: Lanes.self)
        out.storeBytes(of: ca, toByteOffset: 10 * row, as: Lanes.self); out.storeBytes(of: cb, toByteOffset: 11 * row, as: Lanes.self)
    }

    @inline(__always)
    static func put(_ low: SIMD16<Float>, _ high: SIMD16<Float>, _ out: UnsafeMutableRawPointer) {
        out.storeBytes(of: low, as: SIMD16<Float>.self)
        out.storeBytes(of: high, toByteOffset: 64, as: SIMD16<Float>.self)
    }
}

#endif
