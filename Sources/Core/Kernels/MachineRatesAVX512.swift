#if arch(x86_64)
import KernelsAVX512
#endif
import Foundation

extension Kernels {
    /// As `fmaPeak` with 512-bit FMAs: the most the AVX-512 GEMM path can reach, all threads.
    /// nil where the CPU has no AVX-512 (GEMMPath.avx512.isAvailable).
    public static func fmaPeakAVX512() -> Double? {
        #if arch(x86_64)
        guard GEMMPath.avx512.isAvailable else { return nil }
        let parts = threadCount
        let start = Date()
        var flops = [Int](repeating: 0, count: parts)
        var sink = [Float](repeating: 0, count: parts)
        flops.withUnsafeMutableBufferPointer { flops in
            sink.withUnsafeMutableBufferPointer { sink in
                parallelFor(parts) { range in
                    for part in range {
                        (flops[part], sink[part]) = AVX512FMAPeak.run(iterations: 20_000_000, seed: Float(part))
                    }
                }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        precondition(!sink.contains { $0.isNaN })
        return Double(flops.reduce(0, +)) / seconds / 1e9
        #else
        return nil
        #endif
    }
}
