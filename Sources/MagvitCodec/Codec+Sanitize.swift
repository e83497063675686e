extension Codec {
    /// MAGVIT2's checkpoint key rules (the model's `sanitize` step; the checkpoint readers know
    /// only formats). The reference training code stores the EMA copy of weight `key` as
    /// `model_ema.` plus the key with every dot removed. The other stored families are training
    /// state the codec never reads (`loss.*`, `model_ema.num_updates`, ...): loading checks
    /// only the parts it loads (`encoder.`/`decoder.`, or their EMA prefixes) for leftovers.
    public static func emaKey(_ key: String) -> String {
        "model_ema." + key.filter { $0 != "." }
    }
}
