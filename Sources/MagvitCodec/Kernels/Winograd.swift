// Winograd F(4x4, 3x3) for stride-1 3x3 convolutions (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015). Each 4x4 output tile comes from a 6x6 input tile:
//
//     Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A
//
// The element-wise product, summed over input channels, is 36 independent matrix products
// (one per frequency component): M[k] (Cout, tiles) = U[k] (Cout, Cin) x V[k] (Cin, tiles).
// That is 36 multiply-adds per 16 outputs instead of 9 x 16: 4x fewer. U is computed once,
// when a model loads (`winogradWeights`); V and the inverse transform run per call, over
// blocks of tiles so the scratch stays bounded.
//
// Accuracy: the transforms have entries up to 8 (A) and 5 (B), so fp32 rounding grows by
// roughly an order of magnitude over direct convolution: ~1e-5 relative to the output's
// scale, versus ~1e-6 for a plain GEMM.

extension Kernels {
    /// Output tile edge (m) and input tile edge (m + r - 1) of F(4x4, 3x3).
    static let winogradTile = 4
    static let winogradInputTile = 6
    /// Frequency components per tile: 6 x 6.
    static let winogradComponents = 36
    /// Scratch budget (floats) for one block of transformed inputs plus products. Kept under
    /// glibc's largest mmap threshold (32 MB), so repeated calls reuse heap memory instead of
    /// faulting in fresh pages every time.
    static let winogradBlockFloats = 6 << 20

    /// Whether F(4x4, 3x3) applies: a 3x3 kernel at stride 1 (any padding).
    public static func winogradApplies(to g: Conv2dGeometry) -> Bool {
        g.kernel == 3 && g.stride == 1
    }

    /// U = G g G^T for every (output, input) channel pair of an OHWI 3x3 weight, stored as 36
    /// matrices of (Cout, Cin): u[(k * Cout + o) * Cin + i] with k = 6 * row + column.
    public static func winogradWeights(ohwi w: UnsafePointer<Float>, outChannels: Int, inChannels: Int) -> [Float] {
        // G of F(4x4, 3x3), in double so the transformed weights are correctly rounded.
        let gm: [[Double]] = [
            [1.0 / 4, 0, 0],
            [-1.0 / 6, -1.0 / 6, -1.0 / 6],
            [-1.0 / 6, 1.0 / 6, -1.0 / 6],
            [1.0 / 24, 1.0 / 12, 1.0 / 6],
            [1.0 / 24, -1.0 / 12, 1.0 / 6],
            [0, 0, 1],
        ]
        let (cout, cin) = (outChannels, inChannels)
        var u = [Float](repeating: 0, count: winogradComponents * cout * cin)
        u.withUnsafeMutableBufferPointer { up in
            let u = up.baseAddress!
            parallelFor(cout) { range in
                for o in range {
                    for i in 0..<cin {
                        var g = [[Double]](repeating: [0, 0, 0], count: 3)
                        for ky in 0..<3 { for kx in 0..<3 { g[ky][kx] = Double(w[(o * 9 + ky * 3 + kx) * cin + i]) } }
                        for a in 0..<6 {
                            // row a of G g: (1 x 3)
                            var gg = [0.0, 0.0, 0.0]
                            for kx in 0..<3 { for ky in 0..<3 { gg[kx] += gm[a][ky] * g[ky][kx] } }
                            for b in 0..<6 {
                                var v = 0.0
                                for kx in 0..<3 { v += gg[kx] * gm[b][kx] }
                                u[((a * 6 + b) * cout + o) * cin + i] = Float(v)
                            }
                        }
                    }
                }
            }
        }
        return u
    }

    /// y = conv(x, w) + bias for a stride-1 3x3 convolution, from `u = winogradWeights(w)`.
    /// With `accumulate` the result is added to what y holds (e.g. a residual) instead.
    ///
    /// - x: (Cin, H, W); y: (Cout, Ho, Wo); bias: (Cout) or nil.
    public static func conv2dWinograd(
        _ g: Conv2dGeometry,
        input x: UnsafePointer<Float>,
        transformedWeight u: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?,
        output y: UnsafeMutablePointer<Float>,
        accumulate: Bool = false
    ) {
        precondition(winogradApplies(to: g), "Winograd F(4x4, 3x3) cannot compute \(g)")
        let cin = g.inChannels, cout = g.outChannels
        let tiles = WinogradTiling(g)
        // Tiles per block: a multiple of 8 (one SIMD8 of tiles), as many as the budget allows.
        let perTile = winogradComponents * (cin + cout)
        let blockTiles = min(roundUp8(tiles.count), max(8, winogradBlockFloats / perTile / 8 * 8))
        let v = UnsafeMutablePointer<Float>.allocate(capacity: winogradComponents * cin * blockTiles)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: winogradComponents * cout * blockTiles)
        defer { v.deallocate(); m.deallocate() }

