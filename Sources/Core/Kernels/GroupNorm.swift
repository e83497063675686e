import Foundation

extension Kernels {
    /// y = GroupNorm(x) * gamma + beta, then swish if `fusedSwish`, for one image.
    ///
    /// - x, y: (C, HW); y may be x (in place)
    /// - gamma, beta: (C)
    /// Statistics are per group of C/groups consecutive channels (biased variance, as
    /// PyTorch), accumulated in double.
    public static func groupNorm(
        input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
        channels: Int, spatial: Int, groups: Int, epsilon: Float,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        fusedSwish: Bool = false
    ) {
        precondition(channels % groups == 0, "\(channels) channels do not split into \(groups) groups")
        let perGroup = channels / groups
        let groupCount = perGroup * spatial
        // One pass over memory: y = swish(x * scale + shift), eight lanes at a time.
        func normalize(_ channelRange: Range<Int>, mean: Double, variance: Double) {
            let invStd = 1 / (variance + Double(epsilon)).squareRoot()
            for c in channelRange {
                let scale = Float(Double(gamma[c]) * invStd)
                let shift = beta[c] - Float(mean) * scale
                let src = x + c * spatial, dst = y + c * spatial
                let vScale = SIMD8<Float>(repeating: scale), vShift = SIMD8<Float>(repeating: shift)
                var i = 0
                while i + 8 <= spatial {
                    var v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) * vScale + vShift
                    if fusedSwish { v = swish8(v) }
                    UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < spatial {
                    let v = src[i] * scale + shift
                    dst[i] = fusedSwish ? swishValue(v) : v
                    i += 1
                }
            }
        }
        guard groups < threadCount, !ParallelRegion.isInside else {
            parallelFor(groups) { range in
                for gi in range {
                    let (mean, variance) = meanAndVariance(x + gi * groupCount, count: groupCount)
                    normalize((gi * perGroup)..<((gi + 1) * perGroup), mean: mean, variance: variance)
                }
            }
            return
        }
        // Fewer groups than threads (the Cosmos tokenizer's norms have one per frame): each
        // group's statistics, then its channels, split over the threads.
        for gi in 0..<groups {
            let (mean, variance) = meanAndVarianceSplit(x + gi * groupCount, count: groupCount)
            parallelFor(perGroup) { range in
                normalize((gi * perGroup + range.lowerBound)..<(gi * perGroup + range.upperBound), mean: mean, variance: variance)
            }
        }
    }

    /// Values per chunk of `meanAndVariance`.
    static let statisticsChunk = 1024

    /// Mean and biased variance of `count` floats, in double. Chunks of 1024 are summed in
    /// float SIMD lanes, first the values, then the squares around the chunk's own mean (two
    /// passes over cached data, so no cancellation), and the chunks combined with Chan et al.'s
    /// pairwise update in double.
    static func meanAndVariance(_ x: UnsafePointer<Float>, count: Int) -> (mean: Double, variance: Double) {
        var total = (n: 0.0, mean: 0.0, m2: 0.0)
        var start = 0
        while start < count {
            let length = min(statisticsChunk, count - start)
            total = combined(total, chunkStatistics(x + start, length: length))
            start += length
        }
        return (total.mean, max(0, total.m2 / total.n))
    }

    /// `meanAndVariance` with the chunks' statistics computed by all threads, then combined in
    /// the same order: the same result to the bit, whatever the thread count.
    static func meanAndVarianceSplit(_ x: UnsafePointer<Float>, count: Int) -> (mean: Double, variance: Double) {
        let chunks = (count + statisticsChunk - 1) / statisticsChunk
        var statistics = [(n: Double, mean: Double, m2: Double)](repeating: (0, 0, 0), count: chunks)
        statistics.withUnsafeMutableBufferPointer { out in
            parallelFor(chunks, minimumPerThread: 16) { range in
                for c in range {
                    let start = c * statisticsChunk
                    out[c] = chunkStatistics(x + start, length: min(statisticsChunk, count - start))
                }
            }
        }
        let total = statistics.reduce((n: 0.0, mean: 0.0, m2: 0.0), combined)
        return (total.mean, max(0, total.m2 / total.n))
    }

    /// Count, mean and sum of squared deviations of one chunk.
    private static func chunkStatistics(_ chunk: UnsafePointer<Float>, length: Int) -> (n: Double, mean: Double, m2: Double) {
        // Summed relative to the chunk's first value, so a large common offset costs no precision.
        let pivot = chunk[0]
        var i = 0
        var sum = SIMD8<Float>.zero
        while i + 8 <= length {
            sum += UnsafeRawPointer(chunk + i).loadUnaligned(as: SIMD8<Float>.self) - pivot
            i += 8
        }
        var total = Double(sum.sum())
        for j in i..<length { total += Double(chunk[j] - pivot) }
        let chunkMean = Double(pivot) + total / Double(length)
        let center = SIMD8<Float>(repeating: Float(chunkMean))
        var squares = SIMD8<Float>.zero
        i = 0
        while i + 8 <= length {
            let d = UnsafeRawPointer(chunk + i).loadUnaligned(as: SIMD8<Float>.self) - center
            squares += d * d
            i += 8
        }
        var chunkM2 = Double(squares.sum())
        for j in i..<length { let d = Double(chunk[j]) - chunkMean; chunkM2 += d * d }
        // The float centre differs from chunkMean by rounding; correct the sum of squares.
        let offset = chunkMean - Double(Float(chunkMean))
        chunkM2 -= Double(length) * offset * offset
        return (Double(length), chunkMean, chunkM2)
    }

    /// Chan et al.'s pairwise update: the statistics of a and b together.
    private static func combined(_ a: (n: Double, mean: Double, m2: Double), _ b: (n: Double, mean: Double, m2: Double))
        -> (n: Double, mean: Double, m2: Double) {
        let n = a.n + b.n
        let delta = b.mean - a.mean
        return (n, a.mean + delta * b.n / n, a.m2 + (b.m2 + delta * delta * a.n * b.n / n))
    }

    /// The naive twin of `groupNorm`: the textbook formula, one element at a time.
    public static func groupNormReference(
        input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
        channels: Int, spatial: Int, groups: Int, epsilon: Float,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        fusedSwish: Bool = false
    ) {
        let perGroup = channels / groups
        for gi in 0..<groups {
            let elements = (gi * perGroup * spatial)..<((gi + 1) * perGroup * spatial)
            let mean = elements.reduce(0.0) { $0 + Double(x[$1]) } / Double(elements.count)
            let variance = elements.reduce(0.0) { $0 + (Double(x[$1]) - mean) * (Double(x[$1]) - mean) } / Double(elements.count)
            for i in elements {
                let c = i / spatial
                let v = (Double(x[i]) - mean) / (variance + Double(epsilon)).squareRoot() * Double(gamma[c]) + Double(beta[c])
                y[i] = fusedSwish ? Float(v / (1 + Foundation.exp(-v))) : Float(v)
            }
        }
    }
}
