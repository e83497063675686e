import Foundation
import Core

/// Writes a 1X v2.0 token dataset (Cosmos DV8x8x8 codes; the format `ShardedTokenDatasetV2`
/// reads), new or by appending shards to an existing one.
///
/// One shard per sequence (a video, or a run of images): its clips are 17 consecutive frames,
/// the last one padded by repeating its last frame, and `shard_num_frames` records the real
/// frame count, so the fixed 17-frame clip stride never crosses from one video into the next.
/// Each shard is one segment; `states_{k}.bin` is not written (there are no robot states).
///
/// Atomicity: a new dataset is staged beside the target and renamed into place by `commit()`.
/// Appending writes the new shard files under temporary names, renames them in, and then
/// replaces `metadata.json` (whose `num_shards` is what readers follow) with one rename, so a
/// failed append leaves the dataset as it was (at worst with unreferenced new files).
public final class TokenDatasetV2Writer {
    public static let tokensPerClip = ShardedTokenDatasetV2.latentFramesPerClip * ShardedTokenDatasetV2.latentSide * ShardedTokenDatasetV2.latentSide

    struct PendingShard {
        var clips: [[Int32]]
        var frameCount: Int
        var segmentID: Int32
    }

    public let target: URL
    private let appending: Bool
    private let layout: ShardedTokenDatasetV2.Layout
    private var metadata: [String: JSONValue]
    private let firstShard: Int
    private var nextSegmentID: Int32
    private var pending: [PendingShard] = []
    private let replaceExisting: Bool

    /// Frames added by this writer so far (real frames, not padding).
    public var addedFrameCount: Int { pending.reduce(0) { $0 + $1.frameCount } }
    public var addedClipCount: Int { pending.reduce(0) { $0 + $1.clips.count } }

    /// A new flat dataset at `target`; `extraMetadata` keys are added to `metadata.json`.
    public static func create(at target: URL, hz: Int = 30, extraMetadata: [String: JSONValue] = [:],
                              replaceExisting: Bool = false) throws -> TokenDatasetV2Writer {
        if !replaceExisting, FileManager.default.fileExists(atPath: target.path) {
            throw DatasetError(file: target.path, .alreadyExists)
        }
        var metadata = extraMetadata
        metadata["hz"] = .int(hz)
        return TokenDatasetV2Writer(target: target, appending: false, layout: .flat, metadata: metadata,
                                    firstShard: 0, nextSegmentID: 0, replaceExisting: replaceExisting)
    }

    /// Opens an existing v2.0 dataset (either layout) to add shards after its last one.
    public static func append(to target: URL) throws -> TokenDatasetV2Writer {
        let base = try ShardedTokenDatasetV2(directory: target)
        var lastSegment: Int32 = -1
        for shard in base.shards {
            for i in 0..<shard.frameCount { lastSegment = max(lastSegment, shard.segmentIndices.int32LE(at: 4 * i)) }
        }
        return TokenDatasetV2Writer(target: target, appending: true, layout: base.layout, metadata: base.metadata,
                                    firstShard: base.shards.count, nextSegmentID: lastSegment + 1, replaceExisting: true)
    }

    private init(target: URL, appending: Bool, layout: ShardedTokenDatasetV2.Layout, metadata: [String: JSONValue],
                 firstShard: Int, nextSegmentID: Int32, replaceExisting: Bool) {
        self.target = target
        self.appending = appending
        self.layout = layout
        self.metadata = metadata
        self.firstShard = firstShard
        self.nextSegmentID = nextSegmentID
        self.replaceExisting = replaceExisting
    }

