import Foundation
import Core

/// Writes a 1X v1.1 token dataset, new or by appending segments to an existing one.
///
/// A new dataset (or one replacing an old dataset under `--force`) streams into a staging
/// directory beside the target; `commit()` writes `metadata.json` and swaps it in with renames.
///
/// An append holds the dataset's lock (`DatasetLock`) from start to commit and writes only
/// the new frames, to a staging directory beside the target. `commit()` then appends those
/// bytes to `video.bin` and `segment_ids.bin` under a journal file and replaces
/// `metadata.json` with one rename: that rename is the commit. Readers use `num_images`
/// frames, so until then they see the old dataset; a writer killed mid-commit leaves only
/// bytes past `num_images`, which the next writer cuts off (and its staging folder, which
/// the next writer sweeps).
///
/// Until `commit()` the target is untouched, so a failed or abandoned write (the writer is
/// released without `commit()`) leaves an existing dataset byte-for-byte as it was.
public final class TokenDatasetWriter {
    public let target: URL
    private let staging: URL
    private var metadata: TokenDatasetMetadata
    private let replaceExisting: Bool
    private let video: BinaryFileOutput
    private let segmentIDs: BinaryFileOutput
    /// Held from the start of an append (or a replacement of a dataset) to its end.
    private var lock: DatasetLock?
    /// The dataset appended to: its frames stay where they are, only new bytes are staged.
    private let base: TokenDataset?
    /// Int, not Int32, so that running past Int32.max is caught rather than wrapping.
    private var nextSegmentID: Int
    private var currentSegmentID: Int32 = 0
    private var segmentPending = true
    private var frameCount: Int
    private var finished = false

    /// Frames added by this writer so far.
    public private(set) var addedFrameCount = 0

    /// Starts a new dataset at `target` with the metadata the real MAGVIT2 datasets carry
    /// (uint32 tokens, 16x16, vocab_size 262144); `extraMetadata` keys are added to it.
    /// An existing `target` is an error unless `replaceExisting` is set.
    public static func create(at target: URL, hz: Int, tokenizerCheckpoint: String,
                              height: Int = TokenGrid.magvit2.height, width: Int = TokenGrid.magvit2.width,
                              extraMetadata: [String: JSONValue] = [:], replaceExisting: Bool = false) throws -> TokenDatasetWriter {
        try create(at: target, hz: Double(hz), tokenizerCheckpoint: tokenizerCheckpoint, height: height, width: width,
                   extraMetadata: extraMetadata, replaceExisting: replaceExisting)
    }

    /// `hz` is stored exactly (2.5 stays 2.5).
    public static func create(at target: URL, hz: Double, tokenizerCheckpoint: String,
                              height: Int = TokenGrid.magvit2.height, width: Int = TokenGrid.magvit2.width,
                              extraMetadata: [String: JSONValue] = [:], replaceExisting: Bool = false) throws -> TokenDatasetWriter {
        let existing = try Self.checkReplaceable(target, replaceExisting: replaceExisting)
        let metadata = TokenDatasetMetadata(frameCount: 0, hz: hz, tokenizerCheckpoint: tokenizerCheckpoint,
                                            height: height, width: width, extra: extraMetadata)
        // Replacing a dataset waits for no one: an append in progress makes it fail clearly.
        let lock = existing ? try DatasetLock(directory: target, wait: false) : nil
        return try TokenDatasetWriter(target: target, metadata: metadata, base: nil, lock: lock, replaceExisting: replaceExisting)
    }

    /// Opens an existing dataset for appending segments; new segment ids continue after its
    /// last one. Another writer holding the dataset makes this wait (`waitForLock`) or fail.
    public static func append(to target: URL, waitForLock: Bool = false) throws -> TokenDatasetWriter {
        guard FileManager.default.fileExists(atPath: target.appendingPathComponent(TokenDataset.metadataFile).path) else {
            _ = try TokenDataset(directory: target)  // says what is missing
            throw DatasetError(file: target.path, .wrongKind("not a dataset directory"))
        }
        let lock = try DatasetLock(directory: target, wait: waitForLock)
        try AppendJournal.recover(target)
        Self.sweepStaleStaging(beside: target)
        let base = try TokenDataset(directory: target)
        if !base.actions.isEmpty {
            throw DatasetError(file: target.appendingPathComponent(TokenDataset.actionsDirectory).path,
                               .cannotAppend("cannot append frames without actions: the action files would no longer have one row per frame"))
        }
        if let last = base.segmentIDs.last, last == Int32.max {
            throw DatasetError(file: target.appendingPathComponent(TokenDataset.segmentIDsFile).path,
                               .cannotAppend("the last segment id is \(last), the largest an int32 holds; no segment can be appended"))
        }
        return try TokenDatasetWriter(target: target, metadata: base.metadata, base: base, lock: lock, replaceExisting: true)
    }

