import XCTest
import TestSupport
@testable import Core

final class KernelPackedGEMMTests: XCTestCase {
    /// C = A x B through the packed micro-kernel path against the naive twin, for A with a row
    /// count that does not fill its last panel and B wider than its used columns.
    func testPackedProductMatchesTheNaiveTwinWithAPartialLastPanel() {
        let (rows, depth, n, ldb) = (13, 37, 48, 53)
        let a = randomFloats(rows * depth, seed: 11), b = randomFloats(depth * ldb, seed: 12)
        let shape = PackedRowPanels(rows: rows, depth: depth)
        XCTAssertEqual(shape.panels, 3)
        var packed = [Float](repeating: .nan, count: shape.floatCount)
        packed.withUnsafeMutableBufferPointer { shape.pack(a, lda: depth, into: $0.baseAddress!) }
        let ldc = n + 3
        var fast = [Float](repeating: .nan, count: 3 * 6 * ldc)
        fast.withUnsafeMutableBufferPointer { c in
            Kernels.gemmPacked(shape, a: packed, b: b, ldb: ldb, n: n, c: c.baseAddress!, ldc: ldc)
        }
        var slow = [Float](repeating: 0, count: rows * n)
        slow.withUnsafeMutableBufferPointer { c in
            Kernels.gemmReference(m: rows, n: n, k: depth, a: a, lda: depth, b: b, ldb: ldb, c: c.baseAddress!, ldc: n)
        }
        for i in 0..<18 {
            for j in 0..<n {
                // Rows past A's last are products with the zero padding.
                let expected = i < rows ? slow[i * n + j] : 0
                XCTAssertEqual(fast[i * ldc + j], expected, accuracy: 1e-4, "C[\(i), \(j)]")
            }
            for j in n..<ldc { XCTAssertTrue(fast[i * ldc + j].isNaN, "C[\(i), \(j)] past n was written") }
        }
    }

    func testPackedProductOverAPanelRangeWritesOnlyThoseRows() {
        let (rows, depth, n) = (24, 20, 32)
        let a = randomFloats(rows * depth, seed: 21), b = randomFloats(depth * n, seed: 22)
        let shape = PackedRowPanels(rows: rows, depth: depth)
        var packed = [Float](repeating: 0, count: shape.floatCount)
        packed.withUnsafeMutableBufferPointer { shape.pack(a, lda: depth, into: $0.baseAddress!) }
        var fast = [Float](repeating: .nan, count: 12 * n)
        fast.withUnsafeMutableBufferPointer { c in
            Kernels.gemmPacked(shape, panels: 2..<4, a: packed, b: b, ldb: n, n: n, c: c.baseAddress!, ldc: n)
        }
        var slow = [Float](repeating: 0, count: rows * n)
        slow.withUnsafeMutableBufferPointer { c in
            Kernels.gemmReference(m: rows, n: n, k: depth, a: a, lda: depth, b: b, ldb: n, c: c.baseAddress!, ldc: n)
        }
        XCTAssertLessThan(maxAbsDifference(fast, Array(slow[(12 * n)...])), 1e-4, "rows 12 ..< 24 land in C's rows 0 ..< 12")
    }

    func testPackingPutsSixRowsSideBySidePerDepthIndex() {
        let shape = PackedRowPanels(rows: 7, depth: 2)
        let a: [Float] = (0..<14).map(Float.init)  // A[i][d] = 2i + d
        var packed = [Float](repeating: .nan, count: shape.floatCount)
        packed.withUnsafeMutableBufferPointer { shape.pack(a, lda: 2, into: $0.baseAddress!) }
        XCTAssertEqual(packed, [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11,
                                12, 0, 0, 0, 0, 0, 13, 0, 0, 0, 0, 0])
    }
}
