import Core
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory. Pages are touched only when read, so opening
/// a 1 GB checkpoint costs nothing until tensors are asked for.
///
/// Every read is bounds-checked and throws a `CheckpointError` naming the file; integers
/// are assembled little-endian from unaligned bytes, whatever the host.
final class MappedFile: @unchecked Sendable {
    let path: String
    let count: Int
    private let map: MemoryMap
    private var base: UnsafeRawPointer? { map.bytes }

    init(path: String) throws {
        self.path = path
        do {
            map = try MemoryMap(path: path)
        } catch .missing {
            throw CheckpointError(file: path, .missingFile)
        } catch .notRegularFile {
            throw CheckpointError(file: path, .unreadable("not a regular file"))
        } catch .system(let reason) {
            throw CheckpointError(file: path, .unreadable(reason))
        }
        count = map.byteCount
    }

    func error(_ problem: CheckpointError.Problem) -> CheckpointError {
        CheckpointError(file: path, problem)
    }

    /// Throws `truncated` unless `offset ..< offset + length` lies inside the file.
    func checkRange(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw error(.truncated("\(what()) needs bytes \(offset)..<\(offset &+ length) but the file has \(count)"))
        }
    }

    /// The bytes `offset ..< offset + length`, valid as long as this object lives.
    func bytes(at offset: Int, count length: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try checkRange(offset, length, what())
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    /// Drops the pages of bytes offset ..< offset + length from this process's resident
    /// memory (see `MemoryMap.dropPages`): loaders call it once a tensor has been copied out.
    func dropPages(at offset: Int, count length: Int) {
        map.dropPages(offset: offset, count: length)
    }

    func u8(at offset: Int, _ what: @autoclosure () -> String) throws -> UInt8 {
        try bytes(at: offset, count: 1, what())[0]
    }

    func u16(at offset: Int, _ what: @autoclosure () -> String) throws -> UInt16 {
        UInt16(try littleEndian(at: offset, count: 2, what()))
    }

    func u32(at offset: Int, _ what: @autoclosure () -> String) throws -> UInt32 {
        UInt32(try littleEndian(at: offset, count: 4, what()))
    }

    func u64(at offset: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
        try littleEndian(at: offset, count: 8, what())
    }

    private func littleEndian(at offset: Int, count length: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
        let raw = try bytes(at: offset, count: length, what())
        var value: UInt64 = 0
        for i in stride(from: length - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(raw[i])
        }
        return value
    }
}

/// Little-endian reads from a byte buffer already bounds-checked by the caller's range.
extension UnsafeRawBufferPointer {
    func littleEndianUInt(at offset: Int, count length: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in stride(from: length - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(self[offset + i])
        }
        return value
    }
}
