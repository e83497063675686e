import TokenData

/// The bit contexts of `ContextModel`: what is known about one bit of one factored token
/// before it is predicted.
///
/// Each 9-bit factored token x (vocabulary v: token % 512 or token / 512) is predicted bit by
/// bit, most significant first, p(x) = prod_j p(bit_j | context_j), where context_j holds
/// - v, j;
/// - the motion level of the frame: the fraction of bits that changed between the two frames
///   before it, in 4 buckets (none when only one earlier frame is given);
/// - bit j of the previous token at this position (b1), and of the one before it (b2: 0, 1,
///   or 2 for unknown);
/// - how many of the 4 neighbours (edges repeat the centre) differ from b1 in bit j in the
///   previous frame (0...4): sign boundaries of latents move, so bits near them flip;
/// - how many of those neighbours flipped bit j between the two earlier frames (0, 1, 2+);
/// - how many already-decided higher bits of this token differ from the previous token
///   (0, 1, 2+): changes of one token cluster.
/// Since each factor is a proper Bernoulli given bits decided before it, the product is a
/// normalized distribution over the 512 values.
enum BitContexts {
    static let bits = 9
    static let motionLevels = 4
    static let mismatchLevels = 3
    /// Context count: v(2) x j(9) x motion(4) x b2(3) x b1(2) x neighbours differing(5) x
    /// neighbours flipped(3) x higher bits differing(3).
    static let count = 2 * bits * motionLevels * 3 * 2 * 5 * 3 * mismatchLevels

    /// Fractions of changed bits that separate the motion levels.
    static let motionThresholds: [Double] = [0.02, 0.06, 0.15]

    static func motionLevel(previous: FrameTokens, beforePrevious: FrameTokens?) -> Int {
        guard let earlier = beforePrevious, earlier.count == previous.count, !previous.isEmpty else { return 0 }
        var changed = 0
        for (a, b) in zip(previous, earlier) { changed += ((a ^ b) & 0x3FFFF).nonzeroBitCount }
        let fraction = Double(changed) / Double(18 * previous.count)
        return motionThresholds.firstIndex { fraction < $0 } ?? motionThresholds.count
    }

    /// Side of the token grid: square frames (16x16) are grids, anything else one row.
    static func gridWidth(positions: Int) -> Int {
        let side = Int(Double(positions).squareRoot().rounded())
        return side * side == positions ? side : positions
    }

    /// Context index of bit j with no higher bit differing, for j = 0 ..< 9 into `bases`;
    /// add min(differing higher bits, 2) to get the full index.
    @inline(__always)
    static func baseIndices(previous: UnsafeBufferPointer<UInt32>, beforePrevious: UnsafeBufferPointer<UInt32>?,
                            position s: Int, vocabulary v: Int, width: Int, motion: Int,
                            into bases: UnsafeMutablePointer<Int>) {
        let shift = UInt32(9 * v)
        let count = previous.count
        let row = s / width, column = s % width
        let up = row > 0 ? s - width : s
        let down = s + width < count ? s + width : s
        let left = column > 0 ? s - 1 : s
        let right = column + 1 < width && s + 1 < count ? s + 1 : s
        @inline(__always) func part(_ token: UInt32) -> Int { Int((token >> shift) & 511) }
        let a = part(previous[s])
        let differing = (part(previous[up]) ^ a, part(previous[down]) ^ a, part(previous[left]) ^ a, part(previous[right]) ^ a)
        var b = -1
        var flipped = (0, 0, 0, 0)
        if let earlier = beforePrevious {
            b = part(earlier[s])
            flipped = (part(previous[up]) ^ part(earlier[up]), part(previous[down]) ^ part(earlier[down]),
                       part(previous[left]) ^ part(earlier[left]), part(previous[right]) ^ part(earlier[right]))
        }
        for j in 0..<bits {
            let b1 = (a >> j) & 1
            let b2 = b < 0 ? 2 : (b >> j) & 1
            let neighboursDiffering = ((differing.0 >> j) & 1) + ((differing.1 >> j) & 1) + ((differing.2 >> j) & 1) + ((differing.3 >> j) & 1)
            let neighboursFlipped = min(2, ((flipped.0 >> j) & 1) + ((flipped.1 >> j) & 1) + ((flipped.2 >> j) & 1) + ((flipped.3 >> j) & 1))
            var index = (v * bits + j) * motionLevels + motion
            index = index * 3 + b2
            index = index * 2 + b1
            index = index * 5 + neighboursDiffering
            index = index * 3 + neighboursFlipped
            bases[j] = index * mismatchLevels
        }
    }

    /// The factored value of vocabulary v of the previous token at s.
    @inline(__always)
    static func previousValue(_ previous: UnsafeBufferPointer<UInt32>, position s: Int, vocabulary v: Int) -> Int {
        Int((previous[s] >> UInt32(9 * v)) & 511)
    }
}
