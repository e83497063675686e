import XCTest
import TestSupport
@testable import Core

/// The packed GEMMs on each micro-kernel path (GEMMPath) against the naive twin. The AVX2+FMA
/// path runs on every machine; the AVX-512 path is skipped, saying so, where the CPU lacks it.
final class KernelGEMMPathTests: XCTestCase {
    func testPortablePackedProductMatchesTheNaiveTwin() throws {
        try checkPackedProduct(on: .portable)
    }

    func testAVX512PackedProductMatchesTheNaiveTwin() throws {
        try skipUnlessAvailable(.avx512)
        try checkPackedProduct(on: .avx512)
    }

    func testPortablePackedProductWithBiasMatchesTheNaiveTwin() throws {
        try checkPackedProductWithBias(on: .portable)
    }

    func testAVX512PackedProductWithBiasMatchesTheNaiveTwin() throws {
        try skipUnlessAvailable(.avx512)
        try checkPackedProductWithBias(on: .avx512)
    }

    func testPortableGEMMMatchesTheNaiveTwin() throws {
        try checkGEMM(on: .portable)
    }

    func testAVX512GEMMMatchesTheNaiveTwin() throws {
        try skipUnlessAvailable(.avx512)
        try checkGEMM(on: .avx512)
    }

    func testTheBestPathIsOneThisMachineCanRun() {
        XCTAssertTrue(GEMMPath.portable.isAvailable)
        XCTAssertTrue(GEMMPath.best.isAvailable)
        // AVX-512 and AMX are chosen exactly when they can run: never left unused, never tried
        // without them.
        XCTAssertEqual(GEMMPath.best.hasAVX512, GEMMPath.avx512.isAvailable)
        XCTAssertEqual(GEMMPath.best == .amx, GEMMPath.amx.isAvailable)
    }

    /// The packed products' column blocks cover the columns once, in order, in whole 32-column
    /// strips (a last one may be 16), none wider than the buffers sized for them; and
    /// contiguous shares of `count / threads` blocks (what each thread takes when the cores run
    /// at the same speed) differ by at most one strip where there are enough columns (1024 at
    /// depth 1536 were once 11 blocks: 480 columns for one thread, 544 for the other).
    func testPackedColumnBlocksCoverTheColumnsAndShareThemEvenly() {
        let threads = Kernels.threadCount
        for (depth, whole) in [(1536, 1024), (384, 4096), (768, 4096), (512, 1024), (2304, 1024), (96, 48), (24, 16), (4608, 4112)] {
            let blocks = Kernels.PackedColumnBlocks(depth: depth, whole: whole)
            var next = 0
            for b in 0..<blocks.count {
                let (start, width) = blocks.bounds(b)
                XCTAssertEqual(start, next, "depth \(depth), \(whole) columns, block \(b)")
                XCTAssertTrue(width > 0 && width <= blocks.maxWidth && (width % 32 == 0 || start + width == whole))
                next = start + width
            }
            XCTAssertEqual(next, whole, "depth \(depth): the blocks end at the last column")
            let chunks = min(threads, blocks.count)
            guard whole >= 32 * threads, chunks > 1 else { continue }
            let shares = (0..<chunks).map { chunk in
                (blocks.count * chunk / chunks ..< blocks.count * (chunk + 1) / chunks).reduce(0) { $0 + blocks.bounds($1).width }
            }
            XCTAssertLessThanOrEqual(shares.max()! - shares.min()!, 32, "depth \(depth), \(whole) columns: \(shares)")
        }
    }

    private func skipUnlessAvailable(_ path: GEMMPath) throws {
        guard path.isAvailable else {
            throw XCTSkip("this CPU lacks \(path.rawValue) (needs \(GEMMPath.avx512Flags.sorted().joined(separator: ", ")))")
        }
    }

