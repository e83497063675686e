import ArgumentParser
import Media

@main
struct TokenTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokentool",
        abstract: "MAGVIT2 tokens for the 1X World Model Challenge: tokenize video, decode tokens, compare, score and sample.",
        discussion: "Flags also take the 1X reference scripts' spellings (--num_prompt_frames, --example_ind, --maskgit_steps, any --flag_name); --verbose anywhere shows FFmpeg's log and each input's filter graph.",
        version: TokenToolVersion.current,
        subcommands: [
            Inspect.self, Tokenize.self, Decode.self, Compare.self, Generate.self, Evaluate.self, Fit.self, LPIPSCommand.self, Demo.self, Bench.self,
            Merge.self, MergeScores.self,
        ])

    static func main() {
        CPURequirement.exitUnlessMet()
        Interruption.cleanUpOnSignals()
        do {
            let arguments = CommandLineConventions.normalize(CommandLineConventions.extractVerbose(Array(CommandLine.arguments.dropFirst())))
            var command = try parseAsRoot(arguments)
            configureRuntime(for: command)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
