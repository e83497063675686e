import Foundation

/// `metadata.json` of a 1X v1.1 token dataset. The typed fields are read from `values`, which
/// keeps every key of the file (unknown ones too) so a rewrite preserves them.
public struct TokenDatasetMetadata: Equatable, Sendable {
    public var values: [String: JSONValue]

    public var tokenDType: TokenDType
    public var height: Int
    public var width: Int
    public var vocabularySize: Int
    public var frameCount: Int

    public var hz: Double? { values["hz"]?.doubleValue }
    public var tokenizerCheckpoint: String? { values["tokenizer_ckpt"]?.stringValue }
    public var tokensPerFrame: Int { height * width }

    /// Caps on the sizes a file may claim: far above the 1X data (16x16 tokens, some 10^7
    /// frames), low enough that products of them cannot overflow.
    public static let maxSide = 4096
    public static let maxFrameCount = 1 << 36

    /// The metadata the real MAGVIT2 datasets carry.
    public init(frameCount: Int, hz: Int, tokenizerCheckpoint: String,
                height: Int = TokenGrid.magvit2.height, width: Int = TokenGrid.magvit2.width,
                extra: [String: JSONValue] = [:]) {
        self.init(frameCount: frameCount, hz: Double(hz), tokenizerCheckpoint: tokenizerCheckpoint, height: height,
                  width: width, extra: extra)
    }

    /// `hz` is kept exact: a whole rate is written as an integer (as the 1X files have it), any
    /// other as the number it is (2.5, 29.97002997...).
    public init(frameCount: Int, hz: Double, tokenizerCheckpoint: String,
                height: Int = TokenGrid.magvit2.height, width: Int = TokenGrid.magvit2.width,
                extra: [String: JSONValue] = [:]) {
        var values = extra
        values["token_dtype"] = .string("uint32")
        values["s"] = .int(height)
        values["h"] = .int(height)
        values["w"] = .int(width)
        values["vocab_size"] = .int(Vocabulary.magvit2.size)
        values["hz"] = Self.rate(hz)
        values["tokenizer_ckpt"] = .string(tokenizerCheckpoint)
        values["num_images"] = .int(frameCount)
        self.values = values
        tokenDType = .uint32
        self.height = height
        self.width = width
        vocabularySize = Vocabulary.magvit2.size
        self.frameCount = frameCount
    }

    /// Validates the keys needed to read the data; `path` names the file in errors.
    public init(values: [String: JSONValue], path: String) throws {
        func positiveInt(_ key: String) throws -> Int {
            guard let raw = values[key] else { throw DatasetError(file: path, .missingKey(key)) }
            guard let value = raw.intValue, value > 0 else {
                throw DatasetError(file: path, .invalidKey(key, "must be a positive integer, found \(raw)"))
            }
            return value
        }
        guard let dtypeValue = values["token_dtype"] else { throw DatasetError(file: path, .missingKey("token_dtype")) }
        guard let name = dtypeValue.stringValue, let dtype = TokenDType(numpyName: name) else {
            throw DatasetError(file: path, .invalidKey("token_dtype", "is \(dtypeValue); expected one of "
                + TokenDType.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        self.values = values
        tokenDType = dtype
        height = try positiveInt("h")
        width = try positiveInt("w")
        // Sizes from the file are capped before anything is multiplied or allocated by them.
        guard height <= Self.maxSide, width <= Self.maxSide else {
            throw DatasetError(file: path, .malformed("token grid \(height)x\(width) is above the cap of \(Self.maxSide) per side"))
        }
        vocabularySize = try positiveInt("vocab_size")
        guard let raw = values["num_images"] else { throw DatasetError(file: path, .missingKey("num_images")) }
        guard let count = raw.intValue, count >= 0 else {
            throw DatasetError(file: path, .invalidKey("num_images", "must be a non-negative integer, found \(raw)"))
        }
        guard count <= Self.maxFrameCount else {
            throw DatasetError(file: path, .aboveCap("num_images \(count)", cap: Self.maxFrameCount))
        }
        frameCount = count
        if let s = values["s"], s.intValue == nil {
            throw DatasetError(file: path, .invalidKey("s", "must be an integer, found \(s)"))
        }
        if UInt64(vocabularySize - 1) > dtype.maxValue {
            throw DatasetError(file: path, .malformed("vocab_size \(vocabularySize) does not fit token_dtype \(dtype.rawValue)"))
        }
    }

    public static func read(from url: URL) throws -> TokenDatasetMetadata {
        guard FileManager.default.fileExists(atPath: url.path) else { throw DatasetError(file: url.path, .missingFile) }
        return try TokenDatasetMetadata(values: JSONValue.readObject(at: url), path: url.path)
    }

    /// The metadata with `num_images` changed and every other key kept.
    public func with(frameCount count: Int) -> TokenDatasetMetadata {
        var copy = self
        copy.frameCount = count
        copy.values["num_images"] = .int(count)
        return copy
    }

    static func rate(_ hz: Double) -> JSONValue {
        hz.rounded() == hz && abs(hz) < 1e9 ? .int(Int(hz)) : .double(hz)
    }

    public func jsonData() throws -> Data { try JSONValue.encodeObject(values) }
}
