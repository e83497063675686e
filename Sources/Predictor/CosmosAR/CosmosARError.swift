/// What can go wrong running a Cosmos autoregressive model on some tokens. As `CheckpointError`:
/// one line that starts with the file (the checkpoint or the dataset), then the problem.
public struct CosmosARError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        /// The checkpoint lacks the keys the sizes are read from: it is not this architecture.
        case notCosmosAR(missing: [String])
        case codeOutOfRange(position: Int, code: Int32, vocabulary: Int)
        case sequenceTooLong(tokens: Int, capacity: Int)
        case promptTooShort(tokens: Int)
        case clipOutOfRange(clip: Int, clips: Int)
        case frameSize(frame: Int, tokens: Int, expected: Int)
    }

    public var file: String
    public var problem: Problem

    public init(file: String, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .notCosmosAR(let missing):
            return "\(file): not a Cosmos-Predict1 autoregressive checkpoint: missing \(missing.joined(separator: ", "))"
        case .codeOutOfRange(let position, let code, let vocabulary):
            return "\(file): token \(position) is \(code), outside the codes 0 ..< \(vocabulary)"
        case .sequenceTooLong(let tokens, let capacity):
            return "\(file): \(tokens) tokens do not fit the model's latent grid of \(capacity) positions"
        case .promptTooShort(let tokens):
            return "\(file): a prompt of \(tokens) tokens; need at least 1"
        case .clipOutOfRange(let clip, let clips):
            return "\(file): clip \(clip) is out of range: the dataset has \(clips) clips"
        case .frameSize(let frame, let tokens, let expected):
            return "\(file): frame \(frame) has \(tokens) tokens; a latent frame of the model has \(expected)"
        }
    }
}
