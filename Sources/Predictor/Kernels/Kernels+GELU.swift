import Foundation
import MagvitCodec

extension Kernels {
    /// The exact GELU, `x * (1 + erf(x / sqrt 2)) / 2`, in place over `count` floats.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invSqrt2: Float = 0.707_106_77
        for i in 0 ..< count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + Foundation.erf(v * invSqrt2))
        }
    }
}
