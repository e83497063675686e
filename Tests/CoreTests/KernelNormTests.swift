import XCTest
import TestSupport
@testable import Core

final class KernelNormTests: XCTestCase {
    func testGroupNormMatchesTextbookFormula() {
        let (channels, spatial, groups) = (64, 37, 32)
        // An offset and scale far from (0, 1) catch a missing mean or variance.
        let x = randomFloats(channels * spatial, in: 2...9, seed: 1)
        let gamma = randomFloats(channels, in: 0.5...1.5, seed: 2)
        let beta = randomFloats(channels, seed: 3)
        for swish in [false, true] {
            var fast = [Float](repeating: .nan, count: x.count)
            var slow = fast
            Kernels.groupNorm(input: x, output: &fast, channels: channels, spatial: spatial, groups: groups,
                              epsilon: 1e-6, gamma: gamma, beta: beta, fusedSwish: swish)
            Kernels.groupNormReference(input: x, output: &slow, channels: channels, spatial: spatial, groups: groups,
                                       epsilon: 1e-6, gamma: gamma, beta: beta, fusedSwish: swish)
            let err = maxAbsDifference(fast, slow)
            print("groupNorm swish=\(swish): max abs diff \(err)")
            XCTAssertLessThan(err, 1e-5)
        }
    }

    func testGroupNormWithFewerGroupsThanThreadsSplitsEachGroupAndMatchesTheFormula() {
        // One group (the Cosmos tokenizer's per-frame norm) and two groups of 40 x 300 values:
        // the statistics and the channels split over the threads; several statistics chunks,
        // the last one partial.
        let (channels, spatial) = (80, 300)
        let x = randomFloats(channels * spatial, in: 2...9, seed: 11)
        let gamma = randomFloats(channels, in: 0.5...1.5, seed: 12), beta = randomFloats(channels, seed: 13)
        for groups in [1, 2] {
            for swish in [false, true] {
                var fast = [Float](repeating: .nan, count: x.count), slow = fast
                Kernels.groupNorm(input: x, output: &fast, channels: channels, spatial: spatial, groups: groups,
                                  epsilon: 1e-6, gamma: gamma, beta: beta, fusedSwish: swish)
                Kernels.groupNormReference(input: x, output: &slow, channels: channels, spatial: spatial, groups: groups,
                                           epsilon: 1e-6, gamma: gamma, beta: beta, fusedSwish: swish)
                XCTAssertLessThan(maxAbsDifference(fast, slow), 1e-5, "\(groups) groups, swish \(swish)")
            }
        }
    }

    func testStatisticsSplitOverTheThreadsEqualTheSerialOnesToTheBit() {
        for count in [1, 7, 1024, 5000, 70_001] {
            let x = randomFloats(count, in: -2...5, seed: UInt64(count))
            let serial = Kernels.meanAndVariance(x, count: count), split = Kernels.meanAndVarianceSplit(x, count: count)
            XCTAssertEqual(serial.mean.bitPattern, split.mean.bitPattern, "\(count)")
            XCTAssertEqual(serial.variance.bitPattern, split.variance.bitPattern, "\(count)")
        }
    }

    func testGroupNormWorksInPlace() {
        let (channels, spatial) = (32, 50)
        let x = randomFloats(channels * spatial, seed: 4)
        let gamma = randomFloats(channels, seed: 5), beta = randomFloats(channels, seed: 6)
        var expected = [Float](repeating: 0, count: x.count)
        Kernels.groupNormReference(input: x, output: &expected, channels: channels, spatial: spatial, groups: 32,
                                   epsilon: 1e-6, gamma: gamma, beta: beta, fusedSwish: true)
        var y = x
        y.withUnsafeMutableBufferPointer { p in
            Kernels.groupNorm(input: p.baseAddress!, output: p.baseAddress!, channels: channels, spatial: spatial,
                              groups: 32, epsilon: 1e-6, gamma: gamma, beta: beta, fusedSwish: true)
        }
        XCTAssertLessThan(maxAbsDifference(y, expected), 1e-5)
    }

    func testGroupNormOutputHasZeroMeanUnitVariancePerGroup() {
        let (channels, spatial, groups) = (8, 100, 4)
        let x = randomFloats(channels * spatial, in: -3...7, seed: 8)
        var y = [Float](repeating: 0, count: x.count)
        Kernels.groupNorm(input: x, output: &y, channels: channels, spatial: spatial, groups: groups, epsilon: 0,
                          gamma: [Float](repeating: 1, count: channels), beta: [Float](repeating: 0, count: channels))
        for g in 0..<groups {
            let slice = y[(g * 200)..<((g + 1) * 200)].map(Double.init)
            let mean = slice.reduce(0, +) / 200
            let variance = slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 200
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }
}

final class KernelNormVectorTests: XCTestCase {
    func testVectorExpIsWithinFewUlpOfExpAcrossItsRange() {
        var worst: Float = 0
        for i in 0..<20_000 {
            let x = -87 + 175 * Float(i) / 20_000
            let got = Kernels.exp(SIMD8(repeating: x))[3]
            let want = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(got - want) / want)
        }
        print("exp: max relative error \(worst)")
        XCTAssertLessThan(worst, 4e-7)
    }

    func testStatisticsOfValuesWithALargeCommonOffsetKeepTheirPrecision() {
        // 1000 + noise of variance 1/3: float sums of raw values would lose ~3 digits here.
        let count = 5000
        let x = randomFloats(count, seed: 4).map { 1000 + $0 }
        let (mean, variance) = Kernels.meanAndVariance(x, count: count)
        let exactMean = x.reduce(0.0) { $0 + Double($1) } / Double(count)
        let exactVariance = x.reduce(0.0) { $0 + (Double($1) - exactMean) * (Double($1) - exactMean) } / Double(count)
        print("offset data: mean error \(mean - exactMean), variance error \(variance - exactVariance)")
        XCTAssertEqual(mean, exactMean, accuracy: 1e-7)
        XCTAssertEqual(variance, exactVariance, accuracy: 1e-6 * exactVariance)
    }
}