    /// Odd and even panel counts (the AVX-512 path pairs panels), panel ranges starting at an odd
    /// panel, widths that are and are not whole 32-column tiles, depths of 1 and across 256.
    private func checkPackedProduct(on path: GEMMPath) throws {
        let cases: [(rows: Int, depth: Int, n: Int, panels: Range<Int>?)] = [
            (6, 1, 16, nil), (13, 37, 48, nil), (12, 64, 32, nil), (30, 300, 96, nil),
            (25, 19, 80, 1..<4), (36, 40, 64, 1..<6), (7, 257, 112, nil),
        ]
        for (index, (rows, depth, n, range)) in cases.enumerated() {
            let ldb = n + 7
            let a = randomFloats(rows * depth, seed: 40 + UInt64(index)), b = randomFloats(depth * ldb, seed: 60 + UInt64(index))
            let shape = PackedRowPanels(rows: rows, depth: depth)
            var packed = [Float](repeating: .nan, count: shape.floatCount)
            packed.withUnsafeMutableBufferPointer { shape.pack(a, lda: depth, into: $0.baseAddress!) }
            let panels = range ?? 0..<shape.panels
            let ldc = n + 3
            var fast = [Float](repeating: .nan, count: panels.count * 6 * ldc)
            fast.withUnsafeMutableBufferPointer { c in
                Kernels.gemmPacked(shape, panels: range, a: packed, b: b, ldb: ldb, n: n, c: c.baseAddress!, ldc: ldc, path: path)
            }
            var slow = [Float](repeating: 0, count: rows * n)
            slow.withUnsafeMutableBufferPointer { c in
                Kernels.gemmReference(m: rows, n: n, k: depth, a: a, lda: depth, b: b, ldb: ldb, c: c.baseAddress!, ldc: n)
            }
            var worst: Float = 0
            for i in 0..<(panels.count * 6) {
                let row = panels.lowerBound * 6 + i
                for j in 0..<n {
                    // Rows past A's last are products with the zero padding.
                    let expected = row < rows ? slow[row * n + j] : 0
                    worst = max(worst, abs(fast[i * ldc + j] - expected))
                }
                for j in n..<ldc { XCTAssertTrue(fast[i * ldc + j].isNaN, "\(path): C[\(i), \(j)] past n was written") }
            }
            XCTAssertLessThan(worst, 1e-5 * Float(depth).squareRoot(), "\(path): rows \(rows) depth \(depth) n \(n) panels \(panels)")
        }
    }

    /// `gemm`: the products the AVX-512 path takes over (beta 0 and 1, transposed A or B, alpha,
    /// n with and without a tail past whole 16s, strided A, B and C) and the ones it leaves to the
    /// BLAS (too small).
    private func checkGEMM(on path: GEMMPath) throws {
        let cases: [(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float)] = [
            (12, 32, 1, false, false, 1, 0), (30, 1000, 70, false, false, 1, 0), (13, 77, 300, false, false, 1, 1),
            (64, 4100, 27, false, false, 1, 1), (20, 40, 30, true, false, 1, 0), (20, 40, 30, false, true, 0.5, 1),
            (5, 200, 9, false, false, 1, 0), (100, 203, 64, true, false, 0.125, 0), (37, 200, 150, false, true, 1, 0),
            (50, 90, 33, true, true, -2, 1),
        ]
        for (index, t) in cases.enumerated() {
            let lda = (t.transA ? t.m : t.k) + 2, ldb = (t.transB ? t.k : t.n) + 3, ldc = t.n + 5
            let a = randomFloats((t.transA ? t.k : t.m) * lda, seed: 120 + UInt64(index))
            let b = randomFloats((t.transB ? t.n : t.k) * ldb, seed: 130 + UInt64(index))
            var fast = randomFloats(t.m * ldc, seed: 140 + UInt64(index)), slow = fast
            Kernels.gemm(transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k, alpha: t.alpha, a: a, lda: lda,
                         b: b, ldb: ldb, beta: t.beta, c: &fast, ldc: ldc, path: path)
            Kernels.gemmReference(transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k, alpha: t.alpha, a: a, lda: lda,
                                  b: b, ldb: ldb, beta: t.beta, c: &slow, ldc: ldc)
            // Columns past n (to ldc) hold their old values in both.
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5 * Float(t.k).squareRoot() + 1e-6, "\(path): \(t)")
        }
    }

    /// `gemmPackedBias` over column blocks, a ragged tail (n not a multiple of 16), bias and
    /// accumulation into what C holds; depths over several depth blocks, with an odd last panel
    /// and a last 16-column strip (15 rows, 600 deep, 120 columns).
    private func checkPackedProductWithBias(on path: GEMMPath) throws {
        for (index, (rows, depth, n)) in [(20, 48, 1000), (9, 700, 333), (64, 96, 4096 + 5), (15, 600, 120)].enumerated() {
            let w = randomFloats(rows * depth, seed: 80 + UInt64(index)), b = randomFloats(depth * n, seed: 90 + UInt64(index))
            let bias = randomFloats(rows, seed: 100 + UInt64(index)), prior = randomFloats(rows * n, seed: 110 + UInt64(index))
            let (shape, packed) = Kernels.packedWeight(w, rows: rows, depth: depth)
            var fast = prior
            Kernels.gemmPackedBias(shape, a: packed, b: b, ldb: n, n: n, bias: bias, c: &fast, ldc: n,
                                   accumulate: true, path: path)
            var slow = [Float](repeating: 0, count: rows * n)
            slow.withUnsafeMutableBufferPointer { c in
                Kernels.gemmReference(m: rows, n: n, k: depth, a: w, lda: depth, b: b, ldb: n, c: c.baseAddress!, ldc: n)
            }
            for i in 0..<rows { for j in 0..<n { slow[i * n + j] += prior[i * n + j] + bias[i] } }
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5 * Float(depth).squareRoot(), "\(path): rows \(rows) depth \(depth) n \(n)")
        }
    }
}
