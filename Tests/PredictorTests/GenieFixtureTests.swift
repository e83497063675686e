import Foundation
import XCTest
import Predictor
import TokenData

/// GENIE against the golden fixtures written by the PyTorch reference (2 layers, d 64, with
/// and without qk_norm): per-timestep CE, logits of frames 1, 8 and 15, greedy samples.
final class GenieFixtureTests: XCTestCase {
    static let fixtureNames = ["genie-l2-d64", "genie-l2-d64-qknorm"]

    private func directory(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(name)")
    }

    private func readU32(_ url: URL) throws -> [UInt32] {
        let data = try Data(contentsOf: url)
        return stride(from: 0, to: data.count, by: 4).map { i in
            (0 ..< 4).reduce(UInt32(0)) { $0 | UInt32(data[data.startIndex + i + $1]) << (8 * $1) }
        }
    }

    private func readF32(_ url: URL) throws -> [Float] {
        try readU32(url).map { Float(bitPattern: $0) }
    }

    /// The fixture's 16 frames of 256 tokens.
    private func window(_ name: String) throws -> [FrameTokens] {
        let tokens = try readU32(directory(name).appendingPathComponent("tokens_u32.bin"))
        XCTAssertEqual(tokens.count, 16 * 256)
        return (0 ..< 16).map { Array(tokens[$0 * 256 ..< ($0 + 1) * 256]) }
    }

    private func referencePerTimestepCE(_ name: String) throws -> (perTimestep: [Double], mean: Double) {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory(name).appendingPathComponent("per_timestep.json"))) as! [String: Any]
        let rows = json["per_timestep"] as! [[String: Any]]
        return (rows.map { ($0["ce"] as! NSNumber).doubleValue }, (json["mean_ce"] as! NSNumber).doubleValue)
    }

    func testPerTimestepCrossEntropyMatchesReference() throws {
        for name in Self.fixtureNames {
            let model = try GenieModel(directory: directory(name))
            let report = try TeacherForcedEvaluator(settings: EvaluationSettings(maskgitSteps: 1, temperature: 0))
                .evaluate(model, windows: [try window(name)])
            let reference = try referencePerTimestepCE(name)
            XCTAssertEqual(report.perTimestepCE.count, 15)
            let worst = zip(report.perTimestepCE, reference.perTimestep).map { abs($0 - $1) / $1 }.max()!
            print("\(name): per-timestep CE max relative error \(worst); mean CE \(report.ce) vs \(reference.mean)")
            XCTAssertLessThan(worst, 1e-3, name)
            XCTAssertEqual(report.ce, reference.mean, accuracy: 1e-3 * reference.mean, name)
        }
    }

    func testLogitsOfFrames1And8And15MatchReference() throws {
        for name in Self.fixtureNames {
            let model = try GenieModel(directory: directory(name))
            let logits = try model.teacherForced(windows: [try window(name)])[0]
            var worst: Float = 0
            for t in [1, 8, 15] {
                // Fixture layout (512, 2, 16, 16): element [k][v][s].
                let want = try readF32(directory(name).appendingPathComponent("logits_t\(t)_f32.bin"))
                XCTAssertEqual(want.count, 512 * 2 * 256)
                let got = logits[t - 1]
                for k in 0 ..< 512 {
                    for v in 0 ..< 2 {
                        for s in 0 ..< 256 {
                            worst = max(worst, abs(got.values[got.rowStart(factor: v, position: s) + k] - want[(k * 2 + v) * 256 + s]))
                        }
                    }
                }
            }
            print("\(name): logits of frames 1, 8, 15 max abs error \(worst)")
            XCTAssertLessThan(worst, 1e-3, name)
        }
    }

    func testGreedySamplesMatchReference() throws {
        for name in Self.fixtureNames {
            let model = try GenieModel(directory: directory(name))
            var predicted: [FrameTokens] = []
            _ = try TeacherForcedEvaluator(settings: EvaluationSettings(maskgitSteps: 1, temperature: 0))
                .evaluate(model, windows: [try window(name)]) { predicted += $0.predictions[0] }
            let want = try readU32(directory(name).appendingPathComponent("samples_u32.bin"))
            XCTAssertEqual(want.count, 15 * 256)
            let mismatches = zip(predicted.flatMap { $0 }, want).filter { $0 != $1 }.count
            print("\(name): greedy samples differing from the reference: \(mismatches) of \(want.count)")
            XCTAssertEqual(predicted.count, 15)
            XCTAssertEqual(mismatches, 0, name)
        }
    }

    func testTeacherForcedWithSharedContextEqualsPerFramePredict() throws {
        for name in Self.fixtureNames {
            let model = try GenieModel(directory: directory(name))
            let frames = try window(name)
            let shared = try model.teacherForced(windows: [frames])[0]
            var worst: Float = 0
            for t in [1, 2, 8, 14, 15] { // every t is covered with random weights in GenieSharedContextTests
                let single = try model.predict(context: Array(frames[..<t]), known: nil)
                worst = max(worst, zip(shared[t - 1].values, single.values).map { abs($0 - $1) }.max()!)
            }
            print("\(name): teacher-forced (shared context) vs per-frame predict: max abs difference \(worst)")
            XCTAssertLessThan(worst, 1e-4, name)
        }
    }

    // MARK: - Loading errors

    private func copyOfFixture(_ name: String, editingConfig edit: (inout [String: Any]) -> Void) throws -> URL {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("genie-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: target) }
        try FileManager.default.copyItem(at: directory(name).appendingPathComponent("model.safetensors"), to: target.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: directory(name).appendingPathComponent("config.json"))) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: target.appendingPathComponent("config.json"))
        return target
    }

    func testConfigThatDisagreesWithWeightsReportsEveryMismatchAtOnce() throws {
        let dir = try copyOfFixture("genie-l2-d64") { $0["qk_norm"] = true; $0["num_layers"] = 3 }
        XCTAssertThrowsError(try GenieModel(directory: dir)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("model.safetensors"), text)
            XCTAssertTrue(text.contains("missing decoder.layers.0.spatial_attn.norm.weight"), text)
            XCTAssertTrue(text.contains("missing decoder.layers.2.mlp.fc2.bias"), text)
            XCTAssertTrue(text.contains("unused decoder.layers.1.norm2.weight"), text)
        }
    }

    func testMissingOrBadConfigNamesTheFile() throws {
        let nowhere = FileManager.default.temporaryDirectory.appendingPathComponent("no-genie-here-\(UUID().uuidString)")
        XCTAssertThrowsError(try GenieModel(directory: nowhere)) {
            XCTAssertTrue("\($0)".contains("config.json"), "\($0)")
        }
        let noHeads = try copyOfFixture("genie-l2-d64") { $0.removeValue(forKey: "num_heads") }
        XCTAssertThrowsError(try GenieModel(directory: noHeads)) {
            XCTAssertTrue("\($0)".contains("config.json") && "\($0)".contains("num_heads"), "\($0)")
        }
        let oddHeads = try copyOfFixture("genie-l2-d64") { $0["num_heads"] = 5 }
        XCTAssertThrowsError(try GenieModel(directory: oddHeads)) {
            XCTAssertTrue("\($0)".contains("not a multiple of num_heads"), "\($0)")
        }
    }
}
