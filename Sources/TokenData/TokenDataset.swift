import Foundation

/// A 1X v1.1 token dataset directory: `metadata.json`, `video.bin` (N x h x w token ids),
/// `segment_ids.bin` (N int32, non-decreasing) and optional `actions/`.
///
/// `video.bin` is memory-mapped (the training split is about 11 GB) and frames are read on
/// demand; the segment ids (4 bytes a frame) are held in memory.
public final class TokenDataset: @unchecked Sendable {
    public static let metadataFile = "metadata.json"
    public static let videoFile = "video.bin"
    public static let segmentIDsFile = "segment_ids.bin"
    public static let actionsDirectory = "actions"

    public let directory: URL
    public let metadata: TokenDatasetMetadata
    public let segmentIDs: [Int32]
    /// Action tracks found under `actions/`, sorted by name.
    public let actions: [ActionTrack]
    private let video: MappedDataFile

    public var frameCount: Int { metadata.frameCount }
    public var tokensPerFrame: Int { metadata.tokensPerFrame }

    /// Opens and validates the directory. Token values are only range-checked when
    /// `checkTokenRange` is set, since that reads the whole video file.
    public init(directory: URL, checkTokenRange: Bool = false) throws {
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError(file: directory.path, .wrongKind("not a dataset directory (missing or not a directory)"))
        }
        let metadata = try TokenDatasetMetadata.read(from: directory.appendingPathComponent(Self.metadataFile))
        self.metadata = metadata
        let count = metadata.frameCount

        let videoPath = directory.appendingPathComponent(Self.videoFile).path
        guard FileManager.default.fileExists(atPath: videoPath) else { throw DatasetError(file: videoPath, .missingFile) }
        video = try MappedDataFile(path: videoPath)
        let (frameBytes, _) = metadata.tokensPerFrame.multipliedReportingOverflow(by: metadata.tokenDType.byteSize)
        let (expectedVideoBytes, overflow) = count.multipliedReportingOverflow(by: frameBytes)
        guard !overflow else {
            throw DatasetError(file: directory.appendingPathComponent(Self.metadataFile).path,
                               .malformed("num_images \(count) x \(frameBytes) bytes a frame overflows a file size"))
        }
        // Bytes past num_images are only allowed while an append is being committed.
        let appendOpen = AppendJournal.isOpen(in: directory)
        guard video.byteCount == expectedVideoBytes || (appendOpen && video.byteCount > expectedVideoBytes) else {
            throw DatasetError(file: videoPath, .wrongSize(bytes: video.byteCount, expected: "\(expectedVideoBytes) "
                + "(\(count) frames x \(metadata.height)x\(metadata.width) x \(metadata.tokenDType.byteSize) bytes)"))
        }

        let segmentPath = directory.appendingPathComponent(Self.segmentIDsFile).path
        guard FileManager.default.fileExists(atPath: segmentPath) else { throw DatasetError(file: segmentPath, .missingFile) }
        let segmentFile = try MappedDataFile(path: segmentPath)
        guard segmentFile.byteCount == 4 * count || (appendOpen && segmentFile.byteCount > 4 * count) else {
            throw DatasetError(file: segmentPath, .wrongSize(bytes: segmentFile.byteCount, expected: "\(4 * count) (\(count) int32 ids)"))
        }
        segmentIDs = Array(segmentFile.int32Array().prefix(count))
        if let drop = zip(segmentIDs, segmentIDs.dropFirst()).enumerated().first(where: { $0.element.1 < $0.element.0 }) {
            throw DatasetError(file: segmentPath, .malformed("segment ids decrease at frame \(drop.offset + 1) "
                + "(\(drop.element.0) then \(drop.element.1)); they must be non-decreasing"))
        }

        actions = try ActionTrack.loadAll(in: directory.appendingPathComponent(Self.actionsDirectory), rowCount: count)
        if checkTokenRange { try validateTokenRange() }
    }

    public convenience init(path: String, checkTokenRange: Bool = false) throws {
        try self.init(directory: URL(fileURLWithPath: path), checkTokenRange: checkTokenRange)
    }

    public func action(named name: String) -> ActionTrack? { actions.first { $0.name == name } }

    /// The token ids of frame `index`, row-major (`tokensPerFrame` of them).
    public func frame(_ index: Int) -> [UInt32] {
        precondition(index >= 0 && index < frameCount, "frame \(index) out of 0..<\(frameCount)")
        let n = tokensPerFrame
        let size = metadata.tokenDType.byteSize
        let base = video.bytes!
        let start = index * n * size
        if metadata.tokenDType == .uint32 {
            return (0..<n).map { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: start + 4 * $0, as: UInt32.self)) }
        }
        // Validation guarantees ids below vocab_size, which fits UInt32 for every real vocabulary.
        return (0..<n).map { UInt32(truncatingIfNeeded: metadata.tokenDType.load(base, offset: start + size * $0) ?? .max) }
    }

    /// Smallest and largest token id in `video.bin` and how many ids are invalid
    /// (>= vocab_size, or negative for signed types). Reads the whole file.
    public func scanTokens() -> TokenValueSummary {
        var summary = TokenValueSummary()
        guard let base = video.bytes else { return summary }
        let size = metadata.tokenDType.byteSize
        let vocabulary = UInt64(metadata.vocabularySize)
        for i in 0..<(frameCount * tokensPerFrame) {
            guard let value = metadata.tokenDType.load(base, offset: i * size) else {
                summary.record(invalidAt: i, value: nil)
                continue
            }
            summary.record(value)
            if value >= vocabulary { summary.record(invalidAt: i, value: value) }
        }
        return summary
    }

    public func validateTokenRange() throws {
        let summary = scanTokens()
        if let first = summary.firstInvalid {
            let n = tokensPerFrame
            let shown = first.value.map(String.init) ?? "a negative value"
            throw DatasetError(file: directory.appendingPathComponent(Self.videoFile).path,
                               .malformed("\(summary.invalidCount) token ids out of range 0..<\(metadata.vocabularySize); first is \(shown) "
                               + "at frame \(first.index / n), position \(first.index % n)"))
        }
    }

    /// Consecutive runs of equal segment ids, in file order.
    public func segments() -> [(id: Int32, frames: Range<Int>)] {
        var runs: [(id: Int32, frames: Range<Int>)] = []
        var start = 0
        for i in 0..<frameCount where i + 1 == frameCount || segmentIDs[i + 1] != segmentIDs[start] {
            runs.append((segmentIDs[start], start..<(i + 1)))
            start = i + 1
        }
        return runs
    }
}

/// What a scan of token ids found.
public struct TokenValueSummary: Equatable, Sendable {
    public var count = 0
    public var minimum: UInt64?
    public var maximum: UInt64?
    public var invalidCount = 0
    /// The first invalid id, by flat element index (nil value: negative).
    public var firstInvalid: (index: Int, value: UInt64?)? {
        get { firstInvalidIndex.map { ($0, firstInvalidValue) } }
        set { firstInvalidIndex = newValue?.index; firstInvalidValue = newValue?.value }
    }
    private var firstInvalidIndex: Int?
    private var firstInvalidValue: UInt64?

    public init() {}

    mutating func record(_ value: UInt64) {
        count += 1
        minimum = Swift.min(minimum ?? value, value)
        maximum = Swift.max(maximum ?? value, value)
    }

    mutating func record(invalidAt index: Int, value: UInt64?) {
        if invalidCount == 0 { firstInvalid = (index, value) }
        invalidCount += 1
    }
}
