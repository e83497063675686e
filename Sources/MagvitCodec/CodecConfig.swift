import Checkpoints
import Layers

/// The codec's hyper-parameters, read off the checkpoint's tensor shapes rather than assumed.
public struct CodecConfig: Sendable, Equatable, Codable, CustomStringConvertible {
    public var imageChannels: Int
    public var baseChannels: Int
    /// Channels of level i are baseChannels * channelMultipliers[i].
    public var channelMultipliers: [Int]
    public var blocksPerLevel: Int
    /// Latent channels, which is also the number of bits in a token.
    public var zChannels: Int

    public init(imageChannels: Int = 3, baseChannels: Int, channelMultipliers: [Int], blocksPerLevel: Int, zChannels: Int) {
        self.imageChannels = imageChannels
        self.baseChannels = baseChannels
        self.channelMultipliers = channelMultipliers
        self.blocksPerLevel = blocksPerLevel
        self.zChannels = zChannels
    }

    /// The 1X tokenizer: base 128, multipliers (1,1,2,2,4), 2 blocks per level, 18 bits.
    public static let magvit2 = CodecConfig(baseChannels: 128, channelMultipliers: [1, 1, 2, 2, 4], blocksPerLevel: 2, zChannels: 18)

    /// How much smaller the token grid is than the image on each axis.
    public var downsamplingFactor: Int { 1 << (channelMultipliers.count - 1) }

    /// Caps on what a checkpoint's shapes may imply, far above any real tokenizer.
    static let maxChannels = 4096
    static let maxLevels = 8
    static let maxBlocks = 64

    public var description: String {
        "base \(baseChannels), multipliers \(channelMultipliers), \(blocksPerLevel) blocks per level, z \(zChannels)"
    }

    /// Infers the configuration from the encoder's tensors: base channels from
    /// `encoder.conv_in.weight`, levels from `encoder.down.<i>.*`, blocks from
    /// `encoder.mid_block.<j>.*`, multipliers from each level's first conv1 and z from
    /// `encoder.conv_out.weight`. `key` maps a plain parameter name to the stored one.
    public init(inferringFrom store: TensorStore, key: (String) -> String = { $0 }) throws {
        // Shapes come from an untrusted file: each must be a conv weight (rank 4) of a
        // plausible size before any of it sizes a layer.
        func shape(_ name: String) throws -> [Int] {
            guard let info = store.info(key(name)) else { throw CodecError.cannotInferConfig(missing: key(name)) }
            guard info.shape.count == 4, info.shape.allSatisfy({ $0 > 0 && $0 <= Self.maxChannels }) else {
                throw CodecError.implausibleConfig(file: store.path, reason:
                    "'\(key(name))' has shape \(info.shape); expected a conv weight [out, in, kh, kw] with sizes 1...\(Self.maxChannels)")
            }
            return info.shape
        }
        func exists(_ name: String) -> Bool { store.info(key(name)) != nil }

        let convIn = try shape("encoder.conv_in.weight")
        let base = convIn[0]
        // Every level's channel count is a multiple of the base, so this covers all norms.
        guard base > 0, base % GroupNorm.groups == 0 else {
            throw CodecError.channelsNotDivisibleIntoGroups(key: key("encoder.conv_in.weight"), channels: base, groups: GroupNorm.groups)
        }
        var levels = 0
        while levels <= Self.maxLevels, exists("encoder.down.\(levels).block.0.conv1.weight") { levels += 1 }
        var blocks = 0
        while blocks <= Self.maxBlocks, exists("encoder.mid_block.\(blocks).conv1.weight") { blocks += 1 }
        guard levels > 0 else { throw CodecError.cannotInferConfig(missing: key("encoder.down.0.block.0.conv1.weight")) }
        guard blocks > 0 else { throw CodecError.cannotInferConfig(missing: key("encoder.mid_block.0.conv1.weight")) }
        guard levels <= Self.maxLevels, blocks <= Self.maxBlocks else {
            throw CodecError.implausibleConfig(file: store.path, reason:
                "\(levels) levels of \(blocks) blocks (at most \(Self.maxLevels) levels and \(Self.maxBlocks) blocks)")
        }
        let multipliers = try (0..<levels).map { try shape("encoder.down.\($0).block.0.conv1.weight")[0] / max(1, base) }
        let z = try shape("encoder.conv_out.weight")[0]
        // A token packs one bit per latent channel into a UInt32.
        guard z <= 31, multipliers.allSatisfy({ $0 > 0 }) else {
            throw CodecError.implausibleConfig(file: store.path, reason:
                "z channels \(z) (at most 31) or channel multipliers \(multipliers) (each at least 1)")
        }
        self.init(imageChannels: convIn.count > 1 ? convIn[1] : 3, baseChannels: base, channelMultipliers: multipliers,
                  blocksPerLevel: blocks, zChannels: z)
    }
}
