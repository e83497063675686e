// The F(4x4, 3x3) input and output transforms (B^T d B and A^T M A), eight tiles at a time.

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
    static func winogradInputTransform4x4(_ x: WinogradInputStrip, _ tiles: WinogradTiling, channels: Range<Int>,
                                       first t0: Int, count n: Int, v: UnsafeMutablePointer<Float>, ld: Int) {
        let wp = x.width
        let componentStride = x.channels * ld
        withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 36) { buffer in
            let rowsDone = buffer.baseAddress!  // d B, row-major 6 x 6
            for c in channels {
                let plane = x.plane(c)
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
    static func winogradOutputTransform4x4(_ g: Conv2dGeometry, _ tiles: WinogradTiling, _ m: UnsafePointer<Float>, ld: Int,
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
