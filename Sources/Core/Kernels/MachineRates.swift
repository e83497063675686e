import Foundation

// What this machine can do at most, for `bench` to set measured rates against. Built with the
// kernels' flags (AVX2 + FMA), so the FMA loop runs the instructions the kernels run.
extension Kernels {
    /// Best of 5 parallel float32 sums over 1 GiB (the figure the PyTorch rebuild reports).
    public static func memoryReadBandwidth() -> Double {
        let count = 1 << 28
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: count)
        var best = Double.infinity
        let parts = Kernels.threadCount
        for _ in 0..<5 {
            let start = Date()
            var sums = [Float](repeating: 0, count: parts)
            sums.withUnsafeMutableBufferPointer { sums in
                Kernels.parallelFor(parts) { range in
                    for part in range {
                        var a = SIMD8<Float>(), b = SIMD8<Float>(), c = SIMD8<Float>(), d = SIMD8<Float>()
                        var i = count * part / parts
                        let end = count * (part + 1) / parts
                        while i + 32 <= end {
                            let p = UnsafeRawPointer(buffer + i)
                            a += p.load(as: SIMD8<Float>.self); b += p.load(fromByteOffset: 32, as: SIMD8<Float>.self)
                            c += p.load(fromByteOffset: 64, as: SIMD8<Float>.self); d += p.load(fromByteOffset: 96, as: SIMD8<Float>.self)
                            i += 32
                        }
                        sums[part] = (a + b + c + d).sum()
                    }
                }
            }
            best = min(best, Date().timeIntervalSince(start))
            precondition(sums.reduce(0, +) > 0)
        }
        return Double(count * 4) / best / 1e9
    }

    /// Twelve independent 8-lane FMA chains per thread, all threads: the most this CPU's kernels can reach.
    public static func fmaPeak() -> Double {
        let iterations = 20_000_000, parts = Kernels.threadCount
        let start = Date()
        var sink = [Float](repeating: 0, count: parts)
        sink.withUnsafeMutableBufferPointer { sink in
            Kernels.parallelFor(parts) { range in
                for part in range {
                    var acc = [SIMD8<Float>](repeating: SIMD8(repeating: Float(part)), count: 12)
                    var a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5]
                    var a6 = acc[6], a7 = acc[7], a8 = acc[8], a9 = acc[9], a10 = acc[10], a11 = acc[11]
                    let x = SIMD8<Float>(repeating: 0.999_999), y = SIMD8<Float>(repeating: 1e-7)
                    for _ in 0..<iterations {
                        a0.addProduct(a0, x); a1.addProduct(a1, x); a2.addProduct(a2, x); a3.addProduct(a3, x)
                        a4.addProduct(a4, x); a5.addProduct(a5, x); a6.addProduct(a6, x); a7.addProduct(a7, x)
                        a8.addProduct(a8, x); a9.addProduct(a9, x); a10.addProduct(a10, x); a11.addProduct(a11, x)
                        a0 += y
                    }
                    acc = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]
                    sink[part] = acc.reduce(SIMD8<Float>(), +).sum()
                }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        precondition(!sink.contains { $0.isNaN })
        return Double(iterations * 12 * 16 * parts) / seconds / 1e9
    }

}
