import Foundation

/// Temporary files and folders that exist only while an output is being written (staging
/// directories, `.partial` files). Writers register them; a command line tool calls
/// `removeAll()` when it is interrupted, so an interrupted run leaves nothing behind, not even
/// its scratch files. Removing a path that was already renamed into place is harmless: the
/// names are unique and no longer exist.
public enum PendingOutputs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []

    public static func register(_ url: URL) {
        lock.lock(); defer { lock.unlock() }
        paths.insert(url.path)
    }

    public static func unregister(_ url: URL) {
        lock.lock(); defer { lock.unlock() }
        paths.remove(url.path)
    }

    public static func removeAll() {
        lock.lock(); defer { lock.unlock() }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        paths.removeAll()
    }
}
