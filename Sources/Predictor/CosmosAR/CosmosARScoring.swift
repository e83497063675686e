import Foundation
import Core

/// Picks the next code from one row of the flat 64,000-way logits, as the Cosmos reference does.
///
/// - temperature 0: argmax (first index on ties); top-k and top-p are ignored.
/// - otherwise probs = softmax(logits / T); top-k keeps the k most likely; top-p then sorts
///   descending (ties: lower index first, as torch's CPU sort) and drops a code when the mass
///   ranked strictly above it already exceeds p, so the code that crosses p is kept; the kept
///   probabilities are renormalized and one is drawn. The reference draws with torch's random
///   stream, so a seed reproduces the distribution, never torch's exact samples.
public struct CosmosARSampler: Sendable, Equatable {
    public var temperature: Float
    public var topK: Int?
    public var topP: Float?

    public init(temperature: Float = 0, topK: Int? = nil, topP: Float? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    public var isGreedy: Bool { temperature <= 0 }

    /// The codes that can be drawn with their renormalized probabilities, most likely first.
    public func filtered(_ logits: UnsafeBufferPointer<Float>) -> [(index: Int, probability: Float)] {
        let n = logits.count
        // softmax(logits / T) in float32, as the reference.
        var scaled = logits.map { $0 / temperature }
        let peak = scaled.max() ?? 0
        var total = 0.0
        for i in 0..<n { scaled[i] = Foundation.exp(scaled[i] - peak); total += Double(scaled[i]) }
        let probs = scaled.map { Float(Double($0) / total) }
        // Descending probability, ties by ascending index, as one integer sort: for p >= 0 the
        // float's bit pattern orders like the float, so ~bits << 32 | index sorts as wanted.
        var keys = probs.enumerated().map { UInt64(~$0.element.bitPattern) << 32 | UInt64($0.offset) }
        keys.sort()
        var order = keys.map { Int($0 & 0xFFFF_FFFF) }
        if let topK { order = Array(order.prefix(max(1, topK))) }
        var kept = order
        if let topP {
            // torch: cumsum accumulated in double, stored as float; `c - p > top_p` in float32.
            // A mass that equals p exactly (in float32) counts as exceeding it: that is how
            // torch's own rounding of softmax lands on such ties (topp.json `synthetic` 0.5 + 0.3).
            var cumulative = 0.0
            kept = []
            for index in order {
                cumulative += Double(probs[index])
                if Float(cumulative) - probs[index] >= topP { break }
                kept.append(index)
            }
        }
        let keptTotal = kept.reduce(Float(0)) { $0 + probs[$1] }
        return kept.map { ($0, probs[$0] / keptTotal) }
    }

    public func sample<G: RandomNumberGenerator>(_ logits: UnsafeBufferPointer<Float>, using rng: inout G) -> Int {
        if isGreedy { return CosmosARScores.argmax(logits) }
        let candidates = filtered(logits)
        let target = Double(rng.next() >> 11) * 0x1p-53
        var cumulative = 0.0
        for candidate in candidates {
            cumulative += Double(candidate.probability)
            if target < cumulative { return candidate.index }
        }
        return candidates.last?.index ?? 0
    }
}

/// Per-row scores of a logit row against the true next code.
public enum CosmosARScores {
    /// Cross-entropy in nats of the full softmax of `row` at `truth`: logsumexp(row) - row[truth].
    public static func crossEntropy(_ row: UnsafeBufferPointer<Float>, truth: Int) -> Double {
        let peak = row.max() ?? 0
        var sums = SIMD8<Float>(), i = 0
        let base = row.baseAddress!, peaks = SIMD8<Float>(repeating: peak)
        while i + 8 <= row.count { sums += Kernels.exp(UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self) - peaks); i += 8 }
        var sum = Double(sums.sum())
        while i < row.count { sum += Foundation.exp(Double(row[i] - peak)); i += 1 }
        return Foundation.log(sum) + Double(peak) - Double(row[truth])
    }

    /// First index of the largest value, as `torch.argmax`.
    public static func argmax(_ row: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        return best
    }
}

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
        while row < targets.upperBound - 1 {
            let rows = row..<min(row + 128, targets.upperBound - 1)
            let logits = self.logits(h, rows: rows)
            logits.withUnsafeBufferPointer { all in
                for (i, r) in rows.enumerated() {
                    let line = UnsafeBufferPointer(rebasing: all[(i * config.vocabSize)..<((i + 1) * config.vocabSize)])
                    let truth = Int(tokens[r + 1])
                    ce += CosmosARScores.crossEntropy(line, truth: truth)
                    if CosmosARScores.argmax(line) == truth { correct += 1 }
                }
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
    public func generate<G: RandomNumberGenerator>(prompt: [Int32], count: Int, sampler: CosmosARSampler, using rng: inout G,
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
                if let truth, codes.count < truth.count { ce += CosmosARScores.crossEntropy(line, truth: Int(truth[codes.count])) }
                return sampler.sample(line, using: &rng)
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
