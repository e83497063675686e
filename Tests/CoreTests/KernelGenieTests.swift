import Foundation
import XCTest
import TestSupport
import Core

/// The vectorised kernels GENIE uses, each against its plain twin or libm.
final class GenieKernelsTests: XCTestCase {
    func testVectorExpIsWithinTwoUlpOfLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0 ..< 8).map { x + Float($0) * 0.0013 })
            let got = Kernels.exp(lanes)
            for i in 0 ..< 8 {
                let want = Foundation.exp(Double(lanes[i]))
                worst = max(worst, Float(abs(Double(got[i]) - want) / want))
            }
            x += 0.0173
        }
        print("vector exp: max relative error \(worst)")
        XCTAssertLessThan(worst, 2.5e-7)
        XCTAssertEqual(Kernels.exp(SIMD8(repeating: 0))[3], 1)
    }

    func testSoftmaxMatchesItsReference() {
        var rng = Xoshiro256(seed: 3)
        let width = 259, rows = 5 // not a multiple of 8, so the tail runs too
        var fast = (0 ..< rows * width).map { _ in 40 * rng.nextUnitFloat() - 20 }
        var slow = fast
        fast.withUnsafeMutableBufferPointer { Kernels.softmaxRows($0.baseAddress!, rows: rows, width: width) }
        slow.withUnsafeMutableBufferPointer { Kernels.softmaxRowsReference($0.baseAddress!, rows: rows, width: width) }
        let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
        print("softmax: max abs difference \(worst)")
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertEqual(fast[0 ..< width].reduce(0, +), 1, accuracy: 1e-5)
    }

    func testGELUMatchesItsReference() {
        let count = 4003
        var fast = (0 ..< count).map { Float($0 - 2000) * 0.004 } // -8 ... 8
        var slow = fast
        fast.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: count) }
        slow.withUnsafeMutableBufferPointer { Kernels.geluReference($0.baseAddress!, count: count) }
        let worst = zip(fast, slow).map { abs($0 - $1) }.max()!
        print("gelu: max abs difference \(worst)")
        XCTAssertLessThan(worst, 2e-6)
        XCTAssertEqual(fast[2000], 0)
        XCTAssertEqual(fast[2250], 0.841_344_7, accuracy: 1e-6) // GELU(1) = Phi(1)
    }
}
