import Foundation
import TokenData

/// Accumulates LPIPS between decoded predictions and decoded truth, frame by frame, as the
/// evaluator hands over each batch of windows. Any `VideoTokenizer` decodes the frames.
public final class PerceptualScorer {
    private let tokenizer: VideoTokenizer
    private let lpips: LPIPS
    private var sum = 0.0
    private var count = 0
    /// Every frame's distance in order, for a part of a split evaluation.
    public private(set) var distances: [Double] = []

    public init(tokenizer: VideoTokenizer, lpips: LPIPS) {
        self.tokenizer = tokenizer
        self.lpips = lpips
    }

    /// `predictions[w]` holds the predicted frames 1..<window of window `w`.
    public func add(windows: [[FrameTokens]], predictions: [[FrameTokens]]) throws {
        for (window, predicted) in zip(windows, predictions) {
            let truth = try tokenizer.decode(clips: Array(window.dropFirst()))
            let guess = try tokenizer.decode(clips: predicted)
            for d in try lpips.distances(guess, truth) {
                sum += Double(d)
                count += 1
                distances.append(Double(d))
            }
        }
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }
}
