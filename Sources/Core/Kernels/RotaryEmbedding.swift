import Foundation

extension Kernels {
    /// Rotary embedding with "non-interleaved halves" (GPT-NeoX / TransformerEngine style), in
    /// place, on `heads` vectors of `headDim` floats each (consecutive, as one token's q or k):
    /// channel c pairs with c + headDim/2, never with c + 1. `cos` and `sin` hold headDim/2
    /// angles for this token (the reference repeats them to headDim; both halves share them).
    public static func rotateHalves(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int,
                                    cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = headDim / 2
        for h in 0..<heads {
            let x1 = x + h * headDim, x2 = x1 + half
            var c = 0
            while c + 8 <= half {
                let a = load8(x1 + c), b = load8(x2 + c), cs = load8(cos + c), sn = load8(sin + c)
                store8(a * cs - b * sn, x1 + c)
                store8(b * cs + a * sn, x2 + c)
                c += 8
            }
            while c < half {
                let a = x1[c], b = x2[c]
                x1[c] = a * cos[c] - b * sin[c]
                x2[c] = b * cos[c] + a * sin[c]
                c += 1
            }
        }
    }

    /// The naive twin of `rotateHalves`, in double.
    public static func rotateHalvesReference(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int,
                                             cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = headDim / 2
        for h in 0..<heads {
            for c in 0..<half {
                let a = Double(x[h * headDim + c]), b = Double(x[h * headDim + c + half])
                x[h * headDim + c] = Float(a * Double(cos[c]) - b * Double(sin[c]))
                x[h * headDim + c + half] = Float(b * Double(cos[c]) + a * Double(sin[c]))
            }
        }
    }
}
