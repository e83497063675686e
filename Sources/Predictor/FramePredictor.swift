import Foundation
import TokenData

/// Factored logits of one frame, as every predictor and metric sees them: for each of the
/// two vocabularies (v = 0: token % 512, v = 1: token / 512) and each position s, 512 logits.
/// Stored as `values[(v * positions + s) * 512 + k]`, so each softmax runs over a contiguous row.
public struct FactoredLogits: Sendable {
    public static let classes = 512
    public var positions: Int
    public var values: [Float]

    public init(positions: Int, values: [Float]) {
        precondition(values.count == 2 * positions * Self.classes)
        self.positions = positions
        self.values = values
    }

    public init(zerosFor positions: Int) {
        self.init(positions: positions, values: [Float](repeating: 0, count: 2 * positions * Self.classes))
    }

    /// Offset of the 512 logits of vocabulary `v` at position `s`.
    @inlinable public func rowStart(vocabulary v: Int, position s: Int) -> Int {
        (v * positions + s) * Self.classes
    }
}

/// A model that predicts the next frame's tokens from earlier frames.
///
/// `predict` is the one required entry point; `teacherForced` has a default that calls it once
/// per frame, and models that can share work across frames (GENIE's causal keys and values)
/// override it.
public protocol FramePredictor: AnyObject {
    /// Shown in reports, e.g. "genie (2 layers, d 64)" or "copy".
    var name: String { get }
    /// The most frames the model can see at once, the predicted frame included (GENIE: T).
    /// `nil` when unbounded.
    var maxFrames: Int? { get }

    /// Logits for the frame that follows `context`. `known` (one entry per position, or nil)
    /// holds tokens of that frame already fixed by earlier MaskGIT steps; `nil` entries are masked.
    func predict(context: [FrameTokens], known: [UInt32?]?) throws -> FactoredLogits

    /// Logits for frames 1 ..< window.count of each window, each from the true frames before it.
    func teacherForced(windows: [[FrameTokens]]) throws -> [[FactoredLogits]]

    /// As `teacherForced(windows:)`, with frame t of window w partly known: `known[w][t - 1]`
    /// (nil: all masked). MaskGIT steps after the first over many frames at once use this.
    func teacherForced(windows: [[FrameTokens]], known: [[KnownTokens?]]) throws -> [[FactoredLogits]]
}

extension FramePredictor {
    public func teacherForced(windows: [[FrameTokens]]) throws -> [[FactoredLogits]] {
        try windows.map { window in
            try (1..<window.count).map { t in
                try predict(context: Array(window[..<t]), known: nil)
            }
        }
    }

    public func teacherForced(windows: [[FrameTokens]], known: [[KnownTokens?]]) throws -> [[FactoredLogits]] {
        try windows.enumerated().map { w, window in
            try (1..<window.count).map { t in
                try predict(context: Array(window[..<t]), known: known[w][t - 1])
            }
        }
    }
}
