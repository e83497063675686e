import Foundation
import Core
import TokenData

/// The compact binary file of a `ContextModel`, little-endian:
/// magic "TTCTXMDL" (8 bytes), version u32 (1), context count u32, stride u32,
/// training frames u64, then p(bit = 1) of every context as f32.
extension ContextModel {
    public static let fileMagic = Array("TTCTXMDL".utf8)
    public static let fileVersion: UInt32 = 1
    static let headerSize = 8 + 4 + 4 + 4 + 8

    /// Writes the model atomically (`AtomicOutput`: a temporary file beside it, then a rename).
    public func save(to url: URL) throws {
        var bytes = Self.fileMagic
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        put(Self.fileVersion)
        put(UInt32(bitProbabilities.count))
        put(UInt32(stride))
        put(UInt64(trainingFrames))
        for p in bitProbabilities { put(p.bitPattern) }
        try AtomicOutput(destination: url).write(Data(bytes))
    }

    public static func load(from url: URL) throws -> ContextModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError(file: url.path, .io(.cannotRead, reason: error.localizedDescription))
        }
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize else {
            throw DatasetError(file: url.path, .malformed("too short (\(bytes.count) bytes) for a context model header"))
        }
        guard Array(bytes[0..<8]) == fileMagic else { throw DatasetError(file: url.path, .malformed("not a context model file (bad magic)")) }
        func u32(_ offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) } }
        func u64(_ offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) } }
        let version = u32(8)
        guard version == fileVersion else {
            throw DatasetError(file: url.path, .malformed("unsupported context model version \(version); this build reads version \(fileVersion)"))
        }
        let count = Int(u32(12))
        guard count == BitContexts.count else {
            throw DatasetError(file: url.path, .malformed("has \(count) contexts; version \(fileVersion) models have \(BitContexts.count)"))
        }
        let expected = headerSize + 4 * count
        guard bytes.count == expected else {
            throw DatasetError(file: url.path, .wrongSize(bytes: bytes.count, expected: "\(expected)"))
        }
        let probabilities = (0..<count).map { Float(bitPattern: u32(headerSize + 4 * $0)) }
        if let bad = probabilities.firstIndex(where: { !($0 > 0 && $0 < 1) }) {
            throw DatasetError(file: url.path, .malformed("probability \(probabilities[bad]) of context \(bad) is not in (0, 1)"))
        }
        return try ContextModel(bitProbabilities: probabilities, stride: Int(u32(16)), trainingFrames: Int(u64(20)))
    }
}
