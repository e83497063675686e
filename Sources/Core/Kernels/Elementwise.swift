import Foundation

extension Kernels {
    /// swish(v) = v * sigmoid(v) = v / (1 + e^-v), a.k.a. SiLU.
    @inline(__always)
    static func swishValue(_ v: Float) -> Float {
        v / (1 + exp(-v))
    }

    /// swish on eight lanes.
    @inline(__always)
    static func swish8(_ v: SIMD8<Float>) -> SIMD8<Float> {
        v / (1 + exp(-v))
    }

    /// x = swish(x), in place over `count` elements.
    public static func swish(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelFor(count, minimumPerThread: 1 << 14) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound { store8(swish8(load8(x + i)), x + i); i += 8 }
            while i < range.upperBound { x[i] = swishValue(x[i]); i += 1 }
        }
    }

    /// The naive twin of `swish`, in double.
    public static func swishReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = Double(x[i])
            x[i] = Float(v / (1 + Foundation.exp(-v)))
        }
    }

    /// x = max(x, 0), in place over `count` elements.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelFor(count, minimumPerThread: 1 << 14) { range in
            for i in range { x[i] = max(x[i], 0) }
        }
    }

    /// The naive twin of `relu`.
    public static func reluReference(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = x[i] < 0 ? 0 : x[i] }
    }

    /// x += other, element by element over `count` elements.
    public static func add(_ x: UnsafeMutablePointer<Float>, _ other: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumPerThread: 1 << 14) { range in
            for i in range { x[i] += other[i] }
        }
    }

    /// The naive twin of `add`.
    public static func addReference(_ x: UnsafeMutablePointer<Float>, _ other: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = x[i] + other[i] }
    }
}
