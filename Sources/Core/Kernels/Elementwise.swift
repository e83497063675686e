import Foundation

extension Kernels {
    /// swish(v) = v * sigmoid(v), a.k.a. SiLU.
    @inlinable
    static func swishValue(_ v: Float) -> Float {
        v / (1 + expf(-v))
    }

    /// x = swish(x), in place over `count` elements.
    public static func swish(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelFor(count, minimumPerThread: 1 << 14) { range in
            for i in range { x[i] = swishValue(x[i]) }
        }
    }

    /// x = max(x, 0), in place over `count` elements.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        parallelFor(count, minimumPerThread: 1 << 14) { range in
            for i in range { x[i] = max(x[i], 0) }
        }
    }

    /// x += other, element by element over `count` elements.
    public static func add(_ x: UnsafeMutablePointer<Float>, _ other: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumPerThread: 1 << 14) { range in
            for i in range { x[i] += other[i] }
        }
    }
}
