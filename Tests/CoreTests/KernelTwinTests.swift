import Foundation
import XCTest
import TestSupport
@testable import Core

/// The small kernels against their naive twins: odd widths (the scalar tails of the eight-lane
/// loops run) and sizes large enough for `parallelFor` to split them.
final class KernelTwinTests: XCTestCase {
    func testScalarExpIsTheVectorExpAndBothFollowLibm() {
        var worst: Float = 0
        for x in stride(from: Float(-87), to: 88, by: 0.0371) {
            let lane = Kernels.exp(SIMD8(repeating: x))[0]
            XCTAssertEqual(Kernels.exp(x).bitPattern, lane.bitPattern, "\(x)")
            let want = Kernels.expReference(x)
            worst = max(worst, abs(lane - want) / want)
        }
        XCTAssertLessThan(worst, 1.2e-7)
        XCTAssertEqual(Kernels.exp(Float(0)), 1)
        // Past float's range it saturates instead of overflowing.
        XCTAssertTrue(Kernels.exp(Float(100)).isFinite)
        XCTAssertGreaterThan(Kernels.exp(Float(100)), 2e38)
        XCTAssertLessThan(Kernels.exp(Float(-100)), 1.3e-38)
    }

    func testVectorErfFollowsLibm() {
        var worst: Float = 0
        for x in stride(from: Float(-6), to: 6, by: 0.0017) {
            let got = Kernels.erf(SIMD8((0..<8).map { x + Float($0) * 0.0002 }))
            for i in 0..<8 { worst = max(worst, abs(got[i] - Float(Foundation.erf(Double(x + Float(i) * 0.0002))))) }
        }
        XCTAssertLessThan(worst, 1e-6) // A&S 7.1.26: 1.5e-7, plus float rounding
    }

    func testSwishReluAndAddMatchTheirNaiveTwins() {
        let n = 70_003
        let x = randomFloats(n, in: -30...30, seed: 11), other = randomFloats(n, seed: 12)
        var fast = x, slow = x
        Kernels.swish(&fast, count: n)
        Kernels.swishReference(&slow, count: n)
        for i in 0..<n { XCTAssertEqual(fast[i], slow[i], accuracy: 5e-7 * max(1, abs(slow[i])), "swish(\(x[i]))") }
        fast = x; slow = x
        Kernels.relu(&fast, count: n)
        Kernels.reluReference(&slow, count: n)
        XCTAssertEqual(fast, slow)
        fast = x; slow = x
        Kernels.add(&fast, other, count: n)
        Kernels.addReference(&slow, other, count: n)
        XCTAssertEqual(fast, slow)
    }