    /// Adds one sequence as a shard of its own: `clips` of 3x32x32 codes each, covering
    /// `frameCount` real frames (clips = ceil(frameCount / 17)).
    public func addShard(clips: [[Int32]], frameCount: Int) throws {
        let expected = (frameCount + ShardedTokenDatasetV2.framesPerClip - 1) / ShardedTokenDatasetV2.framesPerClip
        guard frameCount > 0, clips.count == expected else {
            throw DatasetError(file: target.path, .rejectedInput("a shard of \(frameCount) frames needs \(expected) clips, given \(clips.count)"))
        }
        for (i, clip) in clips.enumerated() {
            guard clip.count == Self.tokensPerClip else {
                throw DatasetError(file: target.path, .rejectedInput("clip \(i) has \(clip.count) codes; expected \(Self.tokensPerClip) (3x32x32)"))
            }
            if let bad = clip.first(where: { $0 < 0 || Int($0) >= Vocabulary.cosmosDV.size }) {
                throw DatasetError(file: target.path, .rejectedInput("clip \(i) holds code \(bad), outside 0 ..< \(Vocabulary.cosmosDV.size)"))
            }
        }
        pending.append(PendingShard(clips: clips, frameCount: frameCount, segmentID: nextSegmentID))
        nextSegmentID += 1
    }

    /// Writes everything and puts it in place (see the type's note on atomicity).
    public func commit() throws {
        let fileManager = FileManager.default
        let totalFrames = (appending ? (metadata["num_images"]?.intValue ?? 0) : 0) + addedFrameCount
        metadata["num_shards"] = .int(firstShard + pending.count)
        metadata["num_images"] = .int(totalFrames)
        if appending {
            var written: [URL] = []
            do {
                for (offset, shard) in pending.enumerated() {
                    for (final, bytes) in try files(of: shard, index: firstShard + offset, in: target) {
                        try fileManager.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
                        try Self.writeAtomically(bytes, to: final)
                        written.append(final)
                    }
                }
                try Self.writeAtomically(try JSONValue.encodeObject(metadata), to: target.appendingPathComponent("metadata.json"))
            } catch {
                for url in written { try? fileManager.removeItem(at: url) }
                throw error
            }
            return
        }
        let staging = DirectorySwap.stagingURL(for: target, purpose: "partial")
        PendingOutputs.register(staging)
        defer { PendingOutputs.unregister(staging) }
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            for (index, shard) in pending.enumerated() {
                for (final, bytes) in try files(of: shard, index: index, in: staging) { try bytes.write(to: final) }
            }
            try JSONValue.encodeObject(metadata).write(to: staging.appendingPathComponent("metadata.json"))
            if fileManager.fileExists(atPath: target.path) && !replaceExisting {
                throw DatasetError(file: target.path, .alreadyExists)
            }
            try DirectorySwap.install(staging, at: target)
        } catch {
            try? fileManager.removeItem(at: staging)
            if let error = error as? DatasetError { throw error }
            throw DatasetError(file: target.path, .io(.cannotWriteDataset, reason: error.localizedDescription))
        }
    }

    /// The files of shard k and their contents, placed for this dataset's layout.
    private func files(of shard: PendingShard, index k: Int, in root: URL) throws -> [(URL, Data)] {
        func url(_ folder: String, _ name: String) -> URL {
            layout == .subfolders ? root.appendingPathComponent(folder).appendingPathComponent(name) : root.appendingPathComponent(name)
        }
        var video = Data(capacity: shard.clips.count * Self.tokensPerClip * 4)
        for clip in shard.clips { for code in clip { withUnsafeBytes(of: code.littleEndian) { video.append(contentsOf: $0) } } }
        var segments = Data(capacity: 4 * shard.frameCount)
        for _ in 0..<shard.frameCount { withUnsafeBytes(of: shard.segmentID.littleEndian) { segments.append(contentsOf: $0) } }
        let shardMetadata = try JSONValue.encodeObject(["shard_num_frames": .int(shard.frameCount), "shard_ind": .int(k)])
        return [(url("videos", "video_\(k).bin"), video),
                (url("segment_indices", "segment_idx_\(k).bin"), segments),
                (url("metadata", "metadata_\(k).json"), shardMetadata)]
    }

    /// Temp file beside the target, then rename.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        PendingOutputs.register(temporary)
        defer { PendingOutputs.unregister(temporary) }
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw DatasetError(file: url.path, .io(.cannotMoveIntoPlace, reason: String(cString: strerror(errno))))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? DatasetError { throw error }
            throw DatasetError(file: url.path, .io(.cannotWrite, reason: error.localizedDescription))
        }
    }
}

