import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a dataset's lock file (`.tokentool.lock` inside it), held by a
/// writer for the whole of an append or replacement, so two writers never interleave: the
/// second waits (`wait`) or is refused with a message that says who holds it. The lock is
/// released when the process ends, however it ends, so a killed writer never leaves it held.
public final class DatasetLock {
    public static let fileName = ".tokentool.lock"
    public let path: String
    private let descriptor: Int32

    public init(directory: URL, wait: Bool) throws {
        path = directory.appendingPathComponent(Self.fileName).path
        // A dataset replaced while we waited has a new lock file: lock that one instead.
        while true {
            let descriptor = try Self.lock(path, directory: directory, wait: wait)
            var held = stat(), current = stat()
            if fstat(descriptor, &held) == 0, stat(path, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                self.descriptor = descriptor
                return
            }
            close(descriptor)
        }
    }

    private static func lock(_ path: String, directory: URL, wait: Bool) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DatasetError(file: path, .io(.cannotOpenLockFile, reason: String(cString: strerror(errno))))
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            guard reason == EWOULDBLOCK, wait else {
                close(descriptor)
                if reason == EWOULDBLOCK {
                    throw DatasetError(file: directory.path, .busy("is being written by another process (it holds \(Self.fileName)); "
                        + "try again when it is done, or pass --wait-lock to wait for it"))
                }
                throw DatasetError(file: path, .io(.cannotLock, reason: String(cString: strerror(reason))))
            }
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let reason = String(cString: strerror(errno))
                    close(descriptor)
                    throw DatasetError(file: path, .io(.cannotLock, reason: reason))
                }
            }
        }
        return descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
