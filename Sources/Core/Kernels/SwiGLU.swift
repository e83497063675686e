import Foundation

extension Kernels {
    /// gate = silu(gate) * up over `count` floats, silu(x) = x * sigmoid(x) (SwiGLU's inner product).
    public static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumPerThread: 1 << 16) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let g = load8(gate + i)
                store8(g / (1 + exp(-g)) * load8(up + i), gate + i)
                i += 8
            }
            while i < range.upperBound {
                gate[i] = gate[i] / (1 + exp(-gate[i])) * up[i]
                i += 1
            }
        }
    }

    /// The plain twin of `swiGLU`, kept to check it against.
    public static func swiGLUReference(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = Double(gate[i])
            gate[i] = Float(g / (1 + Foundation.exp(-g)) * Double(up[i]))
        }
    }
}
