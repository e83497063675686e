import Foundation
import XCTest
import Predictor
import Checkpoints
import Core

/// Loading follows the reference's rules (optional `model.` prefix, `_extra_state` dropped, sizes
/// from shapes, strict otherwise) and reports every problem at once; a small model with 6 query
/// heads over 2 kv heads (not the fixture's 4 over 2) gives the same logits through the KV cache
/// as through one causal pass.
final class CosmosARLoadingTests: XCTestCase {
    private var temporary: URL!

    override func setUpWithError() throws {
        temporary = FileManager.default.temporaryDirectory.appendingPathComponent("cosmos-ar-loading-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporary)
    }

    /// A small model's tensors (dim 16, 6 heads of 8 over 2 kv heads, ffn 40, vocab 300, 2 layers).
    private func tensors(prefix: String = "", seed: UInt64 = 1) -> [(String, String, [Int])] {
        var list: [(String, String, [Int])] = [("tok_embeddings.weight", "BF16", [300, 16]), ("norm.weight", "BF16", [16]),
                                              ("output.weight", "BF16", [300, 16])]
        for i in 0..<2 {
            let p = "layers.\(i)."
            list += [(p + "attention.wq.weight", "BF16", [48, 16]), (p + "attention.wk.weight", "BF16", [16, 16]),
                     (p + "attention.wv.weight", "BF16", [16, 16]), (p + "attention.wo.weight", "BF16", [16, 48]),
                     (p + "attention.q_norm.weight", "BF16", [8]), (p + "attention.k_norm.weight", "BF16", [8]),
                     (p + "attention_norm.weight", "BF16", [16]), (p + "ffn_norm.weight", "BF16", [16]),
                     (p + "feed_forward.w1.weight", "BF16", [40, 16]), (p + "feed_forward.w2.weight", "BF16", [16, 40]),
                     (p + "feed_forward.w3.weight", "BF16", [40, 16])]
        }
        return list.map { (prefix + $0.0, $0.1, $0.2) }
    }

    /// Writes a safetensors file with seeded random values (norm weights near 1).
    private func write(_ tensors: [(String, String, [Int])], seed: UInt64 = 1) throws -> String {
        var rng = Xoshiro256(seed: seed)
        var header: [String: Any] = [:]
        var data = Data()
        for (name, dtype, shape) in tensors {
            let count = shape.reduce(1, *)
            let isNorm = name.hasSuffix("norm.weight")
            let start = data.count
            for _ in 0..<count {
                let value: Float = isNorm ? 1 + (rng.nextUnitFloat() - 0.5) * 0.2 : (rng.nextUnitFloat() * 2 - 1) * 0.5
                switch dtype {
                case "F32": withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
                case "U8": data.append(0)
                default: withUnsafeBytes(of: UInt16(truncatingIfNeeded: value.bitPattern >> 16).littleEndian) { data.append(contentsOf: $0) }
                }
            }
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [start, data.count]]
        }
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(data)
        let url = temporary.appendingPathComponent("model-\(UUID().uuidString.prefix(6)).safetensors")
        try file.write(to: url)
        return url.path
    }

    func testLoaderStripsModelPrefixDropsExtraStateAndInfersSizes() throws {
        let path = try write(tensors(prefix: "model.") + [("model.layers.0.attention._extra_state", "U8", [4])])
        let config = try CosmosARModel(path: path).config
        XCTAssertEqual([config.dim, config.layers, config.heads, config.kvHeads, config.headDim, config.ffnHidden, config.vocabSize],
                       [16, 2, 6, 2, 8, 40, 300])
    }

    func testLoaderReportsEveryMismatchAtOnce() throws {
        var list = tensors().filter { $0.0 != "layers.1.feed_forward.w2.weight" }
        list = list.map { $0.0 == "layers.0.attention.wv.weight" ? ($0.0, "BF16", [16, 12]) : $0 }
        list = list.map { $0.0 == "layers.1.attention.wo.weight" ? ($0.0, "F32", $0.2) : $0 }
        list.append(("layers.0.attention.bias", "BF16", [16]))
        let path = try write(list)
        XCTAssertThrowsError(try CosmosARModel(path: path)) { error in
            guard let error = error as? CheckpointError, case .weightMismatch(let lines) = error.problem else {
                return XCTFail("expected a weight mismatch, got \(error)")
            }
            XCTAssertEqual(error.file, path)
            XCTAssertEqual(lines.count, 4, "\(lines)")
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path + ": 4 weight problems"), text)
            XCTAssertTrue(text.contains("missing layers.1.feed_forward.w2.weight [16, 40]"), text)
            XCTAssertTrue(text.contains("layers.0.attention.wv.weight has shape [16, 12], expected [16, 16]"), text)
            XCTAssertTrue(text.contains("layers.1.attention.wo.weight is f32"), text)
            XCTAssertTrue(text.contains("unused layers.0.attention.bias"), text)
        }
    }

    /// Under a `model.` prefix: problems name the model's keys, leftovers the stored ones, and
    /// `_extra_state` entries are neither read nor reported.
    func testPrefixedCheckpointReportsModelKeysAndStoredLeftovers() throws {
        var list = tensors(prefix: "model.").filter { $0.0 != "model.layers.1.feed_forward.w2.weight" }
        list = list.map { $0.0 == "model.layers.1.attention.wo.weight" ? ($0.0, "F32", $0.2) : $0 }
        list += [("model.layers.0.attention.bias", "BF16", [16]), ("model.layers.0.attention._extra_state", "U8", [4])]
        let path = try write(list)
        XCTAssertThrowsError(try CosmosARModel(path: path)) { error in
            guard let error = error as? CheckpointError, case .weightMismatch(let lines) = error.problem else {
                return XCTFail("expected a weight mismatch, got \(error)")
            }
            XCTAssertEqual(lines, [
                "layers.1.attention.wo.weight is f32; weights are kept bf16 in place (the released model.pt is bf16)",
                "missing layers.1.feed_forward.w2.weight [16, 40]",
                "unused model.layers.0.attention.bias",
            ])
        }
    }

    func testCheckpointOfAnotherArchitectureNamesWhatIsMissing() throws {
        let path = try write([("encoder.conv_in.weight", "F32", [4, 3, 3, 3])])
        XCTAssertThrowsError(try CosmosARModel(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): not a Cosmos-Predict1 autoregressive checkpoint: missing tok_embeddings.weight, "
                + "layers.0.attention.q_norm.weight, layers.0.attention.wq.weight, layers.0.attention.wk.weight, layers.0.feed_forward.w1.weight")
        }
    }

    /// One causal pass over 200 tokens against a 150-token prefill plus 50 single-token steps:
    /// the same logits (float32 path noise only), with 3 query heads per kv head.
    func testKVCacheStepsMatchOneCausalPass() throws {
        let model = try CosmosARModel(path: write(tensors()))
        var rng = Xoshiro256(seed: 3)
        let tokens = (0..<200).map { _ in Int32(rng.next() % 300) }
        let full = model.logits(model.hidden(tokens, start: 0, cache: model.makeCache()), rows: 0..<200)
        let cache = model.makeCache()
        var stepped = model.logits(model.hidden(Array(tokens[..<150]), start: 0, cache: cache), rows: 0..<150)
        for p in 150..<200 { stepped += model.logits(model.hidden([tokens[p]], start: p, cache: cache), rows: 0..<1) }
        let peak = full.map(abs).max()!
        let worst = zip(full, stepped).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(peak, 0.1)
        XCTAssertLessThan(worst / peak, 1e-5)
    }
}
