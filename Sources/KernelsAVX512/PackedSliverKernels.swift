// AVX-512 micro-kernels for products whose B side is packed in 16-column slivers (the bf16
// linear layers and the causal attention of Cosmos-Predict1, `Kernels.gemmPackedB`): sliver s
// holds, for each depth index d, B[d][16s ..< 16s + 16] at sliver + 16 d. A is packed in tiles
// of 12 rows by `packRows`.
//
// This module is compiled for skylake-avx512 (Package.swift) and called only after the caller
// saw AVX-512 at run time (`GEMMPath.best`); the 16-lane SIMD types lower to zmm registers and
// every multiply-add is one 512-bit FMA (checked with objdump). Nothing here may be called on
// an AVX2-only CPU: it would die of an illegal instruction.
#if arch(x86_64)

public enum AVX512SliverKernels {
    /// Rows of A one packed tile covers.
    public static let packedTileRows = 12

    /// C[0..<12][0..<32] (+)= sum over d < depth of A[i][d] * B[d][j], with A packed as
    /// a[12 d + i] (see `packRows`), columns 0..<16 from sliver `b0` and 16..<32 from sliver `b1`.
    /// Twenty-four zmm accumulators: per depth step two vector loads of B, twelve broadcasts of
    /// A from one cache line, twenty-four FMAs. Measured alone (A in L1, B in L2, one core):
    /// ~94% of the zmm FMA peak, against ~78% for an 8 x 32 tile reading A in place (best of 5,
    /// 190 and 159 against 204 GFLOP/s), so A's rows are packed first: 12 x 256 floats per 256
    /// columns of B, 1/512 of the arithmetic.
    @inline(never)
    public static func tile12x32(depth: Int, a: UnsafePointer<Float>, b0: UnsafePointer<Float>, b1: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        typealias Lanes = SIMD16<Float>
        var c00 = Lanes(), c01 = Lanes(), c10 = Lanes(), c11 = Lanes(), c20 = Lanes(), c21 = Lanes()
        var c30 = Lanes(), c31 = Lanes(), c40 = Lanes(), c41 = Lanes(), c50 = Lanes(), c51 = Lanes()
        var c60 = Lanes(), c61 = Lanes(), c70 = Lanes(), c71 = Lanes(), c80 = Lanes(), c81 = Lanes()
        var c90 = Lanes(), c91 = Lanes(), ca0 = Lanes(), ca1 = Lanes(), cb0 = Lanes(), cb1 = Lanes()
        var p = a, p0 = UnsafeRawPointer(b0), p1 = UnsafeRawPointer(b1)
        for _ in 0..<depth {
            let x0 = p0.loadUnaligned(as: Lanes.self), x1 = p1.loadUnaligned(as: Lanes.self)
            var s = Lanes(repeating: p[0]); c00.addProduct(s, x0); c01.addProduct(s, x1)
            s = Lanes(repeating: p[1]); c10.addProduct(s, x0); c11.addProduct(s, x1)
            s = Lanes(repeating: p[2]); c20.addProduct(s, x0); c21.addProduct(s, x1)
            s = Lanes(repeating: p[3]); c30.addProduct(s, x0); c31.addProduct(s, x1)
            s = Lanes(repeating: p[4]); c40.addProduct(s, x0); c41.addProduct(s, x1)
            s = Lanes(repeating: p[5]); c50.addProduct(s, x0); c51.addProduct(s, x1)
            s = Lanes(repeating: p[6]); c60.addProduct(s, x0); c61.addProduct(s, x1)
            s = Lanes(repeating: p[7]); c70.addProduct(s, x0); c71.addProduct(s, x1)
            s = Lanes(repeating: p[8]); c80.addProduct(s, x0); c81.addProduct(s, x1)
            s = Lanes(repeating: p[9]); c90.addProduct(s, x0); c91.addProduct(s, x1)
            s = Lanes(repeating: p[10]); ca0.addProduct(s, x0); ca1.addProduct(s, x1)
            s = Lanes(repeating: p[11]); cb0.addProduct(s, x0); cb1.addProduct(s, x1)
            p += 12
            p0 += 64
            p1 += 64
        }
        let out = UnsafeMutableRawPointer(c), row = ldc * MemoryLayout<Float>.stride
        store(c00, out, 0, accumulate); store(c01, out, 64, accumulate)
        store(c10, out, row, accumulate); store(c11, out, row + 64, accumulate)
        store(c20, out, 2 * row, accumulate); store(c21, out, 2 * row + 64, accumulate)
        store(c30, out, 3 * row, accumulate); store(c31, out, 3 * row + 64, accumulate)
        store(c40, out, 4 * row, accumulate); store(c41, out, 4 * row + 64, accumulate)
        store(c50, out, 5 * row, accumulate); store(c51, out, 5 * row + 64, accumulate)
        store(c60, out, 6 * row, accumulate); store(c61, out, 6 * row + 64, accumulate)
        store(c70, out, 7 * row, accumulate); store(c71, out, 7 * row + 64, accumulate)
        store(c80, out, 8 * row, accumulate); store(c81, out, 8 * row + 64, accumulate)
        store(c90, out, 9 * row, accumulate); store(c91, out, 9 * row + 64, accumulate)
        store(ca0, out, 10 * row, accumulate); store(ca1, out, 10 * row + 64, accumulate)
        store(cb0, out, 11 * row, accumulate); store(cb1, out, 11 * row + 64, accumulate)
    }

