// The 512-bit FMA peak, for `bench` to set the AVX-512 GEMMs against: the loop of
// `Kernels.fmaPeak` with 16-lane vectors.
#if arch(x86_64)

public enum AVX512FMAPeak {
    /// Floating-point operations of `iterations` rounds of twelve independent 16-lane FMA chains,
    /// returned with a value that depends on every chain (so that none is optimized away).
    @inline(never)
    public static func run(iterations: Int, seed: Float) -> (flops: Int, sink: Float) {
        typealias Lanes = SIMD16<Float>
        var a0 = Lanes(repeating: seed), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
        var a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0
        let x = Lanes(repeating: 0.999_999), y = Lanes(repeating: 1e-7)
        for _ in 0..<iterations {
            a0.addProduct(a0, x); a1.addProduct(a1, x); a2.addProduct(a2, x); a3.addProduct(a3, x)
            a4.addProduct(a4, x); a5.addProduct(a5, x); a6.addProduct(a6, x); a7.addProduct(a7, x)
            a8.addProduct(a8, x); a9.addProduct(a9, x); a10.addProduct(a10, x); a11.addProduct(a11, x)
            a0 += y
        }
        let sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
        return (iterations * 12 * 32, sum.sum())
    }
}

#endif
