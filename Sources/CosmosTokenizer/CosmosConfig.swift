import Checkpoints

/// The hyper-parameters of a Cosmos DV8x8x8 tokenizer, inferred from a checkpoint's shapes
/// (NVIDIA's release: 128 channels, multipliers 2,4,4, 2 res blocks; the test fixture: 24).
public struct CosmosConfig: Sendable, Equatable, CustomStringConvertible {
    /// Haar patch size on each axis (two Haar levels).
    public static let patchSize = 4
    public static let spatialCompression = 8
    public static let temporalCompression = 8
    /// 3 * 4^3: RGB after two 3-D Haar levels.
    public static let patchedChannels = 3 * 64

    /// Width after conv_in (`channels` in NVIDIA's config).
    public var channels: Int
    /// Output width of each resolution level (channels * channels_mult).
    public var levelChannels: [Int]
    public var resBlocks: Int
    public var zChannels: Int
    public var embeddingDimensions: Int

    public var levelCount: Int { levelChannels.count }
    /// Levels that halve space (encoder) / double it (decoder) beyond the patcher's 4x.
    var spatialLevels: Int { Self.log2(Self.spatialCompression) - Self.log2(Self.patchSize) }
    var temporalLevels: Int { Self.log2(Self.temporalCompression) - Self.log2(Self.patchSize) }

    public var description: String {
        "Cosmos DV8x8x8, channels \(channels), levels \(levelChannels), \(resBlocks) res blocks, z \(zChannels), FSQ \(FSQ.levels)"
    }

    static func log2(_ n: Int) -> Int { n.trailingZeroBitCount }

    /// From `encoder.*` (an encoder file) or `decoder.*` (a decoder file); both when present
    /// must agree.
    public init(inferringFrom store: TensorStore) throws {
        func shape(_ key: String) -> [Int]? { store.info(key)?.shape }
        func missing(_ what: String) -> CheckpointError {
            CheckpointError(file: store.path, .malformed("not a Cosmos DV tokenizer: \(what)"))
        }
        func count(_ prefix: String) -> Int {
            var n = 0
            while store.tensorNames.contains(where: { $0.hasPrefix("\(prefix)\(n).") }) { n += 1 }
            return n
        }
        if let convIn = shape("encoder.conv_in.0.conv3d.weight") {
            guard convIn.count == 5, convIn[1] == Self.patchedChannels else {
                throw missing("encoder.conv_in.0.conv3d.weight has shape \(convIn), expected (C, \(Self.patchedChannels), 1, 3, 3)")
            }
            let levels = count("encoder.down.")
            let blocks = count("encoder.down.0.block.")
            guard levels > 0, blocks > 0 else { throw missing("no encoder.down.0.block.0 weights") }
            var widths: [Int] = []
            for i in 0..<levels {
                guard let w = shape("encoder.down.\(i).block.0.conv1.0.conv3d.weight") else {
                    throw missing("encoder.down.\(i).block.0.conv1.0.conv3d.weight is missing")
                }
                widths.append(w[0])
            }
            guard let convOut = shape("encoder.conv_out.0.conv3d.weight"), let quant = shape("quant_conv.conv3d.weight") else {
                throw missing("encoder.conv_out.0 or quant_conv is missing")
            }
            channels = convIn[0]
            levelChannels = widths
            resBlocks = blocks
            zChannels = convOut[0]
            embeddingDimensions = quant[0]
        } else if let convOut = shape("decoder.conv_out.0.conv3d.weight") {
            guard convOut.count == 5, convOut[0] == Self.patchedChannels else {
                throw missing("decoder.conv_out.0.conv3d.weight has shape \(convOut), expected (\(Self.patchedChannels), C, 1, 3, 3)")
            }
            let levels = count("decoder.up.")
            let blocks = count("decoder.up.0.block.") - 1
            guard levels > 0, blocks > 0 else { throw missing("no decoder.up.0.block.1 weights") }
            var widths: [Int] = []
            for i in 0..<levels {
                guard let w = shape("decoder.up.\(i).block.0.conv1.0.conv3d.weight") else {
                    throw missing("decoder.up.\(i).block.0.conv1.0.conv3d.weight is missing")
                }
                widths.append(w[0])
            }
            guard let convIn = shape("decoder.conv_in.0.conv3d.weight"), let postQuant = shape("post_quant_conv.conv3d.weight") else {
                throw missing("decoder.conv_in.0 or post_quant_conv is missing")
            }
            // The decoder does not store conv_in's width of the encoder; level 0's input width
            // is the first level's, as in NVIDIA's configurations (channels_mult[0] > 1).
            channels = widths[0] / 2
            levelChannels = widths
            resBlocks = blocks
            zChannels = convIn[1]
            embeddingDimensions = postQuant[1]
        } else {
            throw missing("neither encoder.conv_in.0.conv3d.weight nor decoder.conv_out.0.conv3d.weight is present")
        }
        guard embeddingDimensions == FSQ.dimensions else {
            throw missing("latent has \(embeddingDimensions) channels; FSQ \(FSQ.levels) needs \(FSQ.dimensions)")
        }
    }
}

extension CosmosConfig {
    public init(channels: Int, levelChannels: [Int], resBlocks: Int, zChannels: Int = 16) {
        self.channels = channels
        self.levelChannels = levelChannels
        self.resBlocks = resBlocks
        self.zChannels = zChannels
        self.embeddingDimensions = FSQ.dimensions
    }

    /// NVIDIA's released `Cosmos-Tokenizer-DV8x8x8`: 128 channels, multipliers 2, 4, 4, 2 res blocks.
    public static let dv8x8x8 = CosmosConfig(channels: 128, levelChannels: [256, 512, 512], resBlocks: 2)
}
