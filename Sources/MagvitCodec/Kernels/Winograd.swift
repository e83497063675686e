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
    /// Frequency components per tile: 6 x 6.
    static let winogradComponents = 36
    /// Scratch budget (floats) for one block of transformed inputs plus their products, all
    /// threads together (4 MB). Small enough that a thread's block stays in its share of
    /// the cache between the input transform, the 36 products and the output transform;
    /// the products themselves do not need wide blocks since the weights come prepacked.
    public static let winogradBlockFloats = 1 << 20

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

    /// What `conv2dWinograd` reads: `winogradWeights` with each component's (Cout, Cin)
    /// matrix packed for `gemmPacked`, the 36 packed matrices one after another.
    public static func winogradFilter(ohwi w: UnsafePointer<Float>, outChannels: Int, inChannels: Int) -> [Float] {
        let u = winogradWeights(ohwi: w, outChannels: outChannels, inChannels: inChannels)
        let shape = PackedRowPanels(rows: outChannels, depth: inChannels)
        return [Float](unsafeUninitializedCapacity: winogradComponents * shape.floatCount) { packed, initialized in
            u.withUnsafeBufferPointer { u in
                for k in 0..<winogradComponents {
                    shape.pack(u.baseAddress! + k * outChannels * inChannels, lda: inChannels,
                               into: packed.baseAddress! + k * shape.floatCount)
                }
            }
            initialized = winogradComponents * shape.floatCount
        }
    }

    /// y = conv(x, w) + bias for a stride-1 3x3 convolution, from `u = winogradFilter(w)`.
    /// With `accumulate` the result is added to what y holds (e.g. a residual) instead.
    /// `scratchFloats` bounds the blocks' scratch memory (all threads together).
    ///
    /// - x: (Cin, H, W); y: (Cout, Ho, Wo); bias: (Cout) or nil.
    public static func conv2dWinograd(
        _ g: Conv2dGeometry,
        input x: UnsafePointer<Float>,
        transformedWeight u: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?,
        output y: UnsafeMutablePointer<Float>,
        accumulate: Bool = false,
        scratchFloats: Int = winogradBlockFloats
    ) {
        precondition(winogradApplies(to: g), "Winograd F(4x4, 3x3) cannot compute \(g)")
        let cin = g.inChannels
        let filter = PackedRowPanels(rows: g.outChannels, depth: cin)
        let groupPanels = winogradGroupPanels, groupRows = groupPanels * PackedRowPanels.panelRows
        let tiles = WinogradTiling(g)
        // Each thread takes blocks of whole tile rows through every step: copy the input rows
        // they read, zero-padded, into a strip (one sequential read of each channel's rows);
        // transform them (V, 36 x Cin x tiles); multiply (M, 36 x Cout x tiles); transform
        // back into y. No barrier between the steps, and the strip, V and M stay in cache in
        // between. Blocks stay within the scratch budget, and there are a multiple of the
        // thread count of them where the rows allow, so no thread waits at the end.
        let workers = threadCount
        let perTile = winogradComponents * cin + groupRows * winogradComponents
        let budgetRows = max(1, scratchFloats / workers / perTile / tiles.columns)
        // At least 16 tiles per block where the image has them: the micro-kernel's width.
        let minimumRows = min(tiles.rows, (packedGEMMColumns + tiles.columns - 1) / tiles.columns)
        let needed = (tiles.rows + budgetRows - 1) / budgetRows
        let wanted = ((needed + workers - 1) / workers) * workers
        let blockRows = max(minimumRows, (tiles.rows + wanted - 1) / wanted)
        let blocks = (tiles.rows + blockRows - 1) / blockRows
        let maxColumns = roundUp16(blockRows * tiles.columns)
        parallelFor(blocks) { range in
            var strip = WinogradInputStrip(g, tiles, tileRows: blockRows)
            let v = UnsafeMutablePointer<Float>.allocate(capacity: winogradComponents * cin * maxColumns)
            let m = UnsafeMutablePointer<Float>.allocate(capacity: winogradComponents * groupRows * maxColumns)
            defer { strip.deallocate(); v.deallocate(); m.deallocate() }
            for block in range {
                let firstRow = block * blockRows
                let rows = min(blockRows, tiles.rows - firstRow)
                strip.fill(from: x, firstTileRow: firstRow, tileRows: rows)
                let t0 = firstRow * tiles.columns, n = rows * tiles.columns
                let ld = roundUp16(n)
                winogradInputTransform(strip, tiles, first: t0, count: n, v: v, ld: ld)
                // The products for a few output channels at a time, so that their 36 components
                // are still in cache when the output transform reads them.
                for firstPanel in stride(from: 0, to: filter.panels, by: groupPanels) {
                    let panels = firstPanel..<min(filter.panels, firstPanel + groupPanels)
                    for k in 0..<winogradComponents {
                        gemmPacked(filter, panels: panels, a: u + k * filter.floatCount, b: v + k * cin * ld, ldb: ld, n: ld,
                                   c: m + k * groupRows * ld, ldc: ld)
                    }
                    let channels = (panels.lowerBound * PackedRowPanels.panelRows)..<min(g.outChannels, panels.upperBound * PackedRowPanels.panelRows)
                    winogradOutputTransform(g, tiles, m, ld: ld, componentRows: groupRows, channels: channels,
                                            first: t0, count: n, bias: bias, y: y, accumulate: accumulate)
                }
            }
        }
    }

    /// Output channels whose products are computed together (in panels of 6).
    static let winogradGroupPanels = 4

    @inline(__always)
    static func roundUp16(_ n: Int) -> Int { (n + 15) & ~15 }

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

