import Foundation
import Core
import Checkpoints
import Layers

extension CosmosARModel {
    /// Loads `model.pt` (or the `model.pt` inside a folder) as the reference does: the state
    /// dict is the top-level `model` entry when there is one, else the file's dict; a leading
    /// `model.` is stripped from keys and `_extra_state` entries are dropped. The sizes are read
    /// off the shapes; every expected key and shape is then checked, and every missing,
    /// mis-shaped, non-bf16 or unused tensor is reported in one `CheckpointError`.
    /// Matrices stay bf16 where the file is mapped; only the norm vectors are copied.
    public convenience init(path: String, ropeTheta: Float = 500_000, latentShape: [Int] = [3, 32, 32]) throws {
        let file = Self.checkpointPath(path)
        let store = try Checkpoint.open(path: file)
        let keys = Self.sanitize(store.tensorNames)
        func shape(_ key: String) -> [Int]? { keys[key].flatMap { store.info($0)?.shape } }

        // Sizes from shapes: dim and vocab from the embedding, head size from the QK-norm,
        // heads and kv heads from the projections, ffn from w1, layers from the largest index.
        let sizeKeys = ["tok_embeddings.weight", "layers.0.attention.q_norm.weight", "layers.0.attention.wq.weight",
                        "layers.0.attention.wk.weight", "layers.0.feed_forward.w1.weight"]
        let missing = sizeKeys.filter { shape($0) == nil }
        guard missing.isEmpty, let embedding = shape(sizeKeys[0]), embedding.count == 2,
              let headDim = shape(sizeKeys[1])?.first, headDim > 0, headDim % 2 == 0,
              let wq = shape(sizeKeys[2])?.first, let wk = shape(sizeKeys[3])?.first, let ffn = shape(sizeKeys[4])?.first,
              wq % headDim == 0, wk % headDim == 0, wk > 0, (wq / headDim) % (wk / headDim) == 0
        else {
            if !missing.isEmpty { throw CosmosARError(file: file, .notCosmosAR(missing: missing)) }
            throw CheckpointError(file: file, .weightMismatch([
                "sizes do not fit the Cosmos AR architecture: " + sizeKeys.map { "\($0) \(shape($0) ?? [])" }.joined(separator: ", ")
                    + " (head size must be even, wq and wk rows whole heads, query heads a multiple of kv heads)"]))
        }
        let layerCount = 1 + (keys.keys.compactMap { key -> Int? in
            guard key.hasPrefix("layers.") else { return nil }
            return Int(key.dropFirst("layers.".count).prefix { $0 != "." })
        }.max() ?? -1)
        let config = CosmosARConfig(dim: embedding[1], layers: layerCount, heads: wq / headDim, kvHeads: wk / headDim,
                                    headDim: headDim, ffnHidden: ffn, vocabSize: embedding[0],
                                    ropeTheta: ropeTheta, latentShape: latentShape)

        // Every expected key and shape, through the strict loader: matrices as bf16 views of the
        // mapped file, norms copied to float32; every problem reported at once.
        let loader = WeightLoader(store: store, file: file, sanitizedKeys: keys)
        loader.bf16Requirement = "the released model.pt is bf16"
        let scope = ParameterScope(loader)
        let embeddings = scope.child("tok_embeddings").bf16("weight", rows: config.vocabSize, columns: config.dim)
        let blocks = (0..<layerCount).map { TransformerBlock(scope.child("layers").child($0), config: config) }
        let finalNorm = RMSNorm(scope.child("norm"), width: config.dim, eps: config.normEps)
        let output = scope.child("output").bf16("weight", rows: config.vocabSize, columns: config.dim)
        try loader.finish(expectingAllUnder: [""])
        self.init(config: config, source: file, tokEmbeddings: embeddings, layers: blocks, norm: finalNorm, output: output,
                  storage: [store])
    }

    /// Cosmos AR's key rules (the model's `sanitize` step): the reference keeps the state dict
    /// under a top-level `model` entry (read as a leading `model.`), which is stripped, and
    /// `_extra_state` entries (TransformerEngine bookkeeping) are dropped. Returns the model's
    /// key -> the stored key.
    static func sanitize(_ storedNames: [String]) -> [String: String] {
        var keys: [String: String] = [:]
        for name in storedNames where !name.contains("_extra_state") {
            keys[name.hasPrefix("model.") ? String(name.dropFirst("model.".count)) : name] = name
        }
        return keys
    }

