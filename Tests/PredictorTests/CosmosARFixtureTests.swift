import Foundation
import XCTest
import Predictor
import Core
import TokenData

/// The Cosmos-Predict1 AR model against the fixture `cosmos-ar-d64` written by the PyTorch
/// reference classes (bf16 weights in the real `model.pt` layout, float32 goldens): logits at
/// chosen positions, teacher-forced CE and accuracy, greedy KV-cache generations, the fork's
/// free-running CE and top-p filtered distributions.
final class CosmosARFixtureTests: XCTestCase {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/cosmos-ar-d64")
    static let prompt = 2048, clipTokens = 3072

    nonisolated(unsafe) static var cachedModel: CosmosARModel?
    static func model() throws -> CosmosARModel {
        if let cachedModel { return cachedModel }
        let model = try CosmosARModel(path: directory.appendingPathComponent("model.pt").path)
        cachedModel = model
        return model
    }

    static func readWords(_ name: String) throws -> [UInt32] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return stride(from: 0, to: data.count, by: 4).map { i in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[data.startIndex + i + $1]) << (8 * $1) }
        }
    }

    static func clip(_ c: Int) throws -> [Int32] {
        let all = try readWords("tokens_i32.bin").map { Int32(bitPattern: $0) }
        return Array(all[(c * clipTokens)..<((c + 1) * clipTokens)])
    }

    static func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(name))) as! [String: Any]
    }

    func testLoaderInfersTheFixtureSizesFromShapes() throws {
        let config = try Self.model().config
        XCTAssertEqual(config.dim, 64)
        XCTAssertEqual(config.layers, 2)
        XCTAssertEqual(config.heads, 4)
        XCTAssertEqual(config.kvHeads, 2)
        XCTAssertEqual(config.headDim, 16)
        XCTAssertEqual(config.ffnHidden, 224)
        XCTAssertEqual(config.vocabSize, 64000)
        XCTAssertEqual(config.parameterCount, 8_302_976)
        XCTAssertTrue(config.ropeSplit == (8, 4))
        XCTAssertTrue(CosmosARConfig.cosmos4B.ropeSplit == (44, 42))
        XCTAssertEqual(CosmosARConfig.cosmos4B.parameterCount, 4_014_088_192)
    }

    func testLogitsAtListedPositionsMatchReference() throws {
        let model = try Self.model()
        let expected = try Self.readWords("logits_f32_pos.bin").map { Float(bitPattern: $0) }
        let positions = [0, 1, 1023, 2047, 2048, 3071]
        let hidden = model.hidden(try Self.clip(0), start: 0, cache: model.makeCache())
        let vocab = model.config.vocabSize
        for (i, p) in positions.enumerated() {
            let row = model.logits(hidden, rows: p..<(p + 1))
            let reference = expected[(i * vocab)..<((i + 1) * vocab)]
            let peak = reference.map(abs).max()!
            let worst = zip(row, reference).map { abs($0 - $1) }.max()!
            print("cosmos-ar-d64 logits at position \(p): max |diff| / max |logit| = \(worst / peak)")
            XCTAssertLessThanOrEqual(worst / peak, 1e-4, "position \(p)")
        }
    }

    func testTeacherForcedCrossEntropyAndAccuracyMatchReference() throws {
        let model = try Self.model()
        let chunks = try Self.json("teacher_forced.json")["chunks"] as! [[String: Any]]
        for (c, golden) in chunks.enumerated() {
            let score = try model.teacherForced(clip: try Self.clip(c), targets: Self.prompt..<Self.clipTokens, file: "fixture")
            let ce = (golden["ce"] as! NSNumber).doubleValue, acc = (golden["acc"] as! NSNumber).doubleValue
            print("cosmos-ar-d64 clip \(c): teacher-forced CE \(score.ce) (reference \(ce)), accuracy \(score.accuracy)")
            XCTAssertEqual(score.ce, ce, accuracy: 1e-5 * ce)
            XCTAssertEqual(score.accuracy, acc, accuracy: 1e-5 * max(acc, 1e-3))
            // Latent 1 from latent 0 as well, so the split is not hard-wired to 2048.
            let latent1 = try model.teacherForced(clip: try Self.clip(c), targets: 1024..<2048, file: "fixture")
            let ce1 = (golden["ce_latent1"] as! NSNumber).doubleValue
            XCTAssertEqual(latent1.ce, ce1, accuracy: 1e-5 * ce1)
        }
    }

    /// As a `TokenPredictor` over latent frames, the model's frame logits score what the clip
    /// scorer scores: frame 1 of a two-frame window is latent 1 from latent 0.
    func testFrameLogitsOfTheTokenPredictorGiveTheClipScorersCrossEntropy() throws {
        let model = try Self.model()
        XCTAssertEqual(model.vocabulary, .cosmosDV)
        XCTAssertEqual(model.maxFrames, 3)
        let clip = try Self.clip(0)
        let frames = (0..<2).map { t in clip[(t * 1024)..<((t + 1) * 1024)].map { UInt32($0) } }
        let logits = try model.teacherForced(windows: [frames])
        XCTAssertEqual(logits.count, 1)
        XCTAssertEqual(logits[0].count, 1)
        XCTAssertEqual(logits[0][0].positions, 1024)
        XCTAssertEqual(logits[0][0].vocabulary, .cosmosDV)
        let scorer = try model.teacherForced(clip: Array(clip[..<2048]), targets: 1024..<2048, file: "fixture")
        XCTAssertEqual(logits[0][0].crossEntropySum(truth: frames[1]) / 1024, scorer.ce, accuracy: 1e-9 * scorer.ce)
        XCTAssertThrowsError(try model.teacherForced(windows: [[frames[0], Array(frames[1].prefix(1000))]])) { error in
            XCTAssertEqual("\(error)", "\(model.source): frame 1 has 1000 tokens; a latent frame of the model has 1024")
        }
    }

    func testGreedyGenerationAndFreeRunningCrossEntropyMatchReference() throws {
        let model = try Self.model()
        let greedy = try Self.readWords("greedy_i32.bin").map { Int32(bitPattern: $0) }
        let chunks = try Self.json("free_running.json")["chunks"] as! [[String: Any]]
        for c in 0..<2 {
            let clip = try Self.clip(c)
            var rng = Xoshiro256(seed: 0)
            let result = try model.generate(prompt: Array(clip[..<Self.prompt]), count: 1024, sampler: TokenSampler.cosmos(temperature: 0),
                                            using: &rng, truth: Array(clip[Self.prompt...]), file: "fixture")
            let expected = Array(greedy[(c * 1024)..<((c + 1) * 1024)])
            if let first = zip(result.codes, expected).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                XCTFail("clip \(c): greedy step \(first.offset) gives \(first.element.0), reference \(first.element.1)")
            }
            let ce = (chunks[c]["ce"] as! NSNumber).doubleValue
            print("cosmos-ar-d64 clip \(c): free-running CE \(result.freeRunningCE!) (reference \(ce))")
            XCTAssertEqual(result.freeRunningCE!, ce, accuracy: 1e-5 * ce)
        }
    }

    func testTopPFilteredDistributionsMatchReference() throws {
        let model = try Self.model()
        let topp = try Self.json("topp.json")
        let hidden = model.hidden(try Self.clip(0), start: 0, cache: model.makeCache())
        for entry in topp["entries"] as! [[String: Any]] {
            let position = entry["position"] as! Int
            let sampler = TokenSampler.cosmos(temperature: (entry["temperature"] as! NSNumber).floatValue,
                                             topP: (entry["top_p"] as! NSNumber).floatValue)
            let logits = model.logits(hidden, rows: position..<(position + 1))
            let kept = logits.withUnsafeBufferPointer { sampler.candidates($0) }
            let golden = (entry["entries"] as! [[NSNumber]]).map { (index: $0[0].intValue, probability: $0[1].floatValue) }
            XCTAssertEqual(kept.count, golden.count, "position \(position) T \(sampler.temperature): kept codes")
            XCTAssertEqual(Set(kept.map(\.index)), Set(golden.map(\.index)), "position \(position): support")
            let mine = Dictionary(uniqueKeysWithValues: kept.map { ($0.index, $0.weight) })
            let worst = golden.map { abs((mine[$0.index] ?? 0) - $0.probability) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-6, "position \(position) T \(sampler.temperature)")
        }
        for synthetic in topp["synthetic"] as! [[String: Any]] {
            let logits = (synthetic["logits"] as! [NSNumber]).map(\.floatValue)
            let expected = (synthetic["probs"] as! [NSNumber]).map(\.floatValue)
            let sampler = TokenSampler.cosmos(temperature: (synthetic["temperature"] as! NSNumber).floatValue,
                                             topP: (synthetic["top_p"] as! NSNumber).floatValue)
            var dense = [Float](repeating: 0, count: logits.count)
            for (index, p) in logits.withUnsafeBufferPointer({ sampler.candidates($0) }) { dense[index] = p }
            XCTAssertEqual(dense.map { $0 > 0 }, expected.map { $0 > 0 }, "synthetic \(logits.prefix(4)): support")
            for (a, b) in zip(dense, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
    }

    func testSampledCodesStayInsideTheTopPSupport() throws {
        let model = try Self.model()
        let hidden = model.hidden(Array(try Self.clip(0)[..<2048]), start: 0, cache: model.makeCache())
        let logits = model.logits(hidden, rows: 2047..<2048)
        let sampler = TokenSampler.cosmos(temperature: 1, topP: 0.8)
        let support = Set(logits.withUnsafeBufferPointer { sampler.candidates($0) }.map(\.index))
        var rng = Xoshiro256(seed: 7)
        var draws: [Int] = []
        for _ in 0..<200 { draws.append(logits.withUnsafeBufferPointer { sampler.pick($0, using: &rng) }) }
        XCTAssertTrue(draws.allSatisfy(support.contains))
        XCTAssertGreaterThan(Set(draws).count, 100, "200 draws over \(support.count) codes should rarely repeat")
        var again = Xoshiro256(seed: 7)
        XCTAssertEqual(draws.first, logits.withUnsafeBufferPointer { sampler.pick($0, using: &again) }, "same seed, same draw")
    }

    func testCodesOutsideTheVocabularyAndTooLongPromptsAreRejected() throws {
        let model = try Self.model()
        var clip = try Self.clip(0)
        clip[5] = 64000
        var rng = Xoshiro256(seed: 0)
        XCTAssertThrowsError(try model.teacherForced(clip: clip, targets: 2048..<3072, file: "data/val")) { error in
            XCTAssertEqual("\(error)", "data/val: token 5 is 64000, outside the codes 0 ..< 64000")
        }
        XCTAssertThrowsError(try model.generate(prompt: [Int32](repeating: 1, count: 3000), count: 100, sampler: .init(),
                                                using: &rng, file: "data/val")) { error in
            XCTAssertEqual("\(error)", "data/val: 3100 tokens do not fit the model's latent grid of 3072 positions")
        }
    }
}
