import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The parsers read mapped files, so each input is written to one scratch file (in /dev/shm
/// when it exists, so runs do not wear a disk) that the target then opens by path.
enum FuzzInput {
    static let folder: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/tokentool-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/tokentool-fuzz-\(getpid())") }
        return path
    }()

    /// Writes the input to `name` in the scratch folder and returns its path.
    static func file(_ data: UnsafePointer<UInt8>?, _ count: Int, named name: String) -> String {
        let path = "\(folder)/\(name)"
        let bytes = data.map { Data(bytes: $0, count: count) } ?? Data()
        _ = FileManager.default.createFile(atPath: path, contents: bytes)
        return path
    }
}
