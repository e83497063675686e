import Core
import TokenData

/// MAGVIT2 as a `VideoTokenizer`: a clip is one frame, its grid 1x16x16 tokens of 18 bits.
extension Codec: VideoTokenizer {
    public var frameSize: Int { Self.imageSize }
    public var framesPerClip: Int { 1 }
    public var clipGrid: TokenGridShape { TokenGridShape(frames: 1, height: tokenGridSize, width: tokenGridSize) }
    /// 2 x 512 factored for the 18-bit tokens of the 1X codec, as GENIE predicts them.
    public var vocabulary: Vocabulary {
        config.zChannels == 18 ? .magvit2 : .flat(size: 1 << config.zChannels)
    }

    public func encode(clips: [[RGBImage]]) throws -> [[UInt32]] {
        try encode(images: clips.flatMap { $0 }).tokens
    }

    public func decode(clips: [[UInt32]]) throws -> [RGBImage] {
        try decodeImages(tokens: clips)
    }
}
