import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping
/// names to dtype, shape and byte range, then the tensors' bytes back to back.
enum SafeTensorsFile {
    static func open(_ file: MappedFile) throws -> MappedTensorStore {
        func bad(_ what: String) -> CheckpointError { file.error(.badSafeTensorsHeader(what)) }

        let headerLength = try file.u64(at: 0, "safetensors header length")
        guard headerLength <= UInt64(file.count - 8) else {
            throw file.error(.truncated("safetensors header claims \(headerLength) bytes but the file has \(file.count - 8) after the length"))
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = file.count - dataStart
        let headerBytes = try file.bytes(at: 8, count: Int(headerLength), "safetensors header")
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw bad("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw bad("header is not a JSON object") }

        var tensors: [String: StoredTensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw bad("entry '\(name)' is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw bad("entry '\(name)' has no dtype") }
            guard let dtype = dtypes[dtypeName] else {
                throw file.error(.unsupportedDType("'\(dtypeName)' of tensor '\(name)'"))
            }
            guard let shape = integers(entry["shape"]), let count = StoredTensor.elementCount(shape) else {
                throw bad("entry '\(name)' has no valid shape")
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1]
            else {
                throw bad("entry '\(name)' has no valid data_offsets")
            }
            guard offsets[1] <= dataLength else {
                throw file.error(.truncated("tensor '\(name)' ends at data byte \(offsets[1]) but the file holds \(dataLength) data bytes"))
            }
            let info = TensorInfo(name: name, dtype: dtype, shape: shape)
            let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, offsets[1] - offsets[0] == expected else {
                throw bad("entry '\(name)' spans \(offsets[1] - offsets[0]) bytes but \(dtypeName) \(shape) needs \(expected)")
            }
            tensors[name] = StoredTensor(info: info, byteOffset: dataStart + offsets[0])
        }
        return try MappedTensorStore(formatName: "safetensors", file: file, tensors: tensors)
    }

    private static let dtypes: [String: DType] = [
        "F32": .f32, "F16": .f16, "BF16": .bf16, "F64": .f64,
        "I64": .i64, "I32": .i32, "I16": .i16, "I8": .i8, "U8": .u8, "BOOL": .bool,
    ]

    /// JSON numbers arrive as NSNumber; accept only whole values.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in array {
            guard let number = item as? NSNumber, let int = Int(exactly: number.doubleValue)
            else { return nil }
            result.append(int)
        }
        return result
    }
}
