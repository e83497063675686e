/// Opens any checkpoint the toolkit reads, telling the format by its first bytes.
public enum Checkpoint {
    /// A PyTorch zip (`torch.save`), legacy PyTorch (pre-1.6 `.pth`) or safetensors file.
    /// Only the file's structure is read here; tensor bytes are touched when asked for.
    public static func open(path: String) throws -> TensorStore {
        let file = try MappedFile(path: path)
        let head = try file.bytes(at: 0, count: min(file.count, 16), "file header")
        let bytes = Array(head)
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return try TorchCheckpoint.openZip(file)
        }
        if bytes.count >= 14, bytes[0] == 0x80, bytes[2] == 0x8A, bytes[3] == 0x0A,
           Array(bytes[4 ..< 14]) == TorchCheckpoint.legacyMagic {
            return try TorchCheckpoint.openLegacy(file)
        }
        // safetensors: a plausible header length followed by the opening brace of its JSON.
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") {
            return try SafeTensorsFile.open(file)
        }
        throw file.error(.notACheckpoint(firstBytes: hexPrefix(of: file)))
    }

    static func hexPrefix(of file: MappedFile) -> String {
        guard let head = try? file.bytes(at: 0, count: min(file.count, 8), "file header"), head.count > 0 else {
            return "(empty file)"
        }
        return head.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
    }
}
