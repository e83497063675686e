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
}
