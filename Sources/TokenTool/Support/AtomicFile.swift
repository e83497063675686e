import Foundation

/// An error whose whole message is its text (ArgumentParser prints it after "Error: ").
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}
