import Foundation

extension Kernels {
    /// Softmax of each of `rows` contiguous rows of `width` floats, in place. Probabilities below
    /// the smallest normal float (1.2e-38) come out as 0: they would be subnormal, and every
    /// multiply-add that reads a subnormal takes a microcode assist on Intel cores (~100 cycles).
    /// In a causal prefill the masked scores and the far tails are full of them, and P V ran
    /// 3-4 times slower per FLOP than the linear layers. What is dropped is below 1e-38 of the
    /// row's total.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let vectorEnd = width - width % 8
        for r in 0 ..< rows {
            let row = x + r * width
            var peaks = SIMD8<Float>(repeating: -.infinity)
            for i in stride(from: 0, to: vectorEnd, by: 8) {
                let v = load8(row + i)
                peaks.replace(with: v, where: v .> peaks)
            }
            var peak = peaks.max()
            for i in vectorEnd ..< width { peak = max(peak, row[i]) }
            var sums = SIMD8<Float>()
            peaks = SIMD8<Float>(repeating: peak)
            for i in stride(from: 0, to: vectorEnd, by: 8) {
                let e = exp(load8(row + i) - peaks)
                store8(e, row + i)
                sums += e
            }
            var sum = sums.sum()
            for i in vectorEnd ..< width {
                let e = exp(row[i] - peak)
                row[i] = e
                sum += e
            }
            let inverse = 1 / sum
            let smallest = SIMD8<Float>(repeating: .leastNormalMagnitude)
            for i in stride(from: 0, to: vectorEnd, by: 8) {
                var p = load8(row + i) * inverse
                p.replace(with: 0, where: p .< smallest)
                store8(p, row + i)
            }
            for i in vectorEnd ..< width { row[i] = zeroIfSubnormal(row[i] * inverse) }
        }
    }

    /// A probability, or 0 where it is below the smallest normal float (see `softmaxRows`).
    @inline(__always)
    static func zeroIfSubnormal(_ p: Float) -> Float { p < .leastNormalMagnitude ? 0 : p }

    /// The plain twin of `softmaxRows`, kept to check it against.
    public static func softmaxRowsReference(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0 ..< rows {
            let row = x + r * width
            let peak = (0 ..< width).map { row[$0] }.max() ?? 0
            var sum = 0.0
            for i in 0 ..< width { sum += Foundation.exp(Double(row[i] - peak)) }
            for i in 0 ..< width { row[i] = Float(Foundation.exp(Double(row[i] - peak)) / sum) }
        }
    }
}
