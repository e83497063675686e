import Foundation
import TokenData

// Cross-entropy as the challenge scores it, kept next to the baselines so they can be checked
// on their own; the evaluator (Evaluation/) owns the metric the CLI reports.

extension FactoredLogits {
    /// Cross-entropy of vocabulary 0 plus that of vocabulary 1 (nats), averaged over positions.
    public func baselineCrossEntropy(target: FrameTokens) -> Double {
        precondition(target.count == positions, "target has \(target.count) tokens; logits have \(positions) positions")
        var total = 0.0
        for v in 0..<2 {
            for s in 0..<positions {
                let start = rowStart(vocabulary: v, position: s)
                let row = values[start..<(start + Self.classes)]
                let peak = row.max()!
                let logSum = Double(peak) + log(row.reduce(0.0) { $0 + exp(Double($1 - peak)) })
                let k = Int(v == 0 ? target[s] % 512 : target[s] / 512)
                total += logSum - Double(values[start + k])
            }
        }
        return total / Double(positions)
    }
}

/// Teacher-forced cross-entropy of a predictor over dataset windows, for comparing baselines.
public enum BaselineEvaluation {
    /// Mean over windows and predicted frames t = 1 ..< length of `baselineCrossEntropy`.
    public static func meanCrossEntropy(of predictor: FramePredictor, dataset: TokenDataset, windows: WindowSet) throws -> Double {
        var total = 0.0
        var count = 0
        for w in 0..<windows.count {
            let frames = windows.frames(w, in: dataset)
            let logits = try predictor.teacherForced(windows: [frames])[0]
            for (t, frameLogits) in logits.enumerated() {
                total += frameLogits.baselineCrossEntropy(target: frames[t + 1])
                count += 1
            }
        }
        return count == 0 ? .nan : total / Double(count)
    }
}
