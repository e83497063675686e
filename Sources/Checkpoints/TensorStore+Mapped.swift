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
