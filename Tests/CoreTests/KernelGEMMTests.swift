import Foundation
import XCTest
import TestSupport
import Core

final class KernelGEMMTests: XCTestCase {
    /// gemm against its naive twin, with strided (padded) operands so leading dimensions matter.
    private func check(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 0.75, beta: Float = 0.5,
                       file: StaticString = #filePath, line: UInt = #line) {
        let (rowsA, colsA) = transA ? (k, m) : (m, k)
        let (rowsB, colsB) = transB ? (n, k) : (k, n)
        let lda = colsA + 3, ldb = colsB + 5, ldc = n + 2
        let a = randomFloats(rowsA * lda, seed: 1), b = randomFloats(rowsB * ldb, seed: 2)
        let c0 = randomFloats(m * ldc, seed: 3)
        var fast = c0, slow = c0
        fast.withUnsafeMutableBufferPointer { c in
            Kernels.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                         b: b, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
        }
        slow.withUnsafeMutableBufferPointer { c in
            Kernels.gemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                  b: b, ldb: ldb, beta: beta, c: c.baseAddress!, ldc: ldc)
        }
        XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-4 * Float(k).squareRoot(),
                          "m \(m) n \(n) k \(k) transA \(transA) transB \(transB)", file: file, line: line)
        // Padding columns of C are not touched.
        for i in 0..<m { for j in n..<ldc { XCTAssertEqual(fast[i * ldc + j], c0[i * ldc + j], file: file, line: line) } }
    }

    func testSmallProductsMatchTheNaiveTwinInEveryTransposition() {
        for transA in [false, true] { for transB in [false, true] { check(transA: transA, transB: transB, m: 7, n: 9, k: 5) } }
    }

    func testProductsSplitOverThreadsByColumnsMatchTheNaiveTwin() {
        // 2 m n k well above the split threshold, n >= m: column blocks (not multiples of 16).
        for transA in [false, true] { for transB in [false, true] { check(transA: transA, transB: transB, m: 40, n: 333, k: 300) } }
    }

    func testNarrowProductsSplitOverThreadsByRowsMatchTheNaiveTwin() {
        for transA in [false, true] { for transB in [false, true] { check(transA: transA, transB: transB, m: 501, n: 24, k: 400) } }
    }

    func testProductsCalledFromParallelWorkersMatchTheNaiveTwin() {
        Kernels.parallelFor(2) { range in
            for _ in range { check(transA: false, transB: true, m: 64, n: 200, k: 256) }
        }
    }

    func testParallelChunksCoverEveryIndexOnceWithDistinctWorkers() {
        let count = 1000
        var hits = [Int](repeating: 0, count: count)
        var workers = [Int](repeating: -1, count: count)
        hits.withUnsafeMutableBufferPointer { h in
            workers.withUnsafeMutableBufferPointer { w in
                Kernels.parallelChunks(count) { range, worker in
                    for i in range { h[i] += 1; w[i] = worker }
                }
            }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: count))
        XCTAssertTrue(workers.allSatisfy { (0..<Kernels.threadCount).contains($0) })
        // Chunks are contiguous, so worker ids change only at chunk borders and never repeat.
        var seen: [Int] = []
        for w in workers where seen.last != w { seen.append(w) }
        XCTAssertEqual(seen.count, Set(seen).count)
        XCTAssertEqual(seen.count, min(Kernels.threadCount, count))
    }

    func testParallelClaimsHandOutEveryIndexOnceToAtMostThreadCountWorkers() {
        for count in [0, 1, 2, 7, 1000] {
            var hits = [Int](repeating: 0, count: count)
            var workers = 0
            let lock = NSLock()
            hits.withUnsafeMutableBufferPointer { h in
                Kernels.parallelClaims(count) { next in
                    lock.lock(); workers += 1; lock.unlock()
                    while let i = next() { h[i] += 1 }
                }
            }
            XCTAssertEqual(hits, [Int](repeating: 1, count: count), "\(count) items")
            XCTAssertEqual(workers, max(1, min(Kernels.threadCount, count)), "\(count) items")
        }
        // Inside another parallel region the cores are busy: one worker takes every item in order.
        Kernels.parallelFor(2) { range in
            for _ in range {
                var order: [Int] = [], calls = 0
                Kernels.parallelClaims(5) { next in
                    calls += 1
                    while let i = next() { order.append(i) }
                }
                XCTAssertEqual(calls, 1)
                XCTAssertEqual(order, [0, 1, 2, 3, 4])
            }
        }
    }
}
