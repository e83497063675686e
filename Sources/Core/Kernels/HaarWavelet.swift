/// The 3-D Haar transforms of the Cosmos tokenizers' patcher and unpatcher, over frame-major
/// clips (T, C, H, W).
///
/// One level maps (T, G, H, W) to (T/2, 8G, H/2, W/2): for band s = 4 bt + 2 bh + bw (each 0 for
/// low, 1 for high) and channel g, out[t, s G + g, y, x] = 1/8 * sum over a, b, d in {0, 1} of
/// (-1)^(a bt + b bh + d bw) in[2t + a, g, 2y + b, 2x + d]: low is the sum of a pair, high the
/// first minus the second, bands in the order LLL, LLH, ..., HHH (time, height, width). The
/// inverse adds the bands back with the same signs and no scale. All sizes must be even.
extension Kernels {
    /// One forward Haar level. x: (T, G, H, W) -> y: (T/2, 8G, H/2, W/2). With `leadingCopies`
    /// r, x holds T - r frames and the level reads r copies of its first frame in front of them
    /// (the patcher's replicated first frame, without copying the clip to make room for it).
    public static func haarForward(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                   frames: Int, channels: Int, height: Int, width: Int, leadingCopies: Int = 0) {
        precondition(frames % 2 == 0 && height % 2 == 0 && width % 2 == 0, "Haar needs even sizes, got \(frames)x\(height)x\(width)")
        precondition(leadingCopies >= 0 && leadingCopies < frames, "\(leadingCopies) leading copies of \(frames) frames")
        let (h2, w2) = (height / 2, width / 2)
        let inPlane = height * width, outPlane = h2 * w2
        func stored(_ frame: Int) -> Int { max(0, frame - leadingCopies) }
        parallelFor(frames / 2 * channels) { range in
            for job in range {
                let (t, g) = (job / channels, job % channels)
                let first = x + (stored(2 * t) * channels + g) * inPlane
                let second = x + (stored(2 * t + 1) * channels + g) * inPlane
                let out = y + (t * 8 * channels + g) * outPlane
                for row in 0..<h2 {
                    for column in 0..<w2 {
                        let i = 2 * row * width + 2 * column
                        // Time pairs first, then height, then width, as sums and differences.
                        let l00 = first[i] + second[i], h00 = first[i] - second[i]
                        let l01 = first[i + 1] + second[i + 1], h01 = first[i + 1] - second[i + 1]
                        let l10 = first[i + width] + second[i + width], h10 = first[i + width] - second[i + width]
                        let l11 = first[i + width + 1] + second[i + width + 1], h11 = first[i + width + 1] - second[i + width + 1]
                        let ll0 = l00 + l10, lh0 = l00 - l10, ll1 = l01 + l11, lh1 = l01 - l11
                        let hl0 = h00 + h10, hh0 = h00 - h10, hl1 = h01 + h11, hh1 = h01 - h11
                        let bands = SIMD8<Float>(ll0 + ll1, ll0 - ll1, lh0 + lh1, lh0 - lh1,
                                              hl0 + hl1, hl0 - hl1, hh0 + hh1, hh0 - hh1)
                        let o = row * w2 + column
                        for s in 0..<8 { out[s * channels * outPlane + o] = bands[s] * 0.125 }
                    }
                }
            }
        }
    }

