import Layers

/// What can go wrong when loading or running the codec; one line each.
public enum CodecError: Error, CustomStringConvertible, Equatable {
    case cannotInferConfig(missing: String)
    case partNotLoaded(Codec.Part)
    case wrongImageSize(index: Int, width: Int, height: Int, expected: Int)
    case wrongTokenCount(frame: Int, count: Int, expected: Int)
    case tokenOutOfRange(value: UInt32, frame: Int, row: Int, column: Int, limit: UInt32)
    case channelsNotDivisibleIntoGroups(key: String, channels: Int, groups: Int)
    /// The checkpoint's shapes imply a codec no real tokenizer has (and that could not be allocated).
    case implausibleConfig(file: String, reason: String)

    public var description: String {
        switch self {
        case .cannotInferConfig(let key):
            return "cannot infer the codec configuration: the checkpoint has no tensor '\(key)'"
        case .partNotLoaded(let part):
            return "the codec's \(part) was not loaded (pass it in `parts` when loading)"
        case .wrongImageSize(let index, let width, let height, let expected):
            return "image \(index) is \(width)x\(height); the codec needs \(expected)x\(expected)"
        case .wrongTokenCount(let frame, let count, let expected):
            return "frame \(frame) has \(count) tokens; expected \(expected)"
        case .tokenOutOfRange(let value, let frame, let row, let column, let limit):
            return "token \(value) at frame \(frame), row \(row), column \(column) is out of range (must be below \(limit))"
        case .channelsNotDivisibleIntoGroups(let key, let channels, let groups):
            return "'\(key)' has \(channels) output channels, which the codec's GroupNorm cannot split into \(groups) groups"
        case .implausibleConfig(let file, let reason):
            return "\(file): implausible codec configuration: \(reason)"
        }
    }
}
