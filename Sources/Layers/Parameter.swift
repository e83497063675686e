import Core

/// One weight tensor, held at a fixed address for the model's lifetime so the kernels read
/// it in place (`ParameterScope.parameter`). Immutable after creation.
public final class Parameter: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
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