/// The input rows that a run of tile rows reads, with the convolution's zero padding made
/// explicit and widened to whole tiles, so every 6x6 input tile lies inside it and the
/// transform reads without bounds checks. One per thread, refilled for each block.
struct WinogradInputStrip {
    let base: UnsafeMutablePointer<Float>
    let channels: Int
    /// 4 x tile rows + 2, 4 x tile columns + 2
    let height: Int
    let width: Int
    /// The tile row the strip's first row belongs to (set by `fill`).
    private(set) var firstTileRow = 0
    private let geometry: Conv2dGeometry

    init(_ g: Conv2dGeometry, _ tiles: WinogradTiling, tileRows: Int) {
        geometry = g
        channels = g.inChannels
        height = 4 * tileRows + 2
        width = 4 * tiles.columns + 2
        base = UnsafeMutablePointer<Float>.allocate(capacity: channels * height * width)
    }

    /// Copies the padded input rows of tile rows first ..< first + tileRows.
    mutating func fill(from x: UnsafePointer<Float>, firstTileRow first: Int, tileRows: Int) {
        firstTileRow = first
        let (h, w, p, hs, ws) = (geometry.height, geometry.width, geometry.padding, height, width)
        let rows = 4 * tileRows + 2
        // Input columns past the padded width are never read by any tile (only when padding
        // is 0 and the output is narrower than the input).
        let columns = min(w, ws - p)
        for c in 0..<channels {
            let dst = base + c * hs * ws, src = x + c * h * w
            for r in 0..<rows {
                let row = dst + r * ws
                let iy = 4 * first + r - p
                guard iy >= 0 && iy < h else {
                    row.update(repeating: 0, count: ws)
                    continue
                }
                row.update(repeating: 0, count: p)
                (row + p).update(from: src + iy * w, count: columns)
                (row + p + columns).update(repeating: 0, count: ws - p - columns)
            }
        }
    }

