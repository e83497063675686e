/// `tokentool --version`. Raise it with every release.
enum TokenToolVersion {
    static let current = "0.1.0"
}
