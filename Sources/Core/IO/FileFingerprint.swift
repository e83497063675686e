import Foundation

/// A content fingerprint of a checkpoint file, written into a dataset's metadata so that
/// `--append` can tell whether the same tokenizer made the frames already there. It is the
/// file's SHA-256 (what `sha256sum` and the Hugging Face hub show for the file), the same
/// digest part manifests record, so one checkpoint has one identity everywhere.
public enum FileFingerprint {
    public static func of(file path: String) throws -> String {
        "sha256-" + (try sha256(ofFile: path))
    }

    /// The file's SHA-256 in hex. Hashing the 1.2 GB magvit2.ckpt costs seconds, and one
    /// command can ask several times (a shard's manifest, the dataset identity, the existing
    /// dataset's checkpoint on --append), so digests are remembered per path for as long as
    /// the file's size and modification time stay the same.
    public static func sha256(ofFile path: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let key = Key(path: path, bytes: (attributes?[.size] as? NSNumber)?.intValue ?? -1,
                      modified: (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1)
        if let known = memo.withLock({ $0[key] }) { return known }
        let digest: String
        do { digest = try SHA256.hex(ofFile: path) } catch {
            throw FileError(file: path, .cannotRead("needed for its fingerprint"))
        }
        memo.withLock { $0[key] = digest }
        return digest
    }

    private struct Key: Hashable {
        var path: String
        var bytes: Int
        var modified: Double
    }

    private static let memo = Locked<[Key: String]>([:])
}

/// A value behind a lock, for process-wide memos.
private final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
