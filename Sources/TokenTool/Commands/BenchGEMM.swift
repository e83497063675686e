import Foundation
import Core

/// `tokentool bench --only gemm`: the register-blocked GEMMs on every micro-kernel path this CPU
/// can run (GEMMPath), at the shapes that dominate the Cosmos models, beside the FMA peaks. The
/// paths take turns, and each reports its best of --frames runs: on a shared machine the best
/// run is the one least disturbed, so the paths are compared at their own speed.
enum GEMMBench {
    /// A bf16 linear layer of Cosmos-Predict1 4B (scoring: 3072 positions, dim 4096) and a
    /// tokenizer-like packed product (256 outputs, depth 3 x 256, 64 x 64 pixels; weights that
    /// are bf16 values, as the tokenizer's, so that on the AMX path it runs on tiles).
    static let linear = (m: 3072, n: 4096, k: 4096)
    static let packed = (rows: 256, depth: 768, n: 4096)
    /// (frame size, channels) of the Winograd convolutions timed.
    static let winograd = [(64, 256), (32, 512), (64, 512)]

    static func run(runs: Int, json: String?) throws {
        let paths = GEMMPath.allCases.filter(\.isAvailable)
        var rng = Xoshiro256(seed: 3)
        func random() -> Float { Float(rng.next() % 2001) / 1000 - 1 }

        let x = (0..<(linear.m * linear.k)).map { _ in random() }
        let bits = (0..<(linear.n * linear.k)).map { _ in UInt16(truncatingIfNeeded: Float(random()).bitPattern >> 16) }
        var y = [Float](repeating: 0, count: linear.m * linear.n)
        let w = (0..<(packed.rows * packed.depth)).map { _ in Float(bitPattern: random().bitPattern & 0xFFFF_0000) }
        let (shape, panels, tiles) = Kernels.packedWeightAndTiles(w, rows: packed.rows, depth: packed.depth)
        let b = (0..<(packed.depth * packed.n)).map { _ in random() }
        var c = [Float](repeating: 0, count: packed.rows * packed.n)

        var bestLinear = [GEMMPath: Double](), bestPacked = [GEMMPath: Double]()
        for _ in 0..<runs {
            for path in paths {
                var start = Date()
                bits.withUnsafeBufferPointer { bits in
                    let weight = BF16Matrix(rows: linear.n, columns: linear.k, bits: bits.baseAddress!, owner: nil)
                    Kernels.linearBF16(x, rows: linear.m, ldx: linear.k, weight: weight, into: &y, ldy: linear.n, path: path)
                }
                bestLinear[path] = min(bestLinear[path] ?? .infinity, Date().timeIntervalSince(start))
                start = Date()
                Kernels.gemmPackedBias(shape, a: panels, b: b, ldb: packed.n, n: packed.n, bias: nil,
                                       c: &c, ldc: packed.n, accumulate: false, tiles: tiles, path: path)
                bestPacked[path] = min(bestPacked[path] ?? .infinity, Date().timeIntervalSince(start))
            }
        }

        // Winograd F(4x4) 3x3 convolutions at the Cosmos tokenizer's two sizes, in direct-
        // convolution FLOPs (9 multiply-adds per output and input channel).
        var bestWinograd = [String: Double]()
        for (size, channels) in winograd {
            let g = Conv2dGeometry(inChannels: channels, outChannels: channels, height: size, width: size, kernel: 3, padding: 1)
            let weight = (0..<g.weightCount).map { _ in random() }, image = (0..<g.inputCount).map { _ in random() }
            let u = Kernels.winogradFilter(ohwi: weight, outChannels: channels, inChannels: channels, tile: .f4x4)
            var out = [Float](repeating: 0, count: g.outputCount)
            var best = Double.infinity
            for _ in 0..<max(3, runs) {
                let start = Date()
                u.withUnsafeBufferPointer { Kernels.conv2dWinograd(g, tile: .f4x4, input: image, transformedWeight: $0.baseAddress!, bias: nil, output: &out) }
                best = min(best, Date().timeIntervalSince(start))
            }
            bestWinograd["gemm.winograd_f4x4_\(size)x\(size)x\(channels)_gflops_per_second"] =
                2.0 * 9 * Double(channels * channels * size * size) / best / 1e9
        }

        let linearFLOPs = 2.0 * Double(linear.m * linear.n * linear.k)
        let packedFLOPs = 2.0 * Double(packed.rows * packed.n * packed.depth)
        var results: [(String, Any)] = [("gemm.best_path", GEMMPath.best.rawValue)]
        for path in paths {
            let key = "gemm.\(path)"
            results += [
                ("\(key).bf16_linear_gflops_per_second", linearFLOPs / bestLinear[path]! / 1e9),
                ("\(key).packed_fp32_gflops_per_second", packedFLOPs / bestPacked[path]! / 1e9),
            ]
        }
        results += bestWinograd.sorted { $0.key < $1.key }.map { ($0.key, $0.value as Any) }
        results += [("gemm.fma_peak_avx2_gflops_per_second", Kernels.fmaPeak())]
        if let peak = Kernels.fmaPeakAVX512() { results += [("gemm.fma_peak_avx512_gflops_per_second", peak)] }
        results += [
            ("gemm.bf16_linear_shape", "\(linear.m)x\(linear.k) * (\(linear.n)x\(linear.k))^T"),
            ("gemm.packed_fp32_shape", "\(packed.rows)x\(packed.depth) * \(packed.depth)x\(packed.n)"),
            ("gemm.runs", runs),
            ("threads", Kernels.threadCount),
            ("cpu", "\(CPUFeatures.current.modelName) (\(CPUFeatures.current.kernelSummary))"),
            ("loadavg_1min", ProcessUsage.loadAverage()),
        ]
        for (key, value) in results {
            if let v = value as? Double { print("\(key): \(String(format: "%.4g", v))") } else { print("\(key): \(value)") }
        }
        if let json {
            let data = try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: results), options: [.prettyPrinted, .sortedKeys])
            try AtomicOutput.write(data, to: json)
        }
    }
}
