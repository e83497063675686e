import Foundation
import TokenData

/// Hyper-parameters of a GENIE (STMaskGIT) checkpoint, read from its `config.json`.
/// Training-only fields of that file (dropout rates, corruption rates, ...) are ignored.
public struct GenieConfig: Codable, Sendable, Equatable {
    public var numLayers: Int
    public var numHeads: Int
    public var dModel: Int
    /// Frames the model sees at once, the predicted frame included.
    public var T: Int
    /// Tokens per frame (16x16).
    public var S: Int
    public var imageVocabSize: Int
    public var useMup: Bool
    public var numFactoredVocabs: Int
    public var factoredVocabSize: Int
    public var qkvBias: Bool
    public var projBias: Bool
    public var qkNorm: Bool
    public var mlpRatio: Double
    public var mlpBias: Bool

    enum CodingKeys: String, CodingKey {
        case numLayers = "num_layers", numHeads = "num_heads", dModel = "d_model", T, S
        case imageVocabSize = "image_vocab_size", useMup = "use_mup"
        case numFactoredVocabs = "num_factored_vocabs", factoredVocabSize = "factored_vocab_size"
        case qkvBias = "qkv_bias", projBias = "proj_bias", qkNorm = "qk_norm"
        case mlpRatio = "mlp_ratio", mlpBias = "mlp_bias"
    }

    public init(
        numLayers: Int, numHeads: Int, dModel: Int, T: Int = 16, S: Int = TokenGrid.magvit2.positions,
        imageVocabSize: Int = Vocabulary.magvit2.size, useMup: Bool = false,
        numFactoredVocabs: Int = Vocabulary.magvit2.factors, factoredVocabSize: Int = Vocabulary.magvit2.classes,
        qkvBias: Bool = false, projBias: Bool = true, qkNorm: Bool = false,
        mlpRatio: Double = 4, mlpBias: Bool = true
    ) {
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.dModel = dModel
        self.T = T
        self.S = S
        self.imageVocabSize = imageVocabSize
        self.useMup = useMup
        self.numFactoredVocabs = numFactoredVocabs
        self.factoredVocabSize = factoredVocabSize
        self.qkvBias = qkvBias
        self.projBias = projBias
        self.qkNorm = qkNorm
        self.mlpRatio = mlpRatio
        self.mlpBias = mlpBias
    }

    /// GENIE_35M's shape (the leaderboard's smaller baseline): 32 layers, d 256, 8 heads.
    public static let genie35M = GenieConfig(numLayers: 32, numHeads: 8, dModel: 256)

    public var headDim: Int { dModel / numHeads }
    /// Width of the MLP's hidden layer, `int(d_model * mlp_ratio)` as the reference computes it.
    public var mlpHidden: Int { Int(Double(dModel) * mlpRatio) }

    /// The factored vocabulary of the readout (`Vocabulary.magvit2` for every config `problem` accepts).
    public var vocabulary: Vocabulary { .factored(classes: factoredVocabSize, factors: numFactoredVocabs) }
    /// The id that stands for "unknown" in a token grid (one past the last real token).
    public var maskTokenID: UInt32 { UInt32(imageVocabSize) }

    static let maxLayers = 1024
    static let maxHeads = 1024
    static let maxDModel = 8192
    static let maxT = 1024
    /// Attention scores are S x S per thread.
    static let maxS = 4096
    static let maxMLPRatio = 64.0
    static let maxTokensPerWindow = 1 << 20
    /// 4 GB of float32 weights.
    static let maxParameters = 1 << 30

    /// The attention and MLP weights and the position embedding (token embeddings and biases
    /// left out): a lower bound on what a checkpoint for this configuration holds.
    public var minimumParameterCount: Int {
        let count = Double(numLayers) * Double(dModel) * Double(dModel) * (4 + 2 * mlpRatio)
            + Double(T) * Double(S) * Double(dModel)
        return count < 0x1p62 ? Int(count) : 1 << 62
    }

    /// Why this configuration cannot be run, or nil when it can.
    public var problem: String? {
        if numLayers < 1 || numHeads < 1 || dModel < 1 || T < 2 || S < 1 { return "sizes must be positive (and T at least 2)" }
        // The file is untrusted: every size is capped (far above any released GENIE) before
        // it sizes an allocation, and products are formed only from capped factors.
        let caps: [(String, Int, Int)] = [
            ("num_layers", numLayers, Self.maxLayers), ("num_heads", numHeads, Self.maxHeads),
            ("d_model", dModel, Self.maxDModel), ("T", T, Self.maxT), ("S", S, Self.maxS),
        ]
        for (name, value, cap) in caps where value > cap { return "\(name) \(value) is above the cap of \(cap)" }
        guard mlpRatio.isFinite, mlpRatio > 0, mlpRatio <= Self.maxMLPRatio else {
            return "mlp_ratio \(mlpRatio) is outside (0, \(Self.maxMLPRatio)]"
        }
        if T * S > Self.maxTokensPerWindow { return "T x S = \(T * S) tokens per window is above the cap of \(Self.maxTokensPerWindow)" }
        if minimumParameterCount > Self.maxParameters {
            return "the config implies at least \(minimumParameterCount) weights, above the cap of \(Self.maxParameters)"
        }
        if dModel % numHeads != 0 { return "d_model \(dModel) is not a multiple of num_heads \(numHeads)" }
        if numFactoredVocabs != Vocabulary.magvit2.factors || factoredVocabSize != Vocabulary.magvit2.classes {
            return "only 2 factored vocabularies of 512 are supported (got \(numFactoredVocabs) of \(factoredVocabSize))"
        }
        if imageVocabSize != factoredVocabSize * factoredVocabSize {
            return "image_vocab_size \(imageVocabSize) is not factored_vocab_size^2"
        }
        if mlpHidden < 1 { return "mlp_ratio \(mlpRatio) gives an empty MLP" }
        return nil
    }

    /// Decodes and checks a `config.json`'s bytes; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> GenieConfig {
        let config: GenieConfig
        do { config = try JSONDecoder().decode(GenieConfig.self, from: data) } catch let error as DecodingError {
            throw GenieError.badConfig(path: path, reason: reason(error))
        }
        if let problem = config.problem { throw GenieError.badConfig(path: path, reason: problem) }
        return config
    }

    private static func reason(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String { codingPath.map(\.stringValue).joined(separator: ".") }
        switch error {
        case let .keyNotFound(key, _): return "missing field \(key.stringValue)"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "field \(path(context.codingPath)) has the wrong type"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
