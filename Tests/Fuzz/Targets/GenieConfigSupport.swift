// The genie-config target compiles GenieConfig.swift alone, without the rest of Predictor;
// this is the one constant of it that the config checks use (FramePredictor.swift's value).
public struct FactoredLogits {
    public static let classes = 512
}
