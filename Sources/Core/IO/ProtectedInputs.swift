import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files and folders the running command reads. Every output writer checks its target
/// against them, so `fit ds -o ds/video.bin` or `lpips a.mp4 b.mp4 --json a.mp4` is refused
/// instead of overwriting its own input. A command registers its inputs once, before writing.
public enum ProtectedInputs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: [(given: String, resolved: String)] = []

    /// Adds inputs (files or folders; ones that do not exist are ignored).
    public static func register(_ inputs: [String]) {
        let resolved = inputs.filter { $0 != "-" && FileManager.default.fileExists(atPath: $0) }
            .map { ($0, AtomicOutput.followingLinks($0)) }
        lock.lock(); defer { lock.unlock() }
        paths += resolved
    }

    /// Forgets every registered input (for tests that run several commands in one process).
    public static func removeAll() {
        lock.lock(); defer { lock.unlock() }
        paths.removeAll()
    }

    /// Throws when `output` (already resolved) is an input, lies inside an input folder, or
    /// is a folder holding an input. `named` is the path as the user gave it.
    public static func check(output: String, named: String) throws {
        if let input = conflict(with: output) {
            throw FileError(file: named, .isAnInput(input))
        }
    }

    /// Throws when a dataset directory to be written is an input or holds one.
    public static func check(dataset: URL) throws {
        if let input = conflict(with: dataset.path) {
            throw FileError(file: dataset.path, .isAnInput(input))
        }
    }

    /// The input that `output` would overwrite, if any.
    public static func conflict(with output: String) -> String? {
        let target = URL(fileURLWithPath: AtomicOutput.followingLinks(output)).standardizedFileURL.path
        lock.lock(); defer { lock.unlock() }
        for (given, resolved) in paths {
            if target == resolved || target.hasPrefix(resolved + "/") || resolved.hasPrefix(target + "/") { return given }
            // The same file under another name (a hard link).
            var a = stat(), b = stat()
            if stat(target, &a) == 0, stat(resolved, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino { return given }
        }
        return nil
    }
}
