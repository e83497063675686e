/// What can go wrong loading or running a GENIE model; `description` is one line that names
/// the file or input at fault.
public enum GenieError: Error, CustomStringConvertible, Equatable {
    case unreadableFile(path: String, reason: String)
    case badConfig(path: String, reason: String)
    case badWeights(path: String, problems: [String])
    /// The caller's windows and known-token lists do not line up.
    case knownListsMismatch(lists: Int, windows: Int)
    case knownListsPerWindow(window: Int, lists: Int, predicted: Int)
    case frameOutsideWindow(frame: Int, windowLength: Int, T: Int)
    case wrongTokenCount(count: Int, expected: Int)
    case tokenOutOfRange(token: UInt32, maskID: UInt32)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read: \(reason)"
        case let .badConfig(path, reason): return "\(path): bad GENIE config: \(reason)"
        case let .badWeights(path, problems):
            return "\(path): weights do not fit the GENIE config (\(problems.count) problems): " + problems.joined(separator: "; ")
        case let .knownListsMismatch(lists, windows): return "GENIE input: \(lists) known-token lists for \(windows) windows"
        case let .knownListsPerWindow(window, lists, predicted):
            return "GENIE input: window \(window): \(lists) known-token lists for \(predicted) predicted frames"
        case let .frameOutsideWindow(frame, length, T): return "GENIE input: frame \(frame) of a \(length)-frame window (T = \(T))"
        case let .wrongTokenCount(count, expected): return "GENIE input: a frame has \(count) tokens; the model expects \(expected)"
        case let .tokenOutOfRange(token, maskID): return "GENIE input: token \(token) is outside 0 ... \(maskID) (the mask id)"
        }
    }
}
