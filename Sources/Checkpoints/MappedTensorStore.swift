import Core

/// The `TensorStore` every format produces: a mapped file plus where each tensor lies in it.
/// The file stays mapped as long as the store lives; tensors are copied out on request.
final class MappedTensorStore: TensorStore {
    let formatName: String
    let tensorNames: [String]
    private let file: MappedFile
    private let tensors: [String: StoredTensor]

    var path: String { file.path }

    init(formatName: String, file: MappedFile, tensors: [String: StoredTensor]) throws {
        for tensor in tensors.values { try tensor.validate(in: file) }
        self.formatName = formatName
        self.file = file
        self.tensors = tensors
        self.tensorNames = tensors.keys.sorted()
    }

    func info(_ name: String) -> TensorInfo? {
        tensors[name]?.info
    }

    func floatTensor(_ name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw file.error(.tensorNotFound(name)) }
        return try tensor.floatTensor(from: file)
    }

    /// The stored bytes of a contiguous tensor, in place in the mapping (see `TensorStore.mappedBytes`).
    func mappedContiguousBytes(_ name: String) throws -> (bytes: UnsafeRawBufferPointer, owner: AnyObject)? {
        guard let tensor = tensors[name] else { throw file.error(.tensorNotFound(name)) }
        guard tensor.isContiguous else { return nil }
        let size = tensor.info.dtype.byteSize
        let bytes = try file.bytes(at: tensor.storageByteOffset + tensor.storageOffset * size,
                                   count: tensor.info.elementCount * size, "tensor '\(name)'")
        return (bytes, file)
    }
}
