import Foundation
import TokenData

/// Cosmos-Predict1 AR as a `TokenPredictor` over latent frames (1X v2.0: 32 x 32 codes of
/// `Vocabulary.cosmosDV`): frame t's logits are the causal pass's rows that predict its codes,
/// each from every code before it (earlier frames and the frame's own earlier codes).
///
/// The clip scorer (`teacherForced(clip:targets:file:)`) runs the same pass but keeps only a
/// block of 128 logit rows at a time; this form holds a whole frame's logits (64,000 floats per
/// code), so it suits few frames at once.
extension CosmosARModel: TokenPredictor {
    public var name: String { "cosmos-ar (\(config.layers) layers, d \(config.dim))" }
    public var vocabulary: Vocabulary { config.vocabulary }
    public var maxFrames: Int? { config.latentShape[0] }

    public func teacherForced(windows: [[FrameTokens]]) throws -> [[FrameLogits]] {
        let perFrame = config.tokensPerLatentFrame, vocabulary = vocabulary
        return try windows.map { window in
            guard window.count >= 2 else { return [] }
            var tokens: [Int32] = []
            tokens.reserveCapacity(window.count * perFrame)
            for (t, frame) in window.enumerated() {
                guard frame.count == perFrame else {
                    throw CosmosARError(file: source, .frameSize(frame: t, tokens: frame.count, expected: perFrame))
                }
                // Codes past Int32 become negative and are rejected by `check` as out of range.
                tokens += frame.map { Int32(truncatingIfNeeded: $0) }
            }
            try check(tokens, start: 0, file: source)
            // The last code is never an input: its row would predict past the window.
            let h = hidden(Array(tokens.dropLast()), start: 0, cache: makeCache())
            return (1 ..< window.count).map { t in
                FrameLogits(vocabulary: vocabulary, positions: perFrame,
                            values: logits(h, rows: (t * perFrame - 1) ..< ((t + 1) * perFrame - 1)))
            }
        }
    }
}
