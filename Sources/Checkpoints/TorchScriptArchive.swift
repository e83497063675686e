/// TorchScript archives (`torch.jit.save`, e.g. NVIDIA's Cosmos `encoder.jit`/`decoder.jit`).
///
/// The container is the PyTorch zip format: `<prefix>/data.pkl` plus one storage per tensor in
/// `<prefix>/data/<key>`; local headers carry data descriptors and a 64-byte-alignment extra
/// field, which `ZipArchive` handles by reading sizes from the central directory. What differs
/// is `data.pkl`: it pickles the module tree itself. Every object is a `__torch__.*` class
/// built with NEWOBJ and filled by BUILD from a dict of attributes (`training`, child modules
/// by attribute name, parameters and buffers by name). The reader turns each such object into
/// a plain attribute record (a dict), so walking the tree and joining names with "." gives
/// the state-dict keys, exactly as for a `torch.save`d state dict.
///
/// Nothing of the archive is executed: the TorchScript source under `code/`, `constants.pkl`
/// and the traced example inputs are never read, `__torch__.*` classes are never called, and
/// every other global still has to be on the pickle allowlist.
enum TorchScriptArchive {
    static let formatName = "TorchScript"

    /// An archive is TorchScript when its folder holds compiled code or constants beside
    /// `data.pkl`; a `torch.save` file never does.
    static func isTorchScript(_ archive: ZipArchive, prefix: String) -> Bool {
        if archive.entry(named: prefix + "constants.pkl") != nil { return true }
        let code = prefix + "code/"
        return archive.entries.contains { $0.name.hasPrefix(code) }
    }
}

extension TensorStore {
    /// Whether the tensors come from a TorchScript archive (`.jit`).
    public var isTorchScript: Bool { formatName == TorchScriptArchive.formatName }
}
