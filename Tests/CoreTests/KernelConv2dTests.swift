import XCTest
import TestSupport
@testable import Core

final class KernelConv2dTests: XCTestCase {
    // Shapes that exercise every path: 1x1, stride-1 3x3 and 5x5 (several bands, odd sizes,
    // channels that are not multiples of anything), stride-2 downsampling (even and odd sizes,
    // padding 0 and 1, even kernels, kernels that reach past their phase), LPIPS's 11x11/4.
    static let geometries: [Conv2dGeometry] = [
        Conv2dGeometry(inChannels: 7, outChannels: 5, height: 9, width: 11, kernel: 1),
        Conv2dGeometry(inChannels: 6, outChannels: 8, height: 13, width: 10, kernel: 3, padding: 1),
        Conv2dGeometry(inChannels: 3, outChannels: 4, height: 8, width: 8, kernel: 3, padding: 0),
        Conv2dGeometry(inChannels: 5, outChannels: 3, height: 12, width: 9, kernel: 5, padding: 2),
        Conv2dGeometry(inChannels: 4, outChannels: 6, height: 16, width: 16, kernel: 3, stride: 2, padding: 1),
        Conv2dGeometry(inChannels: 3, outChannels: 4, height: 35, width: 31, kernel: 11, stride: 4, padding: 2),
        Conv2dGeometry(inChannels: 2, outChannels: 3, height: 7, width: 6, kernel: 1, stride: 2, padding: 1),
        Conv2dGeometry(inChannels: 5, outChannels: 7, height: 15, width: 13, kernel: 3, stride: 2, padding: 1),
        Conv2dGeometry(inChannels: 6, outChannels: 4, height: 14, width: 11, kernel: 3, stride: 2, padding: 0),
        Conv2dGeometry(inChannels: 3, outChannels: 5, height: 9, width: 12, kernel: 2, stride: 2, padding: 0),
        Conv2dGeometry(inChannels: 4, outChannels: 3, height: 17, width: 16, kernel: 5, stride: 2, padding: 2),
        Conv2dGeometry(inChannels: 3, outChannels: 2, height: 13, width: 10, kernel: 4, stride: 3, padding: 1),
        Conv2dGeometry(inChannels: 40, outChannels: 33, height: 20, width: 18, kernel: 3, stride: 2, padding: 1),
        Conv2dGeometry(inChannels: 5, outChannels: 6, height: 10, width: 37, kernel: 3, stride: 2, padding: 0),
        // At least 32x32 outputs: polyphase groups taps that share an offset into one GEMM.
        Conv2dGeometry(inChannels: 3, outChannels: 2, height: 64, width: 66, kernel: 5, stride: 2, padding: 2),
        Conv2dGeometry(inChannels: 2, outChannels: 3, height: 97, width: 99, kernel: 4, stride: 3, padding: 1),
        Conv2dGeometry(inChannels: 3, outChannels: 4, height: 65, width: 66, kernel: 3, stride: 2, padding: 0),
    ]

    func check(_ g: Conv2dGeometry, algorithm: Conv2dAlgorithm?, withBias: Bool, seed: UInt64) -> Float {
        let x = randomFloats(g.inputCount, seed: seed)
        let w = randomFloats(g.weightCount, seed: seed + 1)
        let b = randomFloats(g.outChannels, seed: seed + 2)
        var fast = [Float](repeating: .nan, count: g.outputCount)
        var slow = [Float](repeating: .nan, count: g.outputCount)
        b.withUnsafeBufferPointer { bias in
            let bp = withBias ? bias.baseAddress : nil
            Kernels.conv2d(g, input: x, weight: w, bias: bp, output: &fast, algorithm: algorithm)
            Kernels.conv2dReference(g, input: x, weight: w, bias: bp, output: &slow)
        }
        return maxAbsDifference(fast, slow)
    }