    /// Whether `target` exists (and may be replaced). Only a dataset, or an empty folder, is
    /// replaced, and only with `replaceExisting`: `--force` never deletes a file or a folder
    /// of other things, nor an input of the running command.
    private static func checkReplaceable(_ target: URL, replaceExisting: Bool) throws -> Bool {
        try ProtectedInputs.check(dataset: target)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else {
            throw DatasetError(file: target.path, .wrongKind("is a file, not a dataset directory; refusing to replace it"))
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
        let isDataset = contents.contains(TokenDataset.metadataFile)
        guard isDataset || contents.filter({ $0 != DatasetLock.fileName }).isEmpty else {
            throw DatasetError(file: target.path, .wrongKind("is a folder but not a token dataset (no \(TokenDataset.metadataFile)); refusing to replace it"))
        }
        guard replaceExisting else { throw DatasetError(file: target.path, .alreadyExists) }
        return true
    }

    /// Staging folders of killed writers, removed by the next append. Appends' folders go at
    /// once (the lock is held, so none is in use); folders of whole-dataset writes (and of
    /// appends before issue 10, which copied the dataset) once untouched for a day.
    private static func sweepStaleStaging(beside target: URL) {
        let fileManager = FileManager.default
        let folder = target.deletingLastPathComponent()
        let append = ".\(target.lastPathComponent).append-", partial = ".\(target.lastPathComponent).partial-"
        for name in (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let url = folder.appendingPathComponent(name)
            if name.hasPrefix(append) {
                try? fileManager.removeItem(at: url)
            } else if name.hasPrefix(partial),
                      let modified = (try? fileManager.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
                      modified.timeIntervalSinceNow < -86_400 {
                try? fileManager.removeItem(at: url)
            }
        }
    }

    private init(target: URL, metadata: TokenDatasetMetadata, base: TokenDataset?, lock: DatasetLock?, replaceExisting: Bool) throws {
        self.target = target
        self.metadata = metadata
        self.replaceExisting = replaceExisting
        self.lock = lock
        self.base = base
        let fileManager = FileManager.default
        staging = DirectorySwap.stagingURL(for: target, purpose: base == nil ? "partial" : "append")
        PendingOutputs.register(staging)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(file: staging.path, .io(.cannotCreateStaging, reason: error.localizedDescription))
        }
        do {
            if let base {
                frameCount = base.frameCount
                nextSegmentID = (base.segmentIDs.last.map { Int($0) + 1 }) ?? 0
            } else {
                frameCount = 0
                nextSegmentID = 0
                // Born with its lock file, so the first append adds no file to the dataset.
                guard fileManager.createFile(atPath: staging.appendingPathComponent(DatasetLock.fileName).path, contents: nil) else {
                    throw DatasetError(file: staging.path, .io(.cannotCreateLockFile))
                }
            }
            video = try BinaryFileOutput(path: staging.appendingPathComponent(TokenDataset.videoFile).path)
            segmentIDs = try BinaryFileOutput(path: staging.appendingPathComponent(TokenDataset.segmentIDsFile).path)
        } catch {
            try? fileManager.removeItem(at: staging)
            if let error = error as? DatasetError { throw error }
            throw DatasetError(file: target.path, .io(.cannotStage, reason: error.localizedDescription))
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
        guard !finished else { throw DatasetError(file: target.path, .writerFinished) }
        guard frame.count == metadata.tokensPerFrame else {
            throw DatasetError(file: target.path, .rejectedInput("frame has \(frame.count) tokens; expected \(metadata.tokensPerFrame)"))
        }
        if let bad = frame.firstIndex(where: { Int($0) >= metadata.vocabularySize }) {
            throw DatasetError(file: target.path, .rejectedInput("token \(frame[bad]) at position \(bad) of added frame \(addedFrameCount) "
                + "is out of range 0..<\(metadata.vocabularySize)"))
        }
        if segmentPending {
            guard nextSegmentID <= Int(Int32.max) else {
                throw DatasetError(file: target.appendingPathComponent(TokenDataset.segmentIDsFile).path,
                                   .cannotAppend("segment id \(nextSegmentID) does not fit an int32 (at most \(Int32.max))"))
            }
            currentSegmentID = Int32(nextSegmentID)
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
        guard !finished else { throw DatasetError(file: target.path, .writerFinished) }
        finished = true
        defer {
            PendingOutputs.unregister(staging)
            lock = nil
        }
        do {
            try video.close()
            try segmentIDs.close()
            metadata = metadata.with(frameCount: frameCount)
            if let base {
                try AppendJournal.commit(staging: staging, to: target, from: base, metadata: metadata)
                try? FileManager.default.removeItem(at: staging)
                return
            }
            let metadataURL = staging.appendingPathComponent(TokenDataset.metadataFile)
            do { try metadata.jsonData().write(to: metadataURL) } catch {
                throw DatasetError(file: metadataURL.path, .io(.cannotWrite, reason: error.localizedDescription))
            }
            AtomicOutput.sync(metadataURL.path)
            AtomicOutput.sync(staging.path)
            if !replaceExisting, FileManager.default.fileExists(atPath: target.path) {
                throw DatasetError(file: target.path, .alreadyExists)
            }
            try DirectorySwap.install(staging, at: target)
            AtomicOutput.sync(target.deletingLastPathComponent().path)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Drops everything added; the target stays as it was.
    public func discard() {
        finished = true
        defer { lock = nil }
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
            throw DatasetError(file: target.path, .rejectedInput("\(frames.count) frames but \(segmentIDs.count) segment ids"))
        }
        if let i = segmentIDs.indices.dropFirst().first(where: { segmentIDs[$0] < segmentIDs[$0 - 1] }) {
            throw DatasetError(file: target.path, .rejectedInput("segment ids decrease at frame \(i); they must be non-decreasing"))
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
    public static func append(segments: [[[UInt32]]], to target: URL, waitForLock: Bool = false) throws {
        let writer = try append(to: target, waitForLock: waitForLock)
        for segment in segments {
            writer.beginSegment()
            for frame in segment { try writer.add(frame: frame) }
        }
        try writer.commit()
    }
}
