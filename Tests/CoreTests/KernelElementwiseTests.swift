import XCTest
import TestSupport
@testable import Core

final class KernelElementwiseTests: XCTestCase {
    func testSwishIsXTimesSigmoid() {
        var x: [Float] = [-20, -1, 0, 0.5, 3, 20]
        let expected = x.map { v in Float(Double(v) / (1 + exp(-Double(v)))) }
        Kernels.swish(&x, count: x.count)
        for (a, b) in zip(x, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testSwishAndReluAndAddOverManyElementsSplitAcrossThreads() {
        let n = 100_003
        let x = randomFloats(n, in: -4...4, seed: 1)
        var s = x, r = x, a = x
        Kernels.swish(&s, count: n)
        Kernels.relu(&r, count: n)
        Kernels.add(&a, x, count: n)
        for i in stride(from: 0, to: n, by: 997) + [n - 1] {
            XCTAssertEqual(s[i], x[i] / (1 + exp(-x[i])), accuracy: 1e-6)
            XCTAssertEqual(r[i], max(0, x[i]))
            XCTAssertEqual(a[i], 2 * x[i])
        }
    }

    func testDepthToSpacePlacesSubpixelsByBlockOffset() {
        let (c, h, w) = (3, 4, 5)
        let x = (0..<(4 * c * h * w)).map(Float.init)
        var y = [Float](repeating: .nan, count: x.count)
        Kernels.depthToSpace2(input: x, output: &y, channels: c, height: h, width: w)
        for ch in 0..<c { for yy in 0..<h { for xx in 0..<w { for a in 0..<2 { for b in 0..<2 {
            let out = y[(ch * 2 * h + 2 * yy + a) * 2 * w + 2 * xx + b]
            XCTAssertEqual(out, x[(((2 * a + b) * c + ch) * h + yy) * w + xx])
        } } } } }
    }

    func testMaxPoolTakesWindowMaximumAndFloorsTheSize() {
        let (c, h, w) = (2, 9, 8)   // 9 -> 4 rows, 8 -> 3 columns (the last column is dropped)
        let x = randomFloats(c * h * w, seed: 3)
        var y = [Float](repeating: .nan, count: c * 4 * 3)
        Kernels.maxPool2d(input: x, output: &y, channels: c, height: h, width: w, kernel: 3, stride: 2)
        for ch in 0..<c { for oy in 0..<4 { for ox in 0..<3 {
            var m = -Float.infinity
            for ky in 0..<3 { for kx in 0..<3 { m = max(m, x[(ch * h + 2 * oy + ky) * w + 2 * ox + kx]) } }
            XCTAssertEqual(y[(ch * 4 + oy) * 3 + ox], m)
        } } }
    }
}
