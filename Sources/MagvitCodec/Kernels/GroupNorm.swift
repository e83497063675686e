import Foundation

extension Kernels {
    /// y = GroupNorm(x) * gamma + beta, then swish if `fusedSwish`, for one image.
    ///
    /// - x, y: (C, HW); y may be x (in place)
    /// - gamma, beta: (C)
    /// Statistics are per group of C/groups consecutive channels (biased variance, as
    /// PyTorch), accumulated in double.
    public static func groupNorm(
        input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
        channels: Int, spatial: Int, groups: Int, epsilon: Float,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        fusedSwish: Bool = false
    ) {
        precondition(channels % groups == 0, "\(channels) channels do not split into \(groups) groups")
        let perGroup = channels / groups
        let groupCount = perGroup * spatial
        parallelFor(groups) { range in
            for gi in range {
                let base = gi * groupCount
                var sum = 0.0
                for i in 0..<groupCount { sum += Double(x[base + i]) }
                let mean = sum / Double(groupCount)
                var squares = 0.0
                for i in 0..<groupCount {
                    let d = Double(x[base + i]) - mean
                    squares += d * d
                }
                let invStd = 1 / (squares / Double(groupCount) + Double(epsilon)).squareRoot()
                for c in (gi * perGroup)..<((gi + 1) * perGroup) {
                    let scale = Float(Double(gamma[c]) * invStd)
                    let shift = beta[c] - Float(mean) * scale
                    let src = x + c * spatial, dst = y + c * spatial
                    if fusedSwish {
                        for i in 0..<spatial { dst[i] = swishValue(src[i] * scale + shift) }
                    } else {
                        for i in 0..<spatial { dst[i] = src[i] * scale + shift }
                    }
                }
            }
        }
    }

    /// The naive twin of `groupNorm`: the textbook formula, one element at a time.
    public static func groupNormReference(
        input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
        channels: Int, spatial: Int, groups: Int, epsilon: Float,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        fusedSwish: Bool = false
    ) {
        let perGroup = channels / groups
        for gi in 0..<groups {
            let elements = (gi * perGroup * spatial)..<((gi + 1) * perGroup * spatial)
            let mean = elements.reduce(0.0) { $0 + Double(x[$1]) } / Double(elements.count)
            let variance = elements.reduce(0.0) { $0 + (Double(x[$1]) - mean) * (Double(x[$1]) - mean) } / Double(elements.count)
            for i in elements {
                let c = i / spatial
                let v = (Double(x[i]) - mean) / (variance + Double(epsilon)).squareRoot() * Double(gamma[c]) + Double(beta[c])
                y[i] = fusedSwish ? Float(v / (1 + exp(-v))) : Float(v)
            }
        }
    }
}
