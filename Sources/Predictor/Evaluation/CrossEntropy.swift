import Foundation
import TokenData

extension FactoredLogits {
    /// Cross-entropy of the true tokens of one frame, in nats, summed over positions:
    /// at each position CE(vocabulary 0, token % 512) + CE(vocabulary 1, token / 512).
    /// Tokens must be below 2^18 (the caller checks).
    public func crossEntropySum(truth: FrameTokens) -> Double {
        precondition(truth.count == positions)
        let classes = Self.classes
        return values.withUnsafeBufferPointer { values in
            var total = 0.0
            for (s, token) in truth.enumerated() {
                let factors = [Int(token) % classes, Int(token) / classes]
                for v in 0 ..< 2 {
                    let row = UnsafeBufferPointer(rebasing: values[rowStart(vocabulary: v, position: s) ..< rowStart(vocabulary: v, position: s) + classes])
                    let peak = row.max() ?? 0
                    var sum = 0.0
                    for l in row { sum += Foundation.exp(Double(l - peak)) }
                    total += Double(peak) + Foundation.log(sum) - Double(row[factors[v]])
                }
            }
            return total
        }
    }
}
