
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
}
