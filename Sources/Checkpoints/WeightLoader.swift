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
    /// Maps the key a model asks for to the key stored in the file (e.g. to read an EMA copy),
    /// nil for a key the model's sanitized table does not have.
    private let storedKey: (String) -> String?
    /// With a sanitized key table (see `init(store:file:sanitizedKeys:)`): the stored keys the
    /// model kept; the others were dropped by the model and are never "unused".
    private let kept: Set<String>?
    /// Why a weight must be bf16, appended to the problem when it is not (e.g. which file is).
    public var bf16Requirement: String?

    private var used: Set<String> = []
    private var problems: [String] = []

    public init(store: TensorStore, file: String? = nil, keyMapping: @escaping (String) -> String = { $0 }) {
        self.store = store
        self.file = file ?? store.path
        self.storedKey = { keyMapping($0) }
        self.kept = nil
    }

    /// A loader over the keys a model's `sanitize` step produced: `keys` maps each key the
    /// model asks for to the key stored in the file. Problems name the model's key; stored
    /// tensors missing from `keys` (junk the model drops) are neither readable nor "unused".
    public init(store: TensorStore, file: String? = nil, sanitizedKeys keys: [String: String]) {
        self.store = store
        self.file = file ?? store.path
        self.storedKey = { keys[$0] }
        self.kept = Set(keys.values)
    }

    /// The stored key for `key` and how problems name it: the key asked for, or with a key
    /// mapping the stored key and the one asked for ("model_ema.x (for x)").
    private func resolve(_ key: String) -> (stored: String?, label: String) {
        let stored = storedKey(key)
        guard let stored, stored != key, kept == nil else { return (stored, key) }
        return (stored, "\(stored) (for \(key))")
    }

    /// The weight stored for `key`, which must have `shape`. On a mismatch the problem is
    /// recorded and a zero tensor of `shape` is returned.
    public func tensor(_ key: String, shape: [Int]) -> Tensor {
        let (stored, label) = resolve(key)
        guard let stored, let info = store.info(stored) else {
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

    /// The bf16 matrix stored for `key`, which must be (rows, columns) and bf16, used in place
    /// in the mapped file (copied, still bf16, only when its offset is odd). On a problem it is
    /// recorded and an empty matrix is returned.
    public func bf16Matrix(_ key: String, rows: Int, columns: Int) -> BF16Matrix {
        let empty = BF16Matrix(rows: 0, columns: 0, bits: Self.emptyBits, owner: nil)
        let (stored, label) = resolve(key)
        guard let stored, let info = store.info(stored) else {
            problems.append("missing \(label) \([rows, columns])")
            return empty
        }
        used.insert(stored)
        guard info.shape == [rows, columns] else {
            problems.append("\(label) has shape \(info.shape), expected \([rows, columns])")
            return empty
        }
        guard info.dtype == .bf16 else {
            problems.append("\(label) is \(info.dtype.rawValue); weights are kept bf16 in place" + (bf16Requirement.map { " (\($0))" } ?? ""))
            return empty
        }
        do {
            guard let (bytes, owner) = try store.mappedBytes(stored) else {
                problems.append("\(label) is not stored contiguously")
                return empty
            }
            if Int(bitPattern: bytes.baseAddress) % 2 == 0 {
                return BF16Matrix(rows: rows, columns: columns, bits: bytes.baseAddress!.assumingMemoryBound(to: UInt16.self), owner: owner)
            }
            // An odd offset (not written by torch.save, which aligns storages): copy, still bf16.
            let copy = BF16Storage(count: rows * columns)
            UnsafeMutableRawPointer(copy.bits).copyMemory(from: bytes.baseAddress!, byteCount: rows * columns * 2)
            return BF16Matrix(rows: rows, columns: columns, bits: UnsafePointer(copy.bits), owner: copy)
        } catch {
            problems.append("\(label) could not be read: \(error)")
            return empty
        }
    }

    /// What empty matrices point at (never read: loading fails when one is handed out).
    private static let emptyBits: UnsafePointer<UInt16> = {
        let p = UnsafeMutablePointer<UInt16>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    /// The stored shape under `key` (after mapping), for models that infer their
    /// hyper-parameters from the checkpoint. Does not count as using the weight.
    public func shape(_ key: String) -> [Int]? {
        storedKey(key).flatMap { store.info($0)?.shape }
    }

    /// Whether the checkpoint holds `key` (after mapping).
    public func contains(_ key: String) -> Bool {
        storedKey(key).flatMap { store.info($0) } != nil
    }

    /// Everything recorded so far, one line per problem.
    public var recordedProblems: [String] { problems }

    /// Throws one `CheckpointError` listing every missing and mis-shaped weight, plus every
    /// stored key under `prefixes` that no one asked for (a sign the model and the file
    /// disagree about the architecture). Stored keys in `ignoring` are allowed to be unused.
    public func finish(expectingAllUnder prefixes: [String], ignoring: Set<String> = []) throws {
        let unused = store.tensorNames.filter { name in
            !used.contains(name) && !ignoring.contains(name) && prefixes.contains { name.hasPrefix($0) }
                && kept?.contains(name) != false
        }
        let lines = problems + unused.map { "unused \($0)" }
        guard lines.isEmpty else {
            throw CheckpointError(file: file, .weightMismatch(lines))
        }
    }

}
