import Core
import TokenData

/// Cosmos DV8x8x8 as a `VideoTokenizer`: 17 frames of 256x256 <-> 3x32x32 FSQ codes.
extension CosmosTokenizer: VideoTokenizer {
    public var frameSize: Int { 256 }
    public var framesPerClip: Int { Self.framesPerClip }
    public var clipGrid: TokenGridShape {
        TokenGridShape(frames: Self.latentFramesPerClip, height: frameSize / 8, width: frameSize / 8)
    }
    public var vocabulary: Vocabulary { .cosmosDV }

    public func encode(clips: [[RGBImage]]) throws -> [[UInt32]] {
        try clips.map { clip in try encode(clip: clip).tokens.map { UInt32(bitPattern: $0) } }
    }

    public func decode(clips: [[UInt32]]) throws -> [RGBImage] {
        try clips.flatMap { tokens in try decode(tokens: tokens.map { Int32(bitPattern: $0) }) }
    }
}
