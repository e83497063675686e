// The F(2x2, 3x3) input and output transforms (B^T d B and A^T M A), eight tiles at a time.

extension Kernels {
    // V[k][c][j] = (B^T d B)[k] for input channel c and tile t0 + j, with
    //     B^T = [1  0 -1  0]
    //           [0  1  1  0]
    //           [0 -1  1  0]
    //           [0  1  0 -1]
    // Eight tiles at a time, one per SIMD lane, as in F(4x4): eight neighbouring tiles of one
    // tile row read 18 consecutive floats per input row (de-interleaved with shuffles);
    // groups that wrap to the next tile row gather per lane.
    static func winogradInputTransform2x2(_ x: WinogradInputStrip, _ tiles: WinogradTiling, channels: Range<Int>,
                                          first t0: Int, count n: Int, v: UnsafeMutablePointer<Float>, ld: Int) {
        let wp = x.width
        let step = x.channels * ld * MemoryLayout<Float>.stride
        withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 16) { buffer in
            let rowsDone = buffer.baseAddress!  // d B, row-major 4 x 4
            for c in channels {
                let plane = x.plane(c)
                // Columns n ..< ld (padding up to the micro-kernel's width) repeat the last tile.
                for j0 in stride(from: 0, to: ld, by: 8) {
                    let first = t0 + j0
                    let ty = first / tiles.columns, tx = first % tiles.columns
                    let sameRow = j0 + 8 <= n && tx + 8 <= tiles.columns
                    for r in 0..<4 {
                        let d0, d1, d2, d3: TileLanes
                        if sameRow {
                            let row = plane + (2 * (ty - x.firstTileRow) + r) * wp + 2 * tx
                            let a = UnsafeRawPointer(row).loadUnaligned(as: SIMD16<Float>.self)
                            let (e0, e1) = (row[16], row[17])
                            d0 = TileLanes(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14])
                            d1 = TileLanes(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15])
                            d2 = TileLanes(a[2], a[4], a[6], a[8], a[10], a[12], a[14], e0)
                            d3 = TileLanes(a[3], a[5], a[7], a[9], a[11], a[13], a[15], e1)
                        } else {
                            var g0 = TileLanes(), g1 = TileLanes(), g2 = TileLanes(), g3 = TileLanes()
                            for lane in 0..<8 {
                                // Lanes past the block repeat its last tile; their results are never read.
                                let t = t0 + min(j0 + lane, n - 1)
                                let row = plane + (2 * (t / tiles.columns - x.firstTileRow) + r) * wp + 2 * (t % tiles.columns)
                                g0[lane] = row[0]; g1[lane] = row[1]; g2[lane] = row[2]; g3[lane] = row[3]
                            }
                            (d0, d1, d2, d3) = (g0, g1, g2, g3)
                        }
                        let (b0, b1, b2, b3) = transformBT2(d0, d1, d2, d3)
                        let out = rowsDone + r * 4
                        out[0] = b0; out[1] = b1; out[2] = b2; out[3] = b3
                    }
                    let out = UnsafeMutableRawPointer(v + c * ld + j0)
                    for col in 0..<4 {
                        let (b0, b1, b2, b3) = transformBT2(rowsDone[col], rowsDone[4 + col], rowsDone[8 + col], rowsDone[12 + col])
                        // component (row i, column col) = i * 4 + col
                        out.storeBytes(of: b0, toByteOffset: col * step, as: TileLanes.self)
                        out.storeBytes(of: b1, toByteOffset: (4 + col) * step, as: TileLanes.self)
                        out.storeBytes(of: b2, toByteOffset: (8 + col) * step, as: TileLanes.self)
                        out.storeBytes(of: b3, toByteOffset: (12 + col) * step, as: TileLanes.self)
                    }
                }
            }
        }
    }

    /// B^T of F(2x2) applied to one column (or row) of four.
    @inline(__always)
    static func transformBT2(_ d0: TileLanes, _ d1: TileLanes, _ d2: TileLanes, _ d3: TileLanes)
        -> (TileLanes, TileLanes, TileLanes, TileLanes) {
        (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    }

    /// A^T of F(2x2) applied to one column (or row) of four:
    ///     A^T = [1  1  1  0]
    ///           [0  1 -1 -1]
    @inline(__always)
    static func transformAT2(_ m0: TileLanes, _ m1: TileLanes, _ m2: TileLanes, _ m3: TileLanes) -> (TileLanes, TileLanes) {
        (m0 + m1 + m2, m1 - m2 - m3)
    }

    // y[o] (+)= A^T M[·][o] A + bias[o] for every tile of the block, eight tiles at a time,
    // the 2x2 results scattered to the image (clipped at its right and bottom edges).
    static func winogradOutputTransform2x2(_ g: Conv2dGeometry, _ tiles: WinogradTiling, _ m: UnsafePointer<Float>, ld: Int,
                                           componentRows: Int, channels: Range<Int>, first t0: Int, count n: Int,
                                           bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let ho = g.outHeight, wo = g.outWidth
        let step = componentRows * ld * MemoryLayout<Float>.stride
        for o in channels {
            let b = TileLanes(repeating: bias?[o] ?? 0)
            let plane = y + o * ho * wo
            for j0 in stride(from: 0, to: n, by: 8) {
                let src = UnsafeRawPointer(m + (o - channels.lowerBound) * ld + j0)
                @inline(__always) func load(_ r: Int, _ col: Int) -> TileLanes {
                    src.loadUnaligned(fromByteOffset: (r * 4 + col) * step, as: TileLanes.self)
                }
                // A^T M: 2 x 4
                let (t00, t10) = transformAT2(load(0, 0), load(1, 0), load(2, 0), load(3, 0))
                let (t01, t11) = transformAT2(load(0, 1), load(1, 1), load(2, 1), load(3, 1))
                let (t02, t12) = transformAT2(load(0, 2), load(1, 2), load(2, 2), load(3, 2))
                let (t03, t13) = transformAT2(load(0, 3), load(1, 3), load(2, 3), load(3, 3))
                // (A^T M) A: 2 x 2
                var (r00, r01) = transformAT2(t00, t01, t02, t03)
                var (r10, r11) = transformAT2(t10, t11, t12, t13)
                r00 += b; r01 += b; r10 += b; r11 += b
                let first = t0 + j0
                let oy0 = (first / tiles.columns) * 2, ox0 = (first % tiles.columns) * 2
                if j0 + 8 <= n && ox0 + 16 <= wo && oy0 + 2 <= ho {
                    // Eight whole tiles side by side: each output row is 16 consecutive floats,
                    // lane l's two values at 2l and 2l + 1.
                    @inline(__always) func storeRow(_ r: Int, _ c0: TileLanes, _ c1: TileLanes) {
                        var row = SIMD16<Float>(c0[0], c1[0], c0[1], c1[1], c0[2], c1[2], c0[3], c1[3],
                                                c0[4], c1[4], c0[5], c1[5], c0[6], c1[6], c0[7], c1[7])
                        let dst = UnsafeMutableRawPointer(plane + (oy0 + r) * wo + ox0)
                        if accumulate { row += dst.loadUnaligned(as: SIMD16<Float>.self) }
                        dst.storeBytes(of: row, as: SIMD16<Float>.self)
                    }
                    storeRow(0, r00, r01)
                    storeRow(1, r10, r11)
                    continue
                }
                for lane in 0..<min(8, n - j0) {
                    let t = first + lane
                    let oy0 = (t / tiles.columns) * 2, ox0 = (t % tiles.columns) * 2
                    let rows = min(2, ho - oy0), columns = min(2, wo - ox0)
                    @inline(__always) func put(_ r: Int, _ col: Int, _ value: Float) {
                        guard r < rows && col < columns else { return }
                        let dst = plane + (oy0 + r) * wo + ox0 + col
                        dst.pointee = accumulate ? dst.pointee + value : value
                    }
                    put(0, 0, r00[lane]); put(0, 1, r01[lane])
                    put(1, 0, r10[lane]); put(1, 1, r11[lane])
                }
            }
        }
    }
}
