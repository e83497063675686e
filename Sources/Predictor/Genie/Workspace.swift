import Core

/// Activations of one forward pass, allocated once for a given number of token rows and
/// reused by every layer.
final class Workspace {
    let rows: Int
    /// Hidden state, (rows, d).
    let x: UnsafeMutablePointer<Float>
    /// Normalised copy of `x` fed to attention or the MLP, (rows, d).
    let normed: UnsafeMutablePointer<Float>
    /// Queries, keys and values, (rows, 3d): per row [q | k | v], each (heads, head_dim).
    let qkv: UnsafeMutablePointer<Float>
    /// Attention output before `proj`, (rows, d).
    let attended: UnsafeMutablePointer<Float>
    /// MLP hidden layer, (rows, mlp hidden).
    let hidden: UnsafeMutablePointer<Float>
    /// Spatial attention scores of one frame and head, (S, S), one matrix per kernel thread.
    let scores: UnsafeMutablePointer<Float>

    init(rows: Int, config: GenieConfig) {
        self.rows = rows
        let d = config.dModel
        x = .allocate(capacity: rows * d)
        normed = .allocate(capacity: rows * d)
        qkv = .allocate(capacity: rows * 3 * d)
        attended = .allocate(capacity: rows * d)
        hidden = .allocate(capacity: rows * config.mlpHidden)
        scores = .allocate(capacity: Kernels.threadCount * config.S * config.S)
    }

    deinit {
        for buffer in [x, normed, qkv, attended, hidden, scores] { buffer.deallocate() }
    }
}
