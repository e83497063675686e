import Foundation
import Core
import TokenData

/// One clip's scores over its target tokens.
public struct CosmosARClipScore: Codable, Sendable, Equatable {
    /// Teacher-forced: mean CE (nats) and argmax accuracy over the target codes, from one causal pass.
    public var ce: Double
    public var accuracy: Double
    /// The 1X fork's loss: CE of the true target against the logits met while generating.
    public var freeRunningCE: Double?
    /// Generated codes equal to the truth, when generated.
    public var freeRunningAccuracy: Double?
    public var generated: [Int32]?
    public var generationSeconds: Double?

    public init(ce: Double, accuracy: Double) {
        self.ce = ce
        self.accuracy = accuracy
    }

    enum CodingKeys: String, CodingKey {
        case ce, accuracy, freeRunningCE = "free_running_ce", freeRunningAccuracy = "free_running_accuracy"
        case generationSeconds = "generation_seconds"
    }
}

extension CosmosARModel {
    /// Teacher-forced CE and accuracy of `clip`'s tokens at positions `targets` (2048 ..< 3072
    /// for the fork's split), from one causal pass over the clip up to the last target. The
    /// output head runs only on the rows that predict a target, in blocks of 128 rows.
    public func teacherForced(clip: [Int32], targets: Range<Int>, file: String) throws -> (ce: Double, accuracy: Double) {
        guard targets.lowerBound >= 1 else { throw CosmosARError(file: file, .promptTooShort(tokens: targets.lowerBound)) }
        let tokens = Array(clip[0..<targets.upperBound])
        try check(tokens, start: 0, file: file)
        let cache = makeCache()
        // The last token is never an input: its row would predict past the clip.
        let h = hidden(Array(tokens.dropLast()), start: 0, cache: cache)
        var ce = 0.0, correct = 0
        var row = targets.lowerBound - 1
        let vocab = config.vocabSize
        var rowCE = [Double](repeating: 0, count: 128), rowHit = [Bool](repeating: false, count: 128)
        while row < targets.upperBound - 1 {
            let rows = row..<min(row + 128, targets.upperBound - 1)
            let logits = self.logits(h, rows: rows)
            // Rows are scored in parallel, then summed in row order (the same sum as one by one).
            logits.withUnsafeBufferPointer { all in
                tokens.withUnsafeBufferPointer { tokens in
                    rowCE.withUnsafeMutableBufferPointer { rowCE in
                        rowHit.withUnsafeMutableBufferPointer { rowHit in
                            Kernels.parallelFor(rows.count) { block in
                                for i in block {
                                    let line = UnsafeBufferPointer(rebasing: all[(i * vocab)..<((i + 1) * vocab)])
                                    let truth = Int(tokens[rows.lowerBound + i + 1])
                                    rowCE[i] = CrossEntropy.of(line, truth: truth)
                                    rowHit[i] = TokenSampler.argmax(line) == truth
                                }
                            }
                        }
                    }
                }
            }
            for i in 0..<rows.count {
                ce += rowCE[i]
                if rowHit[i] { correct += 1 }
            }
            row = rows.upperBound
        }
        return (ce / Double(targets.count), Double(correct) / Double(targets.count))
    }

    /// Generates `count` codes after `prompt` with the KV cache: one prefill over the prompt, whose
    /// last logit row picks the first code, then count - 1 single-token steps. With `truth`
    /// (the true codes after the prompt), also the 1X fork's free-running CE: the mean CE of
    /// the truth against the logit rows that picked the generated codes.
    /// `progress` gets the number of codes generated so far.
    /// `sampler` should be Cosmos-Predict1's (`TokenSampler.cosmos`).
    public func generate<G: RandomNumberGenerator>(prompt: [Int32], count: Int, sampler: TokenSampler, using rng: inout G,
                                                   truth: [Int32]? = nil, file: String,
                                                   progress: (Int) -> Void = { _ in }) throws -> (codes: [Int32], freeRunningCE: Double?) {
        guard !prompt.isEmpty else { throw CosmosARError(file: file, .promptTooShort(tokens: 0)) }
        try check(prompt, start: 0, file: file)
        guard prompt.count + count - 1 <= config.maxSequenceLength else {
            throw CosmosARError(file: file, .sequenceTooLong(tokens: prompt.count + count, capacity: config.maxSequenceLength))
        }
        if let truth { try check(Array(truth.prefix(count)), start: prompt.count, file: file) }
        let cache = makeCache()
        var codes: [Int32] = []
        var ce = 0.0
        var h = hidden(prompt, start: 0, cache: cache)
        var row = prompt.count - 1
        while codes.count < count {
            let logits = self.logits(h, rows: row..<(row + 1))
            let code = logits.withUnsafeBufferPointer { line -> Int in
                if let truth, codes.count < truth.count { ce += CrossEntropy.of(line, truth: Int(truth[codes.count])) }
                return sampler.pick(line, using: &rng)
            }
            codes.append(Int32(code))
            progress(codes.count)
            if codes.count == count { break }
            h = hidden([Int32(code)], start: prompt.count + codes.count - 1, cache: cache)
            row = 0
        }
        let freeRunning = truth.map { _ in ce / Double(min(count, truth!.count)) }
        return (codes, freeRunning)
    }
}
