import TokenData

/// Teacher-forced cross-entropy of a predictor over dataset windows, for comparing baselines.
public enum BaselineEvaluation {
    /// Mean over windows and predicted frames t = 1 ..< length of the frame's cross-entropy
    /// (`FrameLogits.crossEntropySum`, both factors) averaged over its positions.
    public static func meanCrossEntropy(of predictor: TokenPredictor, dataset: TokenDataset, windows: WindowSet) throws -> Double {
        var total = 0.0
        var count = 0
        for w in 0..<windows.count {
            let frames = windows.frames(w, in: dataset)
            let logits = try predictor.teacherForced(windows: [frames])[0]
            for (t, frameLogits) in logits.enumerated() {
                total += frameLogits.crossEntropySum(truth: frames[t + 1]) / Double(frameLogits.positions)
                count += 1
            }
        }
        return count == 0 ? .nan : total / Double(count)
    }
}
