import XCTest
import TestSupport
@testable import Core

/// Winograd F(4x4, 3x3) and F(2x2, 3x3) against the direct double-precision convolution.
///
/// Tolerance: the transforms scale values by up to ~100 (B^T entries up to 5 on both sides
/// of the 6x6 input; A^T entries up to 8 on both sides of the product) before rounding, so
/// fp32 Winograd is about 10-100x less exact than an fp32 GEMM (~1e-7 relative per product).
/// With inputs and weights in [-1, 1] the outputs here are O(sqrt(9 Cin)); 2e-5 of the
/// largest output bounds every shape below, while a wrong transform entry or a misplaced
/// tile gives errors of order 1.
final class KernelWinogradTests: XCTestCase {
    static let geometries: [Conv2dGeometry] = [
        // odd sizes: partial tiles on both the right and the bottom edge
        Conv2dGeometry(inChannels: 5, outChannels: 7, height: 17, width: 13, kernel: 3, padding: 1),
        // channel counts that are not multiples of 8, several SIMD groups of tiles
        Conv2dGeometry(inChannels: 19, outChannels: 11, height: 33, width: 29, kernel: 3, padding: 1),
        // no padding (output smaller than input), a single partial tile
        Conv2dGeometry(inChannels: 3, outChannels: 4, height: 5, width: 7, kernel: 3, padding: 0),
        // exact multiples of the tile, wider channels
        Conv2dGeometry(inChannels: 64, outChannels: 48, height: 32, width: 32, kernel: 3, padding: 1),
        // padding 2 (output bigger than input)
        Conv2dGeometry(inChannels: 6, outChannels: 3, height: 9, width: 10, kernel: 3, padding: 2),
    ]

    /// Max |fast - direct| relative to max |direct|.
    func relativeError(_ g: Conv2dGeometry, tile: WinogradTile = .f4x4, bias withBias: Bool, accumulate: Bool = false,
                       scratchFloats: Int = Kernels.winogradBlockFloats, seed: UInt64) -> Float {
        let x = randomFloats(g.inputCount, seed: seed)
        let w = randomFloats(g.weightCount, seed: seed + 1)
        let b = randomFloats(g.outChannels, seed: seed + 2)
        let residual = randomFloats(g.outputCount, seed: seed + 3)
        var fast = accumulate ? residual : [Float](repeating: .nan, count: g.outputCount)
        var slow = [Float](repeating: .nan, count: g.outputCount)
        let u = Kernels.winogradFilter(ohwi: w, outChannels: g.outChannels, inChannels: g.inChannels, tile: tile)
        b.withUnsafeBufferPointer { bias in
            let bp = withBias ? bias.baseAddress : nil
            Kernels.conv2dWinograd(g, tile: tile, input: x, transformedWeight: u, bias: bp, output: &fast, accumulate: accumulate,
                                   scratchFloats: scratchFloats)
            Kernels.conv2dReference(g, input: x, weight: w, bias: bp, output: &slow)
        }
        if accumulate { for i in slow.indices { slow[i] += residual[i] } }
        let scale = slow.reduce(0) { max($0, abs($1)) }
        return maxAbsDifference(fast, slow) / scale
    }

    func testWinogradMatchesDirectConvolutionOnOddShapes() {
        for tile in WinogradTile.allCases {
            for (i, g) in Self.geometries.enumerated() {
                for withBias in [false, true] {
                    let err = relativeError(g, tile: tile, bias: withBias, seed: UInt64(100 + 10 * i))
                    print("\(g) \(tile) bias=\(withBias): max error \(err) of the largest output")
                    XCTAssertLessThan(err, 2e-5, "\(g) \(tile)")
                }
            }
        }
    }

    func testWinogradAccumulateAddsToWhatTheOutputHolds() {
        let g = Self.geometries[1]
        for tile in WinogradTile.allCases {
            let err = relativeError(g, tile: tile, bias: true, accumulate: true, seed: 7)
            print("\(g) \(tile) accumulate: max error \(err) of the largest output")
            XCTAssertLessThan(err, 2e-5, "\(tile)")
        }
    }

    func testWinogradSplitsManyTilesIntoBlocksCorrectly() {
        // 38x39 tiles of F(4x4) (75x78 of F(2x2)) x 36 (16) components x (64 + 64) channels
        // exceed this scratch budget several times over, so many blocks of whole tile rows
        // (the last one short, the tile count not a multiple of 8) run.
        let g = Conv2dGeometry(inChannels: 64, outChannels: 64, height: 150, width: 155, kernel: 3, padding: 1)
        let scratch = 1 << 20
        for tile in WinogradTile.allCases {
            XCTAssertGreaterThan(WinogradTiling(g, tile).count * tile.components * 128, 4 * scratch)
            let err = relativeError(g, tile: tile, bias: true, scratchFloats: scratch, seed: 3)
            print("\(g) \(tile): max error \(err) of the largest output")
            XCTAssertLessThan(err, 2e-5, "\(tile)")
        }
    }

