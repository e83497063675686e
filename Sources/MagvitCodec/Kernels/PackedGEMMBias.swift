/// Weight x activation products with the weights packed once at load: the (3,1,1) and
/// (1,1,1) convolutions of the Cosmos tokenizer. Measured there: OpenBLAS on this CPU runs
/// its generic (Prescott) sgemm kernel, 60% of a full-size decode; the project's own 6x16
/// micro-kernel (PackedGEMM.swift) does the same products several times faster.
extension Kernels {
    /// Columns of B one block covers: B's block (depth x columns) should stay in L2 while every
    /// panel of A sweeps it.
    static func packedBlockColumns(depth: Int) -> Int {
        max(packedGEMMColumns, min(512, (1 << 17) / max(1, depth)) / packedGEMMColumns * packedGEMMColumns)
    }

    /// C[r, j] (+)= sum_d A[r, d] B[d, j] + bias[r] for r < shape.rows, j < n, with A packed as
    /// `shape` (see `PackedRowPanels.pack`). B: (depth x n), row stride ldb; C row stride ldc.
    /// `accumulate` adds to what C holds. Split over the cores by column blocks; columns past
    /// the last whole 16 go through `gemm`'s path on an unpacked copy (`unpacked`, (rows x depth)).
    public static func gemmPackedBias(_ shape: PackedRowPanels, a: UnsafePointer<Float>, unpacked: UnsafePointer<Float>,
                                      b: UnsafePointer<Float>, ldb: Int, n: Int, bias: UnsafePointer<Float>?,
                                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        let rows = shape.rows, paddedRows = shape.panels * PackedRowPanels.panelRows
        let whole = n / packedGEMMColumns * packedGEMMColumns
        let width = packedBlockColumns(depth: shape.depth)
        let blocks = (whole + width - 1) / width
        parallelFor(blocks) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: paddedRows * width)
            defer { scratch.deallocate() }
            for block in range {
                let j0 = block * width, w = min(width, whole - j0)
                gemmPacked(shape, a: a, b: b + j0, ldb: ldb, n: w, c: scratch, ldc: width)
                for r in 0..<rows {
                    let source = scratch + r * width, target = c + r * ldc + j0
                    let offset = bias?[r] ?? 0
                    if accumulate {
                        for j in 0..<w { target[j] += source[j] + offset }
                    } else {
                        for j in 0..<w { target[j] = source[j] + offset }
                    }
                }
            }
        }
        if whole < n {
            let rest = n - whole
            for r in 0..<rows {
                let target = c + r * ldc + whole
                for j in 0..<rest { target[j] = (accumulate ? target[j] : 0) + (bias?[r] ?? 0) }
            }
            gemm(m: rows, n: rest, k: shape.depth, a: unpacked, lda: shape.depth, b: b + whole, ldb: ldb,
                 beta: 1, c: c + whole, ldc: ldc)
        }
    }

    /// A weight (rows x depth, row-major) with its packed copy for `gemmPackedBias`.
    public static func packedWeight(_ w: [Float], rows: Int, depth: Int) -> (shape: PackedRowPanels, packed: [Float]) {
        let shape = PackedRowPanels(rows: rows, depth: depth)
        var packed = [Float](repeating: 0, count: shape.floatCount)
        w.withUnsafeBufferPointer { source in
            packed.withUnsafeMutableBufferPointer { shape.pack(source.baseAddress!, lda: depth, into: $0.baseAddress!) }
        }
        return (shape, packed)
    }

    /// `causalTemporalConv` with packed weights (`packedWeight` of the (Cout, kt * Cin) layout):
    /// one product of depth kt * Cin per output frame; the first frames, which read replicated
    /// copies of frame 0, read a stacked copy of their kt frames instead.
    public static func causalTemporalConvPacked(
        _ g: CausalTemporalGeometry, input x: UnsafePointer<Float>,
        packed: UnsafePointer<Float>, shape: PackedRowPanels, unpacked: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output y: UnsafeMutablePointer<Float>
    ) {
        let (cin, plane, kt) = (g.inChannels, g.plane, g.kernel)
        let frameIn = cin * plane, frameOut = g.outChannels * plane
        var stacked: UnsafeMutablePointer<Float>?
        defer { stacked?.deallocate() }
        for t in 0..<g.outFrames {
            let first = t * g.stride - g.padding
            var source = x + max(0, first) * frameIn
            if first < 0 {
                let buffer = stacked ?? UnsafeMutablePointer<Float>.allocate(capacity: kt * frameIn)
                stacked = buffer
                for j in 0..<kt { (buffer + j * frameIn).update(from: x + max(0, first + j) * frameIn, count: frameIn) }
                source = UnsafePointer(buffer)
            }
            gemmPackedBias(shape, a: packed, unpacked: unpacked, b: source, ldb: plane, n: plane, bias: bias,
                           c: y + t * frameOut, ldc: plane, accumulate: false)
        }
    }
}
