// Winograd F(6x6, 3x3): the transforms (points 0, ±1, ±2, ±1/2, ∞). The driver, the weight
// transform G and the input layout are shared with F(4x4) in Winograd.swift.
//
//     B^T = [1   0    -21/4   0     21/4   0     -1  0]
//           [0   1     1     -17/4 -17/4   1      1  0]
//           [0  -1     1      17/4 -17/4  -1      1  0]
//           [0   1/2   1/4   -5/2  -5/4    2      1  0]
//           [0  -1/2   1/4    5/2  -5/4   -2      1  0]
//           [0   2     4     -5/2  -5      1/2    1  0]
//           [0  -2     4      5/2  -5     -1/2    1  0]
//           [0  -1     0      21/4  0     -21/4   0  1]
//
//     A^T = [1  1  1  1   1   1     1     0]
//           [0  1 -1  2  -2   1/2  -1/2   0]
//           [0  1  1  4   4   1/4   1/4   0]
//           [0  1 -1  8  -8   1/8  -1/8   0]
//           [0  1  1  16  16  1/16  1/16  0]
//           [0  1 -1  32 -32  1/32 -1/32  1]

/// Eight SIMD8 values: one row (or column) of an 8x8 tile, for eight tiles at once.
struct TileRow8 {
    var v0, v1, v2, v3, v4, v5, v6, v7: TileLanes

    @inline(__always)
    init(_ v0: TileLanes, _ v1: TileLanes, _ v2: TileLanes, _ v3: TileLanes,
         _ v4: TileLanes, _ v5: TileLanes, _ v6: TileLanes, _ v7: TileLanes) {
        (self.v0, self.v1, self.v2, self.v3, self.v4, self.v5, self.v6, self.v7) = (v0, v1, v2, v3, v4, v5, v6, v7)
    }

    /// Element i of `p`, `p + stride`, ... `p + 7 stride`.
    @inline(__always)
    init(_ p: UnsafePointer<TileLanes>, stride: Int) {
        self.init(p[0], p[stride], p[2 * stride], p[3 * stride], p[4 * stride], p[5 * stride], p[6 * stride], p[7 * stride])
    }

    @inline(__always)
    func store(to p: UnsafeMutablePointer<TileLanes>, stride: Int) {
        p[0] = v0; p[stride] = v1; p[2 * stride] = v2; p[3 * stride] = v3
        p[4 * stride] = v4; p[5 * stride] = v5; p[6 * stride] = v6; p[7 * stride] = v7
    }

    /// B^T times this column of eight.
    @inline(__always)
    var transformedByBT: TileRow8 {
        let even1 = (v2 + v6).addingProduct(v4, -4.25), odd1 = (v1 + v5).addingProduct(v3, -4.25)
        let even2 = v6.addingProduct(v2, 0.25).addingProduct(v4, -1.25)
        let odd2 = (v1 * 0.5).addingProduct(v3, -2.5).addingProduct(v5, 2)
        let even3 = v6.addingProduct(v2, 4).addingProduct(v4, -5)
        let odd3 = (v1 * 2).addingProduct(v3, -2.5).addingProduct(v5, 0.5)
        return TileRow8(
            (v0 - v6).addingProduct(v4 - v2, 5.25),
            even1 + odd1, even1 - odd1,
            even2 + odd2, even2 - odd2,
            even3 + odd3, even3 - odd3,
            (v7 - v1).addingProduct(v3 - v5, 5.25))
    }

    /// A^T times this column of eight: six outputs.
    @inline(__always)
    var transformedByAT: (TileLanes, TileLanes, TileLanes, TileLanes, TileLanes, TileLanes) {
        let s12 = v1 + v2, d12 = v1 - v2, s34 = v3 + v4, d34 = v3 - v4, s56 = v5 + v6, d56 = v5 - v6
        return (
            v0 + s12 + s34 + s56,
            d12.addingProduct(d34, 2).addingProduct(d56, 0.5),
            s12.addingProduct(s34, 4).addingProduct(s56, 0.25),
            d12.addingProduct(d34, 8).addingProduct(d56, 0.125),
            s12.addingProduct(s34, 16).addingProduct(s56, 0.0625),
            d12.addingProduct(d34, 32).addingProduct(d56, 0.03125) + v7
        )
    }
}

