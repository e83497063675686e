import Core
import Checkpoints

/// torchvision AlexNet's `features`, up to the last ReLU, returning the five ReLU outputs
/// LPIPS compares ("taps").
struct AlexNetFeatures {
    /// A convolution with bias and its ReLU; PyTorch's (out, in, k, k) weight is repacked
    /// once into the kernels' (out, k, k, in).
    struct ConvReLU {
        let inChannels: Int
        let outChannels: Int
        let kernel: Int
        let stride: Int
        let padding: Int
        let weight: [Float]
        let bias: [Float]

        init(_ loader: WeightLoader, index: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int) {
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernel = kernel
            self.stride = stride
            self.padding = padding
            let w = loader.tensor("features.\(index).weight", shape: [outChannels, inChannels, kernel, kernel])
            weight = Kernels.ohwiFromOIHW(w.data, outChannels: outChannels, inChannels: inChannels, kernel: kernel)
            bias = loader.tensor("features.\(index).bias", shape: [outChannels]).data
        }

        /// x: (in, H, W) -> relu(conv(x)): (out, Ho, Wo)
        func callAsFunction(_ x: Tensor) -> Tensor {
            let g = Conv2dGeometry(inChannels: inChannels, outChannels: outChannels, height: x.shape[1], width: x.shape[2],
                                   kernel: kernel, stride: stride, padding: padding)
            var y = Tensor(zeros: [outChannels, g.outHeight, g.outWidth])
            let n = y.count
            y.data.withUnsafeMutableBufferPointer { p in
                Kernels.conv2d(g, input: x.data, weight: weight, bias: bias, output: p.baseAddress!)
                Kernels.relu(p.baseAddress!, count: n)
            }
            return y
        }
    }

    static let tapChannels = [64, 192, 384, 256, 256]

    let conv0: ConvReLU
    let conv3: ConvReLU
    let conv6: ConvReLU
    let conv8: ConvReLU
    let conv10: ConvReLU

    init(_ loader: WeightLoader) {
        conv0 = ConvReLU(loader, index: 0, inChannels: 3, outChannels: 64, kernel: 11, stride: 4, padding: 2)
        conv3 = ConvReLU(loader, index: 3, inChannels: 64, outChannels: 192, kernel: 5, padding: 2)
        conv6 = ConvReLU(loader, index: 6, inChannels: 192, outChannels: 384, kernel: 3, padding: 1)
        conv8 = ConvReLU(loader, index: 8, inChannels: 384, outChannels: 256, kernel: 3, padding: 1)
        conv10 = ConvReLU(loader, index: 10, inChannels: 256, outChannels: 256, kernel: 3, padding: 1)
    }

    /// x: (3, H, W) -> the five taps, each (C_k, H_k, W_k).
    func callAsFunction(_ x: Tensor) -> [Tensor] {
        let tap1 = conv0(x)
        let tap2 = conv3(Self.maxPool(tap1))
        let tap3 = conv6(Self.maxPool(tap2))
        let tap4 = conv8(tap3)
        let tap5 = conv10(tap4)
        return [tap1, tap2, tap3, tap4, tap5]
    }

    /// 3x3 stride 2, no padding, size floored.
    static func maxPool(_ x: Tensor) -> Tensor {
        let (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        var y = Tensor(zeros: [c, (h - 3) / 2 + 1, (w - 3) / 2 + 1])
        y.data.withUnsafeMutableBufferPointer { p in
            Kernels.maxPool2d(input: x.data, output: p.baseAddress!, channels: c, height: h, width: w, kernel: 3, stride: 2)
        }
        return y
    }

    /// The smallest image side every layer still has at least one output pixel for.
    static let minimumImageSide = 31
}
