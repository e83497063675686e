import Foundation
import TokenData

/// A model of token frames: what the teacher-forced metrics need of any predictor.
///
/// A frame's tokens are scored against `vocabulary` (MAGVIT2 tokens factored 2 x 512, Cosmos
/// codes one flat softmax of 64,000); the logits say how they are laid out (`FrameLogits`).
public protocol TokenPredictor: AnyObject {
    /// Shown in reports, e.g. "genie (2 layers, d 64)" or "copy".
    var name: String { get }
    /// What the tokens are and how the logits over them are laid out.
    var vocabulary: Vocabulary { get }
    /// The most frames the model can see at once, the predicted frame included (GENIE: T).
    /// `nil` when unbounded.
    var maxFrames: Int? { get }

    /// Logits for frames 1 ..< window.count of each window, each from the true tokens before it:
    /// the earlier frames, and for an autoregressive model also the frame's own earlier tokens.
    func teacherForced(windows: [[FrameTokens]]) throws -> [[FrameLogits]]
}

/// A model that predicts the next frame's tokens from earlier frames, all positions at once,
/// so that MaskGIT can decode it.
///
/// `predict` is the one required entry point; `teacherForced` has a default that calls it once
/// per frame, and models that can share work across frames (GENIE's causal keys and values)
/// override it.
public protocol FramePredictor: TokenPredictor {
    /// Logits for the frame that follows `context`. `known` (one entry per position, or nil)
    /// holds tokens of that frame already fixed by earlier MaskGIT steps; `nil` entries are masked.
    func predict(context: [FrameTokens], known: KnownTokens?) throws -> FrameLogits

    /// As `teacherForced(windows:)`, with frame t of window w partly known: `known[w][t - 1]`
    /// (nil: all masked). MaskGIT steps after the first over many frames at once use this.
    func teacherForced(windows: [[FrameTokens]], known: [[KnownTokens?]]) throws -> [[FrameLogits]]
}

extension FramePredictor {
    public func teacherForced(windows: [[FrameTokens]]) throws -> [[FrameLogits]] {
        try windows.map { window in
            try (1..<window.count).map { t in
                try predict(context: Array(window[..<t]), known: nil)
            }
        }
    }

    public func teacherForced(windows: [[FrameTokens]], known: [[KnownTokens?]]) throws -> [[FrameLogits]] {
        try windows.enumerated().map { w, window in
            try (1..<window.count).map { t in
                try predict(context: Array(window[..<t]), known: known[w][t - 1])
            }
        }
    }
}
