import Foundation
import TokenData

/// A count-based bit-context model of the next frame (no neural weights, no retrieval): each
/// factored token is predicted bit by bit from the two frames before it (see `BitContexts`).
/// Fit with `ContextModel.fit(dataset:stride:)`; stored with `save(to:)` / `load(from:)`.
public final class ContextModel: FramePredictor, @unchecked Sendable {
    /// p(bit = 1) for each of `BitContexts.count` contexts.
    public let bitProbabilities: [Float]
    /// Frame spacing of the training pairs (it should match the evaluation's window stride).
    public let stride: Int
    /// How many predicted frames the counts came from.
    public let trainingFrames: Int
    private let logOne: [Float]
    private let logZero: [Float]

    public static var contextCount: Int { BitContexts.count }

    public init(bitProbabilities: [Float], stride: Int, trainingFrames: Int) throws {
        guard bitProbabilities.count == BitContexts.count else {
            throw BaselineParameterError.contextProbabilityCount(count: bitProbabilities.count, expected: BitContexts.count)
        }
        if let bad = bitProbabilities.firstIndex(where: { !($0 > 0 && $0 < 1) }) {
            throw BaselineParameterError.contextProbabilityOutOfRange(value: bitProbabilities[bad], context: bad)
        }
        self.bitProbabilities = bitProbabilities
        self.stride = stride
        self.trainingFrames = trainingFrames
        logOne = bitProbabilities.map { log($0) }
        logZero = bitProbabilities.map { log(1 - $0) }
    }

    public var name: String { "context (stride \(stride), \(trainingFrames) training frames)" }
    public var maxFrames: Int? { nil }
    /// MAGVIT2's tokens: two factors of 9 bits (`BitContexts` predicts them bit by bit).
    public var vocabulary: Vocabulary { .magvit2 }

    /// Logits are normalized log-probabilities. Ignores `known`: positions are predicted from
    /// earlier frames only.
    public func predict(context: [FrameTokens], known: [UInt32?]?) throws -> FrameLogits {
        let vocabulary = vocabulary, classes = vocabulary.classes
        guard let previous = context.last else { return FrameLogits(zerosFor: TokenGrid.magvit2.positions, vocabulary: vocabulary) }
        let beforePrevious = context.count >= 2 && context[context.count - 2].count == previous.count ? context[context.count - 2] : nil
        let positions = previous.count
        let width = BitContexts.gridWidth(positions: positions)
        let motion = BitContexts.motionLevel(previous: previous, beforePrevious: beforePrevious)
        var values = [Float](repeating: 0, count: positions * vocabulary.logitsPerPosition)
        let bases = UnsafeMutablePointer<Int>.allocate(capacity: BitContexts.bits)
        defer { bases.deallocate() }
        // Partial log-probabilities of every prefix of decided bits, and how many of its
        // bits differ from the previous token: level by level down the binary tree.
        var sums = [Float](repeating: 0, count: classes), nextSums = sums
        var mismatches = [Int](repeating: 0, count: classes), nextMismatches = mismatches
        previous.withUnsafeBufferPointer { prev in
            let earlierFrame = beforePrevious ?? []
            earlierFrame.withUnsafeBufferPointer { earlier in
                values.withUnsafeMutableBufferPointer { out in
                    for v in 0..<vocabulary.factors {
                        for s in 0..<positions {
                            BitContexts.baseIndices(previous: prev, beforePrevious: beforePrevious == nil ? nil : earlier,
                                                    position: s, vocabulary: v, width: width, motion: motion, into: bases)
                            let a = BitContexts.previousValue(prev, position: s, vocabulary: v)
                            sums[0] = 0
                            mismatches[0] = 0
                            var nodes = 1
                            for j in Swift.stride(from: BitContexts.bits - 1, through: 0, by: -1) {
                                let aBit = (a >> j) & 1
                                for node in 0..<nodes {
                                    let index = bases[j] + min(mismatches[node], 2)
                                    for bit in 0...1 {
                                        let child = 2 * node + bit
                                        nextSums[child] = sums[node] + (bit == 1 ? logOne[index] : logZero[index])
                                        nextMismatches[child] = mismatches[node] + (bit == aBit ? 0 : 1)
                                    }
                                }
                                nodes *= 2
                                swap(&sums, &nextSums)
                                swap(&mismatches, &nextMismatches)
                            }
                            let start = (v * positions + s) * classes
                            for k in 0..<classes { out[start + k] = sums[k] }
                        }
                    }
                }
            }
        }
        return FrameLogits(vocabulary: vocabulary, positions: positions, values: values)
    }
}
