import Foundation

/// Writes a 1X v1.1 token dataset, new or by appending segments to an existing one.
///
/// Frames stream into a staging directory beside the target as they are added (nothing is
/// kept in memory); `commit()` writes `metadata.json` and swaps the staging directory in with
/// renames. Until then the target is untouched, so a failed or abandoned write (the writer is
/// released without `commit()`) leaves an existing dataset byte-for-byte as it was. Appending
/// first copies the existing files into the staging directory.
public final class TokenDatasetWriter {
    public let target: URL
    private let staging: URL
    private var metadata: TokenDatasetMetadata
    private let replaceExisting: Bool
    private let video: BinaryFileOutput
    private let segmentIDs: BinaryFileOutput
    private var nextSegmentID: Int32
    private var currentSegmentID: Int32 = 0
    private var segmentPending = true
    private var frameCount: Int
    private var finished = false

    /// Frames added by this writer so far.
    public private(set) var addedFrameCount = 0

    /// Starts a new dataset at `target` with the metadata the real MAGVIT2 datasets carry
    /// (uint32 tokens, 16x16, vocab_size 262144); `extraMetadata` keys are added to it.
    /// An existing `target` is an error unless `replaceExisting` is set.
    public static func create(at target: URL, hz: Int, tokenizerCheckpoint: String, height: Int = 16, width: Int = 16,
                              extraMetadata: [String: JSONValue] = [:], replaceExisting: Bool = false) throws -> TokenDatasetWriter {
        try create(at: target, hz: Double(hz), tokenizerCheckpoint: tokenizerCheckpoint, height: height, width: width,
                   extraMetadata: extraMetadata, replaceExisting: replaceExisting)
    }

    /// `hz` is stored exactly (2.5 stays 2.5).
    public static func create(at target: URL, hz: Double, tokenizerCheckpoint: String, height: Int = 16, width: Int = 16,
                              extraMetadata: [String: JSONValue] = [:], replaceExisting: Bool = false) throws -> TokenDatasetWriter {
        if !replaceExisting, FileManager.default.fileExists(atPath: target.path) {
            throw DatasetError(target.path, "already exists; refusing to overwrite it")
        }
        let metadata = TokenDatasetMetadata(frameCount: 0, hz: hz, tokenizerCheckpoint: tokenizerCheckpoint,
                                            height: height, width: width, extra: extraMetadata)
        return try TokenDatasetWriter(target: target, metadata: metadata, base: nil, replaceExisting: replaceExisting)
    }

    /// Opens an existing dataset for appending segments; new segment ids continue after its last one.
    public static func append(to target: URL) throws -> TokenDatasetWriter {
        let base = try TokenDataset(directory: target)
        if !base.actions.isEmpty {
            throw DatasetError(target.appendingPathComponent(TokenDataset.actionsDirectory).path,
                               "cannot append frames without actions: the action files would no longer have one row per frame")
        }
        return try TokenDatasetWriter(target: target, metadata: base.metadata, base: base, replaceExisting: true)
    }

