import TokenData

/// How an evaluation was run.
public struct EvaluationSettings: Codable, Sendable, Equatable {
    /// MaskGIT steps per predicted frame (accuracy depends on it, CE does not).
    public var maskgitSteps: Int
    public var temperature: Float
    public var topK: Int?
    public var topP: Float?
    public var remaskOrder: RemaskOrder
    public var seed: UInt64
    /// Windows scored together in one call to the predictor.
    public var batchSize: Int

    enum CodingKeys: String, CodingKey {
        case maskgitSteps = "maskgit_steps", temperature, topK = "top_k", topP = "top_p"
        case remaskOrder = "remask_order", seed, batchSize = "batch_size"
    }

    public init(
        maskgitSteps: Int = 2, temperature: Float = 0, topK: Int? = nil, topP: Float? = nil,
        remaskOrder: RemaskOrder = .random, seed: UInt64 = 0, batchSize: Int = 4
    ) {
        self.maskgitSteps = maskgitSteps
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.remaskOrder = remaskOrder
        self.seed = seed
        self.batchSize = batchSize
    }

    public var maskgit: MaskGIT {
        MaskGIT(steps: maskgitSteps, sampler: TokenSampler(temperature: temperature, topK: topK, topP: topP), order: remaskOrder)
    }
}

/// The challenge's temporally teacher-forced metrics over a set of windows.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var predictor: String
    /// Mean over predicted tokens of the CE summed over the vocabulary's factors (MAGVIT2:
    /// CE(token % 512) + CE(token / 512)), nats.
    public var ce: Double
    /// Fraction of predicted tokens (both factors) equal to the truth.
    public var accuracy: Double
    /// Mean LPIPS of decoded predictions against decoded truth; nil when not computed.
    public var lpips: Double?
    /// Generation time (model and sampling, no decoding) per predicted frame.
    public var secondsPerFrame: Double
    public var examples: Int
    public var predictedFrames: Int
    /// Mean CE of the frames predicted at each index t = 1, 2, ... of the window.
    public var perTimestepCE: [Double]
    public var settings: EvaluationSettings

    enum CodingKeys: String, CodingKey {
        case predictor, ce, accuracy, lpips, secondsPerFrame = "seconds_per_frame", examples
        case predictedFrames = "predicted_frames", perTimestepCE = "per_timestep_ce", settings
    }
}

/// What the evaluator reports after each batch of windows.
public struct EvaluationProgress {
    public var examplesDone: Int
    public var predictedFrames: Int
    /// Mean CE so far.
    public var ce: Double
    /// The windows of this batch (index of the first in the whole run) and, per window, the
    /// predicted frames 1 ..< count: what an LPIPS or visualisation step needs.
    public var firstExample: Int
    public var windows: [[FrameTokens]]
    public var predictions: [[FrameTokens]]
}
