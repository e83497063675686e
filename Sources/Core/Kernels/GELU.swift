import Foundation

extension Kernels {
    /// The erf GELU, `x * (1 + erf(x / sqrt 2)) / 2`, in place over `count` floats.
    ///
    /// erf is Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, float level) evaluated
    /// 8 lanes at a time: libm's scalar `erff` was a visible cost over the MLP's hidden layer.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let vectorEnd = count - count % 8
        for i in stride(from: 0, to: vectorEnd, by: 8) {
            let v = load8(x + i)
            store8(0.5 * v * (1 + erf(v * 0.707_106_77)), x + i)
        }
        for i in vectorEnd ..< count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + Foundation.erf(v * 0.707_106_77))
        }
    }

    /// The plain twin of `gelu`, kept to check it against.
    public static func geluReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0 ..< count {
            let v = Double(x[i])
            x[i] = Float(0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot())))
        }
    }

    /// erf(x) = sign(x) (1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^(-x^2)), t = 1 / (1 + p|x|).
    @inline(__always)
    public static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.327_591_1 * a)
        var poly = SIMD8<Float>(repeating: 1.061_405_429)
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        let magnitude = 1 - poly * t * exp(-a * a)
        return magnitude.replacing(with: -magnitude, where: x .< 0)
    }
}
