/// Everything that can go wrong while reading a checkpoint. The one-line description always
/// starts with the file, then says what is wrong with it.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        case missingFile
        case unreadable(String)
        /// The first bytes match no format this toolkit reads.
        case notACheckpoint(firstBytes: String)
        /// The file ends before something it promises.
        case truncated(String)
        /// The structure is present but inconsistent.
        case malformed(String)
        case compressedEntry(name: String, method: Int)
        case disallowedGlobal(String)
        case unsupportedOpcode(opcode: UInt8, offset: Int)
        case badSafeTensorsHeader(String)
        case unsupportedDType(String)
        case tensorNotFound(String)
        /// From `WeightLoader.finish`: every missing, mis-shaped and unused key at once.
        case weightMismatch([String])
    }

    public var file: String
    public var problem: Problem

    public init(file: String, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        "\(file): \(problemText)"
    }

    private var problemText: String {
        switch problem {
        case .missingFile:
            return "no such file"
        case .unreadable(let why):
            return "cannot be read (\(why))"
        case .notACheckpoint(let bytes):
            return "not a checkpoint: unknown magic bytes \(bytes) (expected PyTorch zip, legacy PyTorch or safetensors)"
        case .truncated(let what):
            return "truncated: \(what)"
        case .malformed(let what):
            return "malformed checkpoint: \(what)"
        case .compressedEntry(let name, let method):
            return "ZIP entry '\(name)' is compressed (method \(method)); only stored (uncompressed) entries are supported"
        case .disallowedGlobal(let name):
            return "pickle refers to disallowed global '\(name)'; refusing to load"
        case .unsupportedOpcode(let opcode, let offset):
            return "unsupported pickle opcode \(Self.opcodeText(opcode)) at byte \(offset)"
        case .badSafeTensorsHeader(let what):
            return "bad safetensors header: \(what)"
        case .unsupportedDType(let what):
            return "unsupported tensor element type \(what)"
        case .tensorNotFound(let name):
            return "no tensor named '\(name)'"
        case .weightMismatch(let lines):
            return "\(lines.count) weight problem\(lines.count == 1 ? "" : "s"): " + lines.joined(separator: "; ")
        }
    }

    static func opcodeText(_ opcode: UInt8) -> String {
        let hex = "0x" + String(opcode, radix: 16, uppercase: false).leftPadded(to: 2)
        if opcode >= 0x21 && opcode < 0x7f {
            return "\(hex) ('\(Character(Unicode.Scalar(opcode)))')"
        }
        return hex
    }
}
