import Foundation
import Core
import Checkpoints

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
        var keys: [String: String] = [:]  // the model's key -> the stored key
        for name in store.tensorNames where !name.contains("_extra_state") {
            keys[name.hasPrefix("model.") ? String(name.dropFirst("model.".count)) : name] = name
        }
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

        var problems: [String] = []
        var used: Set<String> = []
        var owners: [ObjectIdentifier: AnyObject] = [:]
        let placeholder = UnsafeMutablePointer<UInt16>.allocate(capacity: 1)
        placeholder.initialize(to: 0)

        func matrix(_ key: String, _ rows: Int, _ columns: Int) -> BF16Matrix {
            let empty = BF16Matrix(rows: 0, columns: 0, bits: placeholder, owner: nil)
            guard let stored = keys[key], let info = store.info(stored) else {
                problems.append("missing \(key) [\(rows), \(columns)]")
                return empty
            }
            used.insert(stored)
            guard info.shape == [rows, columns] else {
                problems.append("\(key) has shape \(info.shape), expected [\(rows), \(columns)]")
                return empty
            }
            guard info.dtype == .bf16 else {
                problems.append("\(key) is \(info.dtype.rawValue); weights are kept bf16 in place (the released model.pt is bf16)")
                return empty
            }
            do {
                guard let (bytes, owner) = try store.mappedBytes(stored) else {
                    problems.append("\(key) is not stored contiguously")
                    return empty
                }
                owners[ObjectIdentifier(owner)] = owner
                if Int(bitPattern: bytes.baseAddress) % 2 == 0 {
                    return BF16Matrix(rows: rows, columns: columns, bits: bytes.baseAddress!.assumingMemoryBound(to: UInt16.self), owner: owner)
                }
                // An odd offset (not written by torch.save, which aligns storages): copy, still bf16.
                let copy = BF16Storage(count: rows * columns)
                UnsafeMutableRawPointer(copy.bits).copyMemory(from: bytes.baseAddress!, byteCount: rows * columns * 2)
                return BF16Matrix(rows: rows, columns: columns, bits: UnsafePointer(copy.bits), owner: copy)
            } catch {
                problems.append("\(key) could not be read: \(error)")
                return empty
            }
        }
        func vector(_ key: String, _ count: Int) -> RMSNorm {
            let empty = RMSNorm(weight: [Float](repeating: 0, count: count), eps: config.normEps)
            guard let stored = keys[key], let info = store.info(stored) else {
                problems.append("missing \(key) [\(count)]")
                return empty
            }
            used.insert(stored)
            guard info.shape == [count] else {
                problems.append("\(key) has shape \(info.shape), expected [\(count)]")
                return empty
            }
            do { return RMSNorm(weight: try store.floatTensor(stored).data, eps: config.normEps) } catch {
                problems.append("\(key) could not be read: \(error)")
                return empty
            }
        }

        let (d, q, kv, f) = (config.dim, config.heads * headDim, config.kvHeads * headDim, config.ffnHidden)
        let embeddings = matrix("tok_embeddings.weight", config.vocabSize, d)
        let blocks = (0..<layerCount).map { i -> TransformerBlock in
            let p = "layers.\(i)."
            return TransformerBlock(
                attentionNorm: vector(p + "attention_norm.weight", d),
                attention: Attention(
                    wq: matrix(p + "attention.wq.weight", q, d), wk: matrix(p + "attention.wk.weight", kv, d),
                    wv: matrix(p + "attention.wv.weight", kv, d), wo: matrix(p + "attention.wo.weight", d, q),
                    qNorm: vector(p + "attention.q_norm.weight", headDim), kNorm: vector(p + "attention.k_norm.weight", headDim),
                    heads: config.heads, kvHeads: config.kvHeads, headDim: headDim),
                ffnNorm: vector(p + "ffn_norm.weight", d),
                feedForward: FeedForward(w1: matrix(p + "feed_forward.w1.weight", f, d), w2: matrix(p + "feed_forward.w2.weight", d, f),
                                         w3: matrix(p + "feed_forward.w3.weight", f, d)))
        }
        let finalNorm = vector("norm.weight", d)
        let output = matrix("output.weight", config.vocabSize, d)
        let unused = keys.values.filter { !used.contains($0) }.sorted()
        problems += unused.map { "unused \($0)" }
        placeholder.deallocate()
        guard problems.isEmpty else { throw CheckpointError(file: file, .weightMismatch(problems)) }
        self.init(config: config, source: file, tokEmbeddings: embeddings, layers: blocks, norm: finalNorm, output: output,
                  storage: [store] + Array(owners.values))
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

/// bf16 values owned by the process (random weights, or a copy of an unaligned tensor).
final class BF16Storage {
    let bits: UnsafeMutablePointer<UInt16>
    let count: Int

    init(count: Int) {
        self.count = count
        bits = .allocate(capacity: max(1, count))
        bits.initialize(repeating: 0, count: max(1, count))
    }

    deinit { bits.deallocate() }
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
