import Foundation
import TokenData

/// The predictors a command can name: a GENIE checkpoint directory, a fitted context-model
/// file, or `copy` (optionally `copy:<eps>`).
public enum PredictorRegistry {
    /// What a predictor name says.
    public enum Choice: Equatable, Sendable {
        /// `copy` (no eps: fitted on the windows being scored when they are given) or `copy:<eps>`.
        case copy(mixing: Float?)
        /// A GENIE directory or a context-model file.
        case path(String)
    }

    /// Reads a name; nil for `copy:` followed by something that is not a number.
    public static func parse(_ spec: String) -> Choice? {
        if spec == "copy" { return .copy(mixing: nil) }
        if spec.hasPrefix("copy:") { return Float(spec.dropFirst(5)).map { .copy(mixing: $0) } }
        return .path(spec)
    }

    /// The predictor `choice` names. A fitted `copy` fits its mixing weight on `windows` of
    /// `data` when both are given.
    public static func load(_ choice: Choice, fittingCopyOn data: TokenDataset? = nil, windows: WindowSet? = nil) throws -> FramePredictor {
        switch choice {
        case .copy(let mixing?):
            return try CopyPredictor(mixing: mixing)
        case .copy(nil):
            if let data, let windows { return CopyPredictor.fit(dataset: data, windows: windows) }
            return try CopyPredictor()
        case .path(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw PredictorRegistryError(file: path, .noSuchPredictor)
            }
            if isDirectory.boolValue { return try GenieModel(directory: URL(fileURLWithPath: path)) }
            return try ContextModel.load(from: URL(fileURLWithPath: path))
        }
    }
}

/// A predictor name that names nothing; one line starting with the file.
public struct PredictorRegistryError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        case noSuchPredictor
    }

    public var file: String
    public var problem: Problem

    public init(file: String, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .noSuchPredictor:
            return "\(file): no such predictor (expected a GENIE directory, a context-model file, or copy)"
        }
    }
}
