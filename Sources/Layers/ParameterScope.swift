import Core
import Checkpoints

/// Where a model's weights come from: the strict `WeightLoader` (a checkpoint) or seeded
/// random weights (`RandomWeights`, for benchmarks). Every weight is asked for by its full
/// checkpoint key and the shape the model expects; a provider that cannot deliver records
/// the problem and hands back zeros, so that every problem is reported at once at the end.
public protocol WeightProvider: AnyObject {
    /// The float32 tensor stored under `key`, which must have `shape`.
    func tensor(_ key: String, shape: [Int]) -> Tensor
    /// The bfloat16 matrix stored under `key`, which must be (rows, columns): in place where
    /// the weights are memory-mapped (widened inside the GEMM, never copied to float32).
    func bf16Matrix(_ key: String, rows: Int, columns: Int) -> BF16Matrix
}

extension WeightProvider {
    /// Providers that make float32 values (random weights) round them to bf16 (truncating, as
    /// a bf16 view of float32 bits).
    public func bf16Matrix(_ key: String, rows: Int, columns: Int) -> BF16Matrix {
        let values = tensor(key, shape: [rows, columns])
        let storage = BF16Storage(count: rows * columns)
        for i in 0..<values.count { storage.bits[i] = UInt16(truncatingIfNeeded: values.data[i].bitPattern >> 16) }
        return BF16Matrix(rows: rows, columns: columns, bits: UnsafePointer(storage.bits), owner: storage)
    }
}

extension WeightLoader: WeightProvider {}

/// The one way layers get their weights: a `WeightProvider` seen through a key prefix, so a
/// layer names its tensors by the last part of their checkpoint key ("conv1.weight") and the
/// containers above it add the rest ("decoder.up.3.block.0.").
///
///     let loader = WeightLoader(store: try Checkpoint.open(path: path))
///     let conv = Conv2d(ParameterScope(loader).child("decoder").child("conv_in"), ...)
///     try loader.finish(expectingAllUnder: ["decoder."])
public struct ParameterScope {
    public let provider: WeightProvider
    /// The key prefix, ending in "." unless empty.
    public let prefix: String

    public init(_ provider: WeightProvider, prefix: String = "") {
        self.provider = provider
        self.prefix = prefix
    }

    /// The float32 tensor under prefix + name, which must have `shape`.
    public func callAsFunction(_ name: String, shape: [Int]) -> Tensor {
        provider.tensor(prefix + name, shape: shape)
    }

    /// The tensor under prefix + name, pinned at a fixed address for the model's lifetime.
    public func parameter(_ name: String, shape: [Int]) -> Parameter {
        Parameter(self(name, shape: shape))
    }

    /// The bf16 matrix under prefix + name, in place where the provider maps its weights.
    public func bf16(_ name: String, rows: Int, columns: Int) -> BF16Matrix {
        provider.bf16Matrix(prefix + name, rows: rows, columns: columns)
    }

    /// The scope of a sub-module: `scope.child("up").child(3)` reads "…up.3.*".
    public func child(_ name: String) -> ParameterScope {
        ParameterScope(provider, prefix: prefix + name + ".")
    }

    public func child(_ index: Int) -> ParameterScope {
        child(String(index))
    }
}
