/// Where model layers get their weights: the strict `WeightLoader`, seen through a key
/// prefix, so a layer names its tensors by the last part of their checkpoint key
/// ("conv1.weight") and the containers above it add the rest ("decoder.up.3.block.0.").
struct ParameterScope {
    let loader: WeightLoader
    let prefix: String

    init(_ loader: WeightLoader, prefix: String = "") {
        self.loader = loader
        self.prefix = prefix
    }

    /// The tensor under prefix + name, which must have `shape`; problems are collected by the
    /// loader and reported together by its `finish`.
    func callAsFunction(_ name: String, shape: [Int]) -> Tensor {
        loader.tensor(prefix + name, shape: shape)
    }

    /// The scope of a sub-module: `scope.child("up").child(3)` reads "…up.3.*".
    func child(_ name: String) -> ParameterScope {
        ParameterScope(loader, prefix: prefix + name + ".")
    }

    func child(_ index: Int) -> ParameterScope {
        child(String(index))
    }
}
