import Core

/// One weight tensor, held at a fixed address for the model's lifetime so the kernels read
/// it in place. Immutable after creation.
public final class Parameter: @unchecked Sendable {
    let shape: [Int]
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    public init(_ tensor: Tensor) {
        shape = tensor.shape
        count = tensor.count
        pointer = .allocate(capacity: max(1, count))
        tensor.data.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: count) }
    }

    deinit { pointer.deallocate() }

    public var readOnly: UnsafePointer<Float> { UnsafePointer(pointer) }
}

/// Where a model's weights come from: a checkpoint (through the shared strict loader) or a
/// seeded random initialisation for benchmarks. Blocks ask for each weight by its checkpoint
/// key and the shape they expect; a source that cannot deliver records the problem and hands
/// back zeros, so every problem is reported at once when loading ends.
public protocol WeightSource: AnyObject {
    func take(_ key: String, shape: [Int]) -> Parameter
}