    func testEveryApplicableAlgorithmMatchesDirectConvolution() {
        for (i, g) in Self.geometries.enumerated() {
            for algorithm in Conv2dAlgorithm.allCases where algorithm.supports(g) {
                for withBias in [false, true] {
                    let err = check(g, algorithm: algorithm, withBias: withBias, seed: UInt64(10 * i))
                    print("\(g) \(algorithm) bias=\(withBias): max abs diff \(err)")
                    XCTAssertLessThan(err, 1e-4, "\(g) via \(algorithm)")
                }
            }
        }
    }

    /// `conv2dPackedIm2col` (weights packed at load, im2col gathered into the micro-kernel's
    /// strips) against the direct convolution on every geometry above and a 256-channel 3x3/2
    /// one of several column blocks and depth blocks, with bias and adding to what the output
    /// holds, on every GEMM path this CPU runs (the weights are bf16 values, so that the AMX path,
    /// where there is one, runs on its tiles).
    func testPackedIm2colMatchesDirectConvolutionAndAccumulates() {
        let big = Conv2dGeometry(inChannels: 256, outChannels: 20, height: 33, width: 33, kernel: 3, stride: 2, padding: 0)
        for (i, g) in (Self.geometries + [big]).enumerated() {
            let x = randomFloats(g.inputCount, seed: UInt64(300 + i))
            let w = randomFloats(g.weightCount, seed: UInt64(400 + i)).map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
            let bias = randomFloats(g.outChannels, seed: UInt64(500 + i)), prior = randomFloats(g.outputCount, seed: UInt64(600 + i))
            var slow = [Float](repeating: 0, count: g.outputCount)
            Kernels.conv2dReference(g, input: x, weight: w, bias: bias, output: &slow)
            for j in slow.indices { slow[j] += prior[j] }
            let depth = g.kernel * g.kernel * g.inChannels
            let (shape, packed) = Kernels.packedWeight(w, rows: g.outChannels, depth: depth)
            let tiles = AMXWeightTiles(w, rows: g.outChannels, depth: depth)
            XCTAssertEqual(tiles != nil, GEMMPath.amx.isAvailable)
            for path in GEMMPath.allCases where path.isAvailable {
                var fast = prior
                Kernels.conv2dPackedIm2col(g, input: x, weight: shape, packed: packed, bias: bias, output: &fast,
                                           accumulate: true, tiles: tiles, path: path)
                // Float sums of K*K*Cin products in another order than the reference's doubles.
                XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5 * Float(depth).squareRoot() + 1e-5, "\(g) on \(path)")
            }
        }
    }

    func testShiftedGemmSplitsLargeImagesIntoBandsCorrectly() {
        // 64 channels x 130 wide exceeds one band, so several bands (and a short last one) run.
        let g = Conv2dGeometry(inChannels: 16, outChannels: 64, height: 150, width: 130, kernel: 3, padding: 1)
        XCTAssertGreaterThan(g.outChannels * (g.width + 2) * g.outHeight, Kernels.convBandFloats)
        let err = check(g, algorithm: .shiftedGemm, withBias: true, seed: 99)
        print("\(g) shiftedGemm: max abs diff \(err)")
        XCTAssertLessThan(err, 1e-4)
    }

    func testIm2colSplitsLargeImagesIntoBandsCorrectly() {
        let g = Conv2dGeometry(inChannels: 64, outChannels: 8, height: 150, width: 130, kernel: 3, stride: 2, padding: 1)
        XCTAssertGreaterThan(g.kernel * g.kernel * g.inChannels * g.outWidth * g.outHeight, Kernels.convBandFloats)
        let err = check(g, algorithm: .im2col, withBias: true, seed: 7)
        print("\(g) im2col: max abs diff \(err)")
        XCTAssertLessThan(err, 1e-4)
    }

    func testPolyphaseSplitsLargeImagesIntoBandsCorrectly() {
        // 64 channels x 131 phase columns x 131 rows exceeds one band, so two bands run (of 66
        // and 65 rows); odd input sizes leave the last phase row and column partly padding.
        let g = Conv2dGeometry(inChannels: 16, outChannels: 64, height: 261, width: 259, kernel: 3, stride: 2, padding: 1)
        XCTAssertGreaterThan(g.outChannels * (g.outWidth + 1) * g.outHeight, Kernels.convBandFloats)
        let err = check(g, algorithm: .polyphase, withBias: true, seed: 21)
        print("\(g) polyphase: max abs diff \(err)")
        XCTAssertLessThan(err, 1e-4)
    }

    func testPolyphaseGroupsEveryStride2OffsetIntoOneGemm() {
        // 3x3/2: offsets (0,0), (0,1), (1,0), (1,1) read 4, 2, 2 and 1 phases.
        let plan = PolyphasePlan(kernel: 3, stride: 2)
        XCTAssertEqual(plan.groups.map(\.taps.count), [4, 2, 2, 1])
        XCTAssertEqual(Set(plan.slots), [0, 1, 2, 3])
        for group in plan.groups {
            for (i, tap) in group.taps.enumerated() {
                XCTAssertEqual(tap.ky / 2, group.dy)
                XCTAssertEqual(tap.kx / 2, group.dx)
                XCTAssertEqual(plan.slots[(tap.ky % 2) * 2 + tap.kx % 2], group.firstSlot + i)
            }
        }
        XCTAssertEqual(PolyphasePlan(kernel: 3, stride: 2, groupingTaps: false).groups.count, 9)
        // Every tap exactly once, whatever the kernel and stride.
        for (k, s) in [(3, 2), (5, 2), (4, 3), (11, 4)] {
            for grouping in [true, false] {
                let plan = PolyphasePlan(kernel: k, stride: s, groupingTaps: grouping)
                let taps = plan.groups.flatMap { $0.taps.map { $0.ky * k + $0.kx } }
                XCTAssertEqual(taps.sorted(), Array(0..<(k * k)), "\(k)x\(k)/\(s)")
            }
        }
    }

    func testPreferredAlgorithmFollowsTheShape() {
        XCTAssertEqual(Conv2dAlgorithm.preferred(for: Self.geometries[0]), .pointwise)
        XCTAssertEqual(Conv2dAlgorithm.preferred(for: Self.geometries[1]), .im2col, "6 input channels")
        XCTAssertEqual(Conv2dAlgorithm.preferred(for: Conv2dGeometry(inChannels: 16, outChannels: 8, height: 13, width: 10,
                                                                      kernel: 3, padding: 1)), .shiftedGemm)
        XCTAssertEqual(Conv2dAlgorithm.preferred(for: Self.geometries[4]), .im2col)
        XCTAssertEqual(Conv2dAlgorithm.preferred(for: Self.geometries[6]), .im2col)
        XCTAssertEqual(Conv2dAlgorithm.preferred(for: Self.geometries[12]), .polyphase)
        // The codec encoder's downsampling convolutions.
        for (channels, size) in [(128, 256), (128, 128), (256, 64), (256, 32)] {
            let g = Conv2dGeometry(inChannels: channels, outChannels: channels, height: size, width: size,
                                   kernel: 3, stride: 2, padding: 1)
            XCTAssertEqual(Conv2dAlgorithm.preferred(for: g), .polyphase, "\(g)")
        }
    }

    func testOHWIRepackMovesInputChannelLast() {
        // w[o, i, ky, kx] = 1000 o + 100 i + 10 ky + kx, so each value names its own index.
        let (o, i, k) = (2, 3, 2)
        var w = [Float]()
        for a in 0..<o { for b in 0..<i { for c in 0..<k { for d in 0..<k { w.append(Float(1000 * a + 100 * b + 10 * c + d)) } } } }
        let packed = Kernels.ohwiFromOIHW(w, outChannels: o, inChannels: i, kernel: k)
        for a in 0..<o { for b in 0..<i { for c in 0..<k { for d in 0..<k {
            XCTAssertEqual(packed[((a * k + c) * k + d) * i + b], Float(1000 * a + 100 * b + 10 * c + d))
        } } } }
    }
}
