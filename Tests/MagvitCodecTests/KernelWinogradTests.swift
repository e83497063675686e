import XCTest
@testable import MagvitCodec

/// Winograd F(4x4, 3x3) and F(6x6, 3x3) against the direct double-precision convolution.
///
/// Tolerance: F(4x4)'s transforms scale values by up to ~100 (B^T entries up to 5 on both
/// sides of the 6x6 input; A^T entries up to 8 on both sides of the product) before
/// rounding, so fp32 Winograd is about 10-100x less exact than an fp32 GEMM (~1e-7 relative
/// per product); F(6x6)'s (B^T up to 5.25, A^T up to 32) about 10x less again. With inputs
/// and weights in [-1, 1] the outputs here are O(sqrt(9 Cin)); 2e-5 (F4) and 1e-4 (F6) of
/// the largest output bound every shape below, while a wrong transform entry or a misplaced
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

    static func tolerance(_ tile: WinogradTile) -> Float { tile == .f4x4 ? 2e-5 : 1e-4 }

    /// Max |fast - direct| relative to max |direct|.
    func relativeError(_ g: Conv2dGeometry, tile: WinogradTile, bias withBias: Bool, accumulate: Bool = false, seed: UInt64) -> Float {
        let x = randomFloats(g.inputCount, seed: seed)
        let w = randomFloats(g.weightCount, seed: seed + 1)
        let b = randomFloats(g.outChannels, seed: seed + 2)
        let residual = randomFloats(g.outputCount, seed: seed + 3)
        var fast = accumulate ? residual : [Float](repeating: .nan, count: g.outputCount)
        var slow = [Float](repeating: .nan, count: g.outputCount)
        let u = Kernels.winogradWeights(ohwi: w, outChannels: g.outChannels, inChannels: g.inChannels, tile: tile)
        b.withUnsafeBufferPointer { bias in
            let bp = withBias ? bias.baseAddress : nil
            Kernels.conv2dWinograd(g, tile: tile, input: x, transformedWeight: u, bias: bp, output: &fast, accumulate: accumulate)
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
                    XCTAssertLessThan(err, Self.tolerance(tile), "\(g) \(tile)")
                }
            }
        }
    }

    func testWinogradAccumulateAddsToWhatTheOutputHolds() {
        for tile in WinogradTile.allCases {
            let g = Self.geometries[1]
            let err = relativeError(g, tile: tile, bias: true, accumulate: true, seed: 7)
            print("\(g) \(tile) accumulate: max error \(err) of the largest output")
            XCTAssertLessThan(err, Self.tolerance(tile), "\(tile)")
        }
    }

    func testWinogradSplitsManyTilesIntoBlocksCorrectly() {
        // Tiles x components x (64 + 64) channels exceed the scratch budget, so several blocks
        // (the last one short and not a multiple of 8 tiles) run.
        let g = Conv2dGeometry(inChannels: 64, outChannels: 64, height: 200, width: 155, kernel: 3, padding: 1)
        for tile in WinogradTile.allCases {
            let tiles = WinogradTiling(g, tile: tile).count
            XCTAssertGreaterThan(tiles * tile.components * 128, Kernels.winogradBlockFloats)
            let err = relativeError(g, tile: tile, bias: true, seed: 3)
            print("\(g) \(tile): max error \(err) of the largest output")
            XCTAssertLessThan(err, Self.tolerance(tile), "\(tile)")
        }
    }

    func testWeightTransformOfACentredDeltaIsTheOuterProductOfGsMiddleColumn() {
        // g = delta at the kernel's centre: U = G e1 e1^T G^T = (G[:,1]) (G[:,1])^T.
        var w = [Float](repeating: 0, count: 9)
        w[4] = 1
        let middleColumns: [WinogradTile: [Float]] = [
            .f4x4: [0, -1.0 / 6, 1.0 / 6, 1.0 / 12, -1.0 / 12, 0],
            .f6x6: [0, -2.0 / 9, 2.0 / 9, 1.0 / 45, -1.0 / 45, 16.0 / 45, -16.0 / 45, 0],
        ]
        for (tile, column) in middleColumns {
            let u = Kernels.winogradWeights(ohwi: w, outChannels: 1, inChannels: 1, tile: tile)
            let a = tile.inputSize
            XCTAssertEqual(u.count, a * a)
            for row in 0..<a {
                for col in 0..<a {
                    XCTAssertEqual(u[row * a + col], column[row] * column[col], accuracy: 1e-7, "\(tile) U[\(row), \(col)]")
                }
            }
        }
    }

    func testModelsPreferF6OnBigImagesF4OnMediumOnesAndNoWinogradOtherwise() {
        func g(_ size: Int, kernel: Int = 3, stride: Int = 1) -> Conv2dGeometry {
            Conv2dGeometry(inChannels: 8, outChannels: 8, height: size, width: size, kernel: kernel, stride: stride, padding: kernel / 2)
        }
        XCTAssertEqual(Conv2dAlgorithm.preferredWinogradTile(for: g(256)), .f6x6)
        XCTAssertEqual(Conv2dAlgorithm.preferredWinogradTile(for: g(64)), .f6x6)
        XCTAssertEqual(Conv2dAlgorithm.preferredWinogradTile(for: g(32)), .f4x4)
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g(16)))
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g(256, stride: 2)))
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g(256, kernel: 1)))
        XCTAssertNil(Conv2dAlgorithm.preferredWinogradTile(for: g(256, kernel: 5)))
    }
}
