/// What went wrong with a file the toolkit reads or writes below the formats (atomic output,
/// hashing, input protection). The one-line description starts with the file, as every error
/// of the toolkit does (see `CheckpointError`, `MediaError`, `DatasetError`).
public struct FileError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        case cannotWrite(String)
        case cannotRead(String)
        case readFailed(String)
        /// An output would overwrite one of the command's own inputs (named here).
        case isAnInput(String)
    }

    public var file: String
    public var problem: Problem

    public init(file: String, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .cannotWrite(let why): return "\(file): cannot write (\(why))"
        case .cannotRead(let why): return "\(file): cannot read (\(why))"
        case .readFailed(let why): return "\(file): read failed (\(why))"
        case .isAnInput(let input): return "\(file): is an input of this command (\(input)); refusing to overwrite it"
        }
    }
}

extension String {
    /// Hex bytes and counters in messages: "7" -> "07".
    public func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
