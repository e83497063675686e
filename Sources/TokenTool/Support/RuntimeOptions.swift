import ArgumentParser
import Core

/// `--threads`, the one declaration of it, for every command that computes.
struct ThreadsOption: ParsableArguments {
    @Option(help: "Compute threads (default: OMP_NUM_THREADS, else the CPUs this process may run on, e.g. 1 under `taskset -c 0`).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
        try OptionLimits.check(threads, "--threads", atMost: OptionLimits.maxThreads)
    }
}

/// A command whose options shape the runtime policy (threads, algorithm preferences). `main`
/// asks the parsed command for its policy and configures the runtime once, before it runs;
/// commands that do not conform run with the default policy.
protocol RuntimeConfiguring {
    var runtimePolicy: RuntimePolicy { get }
}

extension TokenTool {
    /// The policy for `command`, configured once by `main`.
    static func configureRuntime(for command: ParsableCommand) {
        Runtime.configure((command as? RuntimeConfiguring)?.runtimePolicy ?? RuntimePolicy())
    }
}

extension Tokenize: RuntimeConfiguring {
    var runtimePolicy: RuntimePolicy { RuntimePolicy(threads: compute.threads.threads) }
}

extension Decode: RuntimeConfiguring {
    var runtimePolicy: RuntimePolicy { RuntimePolicy(threads: compute.threads.threads) }
}

extension Fit: RuntimeConfiguring {
    var runtimePolicy: RuntimePolicy { RuntimePolicy(threads: threads.threads) }
}

extension Bench: RuntimeConfiguring {
    var runtimePolicy: RuntimePolicy { RuntimePolicy(threads: threads.threads, winograd: !noWinograd) }
}
