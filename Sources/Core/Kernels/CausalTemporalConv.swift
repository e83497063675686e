/// The temporal part of a causal factorized 3-D convolution (a (kt, 1, 1) kernel), over
/// frame-major activations (T, C, H*W): in front of the clip go `kt - stride` copies of the
/// first frame (replicated, never zeros), nothing at the end, then a valid convolution with
/// time stride `stride`. So output frame t depends only on input frames <= its last tap.
public struct CausalTemporalGeometry: Sendable, Equatable, CustomStringConvertible {
    public var inChannels: Int
    public var outChannels: Int
    public var frames: Int
    /// H * W of one frame.
    public var plane: Int
    public var kernel: Int
    public var stride: Int

    public init(inChannels: Int, outChannels: Int, frames: Int, plane: Int, kernel: Int, stride: Int = 1) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.frames = frames
        self.plane = plane
        self.kernel = kernel
        self.stride = stride
    }

    /// First-frame copies put in front.
    public var padding: Int { kernel - stride }
    public var outFrames: Int { (frames + padding - kernel) / stride + 1 }

    public var description: String {
        "temporal conv \(inChannels)->\(outChannels) k\(kernel)/\(stride) on \(frames)x\(plane)"
    }
}

extension Kernels {
    /// PyTorch's Conv3d weight (Cout, Cin, kt, 1, 1) to the (Cout, kt, Cin) layout the
    /// temporal GEMMs read: the taps of one output channel side by side, so that kt
    /// consecutive input frames (kt * Cin rows of H*W) meet them in one product.
    public static func temporalWeightFromOITHW(_ w: [Float], outChannels: Int, inChannels: Int, kernel: Int) -> [Float] {
        precondition(w.count == outChannels * inChannels * kernel)
        var out = [Float](repeating: 0, count: w.count)
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for t in 0..<kernel {
                    out[(o * kernel + t) * inChannels + i] = w[(o * inChannels + i) * kernel + t]
                }
            }
        }
        return out
    }

    /// The naive twin of `causalTemporalConvPacked`: PyTorch's weight layout (Cout, Cin, kt), an
    /// explicitly padded clip, and one sum per output element.
    public static func causalTemporalConvReference(
        _ g: CausalTemporalGeometry,
        input x: UnsafePointer<Float>,
        torchWeight w: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?,
        output y: UnsafeMutablePointer<Float>
    ) {
        let (cin, cout, plane, kt) = (g.inChannels, g.outChannels, g.plane, g.kernel)
        let padded = (0..<(g.padding + g.frames)).map { max(0, $0 - g.padding) }
        for t in 0..<g.outFrames {
            for o in 0..<cout {
                for p in 0..<plane {
                    var sum = Double(bias?[o] ?? 0)
                    for i in 0..<cin {
                        for j in 0..<kt {
                            let frame = padded[t * g.stride + j]
                            sum += Double(w[(o * cin + i) * kt + j]) * Double(x[(frame * cin + i) * plane + p])
                        }
                    }
                    y[(t * cout + o) * plane + p] = Float(sum)
                }
            }
        }
    }
}
