import Foundation
import XCTest
import Predictor
import TokenData
import Core

final class SamplingTests: XCTestCase {
    private func withRow<R>(_ logits: [Float], _ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        logits.withUnsafeBufferPointer(body)
    }

    private func randomLogits(_ count: Int, seed: UInt64) -> [Float] {
        var rng = Xoshiro256(seed: seed)
        return (0 ..< count).map { _ in 6 * rng.nextUnitFloat() - 3 }
    }

    // MARK: - Random numbers

    func testGeneratorIsReproducibleAndStreamsDiffer() {
        var a = Xoshiro256(seed: 42), b = Xoshiro256(seed: 42), c = Xoshiro256(seed: 42, stream: 1)
        let first = (0 ..< 8).map { _ in a.next() }
        XCTAssertEqual(first, (0 ..< 8).map { _ in b.next() })
        XCTAssertNotEqual(first, (0 ..< 8).map { _ in c.next() })
        var u = Xoshiro256(seed: 1)
        let mean = (0 ..< 10_000).reduce(Float(0)) { sum, _ in sum + u.nextUnitFloat() } / 10_000
        XCTAssertEqual(mean, 0.5, accuracy: 0.02)
    }

    // MARK: - Token sampler

    func testZeroTemperatureIsArgmaxWithFirstIndexOnTies() {
        var rng = Xoshiro256(seed: 0)
        var logits = randomLogits(512, seed: 3)
        logits[100] = 9
        logits[200] = 9
        let picked = withRow(logits) { TokenSampler(temperature: 0).sample($0, using: &rng) }
        XCTAssertEqual(picked.index, 100)
        // Its probability under the model: softmax of the raw logits.
        let expected = 1 / logits.reduce(Float(0)) { $0 + exp($1 - 9) }
        XCTAssertEqual(picked.probability, expected, accuracy: 1e-6)
    }

    func testTopKOfOneEqualsGreedy() {
        var rng = Xoshiro256(seed: 11)
        for seed in 0 ..< 20 as Range<UInt64> {
            let logits = randomLogits(512, seed: seed)
            let greedy = withRow(logits) { TokenSampler(temperature: 0).sample($0, using: &rng).index }
            let topOne = withRow(logits) { TokenSampler(temperature: 1.5, topK: 1).sample($0, using: &rng).index }
            XCTAssertEqual(topOne, greedy)
        }
    }

    func testTopKKeepsTheKLargest() {
        let logits = randomLogits(512, seed: 5)
        let kept = withRow(logits) { TokenSampler(temperature: 1, topK: 7).candidates($0) }
        let largest = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(7)
        XCTAssertEqual(Set(kept.map(\.index)), Set(largest))
    }

    func testTopPKeepsTheSmallestSetReachingP() {
        // Probabilities 0.5, 0.3, 0.15, 0.05 (as logits, in shuffled class order).
        var logits = [Float](repeating: -.infinity, count: 512)
        logits[7] = log(0.5); logits[3] = log(0.3); logits[400] = log(0.15); logits[9] = log(0.05)
        func kept(_ p: Float) -> [Int] { withRow(logits) { TokenSampler(temperature: 1, topP: p).candidates($0).map(\.index) } }
        XCTAssertEqual(kept(0.4), [7])
        XCTAssertEqual(kept(0.5), [7])
        XCTAssertEqual(kept(0.7), [7, 3])
        XCTAssertEqual(kept(0.85), [7, 3, 400])
        XCTAssertEqual(kept(0.99), [7, 3, 400, 9])

        // Draws stay inside the kept set, in proportion 0.5 : 0.3.
        var rng = Xoshiro256(seed: 8)
        var counts = [Int: Int]()
        for _ in 0 ..< 8000 { counts[withRow(logits) { TokenSampler(temperature: 1, topP: 0.7).sample($0, using: &rng).index }, default: 0] += 1 }
        XCTAssertEqual(Set(counts.keys), [7, 3])
        XCTAssertEqual(Double(counts[7]!) / 8000, 0.625, accuracy: 0.02)
    }

    func testTemperatureDividesTheLogits() {
        let logits = randomLogits(512, seed: 9)
        let kept = withRow(logits) { TokenSampler(temperature: 0.5).candidates($0) }
        let ratio = kept[10].weight / kept[20].weight
        XCTAssertEqual(ratio, exp((logits[10] - logits[20]) / 0.5), accuracy: 1e-3 * ratio)
    }

    // MARK: - MaskGIT

    /// Logits that prefer token (position + 1) in both vocabularies, with confidence rising
    /// with the position, so least-confident order is known.
    private func positionalLogits(positions: Int) -> FrameLogits {
        var logits = FrameLogits(zerosFor: positions, vocabulary: .magvit2)
        for v in 0 ..< 2 {
            for s in 0 ..< positions { logits.values[logits.rowStart(factor: v, position: s) + s + 1] = Float(s) * 0.05 }
        }
        return logits
    }

