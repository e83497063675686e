import Checkpoints
import Core
import Layers

/// A `CodecError` met while loading a checkpoint file, with the file it is about: one line that
/// starts with the file, as `CheckpointError`'s.
public struct CodecFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var problem: CodecError

    public init(file: String, _ problem: CodecError) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}

extension Codec {
    /// Loads from a checkpoint file; every error names the file: a `CheckpointError`, a
    /// `CodecError` that already does (`implausibleConfig`), or a `CodecFileError`.
    /// `opened`: the same file already opened (by `TokenizerCheckpoint.detect`), read instead
    /// of opening it again.
    public static func load(path: String, opened: TensorStore? = nil, weights: WeightSet = .plain,
                            parts: Set<Part> = [.encoder, .decoder]) throws -> Codec {
        do {
            if let opened, opened.path == path { return try Codec(store: opened, weights: weights, parts: parts) }
            return try Codec(path: path, weights: weights, parts: parts)
        } catch let error as CodecError {
            if case .implausibleConfig = error { throw error }
            throw CodecFileError(file: path, error)
        }
    }
}

extension Codec {
    /// MAGVIT2's checkpoint key rules (the model's `sanitize` step; the checkpoint readers know
    /// only formats). The reference training code stores the EMA copy of weight `key` as
    /// `model_ema.` plus the key with every dot removed. The other stored families are training
    /// state the codec never reads (`loss.*`, `model_ema.num_updates`, ...): loading checks
    /// only the parts it loads (`encoder.`/`decoder.`, or their EMA prefixes) for leftovers.
    public static func emaKey(_ key: String) -> String {
        "model_ema." + key.filter { $0 != "." }
    }
}

extension Codec {
    /// A codec of the given shape with seeded random weights (`RandomWeights`), for benchmarks:
    /// convolution weights uniform in +-1/sqrt(fan_in) (PyTorch's default), biases in +-0.05,
    /// norms the identity. Each key gets its own stream, so a weight does not depend on which
    /// parts load.
    public convenience init(config: CodecConfig, seed: UInt64, parts: Set<Part> = [.encoder, .decoder]) {
        self.init(config: config, weightSet: .plain, parts: parts, scope: ParameterScope(RandomWeights(seed: seed)))
    }
}
