/// Lookup-free quantization: a token's bit c is set exactly when latent channel c is > 0,
/// and decodes back to +1 (set) or -1 (clear) in channel c.
enum LFQ {
    /// latent: (bits, positions) -> one token per position.
    static func tokens(latent: UnsafeBufferPointer<Float>, bits: Int, positions: Int) -> [UInt32] {
        var tokens = [UInt32](repeating: 0, count: positions)
        for c in 0..<bits {
            for p in 0..<positions where latent[c * positions + p] > 0 {
                tokens[p] |= 1 << UInt32(c)
            }
        }
        return tokens
    }

    /// tokens (positions) -> code (bits, positions) of +-1. Tokens must be below 2^bits.
    static func code(tokens: [UInt32], bits: Int) -> [Float] {
        let positions = tokens.count
        var code = [Float](repeating: -1, count: bits * positions)
        for c in 0..<bits {
            for (p, token) in tokens.enumerated() where token & (1 << UInt32(c)) != 0 {
                code[c * positions + p] = 1
            }
        }
        return code
    }
}
