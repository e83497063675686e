import Foundation

/// Progress of long work on stderr: done/total, rate and ETA. On a terminal it redraws one
/// line; otherwise (CI logs, pipes) it prints a line every few seconds so logs stay short.
final class Progress {
    private let label: String
    private let unit: String
    private var total: Int?
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let interactive = isatty(STDERR_FILENO) != 0
    private(set) var done = 0

    init(_ label: String, total: Int?, unit: String = "frames") {
        self.label = label
        self.total = total
        self.unit = unit
    }

    func update(done: Int, total newTotal: Int? = nil) {
        self.done = done
        if let newTotal { total = newTotal }
        let now = Date()
        let interval = interactive ? 0.2 : 5.0
        guard now.timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = now
        emit(final: false)
    }

    func advance(by n: Int = 1) { update(done: done + n) }

    func finish() { emit(final: true) }

    private func emit(final: Bool) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\(label): \(done)"
        if let total { line += "/\(total)" }
        line += " \(unit), " + String(format: "%.2f %@/s", rate, unit)
        if final {
            line += ", " + String(format: "%.1f s", elapsed)
        } else if let total, rate > 0, total > done {
            line += ", ETA " + String(format: "%.0f s", Double(total - done) / rate)
        }
        let text = interactive ? "\r\u{1B}[K" + line + (final ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A note on stderr, keeping stdout for machine-readable results.
func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
