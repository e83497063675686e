import Dispatch
import Foundation
import Core

/// Ctrl-C or a kill while a command writes: remove its scratch files, then exit as the
/// signal would have (128 + signal number). Outputs are renamed into place only when complete,
/// so nothing half-written remains either way.
enum Interruption {
    private nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []

    static func cleanUpOnSignals() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                PendingOutputs.removeAll()
                FileHandle.standardError.write(Data("\ninterrupted; partial outputs removed\n".utf8))
                // _exit, not exit: worker threads are still computing, and exit() would run
                // atexit handlers and library destructors underneath them (a SIGSEGV, seen in CI).
                _exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
