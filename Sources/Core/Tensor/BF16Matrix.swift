/// A row-major bfloat16 matrix somewhere in memory (usually a memory-mapped checkpoint).
/// `owner` keeps that memory alive as long as the matrix is.
public struct BF16Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let bits: UnsafePointer<UInt16>
    public let owner: AnyObject?

    public init(rows: Int, columns: Int, bits: UnsafePointer<UInt16>, owner: AnyObject?) {
        self.rows = rows
        self.columns = columns
        self.bits = bits
        self.owner = owner
    }

    /// Row r widened to float32.
    public func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        let source = bits + r * columns
        for i in 0..<columns { out[i] = Float(bitPattern: UInt32(source[i]) << 16) }
    }

    public var byteCount: Int { rows * columns * 2 }
}
