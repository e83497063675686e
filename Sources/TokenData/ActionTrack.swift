import Foundation

/// One float32 action file of a v1.1 dataset (`actions/<name>.bin`): one row per frame, its
/// width inferred from the file size because the documented widths do not always match the files.
public final class ActionTrack: @unchecked Sendable {
    public let name: String
    public let width: Int
    public let rowCount: Int
    private let file: MappedDataFile

    init(name: String, path: String, rowCount: Int) throws {
        file = try MappedDataFile(path: path)
        self.name = name
        self.rowCount = rowCount
        guard rowCount > 0 else { width = 0; return }
        let (rowBytes, overflow) = rowCount.multipliedReportingOverflow(by: 4)
        guard !overflow, file.byteCount % rowBytes == 0, file.byteCount > 0 else {
            throw DatasetError(file: path, .malformed("size \(file.byteCount) bytes is not a whole number of float32 rows for \(rowCount) frames"))
        }
        width = file.byteCount / rowBytes
    }

    public func row(_ frame: Int) -> [Float] {
        precondition(frame >= 0 && frame < rowCount, "frame \(frame) out of 0..<\(rowCount)")
        return (0..<width).map { file.float32LE(at: 4 * (frame * width + $0)) }
    }

    /// Smallest and largest value over the whole file, NaNs skipped (nil when there are none).
    public func valueRange() -> ClosedRange<Float>? {
        var low = Float.infinity, high = -Float.infinity
        for i in 0..<(rowCount * width) {
            let value = file.float32LE(at: 4 * i)
            if value.isNaN { continue }
            low = min(low, value)
            high = max(high, value)
        }
        return low <= high ? low...high : nil
    }

    /// Tracks under `directory`: every regular file, named by its file name without `.bin`.
    static func loadAll(in directory: URL, rowCount: Int) throws -> [ActionTrack] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw DatasetError(file: directory.path, .wrongKind("expected a directory of action files")) }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { !$0.hasPrefix(".") }.sorted()
        return try names.compactMap { fileName in
            let path = directory.appendingPathComponent(fileName).path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { return nil }
            let name = fileName.hasSuffix(".bin") ? String(fileName.dropLast(4)) : fileName
            return try ActionTrack(name: name, path: path, rowCount: rowCount)
        }
    }
}
