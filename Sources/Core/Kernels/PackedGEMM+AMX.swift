import CPUIntrinsics

// The packed weight x activation products (`gemmPackedBlocks`: the Cosmos tokenizer's temporal
// convolutions) on AMX tiles, for weights that are bf16 values stored as float32 (the
// tokenizer's `.jit` files hold bf16). The activations are split exactly into three bf16 parts,
// as in BF16Linear+AMX.swift, which says why the result keeps float32 accuracy; here the parts
// are the B operand: each column block of B, once `fill` has written its strips, becomes per
// 16-column tile and depth step three 16 x 16 blocks of bf16 pairs.

/// A weight (rows x depth, float32 holding bf16 values) as AMX A tiles: per 16-row tile t (an
/// even count, zero rows past the last) and depth step s (32 deep, zero past the depth), a
/// 16 x 32 bf16 block at (t * steps + s) * 512.
public struct AMXWeightTiles: @unchecked Sendable {
    public let rows: Int
    public let depth: Int
    let steps: Int
    let tiles: [UInt16]

    /// nil where the CPU has no AMX tiles for this process, or where a weight is not a bf16
    /// value (its low 16 bits not zero): the tiles would round it.
    public init?(_ w: UnsafePointer<Float>, rows: Int, depth: Int) {
        guard GEMMPath.amx.isAvailable, rows > 0, depth > 0 else { return nil }
        for i in 0..<(rows * depth) where w[i].bitPattern & 0xFFFF != 0 { return nil }
        self.rows = rows
        self.depth = depth
        steps = (depth + 31) / 32
        let tileCount = (rows + 31) / 32 * 2, steps = self.steps
        var tiles = [UInt16](repeating: 0, count: tileCount * steps * 512)
        for r in 0..<rows {
            let t = r / 16, row = r % 16
            for d in 0..<depth { tiles[(t * steps + d / 32) * 512 + row * 32 + d % 32] = UInt16(truncatingIfNeeded: w[r * depth + d].bitPattern >> 16) }
        }
        self.tiles = tiles
    }
}

extension Kernels {
    /// `gemmPackedBlocks` with A as AMX tiles: the same column blocks, `fill` and stores (bias,
    /// accumulation, residual), the product on the tiles.
    static func gemmPackedBlocksAMX(_ a: AMXWeightTiles, columns: Int, valid: Int, bias: UnsafePointer<Float>?,
                                    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, adding residual: UnsafePointer<Float>?,
                                    fill: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        #if os(Linux) && arch(x86_64)
        let rows = a.rows, depth = a.depth, steps = a.steps
        let (blocks, width) = packedColumnBlocks(depth: depth, whole: columns)
        let tilesWide = (width + 31) / 32 * 2
        a.tiles.withUnsafeBufferPointer { tiles in
            parallelFor(blocks) { range in
                let strips = UnsafeMutablePointer<Float>.allocate(capacity: depth * width)
                let parts = UnsafeMutablePointer<UInt16>.allocate(capacity: tilesWide * steps * 3 * 512)
                let edge = UnsafeMutablePointer<Float>.allocate(capacity: 32 * 32)
                amx_configure_tiles()
                defer { amx_release_tiles(); strips.deallocate(); parts.deallocate(); edge.deallocate() }
                for block in range {
                    let j0 = block * width, w = min(width, columns - j0), stored = min(w, valid - j0)
                    guard stored > 0 else { continue }
                    fill(j0, w, strips)
                    splitStrips(strips, depth: depth, columns: w, tiles: (w + 31) / 32 * 2, into: parts)
                    // C starts as what the products are added to: bias, the residual, C itself.
                    for r in 0..<rows {
                        let target = c + r * ldc + j0, offset = bias?[r] ?? 0
                        if let residual {
                            let skip = residual + r * ldc + j0
                            for j in 0..<stored { target[j] = (accumulate ? target[j] : 0) + offset + skip[j] }
                        } else {
                            for j in 0..<stored { target[j] = (accumulate ? target[j] : 0) + offset }
                        }
                    }
                    for i in 0..<((rows + 31) / 32) {
                        let a0 = tiles.baseAddress! + 2 * i * steps * 512, a1 = a0 + steps * 512
                        let tileRows = min(32, rows - 32 * i)
                        for jp in 0..<((stored + 31) / 32) {
                            let b0 = parts + 2 * jp * steps * 3 * 512, b1 = b0 + steps * 3 * 512
                            let tileColumns = min(32, stored - 32 * jp)
                            let target = c + 32 * i * ldc + j0 + 32 * jp
                            amxTile(target, ldc: ldc, rows: tileRows, columns: tileColumns, edge: edge) { c, ldc in
                                amx_product_32x32_split_b(a0, a1, b0, b1, steps, c, ldc * 4, 1)
                            }
                        }
                    }
                }
            }
        }
        #else
        preconditionFailure("the AMX path exists on x86-64 Linux only")
        #endif
    }

    /// B's strips (`packStrips` layout, `columns` a multiple of 16) as the split B operand of
    /// `amx_product_32x32_split_b`: per 16-column tile t (`tiles` of them, zero past the columns)
    /// and depth step s, part p at ((t * steps + s) * 3 + p) * 512, row r holding for each column
    /// q the parts of depths 32 s + 2r and 32 s + 2r + 1 (zero past the depth).
    private static func splitStrips(_ strips: UnsafePointer<Float>, depth: Int, columns: Int, tiles: Int,
                                    into parts: UnsafeMutablePointer<UInt16>) {
        typealias Bits = SIMD16<UInt32>
        let steps = (depth + 31) / 32, high = Bits(repeating: 0xFFFF_0000)
        for t in 0..<tiles {
            let blocks = UnsafeMutableRawPointer(parts + t * steps * 3 * 512)
            guard 16 * t < columns else {
                blocks.initializeMemory(as: UInt16.self, repeating: 0, count: steps * 3 * 512)
                continue
            }
            // Tile t is columns 16(t mod 2) ..< +16 of strip t / 2 (32 wide, or a last one of 16).
            let stripStart = 32 * (t / 2), stripWidth = min(32, columns - stripStart)
            let source = strips + stripStart * depth + 16 * (t % 2)
            for s in 0..<steps {
                for r in 0..<16 {
                    let d = 32 * s + 2 * r
                    let even = d < depth ? UnsafeRawPointer(source + d * stripWidth).loadUnaligned(as: SIMD16<Float>.self) : SIMD16<Float>()
                    let odd = d + 1 < depth ? UnsafeRawPointer(source + (d + 1) * stripWidth).loadUnaligned(as: SIMD16<Float>.self) : SIMD16<Float>()
                    let (e0, e1, e2) = bf16Parts(even), (o0, o1, o2) = bf16Parts(odd)
                    // The pair of one column in one 32-bit word: even depth low, odd depth high.
                    let row = blocks + (3 * s * 512 + r * 32) * 2
                    row.storeBytes(of: e0 &>> 16 | o0, as: Bits.self)
                    row.storeBytes(of: e1 &>> 16 | o1, toByteOffset: 1024, as: Bits.self)
                    row.storeBytes(of: e2 &>> 16 | o2 & high, toByteOffset: 2048, as: Bits.self)
                }
            }
        }
    }
}
