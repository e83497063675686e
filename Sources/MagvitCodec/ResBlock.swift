import Core
import Layers

/// norm1 -> swish -> conv1 -> norm2 -> swish -> conv2, plus the input (through a 1x1
/// `nin_shortcut` when the channel count changes).
struct ResBlock {
    let norm1: GroupNorm
    let conv1: Conv2d
    let norm2: GroupNorm
    let conv2: Conv2d
    let ninShortcut: Conv2d?

    /// `size`: the square image size the block runs on (picks the conv algorithms at load).
    init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, size: Int) {
        norm1 = GroupNorm(scope.child("norm1"), channels: inChannels)
        conv1 = Conv2d(scope.child("conv1"), inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1, bias: false, inputSize: size)
        norm2 = GroupNorm(scope.child("norm2"), channels: outChannels)
        conv2 = Conv2d(scope.child("conv2"), inChannels: outChannels, outChannels: outChannels, kernel: 3, padding: 1, bias: false, inputSize: size)
        ninShortcut = inChannels == outChannels ? nil
            : Conv2d(scope.child("nin_shortcut"), inChannels: inChannels, outChannels: outChannels, kernel: 1, bias: false)
    }

    /// x: (in, H, W) -> (out, H, W)
    func callAsFunction(_ x: consuming Tensor) -> Tensor {
        var h = conv1(norm1(x, swish: true))
        norm2.apply(to: &h, swish: true)
        let shortcut = if let ninShortcut { ninShortcut(x) } else { consume x }
        return conv2(h, adding: consume shortcut)
    }
}
