import Foundation
import TokenData

extension ContextModel {
    /// Counts bit outcomes per context over every frame `i` of `dataset` whose frame
    /// `i - stride` is in the same segment (and, for the two-frame contexts, `i - 2*stride`),
    /// restricted to segments `includeSegment` accepts. Every example is also counted without
    /// its older frame, so the first predicted frame of a window (one frame of context) has
    /// well-estimated contexts too. Probabilities are Krichevsky-Trofimov estimates
    /// (n1 + 1/2) / (n + 1). Work is split over `threads`.
    public static func fit(dataset: TokenDataset, stride: Int, includeSegment: (Int32) -> Bool = { _ in true },
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> ContextModel {
        guard stride >= 1 else { throw DatasetError(file: dataset.directory.path, .rejectedInput("stride must be at least 1, got \(stride)")) }
        let ids = dataset.segmentIDs
        var targets: [Int] = []
        for i in stride..<max(stride, dataset.frameCount) where ids[i - stride] == ids[i] && includeSegment(ids[i]) {
            targets.append(i)
        }
        guard !targets.isEmpty else {
            throw DatasetError(file: dataset.directory.path, .rejectedInput("no frame pairs \(stride) apart within one segment to fit on"))
        }
        let workers = max(1, min(threads, targets.count))
        let partial = UnsafeMutablePointer<[UInt64]>.allocate(capacity: workers)
        partial.initialize(repeating: [], count: workers)
        defer { partial.deinitialize(count: workers); partial.deallocate() }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var counts = [UInt64](repeating: 0, count: 2 * BitContexts.count)
            for n in Swift.stride(from: worker, to: targets.count, by: workers) {
                let i = targets[n]
                let target = dataset.frame(i)
                let previous = dataset.frame(i - stride)
                let hasOlder = i >= 2 * stride && ids[i - 2 * stride] == ids[i]
                let older = hasOlder ? dataset.frame(i - 2 * stride) : nil
                count(target: target, previous: previous, beforePrevious: older, into: &counts)
                if older != nil { count(target: target, previous: previous, beforePrevious: nil, into: &counts) }
            }
            partial[worker] = counts
        }
        var totals = [UInt64](repeating: 0, count: 2 * BitContexts.count)
        for worker in 0..<workers {
            for c in 0..<totals.count { totals[c] += partial[worker][c] }
        }
        let probabilities: [Float] = (0..<BitContexts.count).map { c in
            let ones = Double(totals[2 * c + 1])
            let all = Double(totals[2 * c]) + ones
            return Float((ones + 0.5) / (all + 1))
        }
        return try ContextModel(bitProbabilities: probabilities, stride: stride, trainingFrames: targets.count)
    }

    /// Adds the bit outcomes of `target` given the earlier frames to `counts` (zeros at 2c, ones at 2c+1).
    static func count(target: FrameTokens, previous: FrameTokens, beforePrevious: FrameTokens?, into counts: inout [UInt64]) {
        let positions = previous.count
        let width = BitContexts.gridWidth(positions: positions)
        let motion = BitContexts.motionLevel(previous: previous, beforePrevious: beforePrevious)
        var bases = [Int](repeating: 0, count: BitContexts.bits)
        previous.withUnsafeBufferPointer { prev in
            (beforePrevious ?? []).withUnsafeBufferPointer { earlier in
                bases.withUnsafeMutableBufferPointer { basePointer in
                    counts.withUnsafeMutableBufferPointer { out in
                        for v in 0..<2 {
                            for s in 0..<positions {
                                BitContexts.baseIndices(previous: prev, beforePrevious: beforePrevious == nil ? nil : earlier,
                                                        position: s, vocabulary: v, width: width, motion: motion,
                                                        into: basePointer.baseAddress!)
                                let a = BitContexts.previousValue(prev, position: s, vocabulary: v)
                                let x = Int((target[s] >> UInt32(9 * v)) & 511)
                                let differing = x ^ a
                                var mismatches = 0
                                for j in Swift.stride(from: BitContexts.bits - 1, through: 0, by: -1) {
                                    let index = basePointer[j] + min(mismatches, 2)
                                    out[2 * index + ((x >> j) & 1)] += 1
                                    mismatches += (differing >> j) & 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
