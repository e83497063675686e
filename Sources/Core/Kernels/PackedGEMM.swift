// A register-blocked GEMM for products whose A side is known ahead of time (the Winograd
// weights): A is packed once, at load, into panels of 6 rows, and each call computes
// C = A x B in blocks of 6 x 16 held in twelve 8-lane accumulators (one AVX2 register each),
// the shape BLIS uses for sgemm on Haswell and Zen. B is read in place, 16 columns at a time.
//
// Why not OpenBLAS here: every OpenBLAS call repacks both operands and zeroes C first
// (itcopy, oncopy and sgemm_beta were ~13% of a decode), which only pays off for large
// operands. With A prepacked and B produced by the Winograd input transform right before the
// product, the blocks can stay small enough to live in cache. In L1 this kernel runs at
// 77-91 GFLOP/s per core here (the CPU's FMA peak measured 91), inside the Winograd
// convolutions ~77; OpenBLAS's sgemm reached ~60-70 on the same products.

/// A matrix packed for `Kernels.gemmPacked`: panel p holds, for every depth index d, the six
/// values A[6p + r][d] (r = 0..<6) side by side; rows past `rows` are zero.
public struct PackedRowPanels {
    public static let panelRows = 6
    public let rows: Int
    public let depth: Int
    public var panels: Int { (rows + Self.panelRows - 1) / Self.panelRows }
    /// Floats one packed matrix takes: rows rounded up to whole panels, times depth.
    public var floatCount: Int { panels * Self.panelRows * depth }

    public init(rows: Int, depth: Int) {
        self.rows = rows
        self.depth = depth
    }

    /// Packs row-major A (rows x depth, row stride lda) into `packed` (floatCount floats),
    /// times `scale`. `transposed`: A is stored as its transpose (depth x rows, row stride lda).
    public func pack(_ a: UnsafePointer<Float>, lda: Int, transposed: Bool = false, scale: Float = 1,
                     into packed: UnsafeMutablePointer<Float>) {
        let r = Self.panelRows
        for p in 0..<panels {
            let panel = packed + p * r * depth
            let present = min(r, rows - p * r)
            if transposed {
                // A panel's six rows are six neighbours in each stored row: read them together.
                for d in 0..<depth {
                    let source = a + d * lda + p * r, target = panel + d * r
                    for i in 0..<present { target[i] = source[i] * scale }
                    for i in present..<r { target[i] = 0 }
                }
                continue
            }
            for i in 0..<r {
                if i >= present {
                    for d in 0..<depth { panel[d * r + i] = 0 }
                } else {
                    let source = a + (p * r + i) * lda
                    for d in 0..<depth { panel[d * r + i] = source[d] * scale }
                }
            }
        }
    }
}

extension Kernels {
    /// Columns of B and C each micro-kernel call covers.
    public static let packedGEMMColumns = 16

    /// C = A[rows of `panels`] x B on the calling thread, where A is packed as `shape`
    /// describes and B is (depth x n), row stride ldb; C's row 0 is the first panel's first
    /// row. `n` must be a multiple of 16; rows past `shape.rows` (up to whole panels) are
    /// written too (A's zero rows give zeros there). `path` picks the micro-kernels (GEMMPath.swift).
    public static func gemmPacked(_ shape: PackedRowPanels, panels: Range<Int>? = nil, a: UnsafePointer<Float>,
                                  b: UnsafePointer<Float>, ldb: Int, n: Int,
                                  c: UnsafeMutablePointer<Float>, ldc: Int, path: GEMMPath = .best) {
        precondition(n % packedGEMMColumns == 0, "gemmPacked needs whole 16-column panels, got n = \(n)")
        let r = PackedRowPanels.panelRows, depth = shape.depth
        // Panels outer, columns inner: each 6-row panel of A (6 x depth) stays in L1 while it
        // sweeps B, and B (depth x n) stays in L2 across panels.
        let panels = panels ?? 0..<shape.panels
        if path.hasAVX512 {
            return gemmPackedAVX512(shape, panels: panels, a: a, b: b, ldb: ldb, n: n, c: c, ldc: ldc)
        }
        for p in panels {
            let ap = a + p * r * depth
            let cp = c + (p - panels.lowerBound) * r * ldc
            var j = 0
            while j < n {
                microKernel6x16(depth: depth, a: ap, b: b + j, ldb: ldb, c: cp + j, ldc: ldc)
                j += packedGEMMColumns
            }
        }
    }

    // C[0..<6][0..<16] = sum over d of a[d * 6 + i] * b[d * ldb + j]. Written out by hand so the
    // twelve accumulators stay in registers and every multiply-add is one FMA.
    @inline(never)
    static func microKernel6x16(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
        typealias Lanes = SIMD8<Float>
        var c00 = Lanes(), c01 = Lanes(), c10 = Lanes(), c11 = Lanes(), c20 = Lanes(), c21 = Lanes()
        var c30 = Lanes(), c31 = Lanes(), c40 = Lanes(), c41 = Lanes(), c50 = Lanes(), c51 = Lanes()
        var ap = a, bp = UnsafeRawPointer(b)
        let bStep = ldb * MemoryLayout<Float>.stride
        for _ in 0..<depth {
            let b0 = bp.loadUnaligned(as: Lanes.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 32, as: Lanes.self)
            var x = Lanes(repeating: ap[0]); c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = Lanes(repeating: ap[1]); c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = Lanes(repeating: ap[2]); c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = Lanes(repeating: ap[3]); c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = Lanes(repeating: ap[4]); c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = Lanes(repeating: ap[5]); c50.addProduct(x, b0); c51.addProduct(x, b1)
            ap += 6
            bp += bStep
        }
        let out = UnsafeMutableRawPointer(c), row = ldc * MemoryLayout<Float>.stride
        func put(_ low: Lanes, _ high: Lanes, _ offset: Int) {
            if accumulate {
                out.storeBytes(of: out.loadUnaligned(fromByteOffset: offset, as: Lanes.self) + low, toByteOffset: offset, as: Lanes.self)
                out.storeBytes(of: out.loadUnaligned(fromByteOffset: offset + 32, as: Lanes.self) + high,
                               toByteOffset: offset + 32, as: Lanes.self)
            } else {
                out.storeBytes(of: low, toByteOffset: offset, as: Lanes.self)
                out.storeBytes(of: high, toByteOffset: offset + 32, as: Lanes.self)
            }
        }
        put(c00, c01, 0); put(c10, c11, row); put(c20, c21, 2 * row)
        put(c30, c31, 3 * row); put(c40, c41, 4 * row); put(c50, c51, 5 * row)
    }
}
