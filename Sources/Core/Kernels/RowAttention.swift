import Foundation

extension Kernels {
    /// Attention of one query over a handful of keys (GENIE's temporal attention: at most T):
    /// `out = sum_j softmax_j(scale * q . k_j) v_j`, where key j's vector is at `keys + bases[j]`
    /// and its value at `values + bases[j]`, each `width` floats. `weights` holds `count` floats
    /// of scratch.
    @inline(__always)
    public static func attendOne(
        query q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        bases: UnsafePointer<Int>, count: Int, width: Int, scale: Float,
        weights: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        for j in 0 ..< count { weights[j] = scale * dot(q, keys + bases[j], count: width) }
        softmaxRows(weights, rows: 1, width: count)
        for i in 0 ..< width { out[i] = 0 }
        for j in 0 ..< count { addScaled(values + bases[j], by: weights[j], to: out, count: width) }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sums = SIMD8<Float>(), i = 0
        while i + 8 <= count { sums += load8(a + i) * load8(b + i); i += 8 }
        var sum = sums.sum()
        while i < count { sum += a[i] * b[i]; i += 1 }
        return sum
    }

    /// `y += alpha * x` over `count` floats.
    @inline(__always)
    static func addScaled(_ x: UnsafePointer<Float>, by alpha: Float, to y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { store8(load8(y + i) + alpha * load8(x + i), y + i); i += 8 }
        while i < count { y[i] += alpha * x[i]; i += 1 }
    }

    /// The naive twin of `attendOne`: scores, softmax and weighted sum in double.
    public static func attendOneReference(
        query q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        bases: UnsafePointer<Int>, count: Int, width: Int, scale: Float,
        into out: UnsafeMutablePointer<Float>
    ) {
        let scores = (0 ..< count).map { j in Double(scale) * dotReference(q, keys + bases[j], count: width) }
        let peak = scores.max() ?? 0
        let e = scores.map { Foundation.exp($0 - peak) }
        let total = e.reduce(0, +)
        for i in 0 ..< width {
            var sum = 0.0
            for j in 0 ..< count { sum += e[j] / total * Double(values[bases[j] + i]) }
            out[i] = Float(sum)
        }
    }

    /// The naive twin of `dot`, in double.
    static func dotReference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        (0 ..< count).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1]) }
    }

    /// The naive twin of `addScaled`.
    static func addScaledReference(_ x: UnsafePointer<Float>, by alpha: Float, to y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0 ..< count { y[i] = Float(Double(y[i]) + Double(alpha) * Double(x[i])) }
    }
}
