import Core
import Layers

/// torchvision AlexNet's `features`, up to the last ReLU, returning the five ReLU outputs
/// LPIPS compares ("taps").
struct AlexNetFeatures {
    /// A convolution with bias (`features.{index}`) and its ReLU.
    struct ConvReLU {
        let conv: Conv2d

        /// x: (in, H, W) -> relu(conv(x)): (out, Ho, Wo)
        func callAsFunction(_ x: Tensor) -> Tensor {
            var y = conv(x)
            let n = y.count
            y.data.withUnsafeMutableBufferPointer { Kernels.relu($0.baseAddress!, count: n) }
            return y
        }
    }

    static let tapChannels = [64, 192, 384, 256, 256]

    let conv0: ConvReLU
    let conv3: ConvReLU
    let conv6: ConvReLU
    let conv8: ConvReLU
    let conv10: ConvReLU

    /// `scope`: the state dict's root (keys `features.{0,3,6,8,10}.*`). `imageSize`: the square
    /// image side the metric will mostly see, when known; it picks the algorithms whose weights
    /// are prepared (Winograd for the 3x3 layers), any size still runs.
    init(_ scope: ParameterScope, imageSize: Int?) {
        let features = scope.child("features")
        // Each layer's input side: 11x11/4 pad 2 then 3x3/2 pools, the rest keep their size.
        let side1 = imageSize.map { ($0 + 4 - 11) / 4 + 1 }
        let side2 = side1.map { ($0 - 3) / 2 + 1 }
        let side3 = side2.map { ($0 - 3) / 2 + 1 }
        func layer(_ index: Int, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int, inputSize: Int?) -> ConvReLU {
            ConvReLU(conv: Conv2d(features.child(index), inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                                  stride: stride, padding: padding, bias: true, inputSize: inputSize))
        }
        conv0 = layer(0, 3, 64, kernel: 11, stride: 4, padding: 2, inputSize: imageSize)
        conv3 = layer(3, 64, 192, kernel: 5, padding: 2, inputSize: side2)
        conv6 = layer(6, 192, 384, kernel: 3, padding: 1, inputSize: side3)
        conv8 = layer(8, 384, 256, kernel: 3, padding: 1, inputSize: side3)
        conv10 = layer(10, 256, 256, kernel: 3, padding: 1, inputSize: side3)
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
