import Foundation

/// What `inspect` says about a file: lines for people and a dictionary for `--json`.
public struct Report {
    public var lines: [String]
    public var fields: [String: Any]

    public init(lines: [String] = [], fields: [String: Any] = [:]) {
        self.lines = lines
        self.fields = fields
    }

    public var text: String { lines.joined(separator: "\n") }

    /// A line `label   value` (labels padded to 22), and `fields[key] = json ?? value` when keyed.
    public mutating func add(_ label: String, _ value: Any, key: String? = nil, json: Any? = nil) {
        lines.append(label.padding(toLength: max(label.count, 22), withPad: " ", startingAt: 0) + " \(value)")
        if let key { fields[key] = json ?? value }
    }

    /// This report's lines followed by `other`'s; a field both have keeps this report's value.
    public func appending(_ other: Report) -> Report {
        Report(lines: lines + other.lines, fields: fields.merging(other.fields) { a, _ in a })
    }

    public func writeJSON(to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys])
        try AtomicOutput.write(data, to: path)
    }

    /// A count as people read it: 1234, 12.3 k, 4.56 M, 1.23 G.
    public static func formatCount(_ n: Int) -> String {
        switch n {
        case 1_000_000_000...: return String(format: "%.2f G", Double(n) / 1e9)
        case 1_000_000...: return String(format: "%.2f M", Double(n) / 1e6)
        case 10_000...: return String(format: "%.1f k", Double(n) / 1e3)
        default: return "\(n)"
        }
    }
}
