import Foundation

extension Kernels {
    /// e^x for 8 floats at once: the one exp of the kernel layer (softmax, swish, GELU's erf,
    /// SwiGLU, attention). Within 1 ulp of `Foundation.exp` for x in [-87, 88.3] (correctly
    /// rounded for 9 in 10 inputs); below -87.3 it returns ~1e-38 instead of 0, above 88.37 it
    /// saturates at ~2.5e38. libm's scalar `expf` was the largest cost outside GEMM (attention
    /// softmax runs over S^2 scores per head, swish over every activation).
    ///
    /// Cephes' expf: e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2, e^r from a
    /// degree-7 polynomial, 2^n put into the exponent bits.
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var x = x
        x.replace(with: SIMD8(repeating: 88.37), where: x .> 88.37)
        x.replace(with: SIMD8(repeating: -87.3), where: x .< -87.3)
        // Adding 1.5 * 2^23 rounds x / ln 2 to the nearest integer n and leaves n in the low
        // bits of the float's pattern, so no float-to-int conversion is needed (those are
        // scalarised for SIMD8 and were slower than libm).
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        // r = x - n ln 2, with ln 2 in two parts so r keeps its low bits.
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let er = p * (r * r) + r + 1
        // 2^n as a float: exponent field n + 127 (n <= 127 after the clamp). The pattern of
        // `shifted` is 0x4B400000 + n.
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return er * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// e^x for one float, by the same arithmetic as the eight-lane `exp` (for the tails of
    /// vectorised loops: a value's result does not depend on where in a row it sits).
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        exp(SIMD8(repeating: x))[0]
    }

    /// The reference for `exp`: libm's, in double.
    public static func expReference(_ x: Float) -> Float {
        Float(Foundation.exp(Double(x)))
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
