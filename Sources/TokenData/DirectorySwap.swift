import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Putting a fully written staging directory in place of a target with renames, so readers
/// see either the old directory or the new one and never a mix.
public enum DirectorySwap {
    /// A fresh, unique staging path beside `target` (same file system, so renames work).
    public static func stagingURL(for target: URL, purpose: String) -> URL {
        target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(purpose)-\(UUID().uuidString.prefix(8))")
    }

    /// Moves `staging` to `target`. When `target` exists it is swapped out and deleted; on
    /// Linux the swap is one atomic `renameat2(RENAME_EXCHANGE)`, elsewhere (or on file
    /// systems without it) two renames with the old directory restored if the second fails.
    public static func install(_ staging: URL, at target: URL) throws {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: target.path) else {
            guard rename(staging.path, target.path) == 0 else {
                throw DatasetError(file: target.path, .io(.cannotMoveNewDataIntoPlace, reason: String(cString: strerror(errno))))
            }
            return
        }
        if exchange(staging.path, target.path) {
            try? fileManager.removeItem(at: staging)  // now holds the old directory
            return
        }
        let old = stagingURL(for: target, purpose: "old")
        guard rename(target.path, old.path) == 0 else {
            throw DatasetError(file: target.path, .io(.cannotMoveOldDataAside, reason: String(cString: strerror(errno))))
        }
        guard rename(staging.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(old.path, target.path)
            throw DatasetError(file: target.path, .io(.cannotMoveNewDataIntoPlace, reason: reason))
        }
        try? fileManager.removeItem(at: old)
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// Atomically exchanges two paths; false when the system cannot (then nothing moved).
    private static func exchange(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
        // glibc has renameat2 since 2.28, but Swift's Glibc module does not export it.
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return false }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let atCurrentDirectory: Int32 = -100  // AT_FDCWD
        let renameExchange: UInt32 = 1 << 1  // RENAME_EXCHANGE
        return renameat2(atCurrentDirectory, a, atCurrentDirectory, b, renameExchange) == 0
        #else
        return false
        #endif
    }
}

/// A buffered binary output file that reports write failures by path.
final class BinaryFileOutput {
    let path: String
    private var file: UnsafeMutablePointer<FILE>?

    init(path: String, appending: Bool = false) throws {
        self.path = path
        file = fopen(path, appending ? "ab" : "wb")
        guard file != nil else { throw DatasetError(file: path, .io(.cannotOpenForWriting, reason: String(cString: strerror(errno)))) }
    }

    func write(_ bytes: [UInt8]) throws {
        guard let file else { throw DatasetError(file: path, .io(.writeAfterClose)) }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw DatasetError(file: path, .io(.writeFailed, reason: String(cString: strerror(errno)))) }
    }

    func close() throws {
        guard let file else { return }
        self.file = nil
        // On disk before anything renames it into place.
        guard fflush(file) == 0, fsync(fileno(file)) == 0 || errno == EINVAL else {
            let reason = String(cString: strerror(errno))
            fclose(file)
            throw DatasetError(file: path, .io(.writeFailedOnSync, reason: reason))
        }
        guard fclose(file) == 0 else { throw DatasetError(file: path, .io(.writeFailedOnClose, reason: String(cString: strerror(errno)))) }
    }

    deinit { if let file { fclose(file) } }
}