    /// `model.pt` inside a folder, else the path itself.
    public static func checkpointPath(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return URL(fileURLWithPath: path).appendingPathComponent("model.pt").path
        }
        return path
    }

    /// Whether `path` looks like a Cosmos AR checkpoint (a `.pt` file, or a folder with `model.pt`),
    /// for commands that take several kinds of `--model`.
    public static func looksLikeCheckpoint(_ path: String) -> Bool {
        let file = checkpointPath(path)
        return file.hasSuffix(".pt") && FileManager.default.fileExists(atPath: file)
    }
}

extension CosmosARModel {
    /// A model of `config`'s sizes with seeded random bf16 weights (for `bench`): weights uniform
    /// in +-1/sqrt(fan-in), norms 1. Runs the same arithmetic as a real checkpoint.
    public convenience init(randomWeightsFor config: CosmosARConfig, seed: UInt64) {
        var storage: [AnyObject] = []
        var stream: UInt64 = 0
        func matrix(_ rows: Int, _ columns: Int) -> BF16Matrix {
            let values = BF16Storage(count: rows * columns)
            let bound = 1 / Float(columns).squareRoot()
            stream += 1
            let (s, bits, count) = (stream, values.bits, rows * columns)
            // Filled in parallel: the 4B width is ~1e9 values.
            let parts = 64
            Kernels.parallelFor(parts) { range in
                for part in range {
                    var rng = Xoshiro256(seed: seed, stream: s &* 1000 &+ UInt64(part))
                    for i in (count * part / parts)..<(count * (part + 1) / parts) {
                        let value = (Float(rng.next() >> 40) * 0x1p-24 * 2 - 1) * bound
                        bits[i] = UInt16(truncatingIfNeeded: value.bitPattern >> 16)
                    }
                }
            }
            storage.append(values)
            return BF16Matrix(rows: rows, columns: columns, bits: UnsafePointer(values.bits), owner: values)
        }
        func ones(_ n: Int) -> RMSNorm { RMSNorm(weight: [Float](repeating: 1, count: n), eps: config.normEps) }
        let (d, q, kv, f) = (config.dim, config.heads * config.headDim, config.kvHeads * config.headDim, config.ffnHidden)
        let embeddings = matrix(config.vocabSize, d)
        let blocks = (0..<config.layers).map { _ in
            TransformerBlock(
                attentionNorm: ones(d),
                attention: Attention(wq: matrix(q, d), wk: matrix(kv, d), wv: matrix(kv, d), wo: matrix(d, q),
                                     qNorm: ones(config.headDim), kNorm: ones(config.headDim),
                                     heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim),
                ffnNorm: ones(d),
                feedForward: FeedForward(w1: matrix(f, d), w2: matrix(d, f), w3: matrix(f, d)))
        }
        let output = matrix(config.vocabSize, d)
        self.init(config: config, source: "random weights (seed \(seed))", tokEmbeddings: embeddings, layers: blocks,
                  norm: ones(d), output: output, storage: storage)
    }
}

// The blocks built from a checkpoint scope, each weight named by its key, in the order the
// reference declares them (which is also the order problems are reported in).
extension CosmosARModel.RMSNorm {
    init(_ scope: ParameterScope, width: Int, eps: Float) {
        self.init(weight: scope("weight", shape: [width]).data, eps: eps)
    }
}

extension CosmosARModel.TransformerBlock {
    /// `layers.{i}`.
    init(_ scope: ParameterScope, config: CosmosARConfig) {
        let (d, q, kv, f) = (config.dim, config.heads * config.headDim, config.kvHeads * config.headDim, config.ffnHidden)
        let attention = scope.child("attention"), feedForward = scope.child("feed_forward")
        func matrix(_ scope: ParameterScope, _ name: String, _ rows: Int, _ columns: Int) -> BF16Matrix {
            scope.child(name).bf16("weight", rows: rows, columns: columns)
        }
        self.init(
            attentionNorm: CosmosARModel.RMSNorm(scope.child("attention_norm"), width: d, eps: config.normEps),
            attention: CosmosARModel.Attention(
                wq: matrix(attention, "wq", q, d), wk: matrix(attention, "wk", kv, d),
                wv: matrix(attention, "wv", kv, d), wo: matrix(attention, "wo", d, q),
                qNorm: CosmosARModel.RMSNorm(attention.child("q_norm"), width: config.headDim, eps: config.normEps),
                kNorm: CosmosARModel.RMSNorm(attention.child("k_norm"), width: config.headDim, eps: config.normEps),
                heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim),
            ffnNorm: CosmosARModel.RMSNorm(scope.child("ffn_norm"), width: d, eps: config.normEps),
            feedForward: CosmosARModel.FeedForward(
                w1: matrix(feedForward, "w1", f, d), w2: matrix(feedForward, "w2", d, f), w3: matrix(feedForward, "w3", f, d)))
    }
}
