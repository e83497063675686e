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

    public var description: String {
        "base \(baseChannels), multipliers \(channelMultipliers), \(blocksPerLevel) blocks per level, z \(zChannels)"
    }

    /// Infers the configuration from the encoder's tensors: base channels from
    /// `encoder.conv_in.weight`, levels from `encoder.down.<i>.*`, blocks from
    /// `encoder.mid_block.<j>.*`, multipliers from each level's first conv1 and z from
    /// `encoder.conv_out.weight`. `key` maps a plain parameter name to the stored one.
    public init(inferringFrom store: TensorStore, key: (String) -> String = { $0 }) throws {
        func shape(_ name: String) throws -> [Int] {
            guard let info = store.info(key(name)) else { throw CodecError.cannotInferConfig(missing: key(name)) }
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
        while exists("encoder.down.\(levels).block.0.conv1.weight") { levels += 1 }
        var blocks = 0
        while exists("encoder.mid_block.\(blocks).conv1.weight") { blocks += 1 }
        guard levels > 0 else { throw CodecError.cannotInferConfig(missing: key("encoder.down.0.block.0.conv1.weight")) }
        guard blocks > 0 else { throw CodecError.cannotInferConfig(missing: key("encoder.mid_block.0.conv1.weight")) }
        let multipliers = try (0..<levels).map { try shape("encoder.down.\($0).block.0.conv1.weight")[0] / max(1, base) }
        let z = try shape("encoder.conv_out.weight")[0]
        self.init(imageChannels: convIn.count > 1 ? convIn[1] : 3, baseChannels: base, channelMultipliers: multipliers,
                  blocksPerLevel: blocks, zChannels: z)
    }
}
