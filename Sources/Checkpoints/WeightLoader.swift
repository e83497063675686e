import Core

/// The one strict way models take their weights from a checkpoint.
///
/// A model asks for every weight by key with the shape it expects; a missing or mis-shaped
/// weight does not stop loading but is recorded (a zero tensor stands in), so that
/// `finish` can report every problem in one error instead of one per run.
///
///     let weights = WeightLoader(store: try Checkpoint.open(path: path))
///     let w = weights.tensor("encoder.conv_in.weight", shape: [128, 3, 3, 3])
///     ...
///     try weights.finish(expectingAllUnder: ["encoder.", "decoder."])
public final class WeightLoader {
    public let store: TensorStore
    /// The file named in errors.
    public let file: String
    /// Maps the key a model asks for to the key stored in the file, e.g. to read an EMA copy.
    private let keyMapping: (String) -> String

    private var used: Set<String> = []
    private var problems: [String] = []

    public init(store: TensorStore, file: String? = nil, keyMapping: @escaping (String) -> String = { $0 }) {
        self.store = store
        self.file = file ?? store.path
        self.keyMapping = keyMapping
    }

    /// The weight stored for `key`, which must have `shape`. On a mismatch the problem is
    /// recorded and a zero tensor of `shape` is returned.
    public func tensor(_ key: String, shape: [Int]) -> Tensor {
        let stored = keyMapping(key)
        let label = stored == key ? key : "\(stored) (for \(key))"
        guard let info = store.info(stored) else {
            problems.append("missing \(label) \(shape)")
            return Tensor(zeros: shape)
        }
        used.insert(stored)
        guard info.shape == shape else {
            problems.append("\(label) has shape \(info.shape), expected \(shape)")
            return Tensor(zeros: shape)
        }
        do {
            return try store.floatTensor(stored)
        } catch {
            problems.append("\(label) could not be read: \(error)")
            return Tensor(zeros: shape)
        }
    }

    /// The stored shape under `key` (after mapping), for models that infer their
    /// hyper-parameters from the checkpoint. Does not count as using the weight.
    public func shape(_ key: String) -> [Int]? {
        store.info(keyMapping(key))?.shape
    }

    /// Whether the checkpoint holds `key` (after mapping).
    public func contains(_ key: String) -> Bool {
        store.info(keyMapping(key)) != nil
    }

    /// Everything recorded so far, one line per problem.
    public var recordedProblems: [String] { problems }

    /// Throws one `CheckpointError` listing every missing and mis-shaped weight, plus every
    /// stored key under `prefixes` that no one asked for (a sign the model and the file
    /// disagree about the architecture). Stored keys in `ignoring` are allowed to be unused.
    public func finish(expectingAllUnder prefixes: [String], ignoring: Set<String> = []) throws {
        let unused = store.tensorNames.filter { name in
            !used.contains(name) && !ignoring.contains(name) && prefixes.contains { name.hasPrefix($0) }
        }
        let lines = problems + unused.map { "unused \($0)" }
        guard lines.isEmpty else {
            throw CheckpointError(file: file, .weightMismatch(lines))
        }
    }

    /// The key under which the reference training code stores the EMA copy of a weight:
    /// `model_ema.` plus the key with every dot removed.
    public static func emaKey(_ key: String) -> String {
        "model_ema." + key.filter { $0 != "." }
    }
}