extension Kernels {
    // V[k][c][j] = (B^T d B)[k] for input channel c and tile t0 + j, eight tiles at a time,
    // one per SIMD lane: each of the eight input rows is transformed (d B), then each column
    // of that (B^T ·), and the 64 results stored as whole vectors. In the phase layout the
    // j-th column of eight neighbouring tiles is one load; groups that wrap to the next tile
    // row gather per lane.
    static func winogradInputTransformF6(_ x: WinogradInput, _ tiles: WinogradTiling,
                                         first t0: Int, count n: Int, v: UnsafeMutablePointer<Float>, ld: Int) {
        let pw = x.phaseWidth, rowStride = x.rowStride
        let step = x.channels * ld * MemoryLayout<Float>.stride
        withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 64 + 8) { buffer in
            let rowsDone = buffer.baseAddress!  // d B, row-major 8 x 8
            let gathered = rowsDone + 64        // one row of eight tiles that wrap a tile row
            for c in 0..<x.channels {
                let plane = UnsafePointer(x.base + c * x.height * rowStride)
                for j0 in stride(from: 0, to: n, by: 8) {
                    let first = t0 + j0
                    let ty = first / tiles.columns, tx = first % tiles.columns
                    let sameRow = tx + 8 <= tiles.columns
                    for r in 0..<8 {
                        let d: TileRow8
                        if sameRow {
                            let row = UnsafeRawPointer(plane + (6 * ty + r) * rowStride + tx)
                            let bytes = pw * MemoryLayout<Float>.stride
                            @inline(__always) func phase(_ j: Int) -> TileLanes {
                                row.loadUnaligned(fromByteOffset: j * bytes, as: TileLanes.self)
                            }
                            d = TileRow8(phase(0), phase(1), phase(2), phase(3), phase(4), phase(5), phase(6), phase(7))
                        } else {
                            for lane in 0..<8 {
                                // Lanes past the block repeat its last tile; their results are never read.
                                let t = t0 + min(j0 + lane, n - 1)
                                let row = plane + (6 * (t / tiles.columns) + r) * rowStride + t % tiles.columns
                                for j in 0..<8 { gathered[j][lane] = row[j * pw] }
                            }
                            d = TileRow8(UnsafePointer(gathered), stride: 1)
                        }
                        d.transformedByBT.store(to: rowsDone + r * 8, stride: 1)
                    }
                    let out = UnsafeMutableRawPointer(v + c * ld + j0)
                    for column in 0..<8 {
                        let b = TileRow8(UnsafePointer(rowsDone + column), stride: 8).transformedByBT
                        // component (row i, column) = 8 i + column
                        @inline(__always) func store(_ value: TileLanes, row i: Int) {
                            out.storeBytes(of: value, toByteOffset: (8 * i + column) * step, as: TileLanes.self)
                        }
                        store(b.v0, row: 0); store(b.v1, row: 1); store(b.v2, row: 2); store(b.v3, row: 3)
                        store(b.v4, row: 4); store(b.v5, row: 5); store(b.v6, row: 6); store(b.v7, row: 7)
                    }
                }
            }
        }
    }

    // y[o] (+)= A^T M[·][o] A + bias[o] for every tile of the block, eight tiles at a time,
    // then the 6x6 results written to the image per lane (clipped at its right and bottom).
    static func winogradOutputTransformF6(_ g: Conv2dGeometry, _ tiles: WinogradTiling, _ m: UnsafePointer<Float>, ld: Int,
                                          first t0: Int, count n: Int, bias: UnsafePointer<Float>?,
                                          y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let cout = g.outChannels, ho = g.outHeight, wo = g.outWidth
        let step = cout * ld * MemoryLayout<Float>.stride
        withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 48 + 36) { buffer in
            let tm = buffer.baseAddress!       // A^T M: 6 x 8
            let result = tm + 48               // A^T M A: 6 x 6
            for o in 0..<cout {
                let b = TileLanes(repeating: bias?[o] ?? 0)
                let plane = y + o * ho * wo
                for j0 in stride(from: 0, to: n, by: 8) {
                    let src = UnsafeRawPointer(m + o * ld + j0)
                    @inline(__always) func load(_ k: Int) -> TileLanes {
                        src.loadUnaligned(fromByteOffset: k * step, as: TileLanes.self)
                    }
                    for column in 0..<8 {
                        let (a0, a1, a2, a3, a4, a5) = TileRow8(
                            load(column), load(8 + column), load(16 + column), load(24 + column),
                            load(32 + column), load(40 + column), load(48 + column), load(56 + column)).transformedByAT
                        tm[column] = a0; tm[8 + column] = a1; tm[16 + column] = a2
                        tm[24 + column] = a3; tm[32 + column] = a4; tm[40 + column] = a5
                    }
                    for r in 0..<6 {
                        let (c0, c1, c2, c3, c4, c5) = TileRow8(UnsafePointer(tm + 8 * r), stride: 1).transformedByAT
                        let row = result + 6 * r
                        row[0] = c0 + b; row[1] = c1 + b; row[2] = c2 + b
                        row[3] = c3 + b; row[4] = c4 + b; row[5] = c5 + b
                    }
                    let lanes = UnsafeRawPointer(result)
                    for lane in 0..<min(8, n - j0) {
                        let t = t0 + j0 + lane
                        let oy0 = (t / tiles.columns) * 6, ox0 = (t % tiles.columns) * 6
                        let rows = min(6, ho - oy0), columns = min(6, wo - ox0)
                        for r in 0..<rows {
                            let dst = plane + (oy0 + r) * wo + ox0
                            for column in 0..<columns {
                                let value = lanes.load(fromByteOffset: ((6 * r + column) * 8 + lane) * 4, as: Float.self)
                                if accumulate { dst[column] += value } else { dst[column] = value }
                            }
                        }
                    }
                }
            }
        }
    }
}