    func testRemaskCountsFollowTheCosineSchedule() throws {
        // ceil(cos(pi/2 * k/4) * 256) for k = 1, 2, 3: 236.5, 181.0, 97.97.
        XCTAssertEqual((0 ..< 4).map { MaskGIT.maskedCount(afterStep: $0, of: 4, positions: 256) }, [237, 182, 98, 0])
        XCTAssertEqual(MaskGIT.maskedCount(afterStep: 0, of: 2, positions: 256), 182)

        for order in RemaskOrder.allCases {
            let maskgit = MaskGIT(steps: 4, sampler: TokenSampler(temperature: 1), order: order)
            var previous: KnownTokens?
            var calls = 0
            let result = maskgit.decode(positions: 256, seed: 1, streams: [0]) { known in
                // Positions fixed by an earlier step never change or get masked again.
                if let previous {
                    for (before, now) in zip(previous, known[0]) where before != nil { XCTAssertEqual(before, now) }
                }
                previous = known[0]
                calls += 1
                return [positionalLogits(positions: 256)]
            }
            XCTAssertEqual(calls, 4)
            XCTAssertEqual(result.maskedPerStep[0], [256, 237, 182, 98], "\(order)")
            XCTAssertEqual(result.tokens[0].count, 256)
        }
    }

    func testLeastConfidentPositionsAreMaskedAgainFirst() throws {
        let maskgit = MaskGIT(steps: 2, sampler: TokenSampler(temperature: 0), order: .leastConfident)
        var secondStepKnown: KnownTokens?
        _ = maskgit.decode(positions: 16, seed: 0, streams: [0]) { known in
            if known[0].contains(where: { $0 != nil }) { secondStepKnown = known[0] }
            return [positionalLogits(positions: 16)]
        }
        // ceil(cos(pi/4) * 16) = 12 re-masked: the 12 least confident are positions 0 ..< 12.
        let fixed = secondStepKnown!.indices.filter { secondStepKnown![$0] != nil }
        XCTAssertEqual(fixed, Array(12 ..< 16))
        XCTAssertEqual(secondStepKnown![13], UInt32(14) * 512 + 14)
    }

    func testSeededDecodingIsReproducible() throws {
        let logits = FrameLogits(vocabulary: .magvit2, positions: 64, values: randomLogits(2 * 64 * 512, seed: 4))
        let maskgit = MaskGIT(steps: 3, sampler: TokenSampler(temperature: 1, topP: 0.9))
        func run(seed: UInt64) throws -> [FrameTokens] {
            maskgit.decode(positions: 64, seed: seed, streams: [0, 1]) { known in known.map { _ in logits } }.tokens
        }
        let first = try run(seed: 3)
        XCTAssertEqual(first, try run(seed: 3))
        XCTAssertNotEqual(first, try run(seed: 4))
        XCTAssertNotEqual(first[0], first[1], "each frame has its own stream")
    }

    func testGeneratorSlidesTheContextOfABoundedModel() throws {
        let config = GenieConfig(numLayers: 1, numHeads: 2, dModel: 16, T: 4, S: 8, mlpRatio: 2)
        let model = try GenieModel(config: config, seed: 2)
        let prompt: [FrameTokens] = (0 ..< 2).map { f in (0 ..< 8).map { UInt32($0 * 1000 + f) } }
        let generator = FrameGenerator(maskgit: MaskGIT(steps: 2, sampler: TokenSampler(temperature: 1)), seed: 5)
        let frames = try generator.generate(prompt: prompt, count: 5, with: model, positions: 8)
        XCTAssertEqual(frames.count, 5)
        XCTAssertEqual(frames, try generator.generate(prompt: prompt, count: 5, with: model, positions: 8))
        XCTAssertTrue(frames.allSatisfy { $0.count == 8 && $0.allSatisfy { $0 < 262_144 } })
        // Greedy with one step: each frame is the argmax of the model given the last T-1 frames.
        let greedy = FrameGenerator(maskgit: MaskGIT(steps: 1))
        let greedyFrames = try greedy.generate(prompt: prompt, count: 4, with: model, positions: 8)
        let history = prompt + greedyFrames
        let expected = try model.predict(context: Array(history[2 ..< 5]), known: nil)
        let argmax = (0 ..< 8).map { s -> UInt32 in
            let best = (0 ..< 2).map { v in
                let row = Array(expected.values[expected.rowStart(factor: v, position: s) ..< expected.rowStart(factor: v, position: s) + 512])
                return UInt32(row.firstIndex(of: row.max()!)!)
            }
            return best[1] * 512 + best[0]
        }
        XCTAssertEqual(greedyFrames[3], argmax)
    }
}