    func deallocate() { base.deallocate() }
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
    // Eight tiles at a time, one per SIMD lane: each row of their 6x6 inputs is transformed
    // (d B), then each column of that (B^T ·), and the 36 results stored as whole vectors.
    // Eight neighbouring tiles of one tile row read 34 consecutive floats per input row,
    // de-interleaved with shuffles; groups that wrap to the next tile row gather per lane.
    static func winogradInputTransform(_ x: WinogradInputStrip, _ tiles: WinogradTiling,
                                       first t0: Int, count n: Int, v: UnsafeMutablePointer<Float>, ld: Int) {
        let wp = x.width
        let componentStride = x.channels * ld
        withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 36) { buffer in
            let rowsDone = buffer.baseAddress!  // d B, row-major 6 x 6
            for c in 0..<x.channels {
                let plane = UnsafePointer(x.base + c * x.height * wp)
                // Columns n ..< ld (padding up to the micro-kernel's width) repeat the last tile.
                for j0 in stride(from: 0, to: ld, by: 8) {
                    let first = t0 + j0
                    let ty = first / tiles.columns, tx = first % tiles.columns
                    let sameRow = j0 + 8 <= n && tx + 8 <= tiles.columns
                    for r in 0..<6 {
                        let d0, d1, d2, d3, d4, d5: TileLanes
                        if sameRow {
                            let row = plane + (4 * (ty - x.firstTileRow) + r) * wp + 4 * tx
                            let a = UnsafeRawPointer(row).loadUnaligned(as: SIMD16<Float>.self)
                            let b = UnsafeRawPointer(row + 16).loadUnaligned(as: SIMD16<Float>.self)
                            let (e0, e1) = (row[32], row[33])
                            d0 = TileLanes(a[0], a[4], a[8], a[12], b[0], b[4], b[8], b[12])
                            d1 = TileLanes(a[1], a[5], a[9], a[13], b[1], b[5], b[9], b[13])
                            d2 = TileLanes(a[2], a[6], a[10], a[14], b[2], b[6], b[10], b[14])
                            d3 = TileLanes(a[3], a[7], a[11], a[15], b[3], b[7], b[11], b[15])
                            d4 = TileLanes(a[4], a[8], a[12], b[0], b[4], b[8], b[12], e0)
                            d5 = TileLanes(a[5], a[9], a[13], b[1], b[5], b[9], b[13], e1)
                        } else {
                            var g0 = TileLanes(), g1 = TileLanes(), g2 = TileLanes()
                            var g3 = TileLanes(), g4 = TileLanes(), g5 = TileLanes()
                            for lane in 0..<8 {
                                // Lanes past the block repeat its last tile; their results are never read.
                                let t = t0 + min(j0 + lane, n - 1)
                                let row = plane + (4 * (t / tiles.columns - x.firstTileRow) + r) * wp + 4 * (t % tiles.columns)
                                g0[lane] = row[0]; g1[lane] = row[1]; g2[lane] = row[2]
                                g3[lane] = row[3]; g4[lane] = row[4]; g5[lane] = row[5]
                            }
                            (d0, d1, d2, d3, d4, d5) = (g0, g1, g2, g3, g4, g5)
                        }
                        let (b0, b1, b2, b3, b4, b5) = transformBT(d0, d1, d2, d3, d4, d5)
                        let out = rowsDone + r * 6
                        out[0] = b0; out[1] = b1; out[2] = b2; out[3] = b3; out[4] = b4; out[5] = b5
                    }
                    let out = UnsafeMutableRawPointer(v + c * ld + j0)
                    let step = componentStride * MemoryLayout<Float>.stride
                    for col in 0..<6 {
                        let (b0, b1, b2, b3, b4, b5) = transformBT(rowsDone[col], rowsDone[6 + col], rowsDone[12 + col],
                                                                   rowsDone[18 + col], rowsDone[24 + col], rowsDone[30 + col])
                        // component (row i, column col) = i * 6 + col
                        out.storeBytes(of: b0, toByteOffset: col * step, as: TileLanes.self)
                        out.storeBytes(of: b1, toByteOffset: (6 + col) * step, as: TileLanes.self)
                        out.storeBytes(of: b2, toByteOffset: (12 + col) * step, as: TileLanes.self)
                        out.storeBytes(of: b3, toByteOffset: (18 + col) * step, as: TileLanes.self)
                        out.storeBytes(of: b4, toByteOffset: (24 + col) * step, as: TileLanes.self)
                        out.storeBytes(of: b5, toByteOffset: (30 + col) * step, as: TileLanes.self)
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
                                        componentRows: Int, channels: Range<Int>, first t0: Int, count n: Int,
                                        bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let ho = g.outHeight, wo = g.outWidth
        let componentStride = componentRows * ld
        withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 24 + 16) { buffer in
            let tm = buffer.baseAddress!       // A^T M: 4 x 6
            let result = tm + 24               // A^T M A: 4 x 4
            for o in channels {
                let b = TileLanes(repeating: bias?[o] ?? 0)
                let plane = y + o * ho * wo
                for j0 in stride(from: 0, to: n, by: 8) {
                    let src = UnsafeRawPointer(m + (o - channels.lowerBound) * ld + j0)
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
                    let first = t0 + j0
                    let oy0 = (first / tiles.columns) * 4, ox0 = (first % tiles.columns) * 4
                    if j0 + 8 <= n && ox0 + 32 <= wo && oy0 + 4 <= ho {
                        // Eight whole tiles side by side: each output row is 32 consecutive
                        // floats, lane l's four values at 4l ..< 4l + 4 (interleaved by shuffles).
                        for r in 0..<4 {
                            let (c0, c1, c2, c3) = (result[r * 4], result[r * 4 + 1], result[r * 4 + 2], result[r * 4 + 3])
                            var lo = SIMD16<Float>(c0[0], c1[0], c2[0], c3[0], c0[1], c1[1], c2[1], c3[1],
                                                   c0[2], c1[2], c2[2], c3[2], c0[3], c1[3], c2[3], c3[3])
                            var hi = SIMD16<Float>(c0[4], c1[4], c2[4], c3[4], c0[5], c1[5], c2[5], c3[5],
                                                   c0[6], c1[6], c2[6], c3[6], c0[7], c1[7], c2[7], c3[7])
                            let dst = UnsafeMutableRawPointer(plane + (oy0 + r) * wo + ox0)
                            if accumulate {
                                lo += dst.loadUnaligned(as: SIMD16<Float>.self)
                                hi += dst.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                            }
                            dst.storeBytes(of: lo, as: SIMD16<Float>.self)
                            dst.storeBytes(of: hi, toByteOffset: 64, as: SIMD16<Float>.self)
                        }
                        continue
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
