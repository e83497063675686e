import Foundation
import TokenData

/// Predicts that the next frame repeats the last one, smoothed so other tokens keep some mass:
/// per vocabulary, p(x = k) = (1 - mixing) * [k == previous] + mixing / 512.
public final class CopyPredictor: FramePredictor {
    /// Used when not fit to data.
    public static let defaultMixing: Float = 0.5

    /// The weight of the uniform part (the "eps" of the smoothing), in (0, 1].
    public let mixing: Float

    public init(mixing: Float = CopyPredictor.defaultMixing) throws {
        guard mixing > 0, mixing <= 1 else { throw BaselineParameterError.copyMixingOutOfRange(mixing) }
        self.mixing = mixing
    }

    private init(checkedMixing: Float) { mixing = checkedMixing }

    public var name: String { "copy (eps \(String(format: "%.4g", mixing)))" }
    public var maxFrames: Int? { nil }
    public var vocabulary: Vocabulary { .magvit2 }

    /// Ignores `known`: each position is predicted from the previous frame alone.
    public func predict(context: [FrameTokens], known: [UInt32?]?) throws -> FrameLogits {
        let vocabulary = vocabulary
        guard let previous = context.last else { return FrameLogits(zerosFor: TokenGrid.magvit2.positions, vocabulary: vocabulary) }
        let classes = vocabulary.classes
        let other = log(mixing / Float(classes))
        let same = log(1 - mixing + mixing / Float(classes))
        var logits = FrameLogits(vocabulary: vocabulary, positions: previous.count,
                                 values: [Float](repeating: other, count: previous.count * vocabulary.logitsPerPosition))
        for (s, token) in previous.enumerated() {
            for f in 0 ..< vocabulary.factors {
                logits.values[logits.rowStart(factor: f, position: s) + vocabulary.digit(of: token, factor: f)] = same
            }
        }
        return logits
    }

    /// The mixing weight with the least teacher-forced cross-entropy on `windows`.
    ///
    /// With a the fraction of factored tokens equal to the previous frame's, the CE per
    /// vocabulary is -a log(1 - eps*511/512) - (1 - a) log(eps/512), minimized at
    /// eps = 512 (1 - a) / 511 (clamped to [1e-6, 1]).
    public static func fit(dataset: TokenDataset, windows: WindowSet) -> CopyPredictor {
        let magvit2 = Vocabulary.magvit2
        var same = 0
        var total = 0
        for w in 0..<windows.count {
            let frames = windows.frames(w, in: dataset)
            for t in 1..<frames.count {
                for (previous, next) in zip(frames[t - 1], frames[t]) {
                    for f in 0 ..< magvit2.factors {
                        same += magvit2.digit(of: previous, factor: f) == magvit2.digit(of: next, factor: f) ? 1 : 0
                    }
                    total += magvit2.factors
                }
            }
        }
        guard total > 0 else { return CopyPredictor(checkedMixing: defaultMixing) }
        return CopyPredictor(checkedMixing: optimalMixing(matchFraction: Double(same) / Double(total)))
    }

    public static func optimalMixing(matchFraction a: Double) -> Float {
        let classes = Double(Vocabulary.magvit2.classes)
        return Float(min(1, max(1e-6, classes * (1 - a) / (classes - 1))))
    }
}

/// Parameters a weight-free baseline cannot use (from the command line, or a context-model file
/// that has passed its format checks); the message starts with the model it is about.
public enum BaselineParameterError: Error, Equatable, CustomStringConvertible {
    case copyMixingOutOfRange(Float)
    case contextProbabilityCount(count: Int, expected: Int)
    case contextProbabilityOutOfRange(value: Float, context: Int)

    public var description: String {
        switch self {
        case .copyMixingOutOfRange(let mixing): return "copy: mixing weight \(mixing) is not in (0, 1]"
        case .contextProbabilityCount(let count, let expected): return "context model: has \(count) probabilities; expected \(expected)"
        case .contextProbabilityOutOfRange(let value, let context):
            return "context model: probability \(value) of context \(context) is not in (0, 1)"
        }
    }
}