    private init(target: URL, metadata: TokenDatasetMetadata, base: TokenDataset?, replaceExisting: Bool) throws {
        self.target = target
        self.metadata = metadata
        self.replaceExisting = replaceExisting
        let fileManager = FileManager.default
        staging = DirectorySwap.stagingURL(for: target, purpose: "partial")
        PendingOutputs.register(staging)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(staging.path, "cannot create staging directory (\(error.localizedDescription))")
        }
        do {
            if let base {
                // Everything but the metadata (rewritten at commit) travels with the dataset.
                for name in try fileManager.contentsOfDirectory(atPath: target.path) where name != TokenDataset.metadataFile {
                    try fileManager.copyItem(at: target.appendingPathComponent(name), to: staging.appendingPathComponent(name))
                }
                frameCount = base.frameCount
                nextSegmentID = (base.segmentIDs.last.map { $0 + 1 }) ?? 0
            } else {
                frameCount = 0
                nextSegmentID = 0
            }
            video = try BinaryFileOutput(path: staging.appendingPathComponent(TokenDataset.videoFile).path, appending: base != nil)
            segmentIDs = try BinaryFileOutput(path: staging.appendingPathComponent(TokenDataset.segmentIDsFile).path, appending: base != nil)
        } catch {
            try? fileManager.removeItem(at: staging)
            if let error = error as? DatasetError { throw error }
            throw DatasetError(target.path, "cannot stage dataset files (\(error.localizedDescription))")
        }
    }

    deinit { if !finished { try? FileManager.default.removeItem(at: staging) } }

    /// Frames added from now on belong to a new segment (a new continuous clip).
    /// The id is taken when the segment's first frame arrives, so empty segments leave no gap.
    public func beginSegment() {
        segmentPending = true
    }

    /// Adds one frame (`h*w` token ids) to the current segment, starting one if none was begun.
    public func add(frame: [UInt32]) throws {
        guard !finished else { throw DatasetError(target.path, "writer already committed or discarded") }
        guard frame.count == metadata.tokensPerFrame else {
            throw DatasetError(target.path, "frame has \(frame.count) tokens; expected \(metadata.tokensPerFrame)")
        }
        if let bad = frame.firstIndex(where: { Int($0) >= metadata.vocabularySize }) {
            throw DatasetError(target.path, "token \(frame[bad]) at position \(bad) of added frame \(addedFrameCount) "
                + "is out of range 0..<\(metadata.vocabularySize)")
        }
        if segmentPending {
            currentSegmentID = nextSegmentID
            nextSegmentID += 1
            segmentPending = false
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frame.count * metadata.tokenDType.byteSize)
        for token in frame { metadata.tokenDType.append(token, to: &bytes) }
        try video.write(bytes)
        try segmentIDs.write(withUnsafeBytes(of: currentSegmentID.littleEndian) { Array($0) })
        frameCount += 1
        addedFrameCount += 1
    }

    /// Writes the metadata and puts the new dataset in place of the target.
    public func commit() throws {
        guard !finished else { throw DatasetError(target.path, "writer already committed or discarded") }
        finished = true
        do {
            try video.close()
            try segmentIDs.close()
            metadata = metadata.with(frameCount: frameCount)
            let metadataURL = staging.appendingPathComponent(TokenDataset.metadataFile)
            do { try metadata.jsonData().write(to: metadataURL) } catch {
                throw DatasetError(metadataURL.path, "cannot write (\(error.localizedDescription))")
            }
            if !replaceExisting, FileManager.default.fileExists(atPath: target.path) {
                throw DatasetError(target.path, "already exists; refusing to overwrite it")
            }
            try DirectorySwap.install(staging, at: target)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Drops everything added; the target stays as it was.
    public func discard() {
        finished = true
        try? video.close()
        try? segmentIDs.close()
        try? FileManager.default.removeItem(at: staging)
    }
}

extension TokenDatasetWriter {
    /// Writes a whole dataset at once: `segmentIDs` has one non-decreasing id per frame; runs of
    /// equal ids become segments, numbered from 0 in the written file.
    public static func write(frames: [[UInt32]], segmentIDs: [Int32], to target: URL, hz: Int, tokenizerCheckpoint: String,
                             extraMetadata: [String: JSONValue] = [:], replaceExisting: Bool = false) throws {
        guard frames.count == segmentIDs.count else {
            throw DatasetError(target.path, "\(frames.count) frames but \(segmentIDs.count) segment ids")
        }
        if let i = segmentIDs.indices.dropFirst().first(where: { segmentIDs[$0] < segmentIDs[$0 - 1] }) {
            throw DatasetError(target.path, "segment ids decrease at frame \(i); they must be non-decreasing")
        }
        let writer = try create(at: target, hz: hz, tokenizerCheckpoint: tokenizerCheckpoint,
                                extraMetadata: extraMetadata, replaceExisting: replaceExisting)
        for (i, frame) in frames.enumerated() {
            if i == 0 || segmentIDs[i] != segmentIDs[i - 1] { writer.beginSegment() }
            try writer.add(frame: frame)
        }
        try writer.commit()
    }

    /// Appends whole segments (each a list of frames) to an existing dataset.
    public static func append(segments: [[[UInt32]]], to target: URL) throws {
        let writer = try append(to: target)
        for segment in segments {
            writer.beginSegment()
            for frame in segment { try writer.add(frame: frame) }
        }
        try writer.commit()
    }
}
