// The bf16 GEMV of a decode step (`Kernels.gemvBF16`) with 512-bit vectors: eight weight rows
// at a time, each 64-byte load of a row holding 32 bf16 weights read as 16 32-bit words. A
// word's high half is the odd-depth weight and its low half the even one, so `word & 0xFFFF0000`
// and `word << 16` are both weights widened to float32, with no conversion instruction; they
// meet x split once per call into its even and odd depths. Five instructions per 64 bytes of a
// row (the AVX2 path: twelve), so more of the out-of-order window holds loads in flight.
#if arch(x86_64)
import CPUIntrinsics

public enum AVX512BF16GEMV {
    /// sums[j] = sum over d < 32 * blocks of W[j][d] x[d] for the 8 rows j at rows[0] + j * stride
    /// (bf16), with x given as xEven[i] = x[2i] and xOdd[i] = x[2i + 1].
    @inline(never)
    public static func rows8(_ w: UnsafePointer<UInt16>, stride: Int, blocks: Int, xEven: UnsafePointer<Float>,
                             xOdd: UnsafePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        typealias Lanes = SIMD16<Float>
        typealias Words = SIMD16<UInt32>
        let high = Words(repeating: 0xFFFF_0000)
        let p0 = UnsafeRawPointer(w), bytes = 2 * stride
        let p1 = p0 + bytes, p2 = p1 + bytes, p3 = p2 + bytes, p4 = p3 + bytes, p5 = p4 + bytes, p6 = p5 + bytes, p7 = p6 + bytes
        var s0 = Lanes(), s1 = Lanes(), s2 = Lanes(), s3 = Lanes(), s4 = Lanes(), s5 = Lanes(), s6 = Lanes(), s7 = Lanes()
        @inline(__always) func add(_ s: inout Lanes, _ p: UnsafeRawPointer, _ offset: Int, _ even: Lanes, _ odd: Lanes) {
            let words = p.loadUnaligned(fromByteOffset: offset, as: Words.self)
            s.addProduct(unsafeBitCast(words &<< 16, to: Lanes.self), even)
            s.addProduct(unsafeBitCast(words & high, to: Lanes.self), odd)
        }
        for b in 0..<blocks {
            let offset = 64 * b
            // 1 KB ahead on each stream: the hardware prefetcher stops at every 4 KB page.
            cpu_prefetch(p0 + offset + 1024); cpu_prefetch(p1 + offset + 1024); cpu_prefetch(p2 + offset + 1024)
            cpu_prefetch(p3 + offset + 1024); cpu_prefetch(p4 + offset + 1024); cpu_prefetch(p5 + offset + 1024)
            cpu_prefetch(p6 + offset + 1024); cpu_prefetch(p7 + offset + 1024)
            let even = UnsafeRawPointer(xEven + 16 * b).loadUnaligned(as: Lanes.self)
            let odd = UnsafeRawPointer(xOdd + 16 * b).loadUnaligned(as: Lanes.self)
            add(&s0, p0, offset, even, odd); add(&s1, p1, offset, even, odd)
            add(&s2, p2, offset, even, odd); add(&s3, p3, offset, even, odd)
            add(&s4, p4, offset, even, odd); add(&s5, p5, offset, even, odd)
            add(&s6, p6, offset, even, odd); add(&s7, p7, offset, even, odd)
        }
        sums[0] = s0.sum(); sums[1] = s1.sum(); sums[2] = s2.sum(); sums[3] = s3.sum()
        sums[4] = s4.sum(); sums[5] = s5.sum(); sums[6] = s6.sum(); sums[7] = s7.sum()
    }
}

#endif
