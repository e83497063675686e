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
