import Foundation

/// Finite scalar quantization with levels (8, 8, 8, 5, 5, 5): 64,000 codes. A token is the
/// mixed-radix number of the six digits, channel 0 the least significant.
public enum FSQ {
    public static let levels = [8, 8, 8, 5, 5, 5]
    /// (1, 8, 64, 512, 2560, 12800)
    public static let basis: [Int] = levels.indices.map { levels[..<$0].reduce(1, *) }
    public static let codebookSize = levels.reduce(1, *)
    public static var dimensions: Int { levels.count }

    /// latent: (T, 6, N) -> tokens (T, N). Per channel with L levels, in float32:
    /// y = tanh(z + atanh(offset / half)) * half - offset with half = (L - 1) * 1.001 / 2 and
    /// offset 0.5 for even L (else 0), rounded half to even, then digit = y + L / 2.
    public static func tokens(latent: UnsafePointer<Float>, frames: Int, positions: Int) -> [Int32] {
        var tokens = [Int32](repeating: 0, count: frames * positions)
        let constants = levels.map { level -> (half: Float, offset: Float, shift: Float) in
            let half = Float(level - 1) * Float(1.001) / 2
            let offset: Float = level % 2 == 0 ? 0.5 : 0
            return (half, offset, atanhf(offset / half))
        }
        for t in 0..<frames {
            for p in 0..<positions {
                var token = 0
                for (c, level) in levels.enumerated() {
                    let (half, offset, shift) = constants[c]
                    let z = latent[(t * dimensions + c) * positions + p]
                    let q = (tanhf(z + shift) * half - offset).rounded(.toNearestOrEven)
                    let digit = min(level - 1, max(0, Int(q) + level / 2))
                    token += digit * basis[c]
                }
                tokens[t * positions + p] = Int32(token)
            }
        }
        return tokens
    }

    /// tokens (T, N) -> codes (T, 6, N): digit_c = (token / basis_c) mod L_c, code =
    /// (digit - L/2) / (L/2). Tokens must lie in 0 ..< 64000 (checked by the caller).
    public static func codes(tokens: [Int32], frames: Int, positions: Int) -> [Float] {
        var codes = [Float](repeating: 0, count: frames * dimensions * positions)
        for t in 0..<frames {
            for p in 0..<positions {
                let token = Int(tokens[t * positions + p])
                for (c, level) in levels.enumerated() {
                    let digit = (token / basis[c]) % level
                    let half = level / 2
                    codes[(t * dimensions + c) * positions + p] = Float(digit - half) / Float(half)
                }
            }
        }
        return codes
    }
}
