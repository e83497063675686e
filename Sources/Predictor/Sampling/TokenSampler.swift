import Foundation

/// Picks one class from a row of logits of any width (512 per MAGVIT2 factor, 64,000 Cosmos
/// codes): the one sampler of MaskGIT, the frame generator and Cosmos AR decoding.
///
/// Temperature <= `greedyThreshold` means argmax, first index on ties (`torch.argmax`), and
/// top-k / top-p are ignored. Otherwise temperature divides the logits
/// (`softmax(logits / temperature)`); top-k keeps the k most likely classes; top-p then keeps,
/// most likely first (ties: lower class id first), each class while the mass ranked strictly
/// above it is still below p, so the class that crosses p is kept; one of the kept classes is
/// drawn in proportion to its probability.
///
/// The two conventions differ only in arithmetic, each matching what its callers were checked
/// against:
/// - `.maskgit` (default): unnormalised float weights `exp(l / T - peak)`, top-p against p times
///   their float sum, a float draw from the top 24 bits. Where this differs from the reference
///   GENIE code: the reference samples from `probs / temperature` renormalised, so its
///   temperature only switches between greedy (<= 1e-8) and the model's own distribution.
/// - `.torch`: Cosmos-Predict1's reference sampler: float32 probabilities normalised by a double
///   sum, cumulative mass summed in double and stored as float, a class dropped when
///   `cumsum - p >= top_p` in float32 (a mass equal to p counts as exceeding it, as torch's
///   rounding lands on such ties), the kept probabilities renormalised, a 53-bit double draw.
///   Greedy only at temperature <= 0. A seed reproduces the distribution, never torch's samples.
public struct TokenSampler: Codable, Sendable, Equatable {
    public enum Convention: String, Codable, Sendable {
        case maskgit
        case torch
    }

    public var temperature: Float
    /// Keep only the k most likely classes (nil: all).
    public var topK: Int?
    /// Keep the smallest set of most likely classes whose probability reaches p (nil: all).
    public var topP: Float?
    /// Not part of the coded form: settings files carry the three numbers.
    public var convention: Convention = .maskgit

    public static let greedyThreshold: Float = 1e-8

    enum CodingKeys: String, CodingKey { case temperature, topK = "top_k", topP = "top_p" }

    public init(temperature: Float = 0, topK: Int? = nil, topP: Float? = nil, convention: Convention = .maskgit) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.convention = convention
    }

    /// Cosmos-Predict1's sampler (the `.torch` convention).
    public static func cosmos(temperature: Float = 0, topK: Int? = nil, topP: Float? = nil) -> TokenSampler {
        TokenSampler(temperature: temperature, topK: topK, topP: topP, convention: .torch)
    }

    public var isGreedy: Bool {
        switch convention {
        case .maskgit: return temperature <= Self.greedyThreshold
        case .torch: return temperature <= 0
        }
    }

    /// The chosen class.
    public func pick<G: RandomNumberGenerator>(_ logits: UnsafeBufferPointer<Float>, using rng: inout G) -> Int {
        isGreedy ? Self.argmax(logits) : draw(logits, using: &rng)
    }

    /// The chosen class and its probability under the model (softmax of the raw logits),
    /// which MaskGIT uses as the confidence when it re-masks least-confident positions first.
    public func sample<G: RandomNumberGenerator>(_ logits: UnsafeBufferPointer<Float>, using rng: inout G) -> (index: Int, probability: Float) {
        let peak = logits.max() ?? 0
        var modelSum: Float = 0
        for l in logits { modelSum += Foundation.exp(l - peak) }
        let index = pick(logits, using: &rng)
        return (index, Foundation.exp(logits[index] - peak) / modelSum)
    }

    /// The classes that can be drawn, most likely first when top-k or top-p is set, with their
    /// weights under temperature, top-k and top-p: unnormalised under `.maskgit`, renormalised
    /// probabilities under `.torch`. Exposed so the truncation rules can be checked directly.
    public func candidates(_ logits: UnsafeBufferPointer<Float>) -> [(index: Int, weight: Float)] {
        switch convention {
        case .maskgit: return maskgitCandidates(logits)
        case .torch: return torchCandidates(logits)
        }
    }

    /// First index of the largest value, as `torch.argmax`.
    @inlinable public static func argmax(_ row: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        return best
    }

    /// Class ids by descending weight, ties by ascending id, the `top_k` first when set.
    /// Weights must not be negative: then a float's bit pattern orders like the float, so
    /// `~bits << 32 | id` sorts as wanted in one integer sort.
    private func ranked(_ weights: [Float]) -> [Int] {
        var keys = weights.enumerated().map { UInt64(~$0.element.bitPattern) << 32 | UInt64($0.offset) }
        keys.sort()
        var order = keys.map { Int($0 & 0xFFFF_FFFF) }
        if let topK { order = Array(order.prefix(max(1, topK))) }
        return order
    }

    private func maskgitCandidates(_ logits: UnsafeBufferPointer<Float>) -> [(index: Int, weight: Float)] {
        let scaled = logits.map { $0 / temperature }
        let peak = scaled.max() ?? 0
        let weights = scaled.map { Foundation.exp($0 - peak) }
        guard topK != nil || topP != nil else { return weights.enumerated().map { (index: $0.offset, weight: $0.element) } }
        var kept = ranked(weights).map { (index: $0, weight: weights[$0]) }
        if let topP {
            let total = kept.reduce(0) { $0 + $1.weight }
            var cumulative: Float = 0, count = 0
            for candidate in kept {
                cumulative += candidate.weight
                count += 1
                if cumulative >= topP * total { break }
            }
            kept = Array(kept.prefix(count))
        }
        return kept
    }

    private func torchCandidates(_ logits: UnsafeBufferPointer<Float>) -> [(index: Int, weight: Float)] {
        // softmax(logits / T) in float32, as the reference.
        var scaled = logits.map { $0 / temperature }
        let peak = scaled.max() ?? 0
        var total = 0.0
        for i in scaled.indices { scaled[i] = Foundation.exp(scaled[i] - peak); total += Double(scaled[i]) }
        let probs = scaled.map { Float(Double($0) / total) }
        var kept = ranked(probs)
        if let topP {
            // torch: cumsum accumulated in double, stored as float; `c - p > top_p` in float32.
            var cumulative = 0.0
            let order = kept
            kept = []
            for index in order {
                cumulative += Double(probs[index])
                if Float(cumulative) - probs[index] >= topP { break }
                kept.append(index)
            }
        }
        let keptTotal = kept.reduce(Float(0)) { $0 + probs[$1] }
        return kept.map { (index: $0, weight: probs[$0] / keptTotal) }
    }

    private func draw<G: RandomNumberGenerator>(_ logits: UnsafeBufferPointer<Float>, using rng: inout G) -> Int {
        let kept = candidates(logits)
        switch convention {
        case .maskgit:
            let total = kept.reduce(0) { $0 + $1.weight }
            let target = Float.random(in: 0 ..< 1, using: &rng) * total
            var cumulative: Float = 0
            for candidate in kept {
                cumulative += candidate.weight
                if target < cumulative { return candidate.index }
            }
        case .torch:
            let target = Double(rng.next() >> 11) * 0x1p-53
            var cumulative = 0.0
            for candidate in kept {
                cumulative += Double(candidate.weight)
                if target < cumulative { return candidate.index }
            }
        }
        return kept.last?.index ?? 0
    }
}
