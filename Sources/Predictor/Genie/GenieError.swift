/// What can go wrong loading or running a GENIE model; `description` is one line that names
/// the file or input at fault.
public enum GenieError: Error, CustomStringConvertible, Equatable {
    case unreadableFile(path: String, reason: String)
    case badConfig(path: String, reason: String)
    case badWeights(path: String, problems: [String])
    case badFrame(String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read: \(reason)"
        case let .badConfig(path, reason): return "\(path): bad GENIE config: \(reason)"
        case let .badWeights(path, problems):
            return "\(path): weights do not fit the GENIE config (\(problems.count) problems): " + problems.joined(separator: "; ")
        case let .badFrame(reason): return "GENIE input: \(reason)"
        }
    }
}
