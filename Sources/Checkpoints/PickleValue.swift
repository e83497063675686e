import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The values a restricted unpickle can produce. Lists and dicts are reference types
/// because pickle mutates them after they are memoised (APPENDS, SETITEMS).
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int`, kept as its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// An allowlisted class or function, never called directly.
    case global(PickleGlobal)
    /// What a persistent id resolved to (a tensor storage).
    case storage(StorageRef)
    case tensor(TensorRef)

    var asString: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var asInt: Int? {
        switch self {
        case .int(let v): return v
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The elements of a tuple or list.
    var asSequence: [PickleValue]? {
        switch self {
        case .tuple(let items): return items
        case .list(let list): return list.items
        default: return nil
        }
    }

    var asInts: [Int]? {
        guard let items = asSequence else { return nil }
        var result: [Int] = []
        for item in items {
            guard let v = item.asInt else { return nil }
            result.append(v)
        }
        return result
    }

    /// A short description for error messages.
    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return g.qualifiedName
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

extension PickleValue {
    /// Empties every list and dict reachable from this value. Pickle may build a list that
    /// holds itself (memo + APPEND), which reference counting never frees; loaders call this
    /// once they have taken what they need. Iterative, and bounded: shared tuples could make
    /// the walk exponential, so it stops after `PickleLimits.maxValues` steps.
    func dismantle() {
        var pending: [PickleValue] = [self]
        var seen = Set<ObjectIdentifier>()
        var steps = 0
        while let value = pending.popLast(), steps < PickleLimits.maxValues {
            steps += 1
            switch value {
            case .tuple(let items):
                pending.append(contentsOf: items)
            case .list(let list):
                guard seen.insert(ObjectIdentifier(list)).inserted else { continue }
                pending.append(contentsOf: list.items)
                list.items = []
            case .dict(let dict):
                guard seen.insert(ObjectIdentifier(dict)).inserted else { continue }
                pending.append(contentsOf: dict.removeAll())
            default:
                continue
            }
        }
    }
}

final class PickleList {
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
    deinit { PickleTeardown.dispose(&items) }
}

/// An insertion-ordered dict; keys that are not strings are kept but cannot be looked up by name.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var indexByString: [String: Int] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
        if let name = key.asString {
            if let i = indexByString[name] {
                entries[i].value = value
                return
            }
            indexByString[name] = entries.count
        }
        entries.append((key, value))
    }

    subscript(name: String) -> PickleValue? {
        indexByString[name].map { entries[$0].value }
    }

    /// Empties the dict, returning its keys and values.
    func removeAll() -> [PickleValue] {
        let values = entries.flatMap { [$0.key, $0.value] }
        entries.removeAll()
        indexByString.removeAll()
        return values
    }

    deinit {
        var values = entries.flatMap { [$0.key, $0.value] }
        entries.removeAll()
        PickleTeardown.dispose(&values)
    }
}

/// Sizes a checkpoint pickle may not exceed. Real checkpoints stay far below them (a 1X
/// MAGVIT2 checkpoint's pickle holds some ten thousand values, nested a few levels deep);
/// hostile files hit them after a few kilobytes instead of exhausting memory or the stack.
public enum PickleLimits {
    /// Values pushed, MARKs set and items stored into lists and dicts, all together.
    public static let maxValues = 1 << 24
    public static let maxMemoEntries = 1 << 20
    /// Tuples nested inside tuples (lists and dicts do not count: they are freed iteratively).
    public static let maxTupleDepth = 256
}

/// Frees lists and dicts without recursion. Freeing a list frees its items, which may be the
/// last references to other lists, and so on: a chain of a million lists, a few megabytes of
/// pickle, would recurse a million frames deep and overflow the stack. Instead, a container
/// being freed hands its items to a per-thread queue, and only the outermost call drains it.
enum PickleTeardown {
    private final class Queue {
        var pending: [[PickleValue]] = []
        var draining = false
    }

    /// One queue per thread (a pthread key: Foundation's thread dictionary bridges values
    /// and allocates on every lookup).
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<Queue>.fromOpaque(pointer).release() }
        }
        return key
    }()

    private static var queue: Queue {
        if let pointer = pthread_getspecific(key) { return Unmanaged<Queue>.fromOpaque(pointer).takeUnretainedValue() }
        let queue = Queue()
        pthread_setspecific(key, Unmanaged.passRetained(queue).toOpaque())
        return queue
    }

    /// Takes `items` (leaving it empty, so the queue holds their only reference) and frees them.
    static func dispose(_ items: inout [PickleValue]) {
        guard !items.isEmpty else { return }
        let queue = self.queue
        queue.pending.append([])
        swap(&queue.pending[queue.pending.count - 1], &items)
        guard !queue.draining else { return }
        queue.draining = true
        // Each batch is released at the end of its iteration; containers it frees enqueue
        // their own items instead of recursing.
        while let batch = queue.pending.popLast() { _ = batch }
        queue.draining = false
    }
}

/// The module-level names a checkpoint pickle may refer to. Anything else is refused before
/// it is looked at, so a hostile pickle cannot name `os.system` and have it run.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case storageType(DType)
    /// A module class of a TorchScript archive (`__torch__.<path> <Class>`), allowed only
    /// there: NEWOBJ makes it an attribute record, and nothing of it is ever called.
    case torchScriptClass(String)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", "FloatStorage"): self = .storageType(.f32)
        case ("torch", "HalfStorage"): self = .storageType(.f16)
        case ("torch", "BFloat16Storage"): self = .storageType(.bf16)
        case ("torch", "DoubleStorage"): self = .storageType(.f64)
        case ("torch", "LongStorage"): self = .storageType(.i64)
        case ("torch", "IntStorage"): self = .storageType(.i32)
        case ("torch", "ShortStorage"): self = .storageType(.i16)
        case ("torch", "CharStorage"): self = .storageType(.i8)
        case ("torch", "ByteStorage"): self = .storageType(.u8)
        case ("torch", "BoolStorage"): self = .storageType(.bool)
        default: return nil
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageType(let dtype): return "torch.\(dtype.storageTypeName)"
        case .torchScriptClass(let name): return name
        }
    }
}

/// A tensor storage named by a persistent id: its bytes are found later by the container
/// format (a ZIP entry, or a stretch of a legacy file). `elementOffset` is non-zero only for
/// legacy storage views.
struct StorageRef {
    var key: String
    var dtype: DType
    var elementCount: Int
    var elementOffset: Int = 0
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
struct TensorRef {
    var storage: StorageRef
    var storageOffset: Int
    var shape: [Int]
    var strides: [Int]
}
