import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Core

/// A token, segment or action file, memory-mapped (multi-gigabyte token files are paged in on
/// demand, never read whole), with little-endian readers.
public final class MappedDataFile: @unchecked Sendable {
    public let path: String
    public let byteCount: Int
    /// `nil` for an empty file (nothing to map).
    public let bytes: UnsafeRawPointer?
    private let map: MemoryMap

    public init(path: String) throws {
        self.path = path
        do {
            map = try MemoryMap(path: path)
        } catch .missing {
            throw DatasetError(file: path, .noSuchFile)
        } catch .notRegularFile {
            throw DatasetError(file: path, .wrongKind("not a regular file"))
        } catch .system(let reason) {
            throw DatasetError(file: path, .io(.cannotRead, reason: reason))
        }
        byteCount = map.byteCount
        bytes = map.bytes
    }

    @inlinable public func uint32LE(at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes!.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable public func int32LE(at offset: Int) -> Int32 {
        Int32(littleEndian: bytes!.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    @inlinable public func float32LE(at offset: Int) -> Float {
        Float(bitPattern: uint32LE(at: offset))
    }

    /// All of a file of little-endian int32 values, copied out.
    public func int32Array() -> [Int32] {
        let n = byteCount / 4
        return [Int32](unsafeUninitializedCapacity: n) { buffer, count in
            for i in 0..<n { buffer[i] = int32LE(at: 4 * i) }
            count = n
        }
    }
}
