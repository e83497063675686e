import Foundation
import XCTest

/// `evaluate`, `generate` and `lpips` through the binary, against the PyTorch fixtures.
final class PredictorCommandTests: XCTestCase {
    func testEvaluateOnTheFixtureWindowGivesTheReferenceMeanCE() throws {
        for name in ["genie-l2-d64", "genie-l2-d64-qknorm"] {
            let model = CLI.fixture("PredictorTests/Fixtures/\(name)")
            let dir = try CLI.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let data = try Self.datasetOfFixtureFrames(model, in: dir)
            let json = dir.appendingPathComponent("out.json").path
            let r = try CLI.run(["evaluate", "--data", data, "--model", model, "--window", "16", "--stride", "1",
                                 "--maskgit-steps", "1", "--temperature", "0", "--json", json])
            XCTAssertEqual(r.status, 0, r.stderr)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model + "/per_timestep.json"))) as? [String: Any])
            let ce = try XCTUnwrap(report["ce"] as? Double), want = try XCTUnwrap(reference["mean_ce"] as? Double)
            print("\(name): ce \(ce) reference \(want) relative error \(abs(ce - want) / want)")
            XCTAssertEqual(ce, want, accuracy: want * 1e-4)
            XCTAssertEqual((report["per_timestep_ce"] as? [Double])?.count, 15)
            XCTAssertTrue(report["lpips"] is NSNull)
            for key in ["accuracy", "seconds_per_frame", "examples", "settings"] { XCTAssertNotNil(report[key], key) }
        }
    }

    func testGenerateWritesASampleThatGreedyDecodingReproduces() throws {
        let model = CLI.fixture("PredictorTests/Fixtures/genie-l2-d64")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.datasetOfFixtureFrames(model, in: dir)
        var outputs: [Data] = []
        for run in 0..<2 {
            let out = dir.appendingPathComponent("gen\(run)").path
            let r = try CLI.run(["generate", "--data", data, "--model", model, "--stride", "1", "--prompt-frames", "9",
                                 "--frames", "7", "--maskgit-steps", "2", "--temperature", "1", "--top-k", "50", "--seed", "3", "-o", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out + "/video.bin")))
            let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metadata.json"))) as? [String: Any]
            XCTAssertEqual(metadata?["num_prompt_frames"] as? Int, 9)
            XCTAssertEqual(metadata?["window_size"] as? Int, 16)
        }
        XCTAssertEqual(outputs[0].count, (9 + 7 + 7) * 256 * 4)
        XCTAssertEqual(outputs[0], outputs[1], "the same seed must give the same sample")
    }

    func testLPIPSCommandMatchesTheReferenceAndIsZeroForIdenticalImages() throws {
        let fixture = CLI.fixture("PredictorTests/Fixtures/lpips-alex")
        let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/lpips.json"))) as? [String: Any])
        let want = try XCTUnwrap(reference["lpips"] as? [Double])
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0..<2 {
            let json = dir.appendingPathComponent("l\(i).json").path
            let weights = ["--alexnet", fixture + "/alexnet_test.pth", "--lpips-weights", fixture + "/lpips-v0.1-alex.pth"]
            let r = try CLI.run(["lpips", fixture + String(format: "/a_%03d.png", i), fixture + String(format: "/b_%03d.png", i), "--json", json] + weights)
            XCTAssertEqual(r.status, 0, r.stderr)
            let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            XCTAssertEqual(try XCTUnwrap(got["mean"] as? Double), want[i], accuracy: 1e-4)
            let same = try CLI.run(["lpips", fixture + String(format: "/a_%03d.png", i), fixture + String(format: "/a_%03d.png", i)] + weights)
            XCTAssertTrue(same.stdout.contains("mean 0.000000"), same.stdout)
        }
    }

    /// A 1X v1.1 dataset of the fixture's 16 frames, one segment.
    static func datasetOfFixtureFrames(_ model: String, in dir: URL) throws -> String {
        let data = dir.appendingPathComponent("frames16")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: model + "/tokens_u32.bin", toPath: data.appendingPathComponent("video.bin").path)
        try Data(count: 16 * 4).write(to: data.appendingPathComponent("segment_ids.bin"))
        let metadata = #"{"token_dtype": "uint32", "s": 16, "h": 16, "w": 16, "vocab_size": 262144, "hz": 30, "tokenizer_ckpt": "data/magvit2.ckpt", "num_images": 16}"#
        try Data(metadata.utf8).write(to: data.appendingPathComponent("metadata.json"))
        return data.path
    }
}
