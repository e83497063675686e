import Foundation

/// A 1X v2.0 dataset (Cosmos tokens), read-only: shards of `video_{k}.bin` (int32,
/// (ceil(frames/17), 3, 32, 32)), `segment_idx_{k}.bin` (int32 per frame), `states_{k}.bin`
/// (float32, (frames, 25)) and `metadata_{k}.json`, with `metadata.json` at the top. The train
/// split keeps them in `videos/`, `segment_indices/`, `robot_states/`, `metadata/`; val is flat.
public final class ShardedTokenDatasetV2: @unchecked Sendable {
    public static let framesPerClip = 17
    public static let latentFramesPerClip = 3
    public static let latentSide = 32
    public static let stateWidth = 25

    public enum Layout: String, Sendable { case subfolders, flat }

    public struct Shard: Sendable {
        public var index: Int
        public var frameCount: Int
        public var video: MappedDataFile
        public var segmentIndices: MappedDataFile
        public var states: MappedDataFile?
        public var clipCount: Int { video.byteCount / (4 * ShardedTokenDatasetV2.tokensPerClip) }
    }

    static var tokensPerClip: Int { latentFramesPerClip * latentSide * latentSide }

    public let directory: URL
    public let layout: Layout
    public let metadata: [String: JSONValue]
    public let shards: [Shard]

    public var hz: Double? { metadata["hz"]?.doubleValue }
    public var frameCount: Int { shards.reduce(0) { $0 + $1.frameCount } }
    public var clipCount: Int { shards.reduce(0) { $0 + $1.clipCount } }

    public init(directory: URL) throws {
        self.directory = directory
        let fileManager = FileManager.default
        let topMetadata = directory.appendingPathComponent("metadata.json")
        guard fileManager.fileExists(atPath: topMetadata.path) else { throw DatasetError(file: topMetadata.path, .missingFile) }
        metadata = try JSONValue.readObject(at: topMetadata)
        let layout: Layout = fileManager.fileExists(atPath: directory.appendingPathComponent("videos").path) ? .subfolders : .flat
        self.layout = layout

        func url(_ folder: String, _ name: String) -> URL {
            layout == .subfolders ? directory.appendingPathComponent(folder).appendingPathComponent(name)
                                  : directory.appendingPathComponent(name)
        }
        let shardCount: Int
        if let raw = metadata["num_shards"] {
            guard let value = raw.intValue, value >= 0 else {
                throw DatasetError(file: topMetadata.path, .invalidKey("num_shards", "must be a non-negative integer, found \(raw)"))
            }
            shardCount = value
        } else {
            throw DatasetError(file: topMetadata.path, .missingKey("num_shards"))
        }

        var shards: [Shard] = []
        for k in 0..<shardCount {
            let shardMetadataURL = url("metadata", "metadata_\(k).json")
            guard fileManager.fileExists(atPath: shardMetadataURL.path) else { throw DatasetError(file: shardMetadataURL.path, .missingFile) }
            let shardMetadata = try JSONValue.readObject(at: shardMetadataURL)
            guard let frames = shardMetadata["shard_num_frames"]?.intValue, frames >= 0 else {
                throw DatasetError(file: shardMetadataURL.path, .malformed("missing or invalid key \"shard_num_frames\""))
            }
            guard frames <= TokenDatasetMetadata.maxFrameCount else {
                throw DatasetError(file: shardMetadataURL.path, .aboveCap("shard_num_frames \(frames)", cap: TokenDatasetMetadata.maxFrameCount))
            }
            if let declared = shardMetadata["shard_ind"], declared.intValue != k {
                throw DatasetError(file: shardMetadataURL.path, .malformed("shard_ind is \(declared); expected \(k)"))
            }
            let videoURL = url("videos", "video_\(k).bin")
            let segmentURL = url("segment_indices", "segment_idx_\(k).bin")
            let statesURL = url("robot_states", "states_\(k).bin")
            for required in [videoURL, segmentURL] where !fileManager.fileExists(atPath: required.path) {
                throw DatasetError(file: required.path, .missingFile)
            }
            let video = try MappedDataFile(path: videoURL.path)
            let clips = (frames + Self.framesPerClip - 1) / Self.framesPerClip
            let expectedVideo = clips * Self.tokensPerClip * 4
            guard video.byteCount == expectedVideo else {
                throw DatasetError(file: videoURL.path, .wrongSize(bytes: video.byteCount, expected: "\(expectedVideo) "
                    + "(\(clips) clips of \(Self.latentFramesPerClip)x\(Self.latentSide)x\(Self.latentSide) int32 for \(frames) frames)"))
            }
            let segments = try MappedDataFile(path: segmentURL.path)
            guard segments.byteCount == 4 * frames else {
                throw DatasetError(file: segmentURL.path, .wrongSize(bytes: segments.byteCount, expected: "\(4 * frames) (\(frames) int32)"))
            }
            var states: MappedDataFile?
            if fileManager.fileExists(atPath: statesURL.path) {
                let file = try MappedDataFile(path: statesURL.path)
                guard file.byteCount == 4 * Self.stateWidth * frames else {
                    throw DatasetError(file: statesURL.path, .wrongSize(bytes: file.byteCount, expected: "\(4 * Self.stateWidth * frames) "
                        + "(\(frames) x \(Self.stateWidth) float32)"))
                }
                states = file
            }
            shards.append(Shard(index: k, frameCount: frames, video: video, segmentIndices: segments, states: states))
        }
        self.shards = shards
    }