    /// One inverse Haar level. x: (T, 8G, H, W) -> y: (2T - d, G, 2H, 2W) for `droppingLeading`
    /// d: the first d output frames are not stored (the unpatcher's replicated first frames,
    /// without a copy of the rest to drop them).
    public static func haarInverse(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                   frames: Int, channels: Int, height: Int, width: Int, droppingLeading: Int = 0) {
        precondition(droppingLeading >= 0 && droppingLeading < 2 * frames, "dropping \(droppingLeading) of \(2 * frames) frames")
        let (h2, w2) = (2 * height, 2 * width)
        let inPlane = height * width, outPlane = h2 * w2
        // Dropped frames go to one scratch plane per thread, written and never read.
        let dropped = droppingLeading > 0 ? UnsafeMutablePointer<Float>.allocate(capacity: threadCount * outPlane) : nil
        defer { dropped?.deallocate() }
        parallelChunks(frames * channels) { range, worker in
            func target(_ frame: Int, _ g: Int) -> UnsafeMutablePointer<Float> {
                frame < droppingLeading ? dropped! + worker * outPlane : y + ((frame - droppingLeading) * channels + g) * outPlane
            }
            for job in range {
                let (t, g) = (job / channels, job % channels)
                let band = x + (t * 8 * channels + g) * inPlane
                let first = target(2 * t, g)
                let second = target(2 * t + 1, g)
                for row in 0..<height {
                    for column in 0..<width {
                        let i = row * width + column
                        var b = SIMD8<Float>()
                        for s in 0..<8 { b[s] = band[s * channels * inPlane + i] }
                        // Undo width, then height, then time.
                        let ll0 = b[0] + b[1], ll1 = b[0] - b[1], lh0 = b[2] + b[3], lh1 = b[2] - b[3]
                        let hl0 = b[4] + b[5], hl1 = b[4] - b[5], hh0 = b[6] + b[7], hh1 = b[6] - b[7]
                        let l00 = ll0 + lh0, l10 = ll0 - lh0, l01 = ll1 + lh1, l11 = ll1 - lh1
                        let h00 = hl0 + hh0, h10 = hl0 - hh0, h01 = hl1 + hh1, h11 = hl1 - hh1
                        let o = 2 * row * w2 + 2 * column
                        first[o] = l00 + h00; second[o] = l00 - h00
                        first[o + 1] = l01 + h01; second[o + 1] = l01 - h01
                        first[o + w2] = l10 + h10; second[o + w2] = l10 - h10
                        first[o + w2 + 1] = l11 + h11; second[o + w2 + 1] = l11 - h11
                    }
                }
            }
        }
    }

    /// The naive twin of `haarForward`: the defining sum with its signs, one output at a time.
    public static func haarForwardReference(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                            frames: Int, channels: Int, height: Int, width: Int) {
        let (t2, h2, w2) = (frames / 2, height / 2, width / 2)
        for t in 0..<t2 { for s in 0..<8 { for g in 0..<channels { for row in 0..<h2 { for column in 0..<w2 {
            let (bt, bh, bw) = (s >> 2, (s >> 1) & 1, s & 1)
            var sum = 0.0
            for a in 0..<2 { for b in 0..<2 { for d in 0..<2 {
                let sign = (a * bt + b * bh + d * bw) % 2 == 0 ? 1.0 : -1.0
                sum += sign * Double(x[(((2 * t + a) * channels + g) * height + 2 * row + b) * width + 2 * column + d])
            } } }
            y[(((t * 8 + s) * channels + g) * h2 + row) * w2 + column] = Float(sum / 8)
        } } } } }
    }

    /// The naive twin of `haarInverse`: each output as the signed sum of the eight bands.
    public static func haarInverseReference(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                            frames: Int, channels: Int, height: Int, width: Int) {
        for t in 0..<(2 * frames) { for g in 0..<channels { for row in 0..<(2 * height) { for column in 0..<(2 * width) {
            let (a, b, d) = (t & 1, row & 1, column & 1)
            var sum = 0.0
            for s in 0..<8 {
                let (bt, bh, bw) = (s >> 2, (s >> 1) & 1, s & 1)
                let sign = (a * bt + b * bh + d * bw) % 2 == 0 ? 1.0 : -1.0
                sum += sign * Double(x[((((t / 2) * 8 + s) * channels + g) * height + row / 2) * width + column / 2])
            }
            y[((t * channels + g) * 2 * height + row) * 2 * width + column] = Float(sum)
        } } } }
    }
}
