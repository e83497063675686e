extension Kernels {
    /// Max pooling without padding, output size floored (PyTorch's default), one image.
    ///
    /// - x: (C, H, W)
    /// - y: (C, Ho, Wo) with Ho = (H - kernel) / stride + 1, likewise Wo
    public static func maxPool2d(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                 channels: Int, height: Int, width: Int, kernel: Int, stride: Int) {
        let ho = (height - kernel) / stride + 1, wo = (width - kernel) / stride + 1
        parallelFor(channels) { range in
            for c in range {
                let src = x + c * height * width, dst = y + c * ho * wo
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var m = -Float.infinity
                        for ky in 0..<kernel {
                            let row = src + (oy * stride + ky) * width + ox * stride
                            for kx in 0..<kernel { m = max(m, row[kx]) }
                        }
                        dst[oy * wo + ox] = m
                    }
                }
            }
        }
    }

    /// The naive twin of `maxPool2d`: each window's maximum by the formula.
    public static func maxPool2dReference(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                                          channels: Int, height: Int, width: Int, kernel: Int, stride: Int) {
        let ho = (height - kernel) / stride + 1, wo = (width - kernel) / stride + 1
        for c in 0..<channels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var window: [Float] = []
                    for ky in 0..<kernel {
                        for kx in 0..<kernel { window.append(x[(c * height + oy * stride + ky) * width + ox * stride + kx]) }
                    }
                    y[(c * ho + oy) * wo + ox] = window.max()!
                }
            }
        }
    }
}
