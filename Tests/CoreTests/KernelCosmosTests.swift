import XCTest
import TestSupport
import Core

/// The Cosmos kernels against their naive twins over several geometries.
final class CosmosKernelTests: XCTestCase {
    func testCausalTemporalConvMatchesNaiveTwinWithFirstFrameReplication() {
        for (cin, cout, frames, plane, stride) in [(3, 5, 5, 7, 1), (8, 4, 3, 16, 1), (6, 6, 6, 9, 2), (16, 24, 1, 12, 1), (4, 4, 7, 5, 2)] {
            let g = CausalTemporalGeometry(inChannels: cin, outChannels: cout, frames: frames, plane: plane, kernel: 3, stride: stride)
            let x = randomFloats(frames * cin * plane, seed: 1)
            let torchWeight = randomFloats(cout * cin * 3, seed: 2)
            let bias = randomFloats(cout, seed: 3)
            var fast = [Float](repeating: .nan, count: g.outFrames * cout * plane)
            var slow = fast
            let weight = Kernels.temporalWeightFromOITHW(torchWeight, outChannels: cout, inChannels: cin, kernel: 3)
            let weights = PackedTemporalWeights(weight, outChannels: cout, inChannels: cin, kernel: 3, stride: stride)
            Kernels.causalTemporalConvPacked(g, input: x, weights: weights, bias: bias, output: &fast)
            Kernels.causalTemporalConvReference(g, input: x, torchWeight: torchWeight, bias: bias, output: &slow)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5, "\(g)")
            XCTAssertEqual(g.outFrames, stride == 1 ? frames : (frames - 2) / 2 + 1)
        }
    }

    /// bf16 weights (as the tokenizer's `.jit` files hold) on AMX tiles: row and column edges
    /// (40 outputs, 100 pixels), depths that are not whole 32s (3 x 11) and over several steps,
    /// with a residual added; float32 accuracy, so the tolerance is the FMA paths'. Input
    /// frames of whole depth steps (32 and 64 channels) take the pass that splits each frame
    /// once for all the outputs that read it (at both strides, 2 to 5 such outputs).
    func testTemporalConvOnAMXTilesMatchesNaiveTwinForBF16Weights() throws {
        guard GEMMPath.amx.isAvailable else { throw XCTSkip("this CPU or kernel offers no AMX-BF16 tiles") }
        for (cin, cout, frames, plane, stride) in [(11, 40, 5, 100, 1), (64, 32, 4, 64, 1), (32, 70, 6, 200, 2), (3, 5, 3, 16, 1),
                                                   (32, 48, 7, 48, 1), (64, 20, 11, 36, 2)] {
            let g = CausalTemporalGeometry(inChannels: cin, outChannels: cout, frames: frames, plane: plane, kernel: 3, stride: stride)
            let x = randomFloats(frames * cin * plane, seed: 51)
            let torchWeight = randomFloats(cout * cin * 3, seed: 52).map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
            let bias = randomFloats(cout, seed: 53), residual = randomFloats(g.outFrames * cout * plane, seed: 54)
            let weight = Kernels.temporalWeightFromOITHW(torchWeight, outChannels: cout, inChannels: cin, kernel: 3)
            let weights = PackedTemporalWeights(weight, outChannels: cout, inChannels: cin, kernel: 3, stride: stride)
            XCTAssertNotNil(weights.variants[0]?.tiles, "bf16 weights get tiles")
            var fast = [Float](repeating: .nan, count: g.outFrames * cout * plane), slow = fast
            Kernels.causalTemporalConvPacked(g, input: x, weights: weights, bias: bias, output: &fast, adding: residual, path: .amx)
            Kernels.causalTemporalConvReference(g, input: x, torchWeight: torchWeight, bias: bias, output: &slow)
            for i in slow.indices { slow[i] += residual[i] }
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5 * Float(3 * cin).squareRoot(), "\(g)")
        }
        // A weight that is not bf16 gets no tiles: the tiles would round it.
        XCTAssertNil(AMXWeightTiles([1.0 + 1.0 / 65536], rows: 1, depth: 1))
    }

    func testTemporalConvOfAConstantClipSeesOnlyTheFirstFrameAtTheStart() {
        // Frame 0's output reads three copies of frame 0: with a weight that sums the taps, it
        // equals 3 x frame 0, which zero padding would not give.
        let g = CausalTemporalGeometry(inChannels: 1, outChannels: 1, frames: 2, plane: 1, kernel: 3)
        var y: [Float] = [0, 0]
        let weights = PackedTemporalWeights([1, 1, 1], outChannels: 1, inChannels: 1, kernel: 3)
        Kernels.causalTemporalConvPacked(g, input: [2, 5], weights: weights, bias: nil, output: &y)
        XCTAssertEqual(y, [6, 9])
    }

    func testHaarLevelsMatchTheirNaiveTwinsAndInvertEachOther() {
        for (frames, channels, height, width) in [(2, 1, 2, 2), (4, 3, 8, 6), (20, 3, 16, 16), (10, 24, 8, 8)] {
            let x = randomFloats(frames * channels * height * width, seed: 7)
            let outCount = x.count
            var fast = [Float](repeating: .nan, count: outCount), slow = fast
            Kernels.haarForward(input: x, output: &fast, frames: frames, channels: channels, height: height, width: width)
            Kernels.haarForwardReference(input: x, output: &slow, frames: frames, channels: channels, height: height, width: width)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-6)
            var back = [Float](repeating: .nan, count: outCount), backSlow = back
            Kernels.haarInverse(input: fast, output: &back, frames: frames / 2, channels: channels, height: height / 2, width: width / 2)
            Kernels.haarInverseReference(input: fast, output: &backSlow, frames: frames / 2, channels: channels, height: height / 2, width: width / 2)
            XCTAssertLessThan(maxAbsDifference(back, backSlow), 1e-6)
            XCTAssertLessThan(maxAbsDifference(back, x), 1e-6, "inverse of forward is the identity")
        }
    }

    /// The patcher's replicated first frames are read in place (`leadingCopies`) and the
    /// unpatcher's dropped ones never stored (`droppingLeading`): the same values, to the bit,
    /// as on an explicitly extended clip and on the tail of the full inverse.
    func testHaarLeadingCopiesAndDroppedFramesMatchTheExplicitClip() {
        let (frames, channels, height, width) = (5, 3, 8, 6)  // 5 frames + 3 copies = 8
        let plane = channels * height * width
        let x = randomFloats(frames * plane, seed: 11)
        let extended = Array(x[0..<plane]) + Array(x[0..<plane]) + Array(x[0..<plane]) + x
        var inPlace = [Float](repeating: .nan, count: extended.count), explicit = inPlace
        Kernels.haarForward(input: x, output: &inPlace, frames: 8, channels: channels, height: height, width: width, leadingCopies: 3)
        Kernels.haarForward(input: extended, output: &explicit, frames: 8, channels: channels, height: height, width: width)
        XCTAssertEqual(inPlace, explicit)

        var full = [Float](repeating: .nan, count: extended.count)
        var tail = [Float](repeating: .nan, count: x.count)
        Kernels.haarInverse(input: explicit, output: &full, frames: 4, channels: channels, height: height / 2, width: width / 2)
        Kernels.haarInverse(input: explicit, output: &tail, frames: 4, channels: channels, height: height / 2, width: width / 2,
                            droppingLeading: 3)
        XCTAssertEqual(tail, Array(full[(3 * plane)...]))
        XCTAssertLessThan(maxAbsDifference(tail, x), 1e-6, "the dropped frames were the copies")
    }

    func testHaarBandOrderIsTimeHeightWidthWithLowFirst() {
        // A clip that only changes along width: all energy lands in band LLH (s = 1).
        let x: [Float] = [1, -1, 1, -1, /* frame 1 */ 1, -1, 1, -1]
        var y = [Float](repeating: .nan, count: 8)
        Kernels.haarForward(input: x, output: &y, frames: 2, channels: 1, height: 2, width: 2)
        XCTAssertEqual(y, [0, 1, 0, 0, 0, 0, 0, 0])
    }

    func testAttentionMatchesNaiveTwin() {
        for (channels, n) in [(4, 5), (16, 64), (24, 100)] {
            let q = randomFloats(channels * n, seed: 11), k = randomFloats(channels * n, seed: 12), v = randomFloats(channels * n, seed: 13)
            var scores = [Float](repeating: 0, count: n * n)
            var fast = [Float](repeating: .nan, count: channels * n), slow = fast
            let scale = 2 / Float(channels).squareRoot()
            Kernels.attention(q: q, k: k, v: v, channels: channels, positions: n, scale: scale, scores: &scores, output: &fast)
            Kernels.attentionReference(q: q, k: k, v: v, channels: channels, positions: n, scale: scale, output: &slow)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5, "C \(channels), N \(n)")
        }
    }

    func testCausalTemporalAttentionMatchesNaiveTwinAndIgnoresLaterFrames() {
        for (frames, channels, n) in [(1, 4, 3), (3, 8, 70), (5, 6, 130)] {
            let count = frames * channels * n
            let q = randomFloats(count, seed: 21), k = randomFloats(count, seed: 22), v = randomFloats(count, seed: 23)
            var fast = [Float](repeating: .nan, count: count), slow = fast
            Kernels.causalTemporalAttention(q: q, k: k, v: v, frames: frames, channels: channels, positions: n, scale: 0.7, output: &fast)
            Kernels.causalTemporalAttentionReference(q: q, k: k, v: v, frames: frames, channels: channels, positions: n, scale: 0.7, output: &slow)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5)
            // Frame 0 attends only to itself: its output is v's frame 0.
            XCTAssertLessThan(maxAbsDifference(Array(fast[0..<(channels * n)]), Array(v[0..<(channels * n)])), 1e-6)
            // q, k, v interleaved per frame, as one stacked convolution leaves them: the same result.
            let frame = channels * n
            var stacked = [Float]()
            for t in 0..<frames { for source in [q, k, v] { stacked += source[(t * frame)..<((t + 1) * frame)] } }
            var interleaved = [Float](repeating: .nan, count: count)
            stacked.withUnsafeBufferPointer { p in
                Kernels.causalTemporalAttention(q: p.baseAddress!, k: p.baseAddress! + frame, v: p.baseAddress! + 2 * frame,
                                                frames: frames, channels: channels, positions: n, scale: 0.7,
                                                inputFrameStride: 3 * frame, output: &interleaved)
            }
            XCTAssertEqual(interleaved, fast)
        }
    }
}

