/// A problem with a token dataset on disk: which file, and what is wrong with it, in one line.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var problem: String

    public init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
