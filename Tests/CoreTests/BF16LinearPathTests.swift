import Foundation
import XCTest
import TestSupport
@testable import Core

/// The bf16 linear layer's GEMM on each micro-kernel path (GEMMPath) against its naive twin. The
/// AVX2+FMA path runs on every machine; the AVX-512 and AMX paths are skipped, saying so, where
/// the CPU (or Linux, for the AMX tile state) lacks them.
final class BF16LinearPathTests: XCTestCase {
    func testPortableBF16LinearMatchesTheNaiveTwin() throws {
        checkLinear(on: .portable)
    }

    func testAVX512BF16LinearMatchesTheNaiveTwin() throws {
        guard GEMMPath.avx512.isAvailable else { throw XCTSkip("this CPU lacks AVX-512 F/CD/BW/DQ/VL") }
        checkLinear(on: .avx512)
    }

    /// Float32 accuracy from bf16 tiles: a split of x that dropped its middle or low part would
    /// miss the tolerance below by two orders of magnitude.
    func testAMXBF16LinearMatchesTheNaiveTwin() throws {
        guard GEMMPath.amx.isAvailable else { throw XCTSkip("this CPU or kernel offers no AMX-BF16 tiles") }
        checkLinear(on: .amx)
    }

    /// One and two rows (the GEMV: whole 8-row groups and a rest, depths past the last whole 32),
    /// row counts around the 6-, 12-, 16- and 32-row tiles, column counts with odd slivers and
    /// ragged last pairs (n mod 32 in 1 ..< 32), depths of one, not whole 32s, and across the 256
    /// and 512 blocks.
    private func checkLinear(on path: GEMMPath) {
        let shapes = [(1, 37, 300), (2, 8, 64), (1, 16, 8), (3, 16, 8), (5, 48, 513), (11, 17, 1), (12, 32, 256), (13, 300, 257), (24, 80, 70),
                      (25, 47, 512), (64, 64, 64), (100, 400, 600),
                      (16, 16, 32), (33, 31, 1), (47, 600, 1100)]
        for (seed, (m, n, k)) in shapes.enumerated() {
            var rng = Xoshiro256(seed: UInt64(seed))
            let x = (0..<(m * (k + 3))).map { _ in rng.nextUnitFloat() * 2 - 1 }
            var bits = (0..<(n * k)).map { _ in UInt16(truncatingIfNeeded: (rng.nextUnitFloat() * 2 - 1).bitPattern >> 16) }
            var fast = [Float](repeating: .nan, count: m * (n + 5)), slow = fast
            bits.withUnsafeMutableBufferPointer { b in
                let w = BF16Matrix(rows: n, columns: k, bits: UnsafePointer(b.baseAddress!), owner: nil)
                x.withUnsafeBufferPointer { x in
                    Kernels.linearBF16(x.baseAddress!, rows: m, ldx: k + 3, weight: w, into: &fast, ldy: n + 5, path: path)
                    Kernels.linearBF16Reference(x.baseAddress!, rows: m, ldx: k + 3, weight: w, into: &slow, ldy: n + 5)
                }
            }
            var worst: Float = 0
            for i in 0..<m {
                for j in 0..<n { worst = max(worst, abs(fast[i * (n + 5) + j] - slow[i * (n + 5) + j])) }
                for j in n..<(n + 5) { XCTAssertTrue(fast[i * (n + 5) + j].isNaN, "\(path) m \(m) n \(n) k \(k): wrote past the row") }
            }
            XCTAssertLessThan(worst, 1e-5 * Float(k).squareRoot(), "\(path) m \(m) n \(n) k \(k)")
        }
    }
}
