import Foundation
import Core

/// Where one tensor's elements lie in a mapped file: a strided view of a storage.
/// Shared by every format, so conversion and bounds checks live in one place.
struct StoredTensor {
    var info: TensorInfo
    /// In elements, one per dimension.
    var strides: [Int]
    /// In elements, from the start of the storage.
    var storageOffset: Int
    /// Byte offset in the file of the storage's first element.
    var storageByteOffset: Int
    var storageElementCount: Int

    /// A contiguous tensor filling its own storage from the start (safetensors).
    init(info: TensorInfo, byteOffset: Int) {
        self.info = info
        self.strides = Self.rowMajorStrides(info.shape)
        self.storageOffset = 0
        self.storageByteOffset = byteOffset
        self.storageElementCount = info.elementCount
    }

    init(info: TensorInfo, strides: [Int], storageOffset: Int, storageByteOffset: Int, storageElementCount: Int) {
        self.info = info
        self.strides = strides
        self.storageOffset = storageOffset
        self.storageByteOffset = storageByteOffset
        self.storageElementCount = storageElementCount
    }

    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The product of `shape`, or nil if it is negative somewhere or overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// Checks the view stays inside its storage, so reads never leave the file.
    func validate(in file: MappedFile) throws {
        let name = info.name
        let (storageBytes, bytesOverflow) = storageElementCount.multipliedReportingOverflow(by: info.dtype.byteSize)
        guard Self.elementCount(info.shape) != nil, strides.allSatisfy({ $0 >= 0 }), storageOffset >= 0,
              strides.count == info.shape.count, storageElementCount >= 0, !bytesOverflow
        else {
            throw file.error(.malformed("tensor '\(name)' has shape \(info.shape), strides \(strides), offset \(storageOffset)"))
        }
        try file.checkRange(storageByteOffset, storageBytes, "storage of tensor '\(name)'")
        if info.shape.contains(0) { return }
        var last = storageOffset
        for (size, step) in zip(info.shape, strides) {
            let (reach, overflow) = (size - 1).multipliedReportingOverflow(by: step)
            let (sum, sumOverflow) = last.addingReportingOverflow(reach)
            guard !overflow, !sumOverflow else { throw file.error(.malformed("tensor '\(name)' strides overflow")) }
            last = sum
        }
        guard last < storageElementCount else {
            throw file.error(.malformed(
                "tensor '\(name)' (shape \(info.shape), strides \(strides), offset \(storageOffset)) reaches element \(last) of a storage holding \(storageElementCount)"))
        }
    }

    var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: info.shape.count - 1, through: 0, by: -1) where info.shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= info.shape[axis]
        }
        return true
    }

    /// The elements as float32 in row-major order. Assumes `validate` passed.
    func floatTensor(from file: MappedFile) throws -> Tensor {
        let count = info.elementCount
        var data = [Float](repeating: 0, count: count)
        if count == 0 { return Tensor(shape: info.shape, data: data) }
        let size = info.dtype.byteSize
        let storage = try file.bytes(at: storageByteOffset, count: storageElementCount * size, "storage of tensor '\(info.name)'")
        guard let base = storage.baseAddress else { return Tensor(shape: info.shape, data: data) }
        let dtype = info.dtype
        data.withUnsafeMutableBufferPointer { out in
            guard let dst = out.baseAddress else { return }
            if isContiguous {
                ElementConversion.convert(base + storageOffset * size, dtype: dtype, count: count, stride: 1, into: dst)
                // The copy is what the model keeps; without this, the checkpoint's pages
                // would stay resident beside it until the whole file is closed.
                file.dropPages(at: storageByteOffset + storageOffset * size, count: count * size)
                return
            }
            // Walk the outer dimensions with an odometer; the innermost runs with its own stride.
            let rank = info.shape.count
            let inner = info.shape[rank - 1]
            let innerStride = strides[rank - 1]
            var index = [Int](repeating: 0, count: rank - 1)
            var written = 0
            while written < count {
                var element = storageOffset
                for axis in 0 ..< rank - 1 { element += index[axis] * strides[axis] }
                ElementConversion.convert(base + element * size, dtype: dtype, count: inner, stride: innerStride, into: dst + written)
                written += inner
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < info.shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return Tensor(shape: info.shape, data: data)
    }
}

/// Little-endian element decoding to float32, from unaligned bytes.
enum ElementConversion {
    static func convert(_ source: UnsafeRawPointer, dtype: DType, count: Int, stride: Int, into out: UnsafeMutablePointer<Float>) {
        let step = stride * dtype.byteSize
        switch dtype {
        case .f32:
            #if _endian(little)
            if stride == 1 {
                // 1X-size weights are tens of millions of floats: one bulk copy.
                memcpy(out, source, count * 4)
                return
            }
            #endif
            for i in 0 ..< count {
                out[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * step, as: UInt32.self)))
            }
        case .f16:
            for i in 0 ..< count {
                out[i] = halfToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * step, as: UInt16.self)))
            }
        case .bf16:
            for i in 0 ..< count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * step, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .f64:
            for i in 0 ..< count {
                out[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i * step, as: UInt64.self))))
            }
        case .i64:
            for i in 0 ..< count {
                out[i] = Float(Int64(littleEndian: source.loadUnaligned(fromByteOffset: i * step, as: Int64.self)))
            }
        case .i32:
            for i in 0 ..< count {
                out[i] = Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: i * step, as: Int32.self)))
            }
        case .i16:
            for i in 0 ..< count {
                out[i] = Float(Int16(littleEndian: source.loadUnaligned(fromByteOffset: i * step, as: Int16.self)))
            }
        case .i8:
            for i in 0 ..< count {
                out[i] = Float(source.load(fromByteOffset: i * step, as: Int8.self))
            }
        case .u8:
            for i in 0 ..< count {
                out[i] = Float(source.load(fromByteOffset: i * step, as: UInt8.self))
            }
        case .bool:
            for i in 0 ..< count {
                out[i] = source.load(fromByteOffset: i * step, as: UInt8.self) != 0 ? 1 : 0
            }
        }
    }

    /// IEEE half to single, exactly, including subnormals, infinities and NaN.
    static func halfToFloat(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}

extension DType {
    /// PyTorch's legacy storage class name for this element type.
    var storageTypeName: String {
        switch self {
        case .f32: return "FloatStorage"
        case .f16: return "HalfStorage"
        case .bf16: return "BFloat16Storage"
        case .f64: return "DoubleStorage"
        case .i64: return "LongStorage"
        case .i32: return "IntStorage"
        case .i16: return "ShortStorage"
        case .i8: return "CharStorage"
        case .u8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }
}
