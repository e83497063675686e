/// A row-major bfloat16 matrix somewhere in memory (usually a memory-mapped checkpoint), or a
/// block of one (`rows(_:)`, `columns(_:)`): row r starts at bits + r * rowStride.
/// `owner` keeps that memory alive as long as the matrix is.
public struct BF16Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let bits: UnsafePointer<UInt16>
    /// Elements from one row's start to the next's (`columns` unless this is a column block).
    public let rowStride: Int
    public let owner: AnyObject?

    public init(rows: Int, columns: Int, bits: UnsafePointer<UInt16>, rowStride: Int? = nil, owner: AnyObject?) {
        precondition((rowStride ?? columns) >= columns, "row stride \(rowStride ?? columns) below \(columns) columns")
        self.rows = rows
        self.columns = columns
        self.bits = bits
        self.rowStride = rowStride ?? columns
        self.owner = owner
    }

    /// Row r widened to float32.
    public func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        let source = bits + r * rowStride
        for i in 0..<columns { out[i] = Float(bitPattern: UInt32(source[i]) << 16) }
    }

    /// The rows `range` of this matrix (a view of the same memory).
    public func rows(_ range: Range<Int>) -> BF16Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of \(rows)")
        return BF16Matrix(rows: range.count, columns: columns, bits: bits + range.lowerBound * rowStride, rowStride: rowStride,
                          owner: owner)
    }

    /// The columns `range` of every row (a view of the same memory).
    public func columns(_ range: Range<Int>) -> BF16Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= columns, "columns \(range) of \(columns)")
        return BF16Matrix(rows: rows, columns: range.count, bits: bits + range.lowerBound, rowStride: rowStride, owner: owner)
    }

    public var byteCount: Int { rows * columns * 2 }
}