        var t0 = 0
        while t0 < tiles.count {
            let n = min(blockTiles, tiles.count - t0)
            let ld = roundUp8(n)
            winogradInputTransform(g, tiles, x, first: t0, count: n, v: v, ld: ld)
            for k in 0..<winogradComponents {
                gemm(m: cout, n: n, k: cin,
                     a: u + k * cout * cin, lda: cin,
                     b: v + k * cin * ld, ldb: ld,
                     c: m + k * cout * ld, ldc: ld)
            }
            winogradOutputTransform(g, tiles, m, ld: ld, first: t0, count: n, bias: bias, y: y, accumulate: accumulate)
            t0 += n
        }
    }

    @inline(__always)
    static func roundUp8(_ n: Int) -> Int { (n + 7) & ~7 }
}

/// Where the 4x4 output tiles of a convolution lie: row-major over a grid covering the output.
struct WinogradTiling {
    let rows: Int
    let columns: Int
    var count: Int { rows * columns }

    init(_ g: Conv2dGeometry) {
        rows = (g.outHeight + 3) / 4
        columns = (g.outWidth + 3) / 4
    }
}

/// Eight tiles' worth of one 6x6 (or 4x4) tile, one SIMD lane per tile.
typealias TileLanes = SIMD8<Float>

extension Kernels {
    // V[k][c][j] = (B^T d B)[k] for input channel c and tile t0 + j, with
    //     B^T = [4  0 -5  0  1  0]
    //           [0 -4 -4  1  1  0]
    //           [0  4 -4 -1  1  0]
    //           [0 -2 -1  2  1  0]
    //           [0  2 -1 -2  1  0]
    //           [0  4  0 -5  0  1]
    // Eight tiles at a time: their 6x6 inputs are gathered into lanes (zero outside the image,
    // which is the padding), transformed with SIMD8 arithmetic, and stored as whole vectors.
    static func winogradInputTransform(_ g: Conv2dGeometry, _ tiles: WinogradTiling, _ x: UnsafePointer<Float>,
                                       first t0: Int, count n: Int, v: UnsafeMutablePointer<Float>, ld: Int) {
        let cin = g.inChannels, h = g.height, w = g.width, p = g.padding
        let componentStride = cin * ld
        parallelFor(cin) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 36 * 8) { gathered in
                let d = gathered.baseAddress!
                for c in range {
                    let plane = x + c * h * w
                    for j0 in stride(from: 0, to: n, by: 8) {
                        for lane in 0..<8 {
                            // Lanes past the block repeat its last tile; their results are never read.
                            let t = t0 + min(j0 + lane, n - 1)
                            let iy0 = (t / tiles.columns) * 4 - p, ix0 = (t % tiles.columns) * 4 - p
                            if iy0 >= 0 && iy0 + 6 <= h && ix0 >= 0 && ix0 + 6 <= w {
                                var src = plane + iy0 * w + ix0
                                for r in 0..<6 {
                                    for col in 0..<6 { d[(r * 6 + col) * 8 + lane] = src[col] }
                                    src += w
                                }
                            } else {
                                for r in 0..<6 {
                                    let iy = iy0 + r
                                    for col in 0..<6 {
                                        let ix = ix0 + col
                                        d[(r * 6 + col) * 8 + lane] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? plane[iy * w + ix] : 0
                                    }
                                }
                            }
                        }
                        let out = v + c * ld + j0
                        let raw = UnsafeRawPointer(d)
                        @inline(__always) func load(_ r: Int, _ col: Int) -> TileLanes {
                            raw.loadUnaligned(fromByteOffset: (r * 6 + col) * 32, as: TileLanes.self)
                        }
                        // Rows first (B^T d), one column at a time, then each row's columns (· B).
                        withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 36) { tb in
                            let tm = tb.baseAddress!
                            for col in 0..<6 {
                                let (a0, a1, a2, a3, a4, a5) = transformBT(load(0, col), load(1, col), load(2, col),
                                                                           load(3, col), load(4, col), load(5, col))
                                tm[col] = a0; tm[6 + col] = a1; tm[12 + col] = a2
                                tm[18 + col] = a3; tm[24 + col] = a4; tm[30 + col] = a5
                            }
                            for r in 0..<6 {
                                let row = tm + r * 6
                                let (b0, b1, b2, b3, b4, b5) = transformBT(row[0], row[1], row[2], row[3], row[4], row[5])
                                let dst = UnsafeMutableRawPointer(out + (r * 6) * componentStride)
                                let step = componentStride * MemoryLayout<Float>.stride
                                dst.storeBytes(of: b0, toByteOffset: 0, as: TileLanes.self)
                                dst.storeBytes(of: b1, toByteOffset: step, as: TileLanes.self)
                                dst.storeBytes(of: b2, toByteOffset: 2 * step, as: TileLanes.self)
                                dst.storeBytes(of: b3, toByteOffset: 3 * step, as: TileLanes.self)
                                dst.storeBytes(of: b4, toByteOffset: 4 * step, as: TileLanes.self)
                                dst.storeBytes(of: b5, toByteOffset: 5 * step, as: TileLanes.self)
                            }
                        }
                    }
                }
            }
        }
    }

    /// B^T applied to one column (or row) of six.
    @inline(__always)
    static func transformBT(_ d0: TileLanes, _ d1: TileLanes, _ d2: TileLanes, _ d3: TileLanes, _ d4: TileLanes, _ d5: TileLanes)
        -> (TileLanes, TileLanes, TileLanes, TileLanes, TileLanes, TileLanes) {
        let d4m2 = d4 - d2, d3m1 = d3 - d1
        return (
            4 * d0 - 5 * d2 + d4,
            (d3 + d4) - 4 * (d1 + d2),
            (d4 - d3) + 4 * (d1 - d2),
            d4m2 + 2 * d3m1,
            d4m2 - 2 * d3m1,
            4 * d1 - 5 * d3 + d5
        )
    }

    /// A^T applied to one column (or row) of six:
    ///     A^T = [1  1  1  1  1  0]
    ///           [0  1 -1  2 -2  0]
    ///           [0  1  1  4  4  0]
    ///           [0  1 -1  8 -8  1]
    @inline(__always)
    static func transformAT(_ m0: TileLanes, _ m1: TileLanes, _ m2: TileLanes, _ m3: TileLanes, _ m4: TileLanes, _ m5: TileLanes)
        -> (TileLanes, TileLanes, TileLanes, TileLanes) {
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        return (m0 + s12 + s34, d12 + 2 * d34, s12 + 4 * s34, d12 + 8 * d34 + m5)
    }

    // y[o] (+)= A^T M[·][o] A + bias[o] for every tile of the block, eight tiles at a time:
    // 36 whole-vector loads, SIMD8 arithmetic, then the 4x4 results scattered to the image
    // (clipped at its right and bottom edges).
    static func winogradOutputTransform(_ g: Conv2dGeometry, _ tiles: WinogradTiling, _ m: UnsafePointer<Float>, ld: Int,
                                        first t0: Int, count n: Int, bias: UnsafePointer<Float>?,
                                        y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let cout = g.outChannels, ho = g.outHeight, wo = g.outWidth
        let componentStride = cout * ld
        parallelFor(cout) { range in
            withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 24 + 16) { buffer in
                let tm = buffer.baseAddress!       // A^T M: 4 x 6
                let result = tm + 24               // A^T M A: 4 x 4
                for o in range {
                    let b = TileLanes(repeating: bias?[o] ?? 0)
                    let plane = y + o * ho * wo
                    for j0 in stride(from: 0, to: n, by: 8) {
                        let src = UnsafeRawPointer(m + o * ld + j0)
                        let step = componentStride * MemoryLayout<Float>.stride
                        @inline(__always) func load(_ r: Int, _ col: Int) -> TileLanes {
                            src.loadUnaligned(fromByteOffset: (r * 6 + col) * step, as: TileLanes.self)
                        }
                        for col in 0..<6 {
                            let (a0, a1, a2, a3) = transformAT(load(0, col), load(1, col), load(2, col),
                                                               load(3, col), load(4, col), load(5, col))
                            tm[col] = a0; tm[6 + col] = a1; tm[12 + col] = a2; tm[18 + col] = a3
                        }
                        for r in 0..<4 {
                            let row = tm + r * 6
                            let (c0, c1, c2, c3) = transformAT(row[0], row[1], row[2], row[3], row[4], row[5])
                            result[r * 4] = c0 + b; result[r * 4 + 1] = c1 + b
                            result[r * 4 + 2] = c2 + b; result[r * 4 + 3] = c3 + b
                        }
                        for lane in 0..<min(8, n - j0) {
                            let t = t0 + j0 + lane
                            let oy0 = (t / tiles.columns) * 4, ox0 = (t % tiles.columns) * 4
                            let rows = min(4, ho - oy0), cols = min(4, wo - ox0)
                            for r in 0..<rows {
                                let dst = plane + (oy0 + r) * wo + ox0
                                if accumulate {
                                    for col in 0..<cols { dst[col] += result[r * 4 + col][lane] }
                                } else {
                                    for col in 0..<cols { dst[col] = result[r * 4 + col][lane] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
