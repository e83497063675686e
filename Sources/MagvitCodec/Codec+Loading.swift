import Checkpoints

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
