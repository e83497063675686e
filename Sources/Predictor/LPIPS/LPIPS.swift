import Foundation
import Core
import Checkpoints
import Layers

/// LPIPS v0.1, AlexNet variant: the challenge's perceptual distance between two frames.
///
/// Both images go through AlexNet's features; at each of the five ReLU taps the feature
/// vectors are unit-normalized over channels, their squared difference is weighted per
/// channel by the learned linear layer `lin{k}` and averaged over the positions; the
/// distance is the sum over taps. Identical images are exactly 0 apart.
public final class LPIPS {
    /// The lpips package's ScalingLayer, applied to pixels in [-1, 1].
    static let shift: [Float] = [-0.030, -0.088, -0.188]
    static let scale: [Float] = [0.458, 0.448, 0.450]

    let features: AlexNetFeatures
    /// lin0 ... lin4, one weight per tap channel.
    let linearWeights: [[Float]]

    /// - alexNetPath: a torchvision `alexnet` state dict (`features.{0,3,6,8,10}.*`; the
    ///   `classifier.*` entries are ignored).
    /// - linearPath: the lpips package's `weights/v0.1/alex.pth` (`lin{k}.model.1.weight`).
    /// - imageSize: the square image side the metric will mostly compare (the challenge's
    ///   `LPIPS.imageSize`), to prepare the 3x3 layers' Winograd weights for it (any size still
    ///   runs); nil, the default, keeps plain weights, whose distances the command line has
    ///   always printed. Winograd moves them by float32 rounding (3e-8 on the fixture).
    public convenience init(alexNetPath: String, linearPath: String, imageSize: Int? = nil) throws {
        try self.init(alexNet: Checkpoint.open(path: alexNetPath), linear: Checkpoint.open(path: linearPath), imageSize: imageSize)
    }

    public init(alexNet: TensorStore, linear: TensorStore, imageSize: Int? = nil) throws {
        let backbone = WeightLoader(store: alexNet)
        features = AlexNetFeatures(ParameterScope(backbone), imageSize: imageSize)
        try backbone.finish(expectingAllUnder: ["features."])
        let lin = WeightLoader(store: linear)
        let heads = ParameterScope(lin)
        // lin{k} is a bias-free 1x1 convolution to one channel: its weights weigh the channels.
        linearWeights = AlexNetFeatures.tapChannels.enumerated().map { k, channels in
            heads.child("lin\(k)").child("model").child(1)("weight", shape: [1, channels, 1, 1]).data
        }
        try lin.finish(expectingAllUnder: ["lin"])
    }

    /// The frame side of the 1X data.
    public static let imageSize = 256

    /// The distance between two images of the same size.
    public func distance(_ a: RGBImage, _ b: RGBImage) throws -> Float {
        try distances([a], [b])[0]
    }

    /// distances[i] = distance(a[i], b[i]).
    public func distances(_ a: [RGBImage], _ b: [RGBImage]) throws -> [Float] {
        guard a.count == b.count else { throw LPIPSError.countMismatch(a.count, b.count) }
        for (i, (x, y)) in zip(a, b).enumerated() {
            guard x.width == y.width && x.height == y.height else {
                throw LPIPSError.sizeMismatch(index: i, a: (x.width, x.height), b: (y.width, y.height))
            }
            guard min(x.width, x.height) >= AlexNetFeatures.minimumImageSide else {
                throw LPIPSError.imageTooSmall(index: i, width: x.width, height: x.height)
            }
        }
        return zip(a, b).map { x, y in
            let tapsA = features(Self.scaledInput(x))
            let tapsB = features(Self.scaledInput(y))
            var total = 0.0
            for k in tapsA.indices {
                total += Self.tapDistance(tapsA[k], tapsB[k], weights: linearWeights[k])
            }
            return Float(total)
        }
    }

    /// rgb24 -> (3, H, W): x = u8 / 127.5 - 1, then (x - shift) / scale per channel.
    static func scaledInput(_ image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        var data = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            for c in 0..<3 {
                data[c * plane + i] = (Float(image.pixels[3 * i + c]) / 127.5 - 1 - shift[c]) / scale[c]
            }
        }
        return Tensor(shape: [3, image.height, image.width], data: data)
    }

    /// mean over positions of sum_c w_c (a_c/|a| - b_c/|b|)^2, with |f| = sqrt(sum_c f_c^2) + 1e-10.
    static func tapDistance(_ a: Tensor, _ b: Tensor, weights: [Float]) -> Double {
        let channels = a.shape[0]
        let positions = a.count / channels
        var normA = [Float](repeating: 0, count: positions)
        var normB = [Float](repeating: 0, count: positions)
        for c in 0..<channels {
            for p in 0..<positions {
                normA[p] += a.data[c * positions + p] * a.data[c * positions + p]
                normB[p] += b.data[c * positions + p] * b.data[c * positions + p]
            }
        }
        for p in 0..<positions {
            normA[p] = 1 / (normA[p].squareRoot() + 1e-10)
            normB[p] = 1 / (normB[p].squareRoot() + 1e-10)
        }
        var perPosition = [Float](repeating: 0, count: positions)
        for c in 0..<channels {
            let w = weights[c]
            for p in 0..<positions {
                let d = a.data[c * positions + p] * normA[p] - b.data[c * positions + p] * normB[p]
                perPosition[p] += w * d * d
            }
        }
        return perPosition.reduce(0.0) { $0 + Double($1) } / Double(positions)
    }
}

public enum LPIPSError: Error, CustomStringConvertible, Equatable {
    case countMismatch(Int, Int)
    case sizeMismatch(index: Int, a: (Int, Int), b: (Int, Int))
    case imageTooSmall(index: Int, width: Int, height: Int)

    public var description: String {
        switch self {
        case .countMismatch(let a, let b):
            return "LPIPS needs as many images on each side; got \(a) and \(b)"
        case .sizeMismatch(let i, let a, let b):
            return "LPIPS pair \(i): image sizes differ (\(a.0)x\(a.1) vs \(b.0)x\(b.1))"
        case .imageTooSmall(let i, let w, let h):
            return "LPIPS pair \(i): \(w)x\(h) is too small for AlexNet (needs at least \(AlexNetFeatures.minimumImageSide) pixels a side)"
        }
    }

    public static func == (l: LPIPSError, r: LPIPSError) -> Bool { l.description == r.description }
}
