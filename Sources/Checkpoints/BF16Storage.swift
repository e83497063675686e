/// bf16 values owned by the process (random weights, or a copy of an unaligned stored tensor),
/// for a `BF16Matrix` whose values are not in a mapped file.
public final class BF16Storage {
    public let bits: UnsafeMutablePointer<UInt16>
    public let count: Int

    public init(count: Int) {
        self.count = count
        bits = .allocate(capacity: max(1, count))
        bits.initialize(repeating: 0, count: max(1, count))
    }

    deinit { bits.deallocate() }
}
