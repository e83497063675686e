/// An example for teacher-forced evaluation and training: `length` frames spaced `stride`
/// frames apart (the challenge uses 16 frames, stride 15: 30 Hz data seen at 2 Hz).
public struct WindowSpec: Sendable, Equatable, CustomStringConvertible {
    public var length: Int
    public var stride: Int

    public static let challenge = WindowSpec(checkedLength: 16, stride: 15)

    /// Throws when `length` or `stride` is below 1 (they usually come from the command line).
    public init(length: Int, stride: Int) throws {
        guard length >= 1, stride >= 1 else { throw WindowSpecError(length: length, stride: stride) }
        self.init(checkedLength: length, stride: stride)
    }

    private init(checkedLength length: Int, stride: Int) {
        self.length = length
        self.stride = stride
    }

    /// Frames from a window's first frame to its last: `(length - 1) * stride`.
    public var span: Int { (length - 1) * stride }

    /// Dataset frame indices of the window starting at `start`.
    public func frameIndices(start: Int) -> [Int] { (0..<length).map { start + $0 * stride } }

    public var description: String { "window \(length), stride \(stride)" }
}

public struct WindowSpecError: Error, CustomStringConvertible, Equatable {
    public var length: Int
    public var stride: Int
    public var description: String { "window length \(length) and stride \(stride) must both be at least 1" }
}
