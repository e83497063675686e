extension Kernels {
    /// Depth-to-space with block 2 for one image:
    /// out[c, 2h+a, 2w+b] = in[(2a+b)*C + c, h, w].
    ///
    /// - x: (4C, H, W)
    /// - y: (C, 2H, 2W)
    public static func depthToSpace2(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                     channels: Int, height: Int, width: Int) {
        let plane = height * width
        parallelFor(channels) { range in
            for c in range {
                for a in 0..<2 {
                    for b in 0..<2 {
                        let src = x + ((2 * a + b) * channels + c) * plane
                        for h in 0..<height {
                            let dst = y + (c * 2 * height + 2 * h + a) * 2 * width + b
                            let srcRow = src + h * width
                            for w in 0..<width { dst[2 * w] = srcRow[w] }
                        }
                    }
                }
            }
        }
    }

    /// The naive twin of `depthToSpace2`: every output element read from its source by the
    /// formula, one at a time.
    public static func depthToSpace2Reference(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                              channels: Int, height: Int, width: Int) {
        for c in 0..<channels {
            for oy in 0..<(2 * height) {
                for ox in 0..<(2 * width) {
                    let (h, a) = oy.quotientAndRemainder(dividingBy: 2), (w, b) = ox.quotientAndRemainder(dividingBy: 2)
                    y[(c * 2 * height + oy) * 2 * width + ox] = x[(((2 * a + b) * channels + c) * height + h) * width + w]
                }
            }
        }
    }
}
