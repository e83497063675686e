import Foundation
import TokenData
import Core

/// Which newly sampled positions MaskGIT masks again for the next step.
public enum RemaskOrder: String, Codable, Sendable, CaseIterable {
    /// A random subset (the reference's default).
    case random
    /// The positions whose sampled token the model found least likely.
    case leastConfident = "least_confident"
}

/// MaskGIT decoding of whole frames: every position starts masked; each step gets logits for
/// the frame, samples every factor of the vocabulary (both of MAGVIT2's; a flat vocabulary has
/// one) at every still-masked position, and, on every step but the last, masks
/// `ceil(cos(pi/2 * (step+1)/steps) * S)` of the newly sampled positions again.
/// Positions fixed in earlier steps stay fixed. Many frames are decoded side by side (one
/// logits call per step for all of them), each with its own random stream, so the result for a
/// frame does not depend on which other frames share its batch.
public struct MaskGIT: Codable, Sendable, Equatable {
    public var steps: Int
    public var sampler: TokenSampler
    public var order: RemaskOrder

    public init(steps: Int = 1, sampler: TokenSampler = TokenSampler(), order: RemaskOrder = .random) {
        self.steps = max(1, steps)
        self.sampler = sampler
        self.order = order
    }

    /// Positions left masked after step `step` (0-based) of `steps`, for a frame of `positions`.
    public static func maskedCount(afterStep step: Int, of steps: Int, positions: Int) -> Int {
        guard step < steps - 1 else { return 0 }
        let fraction = cos(Double.pi / 2 * Double(step + 1) / Double(steps))
        return min(positions, Int((fraction * Double(positions)).rounded(.up)))
    }

    /// What a decode produced for each frame.
    public struct Result {
        public var tokens: [FrameTokens]
        /// The first step's logits (every position masked): the ones cross-entropy scores.
        public var firstLogits: [FrameLogits]
        /// Still-masked positions at the start of each step, per frame (for checks and logs).
        public var maskedPerStep: [[Int]]
    }

    /// Decodes `streams.count` frames of `positions` tokens. `logits` gets the known tokens of
    /// every frame (nil: masked) and returns each frame's logits. `streams` picks each frame's
    /// random sequence under `seed` (e.g. a running frame number).
    public func decode(
        positions: Int, seed: UInt64, streams: [UInt64],
        logits: ([KnownTokens]) throws -> [FrameLogits]
    ) rethrows -> Result {
        var rngs = streams.map { Xoshiro256(seed: seed, stream: $0) }
        var known = [KnownTokens](repeating: KnownTokens(repeating: nil, count: positions), count: streams.count)
        var firstLogits: [FrameLogits] = []
        var maskedPerStep = [[Int]](repeating: [], count: streams.count)

        for step in 0 ..< steps {
            let stepLogits = try logits(known)
            if step == 0 { firstLogits = stepLogits }
            for frame in known.indices {
                let masked = known[frame].indices.filter { known[frame][$0] == nil }
                maskedPerStep[frame].append(masked.count)
                var sampled: [(position: Int, token: UInt32, confidence: Float)] = []
                let frameLogits = stepLogits[frame]
                let classes = frameLogits.classes, factors = frameLogits.factors
                frameLogits.values.withUnsafeBufferPointer { values in
                    for s in masked {
                        // Factor 0 first, each from the same stream; the token is the digits'
                        // number in base `classes`, its confidence the product of their probabilities.
                        var token = 0, weight = 1, confidence: Float = 1
                        for f in 0 ..< factors {
                            let row = frameLogits.rowStart(factor: f, position: s)
                            let x = sampler.sample(UnsafeBufferPointer(rebasing: values[row ..< row + classes]), using: &rngs[frame])
                            token += x.index * weight
                            weight *= classes
                            confidence = f == 0 ? x.probability : confidence * x.probability
                        }
                        sampled.append((s, UInt32(token), confidence))
                    }
                }
                let remask = Self.maskedCount(afterStep: step, of: steps, positions: positions)
                switch order {
                case .random: sampled.shuffle(using: &rngs[frame])
                case .leastConfident: sampled.sort { ($0.confidence, $0.position) < ($1.confidence, $1.position) }
                }
                for item in sampled.dropFirst(remask) { known[frame][item.position] = item.token }
            }
        }
        let tokens = known.map { frame in frame.map { $0 ?? 0 } }
        return Result(tokens: tokens, firstLogits: firstLogits, maskedPerStep: maskedPerStep)
    }
}
