// The exact three-part bf16 split of float32 activations for the AMX tiles, on zmm registers:
// as the A operand (rows of X, Core's BF16Linear+AMX.swift, whose header says why the products
// keep float32 accuracy) and as the B operand (depth pairs of B, PackedGEMM+AMX.swift). Only
// called on the AMX path, which implies AVX-512.
#if arch(x86_64)

public enum AVX512BF16Parts {
    /// Columns 0 ..< `columns` of B (depth x columns, row stride `rowStride`) as AMX B tiles of
    /// depth pairs, `tiles` 16-column tiles (zero past the columns): per tile t and depth step s,
    /// part p at ((t * steps + s) * 3 + p) * 512; row r of a part holds, for each column q, the
    /// parts of depths 32 s + 2r (low half) and 32 s + 2r + 1 (high half), zero past the depth.
    @inline(never)
    public static func splitDepthPairs(_ b: UnsafePointer<Float>, rowStride: Int, depth: Int, columns: Int, tiles: Int,
                                       into parts: UnsafeMutablePointer<UInt16>) {
        let steps = (depth + 31) / 32
        let fullTiles = min(tiles, columns / 16)
        for s in 0..<steps {
            for r in 0..<16 {
                let d = 32 * s + 2 * r
                let even = d < depth ? b + d * rowStride : nil
                let odd = d + 1 < depth ? b + (d + 1) * rowStride : nil
                let row = UnsafeMutableRawPointer(parts + (s * 3 * 512 + r * 32))
                let tileBytes = steps * 3 * 1024
                if let even, let odd {
                    for t in 0..<fullTiles {
                        store(UnsafeRawPointer(even + 16 * t).loadUnaligned(as: SIMD16<Float>.self),
                              UnsafeRawPointer(odd + 16 * t).loadUnaligned(as: SIMD16<Float>.self), at: row + t * tileBytes)
                    }
                } else {
                    for t in 0..<fullTiles { store(load(even, 16 * t, 16), load(odd, 16 * t, 16), at: row + t * tileBytes) }
                }
                for t in fullTiles..<tiles {
                    let present = max(0, min(16, columns - 16 * t))
                    store(load(even, 16 * t, present), load(odd, 16 * t, present), at: row + t * tileBytes)
                }
            }
        }
    }

    /// Rows 16 t ..< 16 t + 16 of X (rows x depth, row stride ldx; zero past the rows) as AMX A
    /// tiles: per depth step s, part p at (3 s + p) * 512, row r holding the parts of
    /// X[16 t + r][32 s ..< 32 s + 32] (zero past the depth).
    @inline(never)
    public static func splitRowTile(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, depth: Int, tile t: Int,
                                    into out: UnsafeMutablePointer<UInt16>) {
        typealias Bits = SIMD16<UInt32>
        let steps = (depth + 31) / 32, high = Bits(repeating: 0xFFFF_0000)
        for r in 0..<16 {
            let row = 16 * t + r
            guard row < rows else {
                for s in 0..<steps { for p in 0..<3 { (out + (3 * s + p) * 512 + r * 32).initialize(repeating: 0, count: 32) } }
                continue
            }
            let source = x + row * ldx
            for s in 0..<steps {
                for half in 0..<2 {
                    let d0 = 32 * s + 16 * half
                    let (hi, mid, lo) = parts(load(source, d0, max(0, min(16, depth - d0))), high)
                    let target = UnsafeMutableRawPointer(out + 3 * s * 512 + r * 32 + 16 * half)
                    target.storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: hi &>> 16), as: SIMD16<UInt16>.self)
                    target.storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: mid &>> 16), toByteOffset: 1024, as: SIMD16<UInt16>.self)
                    target.storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: lo &>> 16), toByteOffset: 2048, as: SIMD16<UInt16>.self)
                }
            }
        }
    }

    /// The first `present` (0 ... 16) floats of a row from `column` on, zeros after them; zeros
    /// for a row past the depth (nil).
    @inline(__always)
    private static func load(_ row: UnsafePointer<Float>?, _ column: Int, _ present: Int) -> SIMD16<Float> {
        var v = SIMD16<Float>()
        guard let row else { return v }
        if present == 16 { return UnsafeRawPointer(row + column).loadUnaligned(as: SIMD16<Float>.self) }
        for q in 0..<present { v[q] = row[column + q] }
        return v
    }

    /// The three parts of 16 even and 16 odd depths: per part, each 32-bit word holds the even
    /// depth's bf16 in its low half and the odd one's in its high half; parts 1024 bytes apart.
    @inline(__always)
    private static func store(_ even: SIMD16<Float>, _ odd: SIMD16<Float>, at row: UnsafeMutableRawPointer) {
        typealias Bits = SIMD16<UInt32>
        let high = Bits(repeating: 0xFFFF_0000)
        let (e0, e1, e2) = parts(even, high), (o0, o1, o2) = parts(odd, high)
        row.storeBytes(of: e0 &>> 16 | o0, as: Bits.self)
        row.storeBytes(of: e1 &>> 16 | o1, toByteOffset: 1024, as: Bits.self)
        row.storeBytes(of: e2 &>> 16 | o2 & high, toByteOffset: 2048, as: Bits.self)
    }

    /// x = hi + mid + lo, each part a bf16 value in the high half of its 32-bit lane: hi is x's
    /// bit pattern cut to its top 16 bits, mid the same cut of x - hi (exact in float32), lo
    /// what remains (at most 8 significant bits, so exact).
    @inline(__always)
    private static func parts(_ x: SIMD16<Float>, _ high: SIMD16<UInt32>) -> (SIMD16<UInt32>, SIMD16<UInt32>, SIMD16<UInt32>) {
        typealias Bits = SIMD16<UInt32>
        let hi = unsafeBitCast(x, to: Bits.self) & high
        let rest = x - unsafeBitCast(hi, to: SIMD16<Float>.self)
        let mid = unsafeBitCast(rest, to: Bits.self) & high
        return (hi, mid, unsafeBitCast(rest - unsafeBitCast(mid, to: SIMD16<Float>.self), to: Bits.self))
    }
}
#endif
