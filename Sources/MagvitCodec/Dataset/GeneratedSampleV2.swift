import Foundation

/// What `generate` writes for a Cosmos (1X v2.0) model: a valid flat v2.0 dataset with one shard
/// of two clips, clip 0 = [true latent 0, true latent 1, generated latent 2] and clip 1 = the
/// ground-truth clip (34 frames, segment 0), whose `metadata.json` adds `"generated_sample": true`,
/// `num_prompt_latents`, `num_prompt_frames` and the provenance given. `compare` decodes both
/// clips with the DV8x8x8 decoder.
public struct GeneratedSampleV2: Equatable, Sendable {
    public static let tokensPerClip = ShardedTokenDatasetV2.latentFramesPerClip * ShardedTokenDatasetV2.latentSide
        * ShardedTokenDatasetV2.latentSide

    /// 3 x 32 x 32 codes each, row-major over (t, h, w).
    public var generatedClip: [Int32]
    public var groundTruthClip: [Int32]
    public var promptLatents: Int

    public init(generatedClip: [Int32], groundTruthClip: [Int32], promptLatents: Int = 2) throws {
        guard generatedClip.count == Self.tokensPerClip, groundTruthClip.count == Self.tokensPerClip else {
            throw DatasetError("generated sample", "clips hold \(generatedClip.count) and \(groundTruthClip.count) codes; expected \(Self.tokensPerClip) each")
        }
        self.generatedClip = generatedClip
        self.groundTruthClip = groundTruthClip
        self.promptLatents = promptLatents
    }

    /// Frames of the prompt: latent 0 is one frame, every later latent eight (1 + 8 * 1 = 9 for two).
    public var promptFrames: Int { promptLatents == 0 ? 0 : 1 + 8 * (promptLatents - 1) }

    /// Writes the directory in a staging folder beside `target` and renames it into place, so an
    /// existing sample is replaced whole or not at all.
    public func write(to target: URL, provenance: [String: JSONValue]) throws {
        let fileManager = FileManager.default
        let staging = DirectorySwap.stagingURL(for: target, purpose: "writing")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            let frames = 2 * ShardedTokenDatasetV2.framesPerClip
            var video = Data(capacity: 8 * Self.tokensPerClip)
            for code in generatedClip + groundTruthClip { withUnsafeBytes(of: code.littleEndian) { video.append(contentsOf: $0) } }
            try video.write(to: staging.appendingPathComponent("video_0.bin"))
            try Data(count: 4 * frames).write(to: staging.appendingPathComponent("segment_idx_0.bin"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let shard: [String: JSONValue] = ["shard_num_frames": .int(frames), "shard_ind": .int(0)]
            try encoder.encode(shard).write(to: staging.appendingPathComponent("metadata_0.json"))
            var top = provenance
            top["num_shards"] = .int(1)
            top["hz"] = .int(30)
            top["num_images"] = .int(frames)
            top["generated_sample"] = .bool(true)
            top["num_prompt_latents"] = .int(promptLatents)
            top["num_prompt_frames"] = .int(promptFrames)
            try encoder.encode(top).write(to: staging.appendingPathComponent("metadata.json"))
            try DirectorySwap.install(staging, at: target)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }
}
