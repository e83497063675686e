import Foundation
import Checkpoints

/// What a tokenizer checkpoint path holds, told once from its contents (not its name): a Cosmos
/// DV tokenizer, or something else (a MAGVIT2 checkpoint, or a path its loader will refuse with
/// its own error). A file is opened once here and handed on, not parsed again to load it.
public enum TokenizerCheckpoint {
    /// A folder holding encoder.jit, decoder.jit or autoencoder.jit.
    case cosmosFolder(String)
    /// A file whose tensors have Cosmos keys, already opened.
    case cosmosFile(TensorStore)
    /// A checkpoint file without Cosmos keys (MAGVIT2's, say), already opened.
    case otherFile(TensorStore)
    /// Anything else: missing, unreadable, or a folder without Cosmos files.
    case other(String)

    public static func detect(path: String) -> TokenizerCheckpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .other(path) }
        if isDirectory.boolValue {
            let folder = URL(fileURLWithPath: path)
            let holdsCosmos = ["encoder.jit", "decoder.jit", "autoencoder.jit"].contains {
                FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
            }
            return holdsCosmos ? .cosmosFolder(path) : .other(path)
        }
        guard let store = try? Checkpoint.open(path: path) else { return .other(path) }
        return CosmosTokenizer.isCosmos(store) ? .cosmosFile(store) : .otherFile(store)
    }

    public var isCosmos: Bool {
        switch self {
        case .cosmosFolder, .cosmosFile: return true
        case .otherFile, .other: return false
        }
    }

    /// The file opened while telling the kind, for a loader to use instead of opening it again.
    public var openedStore: TensorStore? {
        switch self {
        case .cosmosFile(let store), .otherFile(let store): return store
        case .cosmosFolder, .other: return nil
        }
    }

    /// The path detected.
    public var path: String {
        switch self {
        case .cosmosFolder(let path), .other(let path): return path
        case .cosmosFile(let store), .otherFile(let store): return store.path
        }
    }

    /// The Cosmos tokenizer's `parts` from here; errors name the file they are about.
    public func loadCosmos(parts: Set<CosmosTokenizer.Part>) throws -> CosmosTokenizer {
        switch self {
        case .cosmosFile(let store), .otherFile(let store): return try CosmosTokenizer(stores: [store], parts: parts)
        case .cosmosFolder(let path), .other(let path): return try CosmosTokenizer(path: path, parts: parts)
        }
    }
}
