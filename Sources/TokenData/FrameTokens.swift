/// Tokens of one frame, row-major over its grid, each in its `Vocabulary`: for 1X v1.1,
/// `TokenGrid.magvit2` (16 x 16 = 256) MAGVIT2 tokens below 2^18; for Cosmos, one latent frame
/// of 32 x 32 codes.
public typealias FrameTokens = [UInt32]

/// Tokens of a frame being generated that are already fixed (one entry per position);
/// `nil` entries are still masked.
public typealias KnownTokens = [UInt32?]