    /// As `tile12x32` for a single sliver: C[0..<12][0..<16].
    @inline(never)
    public static func tile12x16(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        typealias Lanes = SIMD16<Float>
        var c0 = Lanes(), c1 = Lanes(), c2 = Lanes(), c3 = Lanes(), c4 = Lanes(), c5 = Lanes()
        var c6 = Lanes(), c7 = Lanes(), c8 = Lanes(), c9 = Lanes(), ca = Lanes(), cb = Lanes()
        var p = a, q = UnsafeRawPointer(b)
        for _ in 0..<depth {
            let x = q.loadUnaligned(as: Lanes.self)
            c0.addProduct(Lanes(repeating: p[0]), x); c1.addProduct(Lanes(repeating: p[1]), x)
            c2.addProduct(Lanes(repeating: p[2]), x); c3.addProduct(Lanes(repeating: p[3]), x)
            c4.addProduct(Lanes(repeating: p[4]), x); c5.addProduct(Lanes(repeating: p[5]), x)
            c6.addProduct(Lanes(repeating: p[6]), x); c7.addProduct(Lanes(repeating: p[7]), x)
            c8.addProduct(Lanes(repeating: p[8]), x); c9.addProduct(Lanes(repeating: p[9]), x)
            ca.addProduct(Lanes(repeating: p[10]), x); cb.addProduct(Lanes(repeating: p[11]), x)
            p += 12
            q += 64
        }
        let out = UnsafeMutableRawPointer(c), row = ldc * MemoryLayout<Float>.stride
        store(c0, out, 0, accumulate); store(c1, out, row, accumulate); store(c2, out, 2 * row, accumulate)
        store(c3, out, 3 * row, accumulate); store(c4, out, 4 * row, accumulate); store(c5, out, 5 * row, accumulate)
        store(c6, out, 6 * row, accumulate); store(c7, out, 7 * row, accumulate); store(c8, out, 8 * row, accumulate)
        store(c9, out, 9 * row, accumulate); store(ca, out, 10 * row, accumulate); store(cb, out, 11 * row, accumulate)
    }

    /// Packs rows 0..<rows (at most 12) of A (row i at a + i * lda), depth values each, as
    /// packed[12 d + i], zero for rows past `rows`: the A operand of `tile12x32`.
    public static func packRows(_ a: UnsafePointer<Float>, lda: Int, rows: Int, depth: Int, into packed: UnsafeMutablePointer<Float>) {
        let r = packedTileRows
        guard rows == r else {
            packed.initialize(repeating: 0, count: r * depth)
            for i in 0..<rows {
                let source = a + i * lda
                for d in 0..<depth { packed[r * d + i] = source[d] }
            }
            return
        }
        // Twelve read streams, one contiguous write stream.
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        let a6 = a + 6 * lda, a7 = a + 7 * lda, a8 = a + 8 * lda, a9 = a + 9 * lda, a10 = a + 10 * lda, a11 = a + 11 * lda
        var out = packed
        for d in 0..<depth {
            out[0] = a0[d]; out[1] = a1[d]; out[2] = a2[d]; out[3] = a3[d]; out[4] = a4[d]; out[5] = a5[d]
            out[6] = a6[d]; out[7] = a7[d]; out[8] = a8[d]; out[9] = a9[d]; out[10] = a10[d]; out[11] = a11[d]
            out += r
        }
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ out: UnsafeMutableRawPointer, _ offset: Int, _ accumulate: Bool) {
        if accumulate {
            out.storeBytes(of: out.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) + v,
                           toByteOffset: offset, as: SIMD16<Float>.self)
        } else {
            out.storeBytes(of: v, toByteOffset: offset, as: SIMD16<Float>.self)
        }
    }
}

#endif