/// The packed-weight products against the naive twins.
final class CosmosPackedKernelTests: XCTestCase {
    func testPackedProductWithBiasMatchesTheNaiveGEMMForRaggedShapes() {
        for (rows, depth, n, accumulate) in [(5, 7, 16, false), (13, 40, 70, true), (16, 96, 1030, false), (6, 3, 9, true)] {
            let a = randomFloats(rows * depth, seed: 31), b = randomFloats(depth * n, seed: 32), bias = randomFloats(rows, seed: 33)
            let start = randomFloats(rows * n, seed: 34)
            var fast = start, slow = accumulate ? start : [Float](repeating: 0, count: rows * n)
            let (shape, packed) = Kernels.packedWeight(a, rows: rows, depth: depth)
            Kernels.gemmPackedBias(shape, a: packed, b: b, ldb: n, n: n, bias: bias, c: &fast, ldc: n, accumulate: accumulate)
            Kernels.gemmReference(m: rows, n: n, k: depth, a: a, lda: depth, b: b, ldb: n, beta: 1, c: &slow, ldc: n)
            for r in 0..<rows { for j in 0..<n { slow[r * n + j] += bias[r] } }
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-4, "\(rows)x\(depth)x\(n)")
        }
    }

    func testTemporalConvOfOtherKernelSizesAndStridesMatchesNaiveTwin() {
        // kt 1, 2 and 4: which summed-tap variants exist, and whether frame 1 comes from frame 0,
        // depend on kt and the stride; clips of 1 to 6 frames reach every case.
        for (kernel, stride) in [(1, 1), (2, 1), (2, 2), (4, 1), (4, 2), (4, 3)] {
            for frames in 1...6 {
                let (cin, cout, plane) = (5, 7, 20)
                let g = CausalTemporalGeometry(inChannels: cin, outChannels: cout, frames: frames, plane: plane,
                                               kernel: kernel, stride: stride)
                guard frames + g.padding >= kernel else { continue }  // too short for one output frame
                let x = randomFloats(frames * cin * plane, seed: 61), torchWeight = randomFloats(cout * cin * kernel, seed: 62)
                let bias = randomFloats(cout, seed: 63), residual = randomFloats(g.outFrames * cout * plane, seed: 64)
                let weight = Kernels.temporalWeightFromOITHW(torchWeight, outChannels: cout, inChannels: cin, kernel: kernel)
                let weights = PackedTemporalWeights(weight, outChannels: cout, inChannels: cin, kernel: kernel, stride: stride)
                var fast = [Float](repeating: .nan, count: g.outFrames * cout * plane), slow = fast
                Kernels.causalTemporalConvPacked(g, input: x, weights: weights, bias: bias, output: &fast, adding: residual)
                Kernels.causalTemporalConvReference(g, input: x, torchWeight: torchWeight, bias: bias, output: &slow)
                for i in slow.indices { slow[i] += residual[i] }
                XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5, "\(g)")
            }
        }
    }

    func testPackedTemporalConvMatchesNaiveTwin() {
        for (cin, cout, frames, plane, stride) in [(8, 5, 5, 64, 1), (6, 6, 6, 48, 2), (16, 24, 3, 100, 1), (4, 7, 1, 32, 1), (5, 3, 2, 16, 2)] {
            let g = CausalTemporalGeometry(inChannels: cin, outChannels: cout, frames: frames, plane: plane, kernel: 3, stride: stride)
            let x = randomFloats(frames * cin * plane, seed: 41), torchWeight = randomFloats(cout * cin * 3, seed: 42)
            let bias = randomFloats(cout, seed: 43)
            let weight = Kernels.temporalWeightFromOITHW(torchWeight, outChannels: cout, inChannels: cin, kernel: 3)
            let weights = PackedTemporalWeights(weight, outChannels: cout, inChannels: cin, kernel: 3, stride: stride)
            var fast = [Float](repeating: .nan, count: g.outFrames * cout * plane), slow = fast
            Kernels.causalTemporalConvPacked(g, input: x, weights: weights, bias: bias, output: &fast)
            Kernels.causalTemporalConvReference(g, input: x, torchWeight: torchWeight, bias: bias, output: &slow)
            XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5, "\(g)")
            // Stride 1: frame 1 comes from frame 0 and the last tap, so taps 0-1 summed (variant
            // 1) are never read and never built. Stride 2 never reads three copies of frame 0.
            XCTAssertEqual(weights.variants.map { $0 != nil }, stride == 1 ? [true, false, true] : [true, true, false], "\(g)")
            XCTAssertEqual(weights.lastTap != nil, stride == 1)
        }
    }
}
