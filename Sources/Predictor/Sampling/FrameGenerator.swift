import TokenData

/// Generates frames one after another with MaskGIT: each new frame is predicted from the
/// frames before it (prompt and generated so far), of which a model with a bounded context
/// sees only the last `maxFrames - 1`.
public struct FrameGenerator: Sendable {
    public var maskgit: MaskGIT
    public var seed: UInt64

    public init(maskgit: MaskGIT, seed: UInt64 = 0) {
        self.maskgit = maskgit
        self.seed = seed
    }

    /// The `count` frames that follow `prompt`. Frame k uses random stream k, so a run is
    /// reproducible from the seed. `progress` hears the number of frames done after each one.
    public func generate(prompt: [FrameTokens], count: Int, with predictor: FramePredictor, positions: Int = TokenGrid.magvit2.positions,
                         progress: ((Int) -> Void)? = nil) throws -> [FrameTokens] {
        var frames = prompt
        for k in 0 ..< count {
            let context = predictor.maxFrames.map { Array(frames.suffix($0 - 1)) } ?? frames
            let result = try maskgit.decode(positions: positions, seed: seed, streams: [UInt64(k)]) { known in
                [try predictor.predict(context: context, known: known[0])]
            }
            frames.append(result.tokens[0])
            progress?(k + 1)
        }
        return Array(frames.dropFirst(prompt.count))
    }
}