    func testWideInputsComputeEightPanelGroupsCorrectly() {
        // 512 input channels: groups of 8 panels (48 outputs); 54 outputs leave a partial second
        // group. 20x20 with F(4x4) is 25 tiles, whose V exceeds the one-block budget, so this
        // runs the blocked path that the tokenizer's 32x32 frames take.
        let g = Conv2dGeometry(inChannels: 512, outChannels: 54, height: 20, width: 20, kernel: 3, padding: 1)
        XCTAssertEqual(Kernels.winogradGroupPanels(inChannels: 512), 8)
        XCTAssertGreaterThan(WinogradTile.f4x4.components * 512 * 32, Kernels.winogradBlockFloats)
        let err = relativeError(g, tile: .f4x4, bias: true, accumulate: true, seed: 9)
        print("\(g) F(4x4) groups of 8 panels: max error \(err) of the largest output")
        // Rounding grows with the depth of the sums (9 x 512 terms, 8 times the widest above;
        // the grouping itself changes no sum): 2.7e-5 here, with 4-panel groups too.
        XCTAssertLessThan(err, 6e-5)
    }

    func testSmallImagesRunAsOneBlockSplitByChannelsCorrectly() {
        // Every tile in one block (the 16x16 levels' path): 8x8 tiles of F(2x2), 4x4 of
        // F(4x4), with more output channel groups than threads and a partial last group.
        let groupRows = Kernels.winogradGroupPanels(inChannels: 40) * PackedRowPanels.panelRows
        XCTAssertGreaterThan((110 + groupRows - 1) / groupRows, Kernels.threadCount)
        XCTAssertNotEqual(110 % groupRows, 0)
        let g = Conv2dGeometry(inChannels: 40, outChannels: 110, height: 16, width: 16, kernel: 3, padding: 1)
        for tile in WinogradTile.allCases {
            XCTAssertLessThanOrEqual(tile.components * 40 * 64, Kernels.winogradBlockFloats)
            let err = relativeError(g, tile: tile, bias: true, accumulate: true, seed: 5)
            print("\(g) \(tile) one block: max error \(err) of the largest output")
            XCTAssertLessThan(err, 2e-5, "\(tile)")
        }
    }

    func testWeightTransformOfACentredDeltaIsTheOuterProductOfGsMiddleColumn() {
        // g = delta at the kernel's centre: U = G e1 e1^T G^T = (G[:,1]) (G[:,1])^T.
        var w = [Float](repeating: 0, count: 9)
        w[4] = 1
        let u = Kernels.winogradWeights(ohwi: w, outChannels: 1, inChannels: 1)
        let column: [Float] = [0, -1.0 / 6, 1.0 / 6, 1.0 / 12, -1.0 / 12, 0]
        for a in 0..<6 {
            for b in 0..<6 {
                XCTAssertEqual(u[a * 6 + b], column[a] * column[b], accuracy: 1e-7, "U[\(a), \(b)]")
            }
        }
    }

    func testF2x2WeightTransformOfACentredDeltaIsTheOuterProductOfGsMiddleColumn() {
        var w = [Float](repeating: 0, count: 9)
        w[4] = 1
        let u = Kernels.winogradWeights(ohwi: w, outChannels: 1, inChannels: 1, tile: .f2x2)
        let column: [Float] = [0, 0.5, -0.5, 0]
        for a in 0..<4 {
            for b in 0..<4 {
                XCTAssertEqual(u[a * 4 + b], column[a] * column[b], accuracy: 1e-7, "U[\(a), \(b)]")
            }
        }
    }

    func testModelsPreferF4x4OnBigImagesF2x2OnSmallOnesAndNoWinogradElsewhere() {
        func g(_ size: Int, kernel: Int = 3, stride: Int = 1) -> Conv2dGeometry {
            Conv2dGeometry(inChannels: 32, outChannels: 8, height: size, width: size, kernel: kernel, stride: stride, padding: kernel / 2)
        }
        XCTAssertEqual(Conv2dAlgorithm.preferredWinogradTile(for: g(256)), .f4x4)
        XCTAssertEqual(Conv2dAlgorithm.preferredWinogradTile(for: g(32)), .f4x4)
        XCTAssertEqual(Conv2dAlgorithm.preferredWinogradTile(for: g(16)), .f2x2)
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: Conv2dGeometry(inChannels: 3, outChannels: 128, height: 256, width: 256,
                                                                               kernel: 3, padding: 1)), "RGB input layer")
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g(256, stride: 2)))
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g(256, kernel: 1)))
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g(256, kernel: 5)))
    }
}
