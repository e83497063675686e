/// Tokens of one frame: S = 16x16 = 256 ids, each 0 ..< 2^18, row-major.
public typealias FrameTokens = [UInt32]

/// Tokens of a frame being generated that are already fixed (one entry per position);
/// `nil` entries are still masked.
public typealias KnownTokens = [UInt32?]
