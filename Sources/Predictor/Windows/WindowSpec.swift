/// An example for teacher-forced evaluation and training: `length` frames spaced `stride`
/// frames apart (the challenge uses 16 frames, stride 15: 30 Hz data seen at 2 Hz).
public struct WindowSpec: Sendable, Equatable, CustomStringConvertible {
    public var length: Int
    public var stride: Int

    public static let challenge = WindowSpec(length: 16, stride: 15)

    public init(length: Int, stride: Int) {
        precondition(length >= 1 && stride >= 1, "window length and stride must be positive")
        self.length = length
        self.stride = stride
    }

    /// Frames from a window's first frame to its last: `(length - 1) * stride`.
    public var span: Int { (length - 1) * stride }

    /// Dataset frame indices of the window starting at `start`.
    public func frameIndices(start: Int) -> [Int] { (0..<length).map { start + $0 * stride } }

    public var description: String { "window \(length), stride \(stride)" }
}