    func testLayerNormMatchesItsNaiveTwinWithAndWithoutAffine() {
        for (rows, width) in [(1, 7), (5, 259), (3, 1024)] {
            let x = randomFloats(rows * width, in: -3...5, seed: 21)
            let weight = randomFloats(width, seed: 22), bias = randomFloats(width, seed: 23)
            for affine in [false, true] {
                var fast = [Float](repeating: .nan, count: rows * width), slow = fast
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        Kernels.layerNorm(x, into: &fast, rows: rows, width: width,
                                          weight: affine ? w.baseAddress : nil, bias: affine ? b.baseAddress : nil, eps: 1e-5)
                        Kernels.layerNormReference(x, into: &slow, rows: rows, width: width,
                                                   weight: affine ? w.baseAddress : nil, bias: affine ? b.baseAddress : nil, eps: 1e-5)
                    }
                }
                XCTAssertLessThan(maxAbsDifference(fast, slow), 2e-5, "\(rows) x \(width), affine \(affine)")
            }
        }
        // In place, as GENIE calls it.
        var inPlace = randomFloats(2 * 37, seed: 24)
        var slow = [Float](repeating: .nan, count: inPlace.count)
        Kernels.layerNormReference(inPlace, into: &slow, rows: 2, width: 37, weight: nil, bias: nil, eps: 1e-6)
        inPlace.withUnsafeMutableBufferPointer { Kernels.layerNorm($0.baseAddress!, into: $0.baseAddress!, rows: 2, width: 37, weight: nil, bias: nil, eps: 1e-6) }
        XCTAssertLessThan(maxAbsDifference(inPlace, slow), 2e-5)
    }

    func testAttendOneMatchesItsNaiveTwin() {
        for (count, width, stride) in [(1, 8, 8), (3, 37, 40), (16, 64, 130), (7, 5, 5)] {
            let q = randomFloats(width, seed: 31)
            let keys = randomFloats(count * stride, in: -2...2, seed: 32), values = randomFloats(count * stride, seed: 33)
            let bases = (0..<count).map { ($0 * 5 % count) * stride } // out of order, as a gather
            var weights = [Float](repeating: .nan, count: count)
            var fast = [Float](repeating: .nan, count: width), slow = fast
            Kernels.attendOne(query: q, keys: keys, values: values, bases: bases, count: count, width: width, scale: 0.7,
                              weights: &weights, into: &fast)
            Kernels.attendOneReference(query: q, keys: keys, values: values, bases: bases, count: count, width: width, scale: 0.7,
                                       into: &slow)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 2e-6, "\(count) keys of \(width)")
            XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testRowHelpersMatchTheirNaiveTwins() {
        for width in [1, 8, 13, 259] {
            let a = randomFloats(width, seed: 41), b = randomFloats(width, seed: 42)
            let fastDot = Kernels.dot(a, b, count: width), slowDot = Kernels.dotReference(a, b, count: width)
            XCTAssertEqual(Double(fastDot), slowDot, accuracy: 1e-5 * Double(width).squareRoot(), "dot over \(width)")
            var fast = b, slow = b
            Kernels.addScaled(a, by: -0.37, to: &fast, count: width)
            Kernels.addScaledReference(a, by: -0.37, to: &slow, count: width)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 2e-7, "addScaled over \(width)")
        }
        for (rows, width) in [(1, 5), (3, 17), (1_000, 33)] {
            let v = randomFloats(width, seed: 43), y = randomFloats(rows * width, seed: 44)
            var fast = y, slow = y
            Kernels.addRowVector(v, to: &fast, rows: rows, width: width)
            Kernels.addRowVectorReference(v, to: &slow, rows: rows, width: width)
            XCTAssertEqual(fast, slow)
            fast = y; slow = y
            Kernels.fillRows(&fast, with: v, rows: rows, width: width)
            Kernels.fillRowsReference(&slow, with: v, rows: rows, width: width)
            XCTAssertEqual(fast, slow)
        }
    }

    func testDepthToSpaceAndMaxPoolMatchTheirNaiveTwins() {
        for (c, h, w) in [(1, 1, 1), (3, 4, 5), (17, 9, 6)] {
            let x = randomFloats(4 * c * h * w, seed: 51)
            var fast = [Float](repeating: .nan, count: x.count), slow = fast
            Kernels.depthToSpace2(input: x, output: &fast, channels: c, height: h, width: w)
            Kernels.depthToSpace2Reference(input: x, output: &slow, channels: c, height: h, width: w)
            XCTAssertEqual(fast.map(\.bitPattern), slow.map(\.bitPattern), "\(c) x \(h) x \(w)")
        }
        for (c, h, w, k, s) in [(2, 9, 8, 3, 2), (5, 7, 7, 2, 2), (3, 11, 13, 3, 1), (64, 15, 15, 3, 2)] {
            let x = randomFloats(c * h * w, seed: 52)
            let ho = (h - k) / s + 1, wo = (w - k) / s + 1
            var fast = [Float](repeating: .nan, count: c * ho * wo), slow = fast
            Kernels.maxPool2d(input: x, output: &fast, channels: c, height: h, width: w, kernel: k, stride: s)
            Kernels.maxPool2dReference(input: x, output: &slow, channels: c, height: h, width: w, kernel: k, stride: s)
            XCTAssertEqual(fast, slow, "\(c) x \(h) x \(w), \(k)/\(s)")
        }
    }

    func testRotateHalvesMatchesItsNaiveTwin() {
        for (heads, headDim) in [(1, 2), (3, 20), (4, 64), (2, 130)] {
            let half = headDim / 2
            let x = randomFloats(heads * headDim, seed: 61)
            let angles = (0..<half).map { Float($0) * 0.37 + 0.05 }
            let cosines = angles.map { Foundation.cos($0) }, sines = angles.map { Foundation.sin($0) }
            var fast = x, slow = x
            Kernels.rotateHalves(&fast, heads: heads, headDim: headDim, cos: cosines, sin: sines)
            Kernels.rotateHalvesReference(&slow, heads: heads, headDim: headDim, cos: cosines, sin: sines)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 4e-7, "\(heads) heads of \(headDim)")
        }
    }
}
