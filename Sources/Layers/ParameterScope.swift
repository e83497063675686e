import Core
import Checkpoints

/// Where model layers get their weights: the strict `WeightLoader` (or seeded random weights
/// for benchmarks), seen through a key prefix, so a layer names its tensors by the last part
/// of their checkpoint key ("conv1.weight") and the containers above it add the rest
/// ("decoder.up.3.block.0.").
public struct ParameterScope {
    /// The tensor stored under a full key, which must have the given shape.
    let source: (String, [Int]) -> Tensor
    let prefix: String

    public init(prefix: String = "", source: @escaping (String, [Int]) -> Tensor) {
        self.source = source
        self.prefix = prefix
    }

    /// Problems are collected by the loader and reported together by its `finish`.
    public init(_ loader: WeightLoader, prefix: String = "") {
        self.init(prefix: prefix) { loader.tensor($0, shape: $1) }
    }

    /// The tensor under prefix + name, which must have `shape`.
    public func callAsFunction(_ name: String, shape: [Int]) -> Tensor {
        source(prefix + name, shape)
    }

    /// The scope of a sub-module: `scope.child("up").child(3)` reads "…up.3.*".
    public func child(_ name: String) -> ParameterScope {
        ParameterScope(prefix: prefix + name + ".", source: source)
    }

    public func child(_ index: Int) -> ParameterScope {
        child(String(index))
    }
}
