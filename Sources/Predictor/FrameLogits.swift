import Foundation
import TokenData

/// Logits of one frame, as every predictor, metric and sampler sees them, laid out by the
/// frame's `Vocabulary`: for each factor f (MAGVIT2: f = 0 is token % 512, f = 1 is token / 512;
/// a flat vocabulary has the one factor 0) and each position s, one row of `classes` logits at
/// `values[(f * positions + s) * classes ..< +classes]`, so each softmax runs over a contiguous
/// row and a model writes a factor's rows for all positions as one matrix.
public struct FrameLogits: Sendable {
    public let vocabulary: Vocabulary
    public let positions: Int
    /// Softmaxes per position and classes per softmax (from `vocabulary`, kept for the hot loops).
    public let factors: Int
    public let classes: Int
    public var values: [Float]

    public init(vocabulary: Vocabulary, positions: Int, values: [Float]) {
        precondition(values.count == positions * vocabulary.logitsPerPosition)
        self.vocabulary = vocabulary
        self.positions = positions
        self.factors = vocabulary.factors
        self.classes = vocabulary.classes
        self.values = values
    }

    public init(zerosFor positions: Int, vocabulary: Vocabulary) {
        self.init(vocabulary: vocabulary, positions: positions,
                  values: [Float](repeating: 0, count: positions * vocabulary.logitsPerPosition))
    }

    /// Offset of the row of factor `f` at position `s`.
    @inlinable public func rowStart(factor f: Int, position s: Int) -> Int {
        (f * positions + s) * classes
    }

    /// Cross-entropy of the true tokens of the frame, in nats, summed over positions: at each
    /// position the sum over factors of `CrossEntropy.of(row, truth: digit)`. Tokens must be in
    /// the vocabulary (the caller checks).
    public func crossEntropySum(truth: FrameTokens) -> Double {
        precondition(truth.count == positions)
        return values.withUnsafeBufferPointer { values in
            var total = 0.0
            for (s, token) in truth.enumerated() {
                for f in 0 ..< factors {
                    let start = rowStart(factor: f, position: s)
                    total += CrossEntropy.of(UnsafeBufferPointer(rebasing: values[start ..< start + classes]),
                                             truth: vocabulary.digit(of: token, factor: f))
                }
            }
            return total
        }
    }
}

/// The one cross-entropy of the project: every metric (the evaluator, the baselines' fits,
/// Cosmos AR's teacher-forced and free-running CE) goes through `of(_:truth:)`.
public enum CrossEntropy {
    /// Cross-entropy in nats of the softmax of `row` at class `truth`:
    /// logsumexp(row) - row[truth], with the exponentials summed in double precision.
    @inlinable public static func of(_ row: UnsafeBufferPointer<Float>, truth: Int) -> Double {
        let peak = row.max() ?? 0
        var sum = 0.0
        for l in row { sum += Foundation.exp(Double(l - peak)) }
        return Double(peak) + Foundation.log(sum) - Double(row[truth])
    }
}
