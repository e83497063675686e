import Core

/// The tokens one clip becomes: latent frames x rows x columns, row-major.
public struct TokenGridShape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var frames: Int
    public var height: Int
    public var width: Int

    public init(frames: Int, height: Int, width: Int) {
        self.frames = frames
        self.height = height
        self.width = width
    }

    /// Tokens per clip.
    public var count: Int { frames * height * width }

    public var description: String { "\(frames)x\(height)x\(width)" }
}

/// A video tokenizer: clips of square RGB frames <-> grids of tokens.
///
/// MAGVIT2 (1X v1.1) takes one 256x256 frame per clip and gives 1x16x16 tokens of a factored
/// 2 x 512 vocabulary; Cosmos DV8x8x8 (1X v2.0) takes 17 frames and gives 3x32x32 FSQ codes.
/// Whatever works on frames and tokens without caring which (the tokenize pipeline, the demo,
/// perceptual scoring) takes this protocol rather than a concrete model.
public protocol VideoTokenizer: AnyObject {
    /// Side of the square frames it encodes and decodes.
    var frameSize: Int { get }
    /// Frames in one clip (1 for MAGVIT2, 17 for Cosmos DV8x8x8).
    var framesPerClip: Int { get }
    /// The token grid of one clip (1x16x16 for MAGVIT2, 3x32x32 for Cosmos DV8x8x8).
    var clipGrid: TokenGridShape { get }
    /// What a token can be.
    var vocabulary: Vocabulary { get }
    /// Clips of exactly `framesPerClip` frames each -> one token grid per clip.
    func encode(clips: [[RGBImage]]) throws -> [[UInt32]]
    /// Token grids of `clipGrid.count` tokens -> the frames of every clip, in order.
    func decode(clips: [[UInt32]]) throws -> [RGBImage]
}
