import Core

/// Element types a checkpoint may hold.
public enum DType: String, Sendable {
    case f32, f16, bf16, i64, i32, u8, bool
    /// Rarer PyTorch storage types, readable too (converted to float32 like the rest).
    case f64, i16, i8

    public var byteSize: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i64, .f64: return 8
        case .u8, .bool, .i8: return 1
        }
    }
}

/// What a checkpoint says about one tensor, before any of its bytes are touched.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var elementCount: Int { shape.reduce(1, *) }

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
}

/// One lookup-by-name interface over every checkpoint format the toolkit reads
/// (PyTorch zip, legacy PyTorch, safetensors). Tensors are read lazily from a
/// memory-mapped file: only the ones asked for are touched.
public protocol TensorStore: AnyObject {
    /// A short human-readable name of the file format, e.g. "PyTorch zip".
    var formatName: String { get }
    /// The file the tensors come from, for error messages.
    var path: String { get }
    /// Every tensor name in the file, sorted.
    var tensorNames: [String] { get }
    func info(_ name: String) -> TensorInfo?
    /// The tensor converted to float32, contiguous, honouring strides and storage offset.
    func floatTensor(_ name: String) throws -> Tensor
}

/// Tensors used where they lie in a memory-mapped checkpoint, without a float32 copy: for
/// models too large to widen at load (the 8 GB bf16 Cosmos-Predict1 4B on a 24 GB machine).
extension TensorStore {
    /// The raw little-endian bytes of tensor `name` and the object that keeps them mapped, or nil
    /// when the store cannot hand them out in place (a strided view, a store that is not mapped).
    public func mappedBytes(_ name: String) throws -> (bytes: UnsafeRawBufferPointer, owner: AnyObject)? {
        guard let store = self as? MappedTensorStore else { return nil }
        return try store.mappedContiguousBytes(name)
    }
}
