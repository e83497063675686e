import Foundation

/// Picks one class from a row of 512 logits.
///
/// Where this differs from the reference GENIE code: the reference samples from
/// `probs / temperature` renormalised, so its temperature only switches between greedy
/// (<= 1e-8) and sampling from the model's own distribution. Here temperature divides the
/// logits (`softmax(logits / temperature)`), as usual elsewhere, and optional top-k and top-p
/// (nucleus) truncation apply after it. Temperature <= 1e-8 means argmax in both.
public struct TokenSampler: Codable, Sendable, Equatable {
    public var temperature: Float
    /// Keep only the k most likely classes (nil: all).
    public var topK: Int?
    /// Keep the smallest set of most likely classes whose probability reaches p (nil: all).
    public var topP: Float?

    public static let greedyThreshold: Float = 1e-8

    enum CodingKeys: String, CodingKey { case temperature, topK = "top_k", topP = "top_p" }

    public init(temperature: Float = 0, topK: Int? = nil, topP: Float? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    public var isGreedy: Bool { temperature <= Self.greedyThreshold }

    /// The chosen class and its probability under the model (softmax of the raw logits),
    /// which MaskGIT uses as the confidence when it re-masks least-confident positions first.
    public func sample<G: RandomNumberGenerator>(_ logits: UnsafeBufferPointer<Float>, using rng: inout G) -> (index: Int, probability: Float) {
        let peak = logits.max() ?? 0
        var modelSum: Float = 0
        for l in logits { modelSum += Foundation.exp(l - peak) }
        let index = isGreedy ? argmax(logits) : draw(logits, using: &rng)
        return (index, Foundation.exp(logits[index] - peak) / modelSum)
    }

    /// The kept classes with their (unnormalised) weights under temperature, top-k and top-p.
    /// Exposed so the truncation rules can be checked directly.
    public func candidates(_ logits: UnsafeBufferPointer<Float>) -> [(index: Int, weight: Float)] {
        let scaled = logits.map { $0 / temperature }
        let peak = scaled.max() ?? 0
        var kept = scaled.indices.map { (index: $0, weight: Foundation.exp(scaled[$0] - peak)) }
        guard topK != nil || topP != nil else { return kept }
        // Most likely first; ties keep the lower class id first.
        kept.sort { $0.weight != $1.weight ? $0.weight > $1.weight : $0.index < $1.index }
        if let topK { kept = Array(kept.prefix(max(1, topK))) }
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

    private func draw<G: RandomNumberGenerator>(_ logits: UnsafeBufferPointer<Float>, using rng: inout G) -> Int {
        let kept = candidates(logits)
        let total = kept.reduce(0) { $0 + $1.weight }
        let target = Float.random(in: 0 ..< 1, using: &rng) * total
        var cumulative: Float = 0
        for candidate in kept {
            cumulative += candidate.weight
            if target < cumulative { return candidate.index }
        }
        return kept.last?.index ?? 0
    }

    /// First index of the largest value, as `torch.argmax`.
    private func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }
}
