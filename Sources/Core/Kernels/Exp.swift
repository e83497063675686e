
extension Kernels {
    /// e^x for 8 floats at once, within about 2 ulp of `Foundation.exp` for x in [-87, 88]
    /// (below, it returns ~1e-38 instead of 0; above, it saturates). libm's scalar `expf` was
    /// the largest cost outside GEMM (attention softmax runs over S^2 scores per head).
    ///
    /// e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2; e^r = 1 + r + r^2 q(r) with
    /// q of degree 4, fitted here for relative error (1.2e-7 in float).
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var x = x
        x.replace(with: SIMD8(repeating: -87.3), where: x .< -87.3)
        x.replace(with: SIMD8(repeating: 88.7), where: x .> 88.7)
        // Adding 1.5 * 2^23 rounds x / ln 2 to the nearest integer n and leaves n in the low
        // bits of the float's pattern, so no float-to-int conversion is needed (those are
        // scalarised for SIMD8 and were slower than libm).
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        // r = x - n ln 2, with ln 2 in two parts so r keeps its low bits.
        let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
        var q = SIMD8<Float>(repeating: 1.381_462_8e-3)
        q = q * r + 8.368_711e-3
        q = q * r + 4.166_838_5e-2
        q = q * r + 0.166_665_21
        q = q * r + 0.499_999_94
        let er = 1 + r + r * r * q
        // 2^n as a float: exponent field n + 127. The pattern of `shifted` is 0x4B400000 + n,
        // whose high bits fall off in the shift.
        let twoToN = unsafeBitCast((unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &+ 127) &<< 23, to: SIMD8<Float>.self)
        return er * twoToN
    }

    /// Loads 8 floats from any address.
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Stores 8 floats to any address.
    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