    public convenience init(path: String) throws { try self.init(directory: URL(fileURLWithPath: path)) }

    /// The 3x32x32 latent tokens of one 17-frame clip of a shard.
    public func clip(_ index: Int, ofShard shard: Int) -> [Int32] {
        let file = shards[shard].video
        let start = index * Self.tokensPerClip * 4
        return (0..<Self.tokensPerClip).map { file.int32LE(at: start + 4 * $0) }
    }

    /// Scans every shard: token range, distinct segments, state range.
    public func summary() -> ShardedDatasetSummary {
        var summary = ShardedDatasetSummary(shardCount: shards.count, frameCount: frameCount, clipCount: clipCount)
        var segmentIDs = Set<Int32>()
        for shard in shards {
            for i in 0..<(shard.video.byteCount / 4) {
                let value = shard.video.int32LE(at: 4 * i)
                summary.tokenMinimum = min(summary.tokenMinimum ?? value, value)
                summary.tokenMaximum = max(summary.tokenMaximum ?? value, value)
                if value < 0 || Int(value) >= Vocabulary.cosmosDV.size { summary.tokensOutOfRange += 1 }
            }
            for i in 0..<shard.frameCount { segmentIDs.insert(shard.segmentIndices.int32LE(at: 4 * i)) }
            if let states = shard.states {
                for i in 0..<(states.byteCount / 4) where !states.float32LE(at: 4 * i).isNaN {
                    let value = states.float32LE(at: 4 * i)
                    summary.stateMinimum = min(summary.stateMinimum ?? value, value)
                    summary.stateMaximum = max(summary.stateMaximum ?? value, value)
                }
            }
        }
        summary.segmentCount = segmentIDs.count
        return summary
    }
}

/// What `ShardedTokenDatasetV2.summary()` reports.
public struct ShardedDatasetSummary: Equatable, Sendable {
    public var shardCount: Int
    public var frameCount: Int
    public var clipCount: Int
    public var segmentCount = 0
    public var tokenMinimum: Int32?
    public var tokenMaximum: Int32?
    /// Tokens outside the Cosmos codebook 0 ..< 64000.
    public var tokensOutOfRange = 0
    public var stateMinimum: Float?
    public var stateMaximum: Float?
}

extension ShardedTokenDatasetV2 {
    /// Whether a dataset directory is 1X v2.0: its metadata.json counts shards (`num_shards`).
    public static func isV2(directory path: String) -> Bool {
        let url = URL(fileURLWithPath: path).appendingPathComponent("metadata.json")
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["num_shards"] != nil
    }
}

extension ShardedTokenDatasetV2 {
    /// Opens a dataset and checks that metadata.json's `num_images`, when present, is what the
    /// shards add up to.
    public static func openChecked(path: String) throws -> ShardedTokenDatasetV2 {
        let data = try ShardedTokenDatasetV2(path: path)
        let metadata = URL(fileURLWithPath: path).appendingPathComponent("metadata.json").path
        if let declared = data.metadata["num_images"]?.intValue, declared != data.frameCount {
            throw DatasetError(file: metadata, .malformed("num_images is \(declared) but the shards' shard_num_frames add up to \(data.frameCount)"))
        }
        return data
    }

    /// (shard, clip in shard, real frames in the clip) for a clip counted across shards in order.
    public func locate(clip: Int) -> (shard: Int, clip: Int, frames: Int) {
        var remaining = clip
        for shard in shards {
            if remaining < shard.clipCount {
                let frames = min(Self.framesPerClip, shard.frameCount - remaining * Self.framesPerClip)
                return (shard.index, remaining, frames)
            }
            remaining -= shard.clipCount
        }
        preconditionFailure("clip \(clip) past the end")
    }
}
