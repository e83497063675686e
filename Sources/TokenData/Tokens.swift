/// What a token can be, and how a predictor's logits over it are laid out.
///
/// MAGVIT2's 18-bit tokens (1X v1.1) are predicted factored, as GENIE does: two independent
/// softmaxes of 512 classes, over `token % 512` and `token / 512`. Cosmos DV8x8x8 codes
/// (1X v2.0) are one softmax over the whole 64,000-entry FSQ codebook.
public enum Vocabulary: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// `factors` softmaxes of `classes` each; token = sum over f of digit_f * classes^f.
    case factored(classes: Int, factors: Int)
    /// One softmax over all `size` tokens.
    case flat(size: Int)

    /// 1X v1.1: MAGVIT2 tokens, 2 x 512 (2^18 = 262,144 tokens).
    public static let magvit2 = Vocabulary.factored(classes: 512, factors: 2)
    /// 1X v2.0: Cosmos DV8x8x8 FSQ codes, levels (8, 8, 8, 5, 5, 5).
    public static let cosmosDV = Vocabulary.flat(size: 64_000)

    /// How many distinct tokens there are (262,144 for MAGVIT2, 64,000 for Cosmos).
    public var size: Int {
        switch self {
        case .factored(let classes, let factors):
            return (0..<factors).reduce(1) { product, _ in product * classes }
        case .flat(let size):
            return size
        }
    }

    /// Softmaxes per position (2 for MAGVIT2, 1 for flat vocabularies).
    public var factors: Int {
        switch self {
        case .factored(_, let factors): return factors
        case .flat: return 1
        }
    }

    /// Classes of each softmax (512 for MAGVIT2, 64,000 for Cosmos).
    public var classes: Int {
        switch self {
        case .factored(let classes, _): return classes
        case .flat(let size): return size
        }
    }

    /// Logits per position: factors x classes (1,024 for MAGVIT2).
    public var logitsPerPosition: Int { factors * classes }

    public func contains(_ token: UInt32) -> Bool { Int(token) < size }

    /// `size` as messages show it: a power of two as "2^18", any other number in digits.
    public var sizeText: String {
        size > 0 && size.nonzeroBitCount == 1 ? "2^\(size.trailingZeroBitCount)" : "\(size)"
    }

    /// The class `token` has in softmax `factor` (for flat vocabularies, the token itself).
    @inlinable public func digit(of token: UInt32, factor: Int) -> Int {
        switch self {
        case .factored(let classes, _):
            var rest = Int(token)
            for _ in 0..<factor { rest /= classes }
            return rest % classes
        case .flat:
            return Int(token)
        }
    }

    /// The token whose digits are `digits` (one per factor, least significant first).
    public func token(digits: [Int]) -> UInt32 {
        precondition(digits.count == factors, "one digit per factor")
        var token = 0
        for digit in digits.reversed() { token = token * classes + digit }
        return UInt32(token)
    }

    public var description: String {
        switch self {
        case .factored(let classes, let factors): return "\(factors) x \(classes) (factored, \(size) tokens)"
        case .flat(let size): return "\(size) (flat)"
        }
    }
}

/// Tokens of one frame, row-major over its grid, each in its `Vocabulary`: for 1X v1.1,
/// `TokenGrid.magvit2` (16 x 16 = 256) MAGVIT2 tokens below 2^18; for Cosmos, one latent frame
/// of 32 x 32 codes.
public typealias FrameTokens = [UInt32]

/// Tokens of a frame being generated that are already fixed (one entry per position);
/// `nil` entries are still masked.
public typealias KnownTokens = [UInt32?]

/// The spatial grid of one frame's tokens, row-major.
public struct TokenGrid: Equatable, Hashable, Sendable {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// Tokens per frame.
    public var positions: Int { height * width }

    /// 1X v1.1: MAGVIT2 codes a 256 x 256 frame as 16 x 16 tokens.
    public static let magvit2 = TokenGrid(height: 16, width: 16)
}
