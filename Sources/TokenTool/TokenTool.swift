import ArgumentParser
import MagvitCodec

@main
struct TokenTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokentool",
        abstract: "MAGVIT2 tokens for the 1X World Model Challenge: tokenize video, decode tokens, compare, score and sample.",
        subcommands: [
            Inspect.self, Tokenize.self, Decode.self, Compare.self, Generate.self, Evaluate.self, Fit.self, LPIPSCommand.self, Demo.self, Bench.self,
            Merge.self, MergeScores.self,
        ])

    static func main() {
        CPURequirement.exitUnlessMet()
        Interruption.cleanUpOnSignals()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