/// What a Cosmos `generate` writes so a sample can be looked at: a valid flat 1X v2.0 dataset
/// with one shard of two clips, clip 0 = [true latent 0, true latent 1, generated latent 2]
/// and clip 1 = the ground-truth clip (34 frames, one segment), plus `generated_sample: true`,
/// `num_prompt_latents` (2), `num_prompt_frames` (9) and optional provenance in `metadata.json`.
public struct CosmosGeneratedSample: Equatable, Sendable {
    public static let generatedKey = "generated_sample"
    public static let promptLatentsKey = "num_prompt_latents"
    public static let promptFramesKey = "num_prompt_frames"

    /// 3x32x32 codes: the prompt latents then the generated ones.
    public var generated: [Int32]
    public var groundTruth: [Int32]
    public var promptLatents: Int

    /// Frames the prompt latents decode to: latent 0 is 1 frame, each later one 8.
    public var promptFrames: Int { 1 + 8 * (promptLatents - 1) }

    public init(generated: [Int32], groundTruth: [Int32], promptLatents: Int = 2) throws {
        let n = TokenDatasetV2Writer.tokensPerClip
        guard generated.count == n, groundTruth.count == n else {
            throw DatasetError(file: "generated sample", .rejectedInput("clips of \(generated.count) and \(groundTruth.count) codes; expected \(n) each"))
        }
        guard (1..<ShardedTokenDatasetV2.latentFramesPerClip).contains(promptLatents) else {
            throw DatasetError(file: "generated sample", .rejectedInput("num_prompt_latents \(promptLatents) must be 1 or 2"))
        }
        self.generated = generated
        self.groundTruth = groundTruth
        self.promptLatents = promptLatents
    }

    /// Writes the sample directory, replacing one at `target` atomically. `provenance`: e.g.
    /// `model`, `source_dataset`, `clip`, `temperature`, `top_p`, `top_k`, `seed`.
    public func write(to target: URL, provenance: [String: JSONValue] = [:]) throws {
        var extra = provenance
        extra[Self.generatedKey] = .bool(true)
        extra[Self.promptLatentsKey] = .int(promptLatents)
        extra[Self.promptFramesKey] = .int(promptFrames)
        let writer = try TokenDatasetV2Writer.create(at: target, hz: 30, extraMetadata: extra, replaceExisting: true)
        try writer.addShard(clips: [generated, groundTruth], frameCount: 2 * ShardedTokenDatasetV2.framesPerClip)
        try writer.commit()
    }

    /// Whether `directory` is a v2.0 generated-sample directory (its metadata says so).
    public static func isSample(_ directory: URL) -> Bool {
        guard let metadata = try? JSONValue.readObject(at: directory.appendingPathComponent("metadata.json")) else { return false }
        return metadata[generatedKey] == .bool(true)
    }

    public static func read(from directory: URL) throws -> CosmosGeneratedSample {
        let dataset = try ShardedTokenDatasetV2(directory: directory)
        let metadataPath = directory.appendingPathComponent("metadata.json").path
        guard dataset.shards.count == 1, dataset.clipCount == 2 else {
            throw DatasetError(file: metadataPath, .malformed("a generated sample holds one shard of 2 clips; found \(dataset.shards.count) shards, \(dataset.clipCount) clips"))
        }
        let prompt = dataset.metadata[promptLatentsKey]?.intValue ?? 2
        return try CosmosGeneratedSample(generated: dataset.clip(0, ofShard: 0), groundTruth: dataset.clip(1, ofShard: 0),
                                         promptLatents: prompt)
    }
}
