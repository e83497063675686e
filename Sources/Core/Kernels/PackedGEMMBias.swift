/// Weight x activation products with the weights packed once at load: the (3,1,1), (1,1,1) and
/// strided convolutions of the Cosmos tokenizer, and on the AVX-512 path `gemm`'s own products
/// (A packed per call). Measured there: OpenBLAS on this CPU runs its generic (Prescott) sgemm
/// kernel, 60% of a full-size decode; the project's micro-kernels (PackedGEMM.swift) do the same
/// products several times faster. B goes through contiguous strips (`packStrips`), one column
/// block at a time, and the block loop (`gemmPackedBlocks`) adds bias, accumulation and a
/// residual while it stores C.
extension Kernels {
    /// Column blocks for a product of `depth` over `whole` columns (a multiple of 16): each
    /// block's B (depth x width) should stay in L2 while every panel of A sweeps it, and the
    /// blocks come in a multiple of the thread count where there are enough columns, so that
    /// threads running at the same speed finish together (7 blocks on 2 threads would leave one
    /// idle for a seventh). The threads claim blocks one at a time (`parallelClaims`), so a
    /// faster core takes more of them. The 32-column strips are spread evenly over the blocks,
    /// whose widths differ by at most one strip: equal blocks would leave the last one the
    /// narrow remainder (1024 columns at depth 1536 made 11 blocks of 96 columns, the last 64).
    struct PackedColumnBlocks {
        let count: Int
        /// The widest block: what per-block buffers hold.
        let maxWidth: Int
        private let whole: Int
        private let strips: Int

        init(depth: Int, whole: Int) {
            self.whole = whole
            let stride = 2 * packedGEMMColumns
            strips = (whole + stride - 1) / stride
            guard whole > 0 else {
                (count, maxWidth) = (0, stride)
                return
            }
            // Blocks of about 2^17 floats of B, rounded up to whole strips; as many more as
            // make a multiple of the threads.
            let cap = max(stride, (1 << 17) / max(1, depth))
            let needed = (whole + cap - 1) / cap
            let workers = max(1, min(threadCount, whole / packedGEMMColumns))
            let even = (needed + workers - 1) / workers * workers
            let width = ((whole + even - 1) / even + stride - 1) / stride * stride
            let blocks = (whole + width - 1) / width
            count = min(strips, (blocks + workers - 1) / workers * workers)
            maxWidth = (strips + count - 1) / count * stride
        }

        /// Block b's first column and width.
        func bounds(_ b: Int) -> (start: Int, width: Int) {
            let stride = 2 * packedGEMMColumns
            let start = strips * b / count, end = strips * (b + 1) / count
            return (start * stride, min(end * stride, whole) - start * stride)
        }
    }

    /// C[r, j] (+)= sum_d A[r, d] B[d, j] + bias[r] for r < shape.rows, j < n, with A packed as
    /// `shape` (see `PackedRowPanels.pack`). B: (depth x n), row stride ldb, or with `transB`
    /// stored as its transpose (n x depth, row stride ldb); C row stride ldc.
    /// `accumulate` adds to what C holds; `residual` (row stride ldc) is added too, in the same
    /// pass (a residual block's skip connection). Split over the cores by column blocks; a last
    /// partial strip is padded with zero columns, whose products are never stored.
    ///
    /// Each block of B is first copied into contiguous strips (`packStrips`): read in place, a
    /// 32-column tile steps through B's rows at the row stride, which for a 64 x 64 frame is
    /// 16 KiB, so every row of the tile falls in the same L1 set and on its own page. The
    /// product ran at a third of the FMA peak that way (`bench --only gemm`).
    public static func gemmPackedBias(_ shape: PackedRowPanels, a: UnsafePointer<Float>,
                                      b: UnsafePointer<Float>, ldb: Int, transB: Bool = false, n: Int, bias: UnsafePointer<Float>?,
                                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, adding residual: UnsafePointer<Float>? = nil,
                                      tiles: AMXWeightTiles? = nil, path: GEMMPath = .best) {
        let columns = (n + packedGEMMColumns - 1) / packedGEMMColumns * packedGEMMColumns
        gemmPackedBlocks(shape, a: a, columns: columns, valid: n, bias: bias, c: c, ldc: ldc, accumulate: accumulate,
                         adding: residual, tiles: tiles, direct: transB ? nil : (b, ldb), path: path) { j0, w, strips in
            packStrips(transB ? b + j0 * ldb : b + j0, ldb: ldb, transposed: transB, depth: shape.depth, n: w,
                       valid: min(w, n - j0), into: strips)
        }
    }

    /// The column-block loop of the packed products: C[r, j] (+)= (A B)[r, j] + bias[r] for
    /// j < `valid` (default: all `columns`, a multiple of 16), where `fill(j0, w, strips)` writes
    /// columns j0 ..< j0 + w of B as `packStrips` lays them out. Columns from `valid` on are
    /// computed but never stored (padding a caller added to reach whole 16s). `residual` (row
    /// stride ldc) is added while storing. With `tiles` (A as AMX tiles) on the AMX path the
    /// products run on the tiles (PackedGEMM+AMX.swift), which split `direct` (B itself, row
    /// stride ldb: no strips needed) straight from where it lies.
    static func gemmPackedBlocks(_ shape: PackedRowPanels, a: UnsafePointer<Float>, columns: Int, valid: Int? = nil,
                                 bias: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                                 adding residual: UnsafePointer<Float>? = nil, tiles: AMXWeightTiles? = nil,
                                 direct: (b: UnsafePointer<Float>, ldb: Int)? = nil, path: GEMMPath,
                                 fill: (Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        precondition(columns % packedGEMMColumns == 0, "packed products need whole 16-column strips, got \(columns)")
        let rows = shape.rows, paddedRows = shape.panels * PackedRowPanels.panelRows
        let valid = valid ?? columns
        if path == .amx, let tiles {
            precondition(tiles.rows == rows && tiles.depth == shape.depth, "AMX tiles do not match the packed weight")
            let product = AMXBlockProduct(a: tiles, firstStep: 0, c: c, bias: bias, residual: residual)
            return gemmPackedBlocksAMX([product], depth: shape.depth, columns: columns, valid: valid, ldc: ldc,
                                       accumulate: accumulate, direct: direct, fill: fill)
        }
        let blocks = PackedColumnBlocks(depth: shape.depth, whole: columns), width = blocks.maxWidth
        parallelClaims(blocks.count) { next in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: paddedRows * width)
            let strips = UnsafeMutablePointer<Float>.allocate(capacity: shape.depth * width)
            defer { scratch.deallocate(); strips.deallocate() }
            while let block = next() {
                let (j0, w) = blocks.bounds(block), stored = min(w, valid - j0)
                guard stored > 0 else { continue }
                fill(j0, w, strips)
                gemmPackedStrips(shape, a: a, strips: strips, n: w, c: scratch, ldc: width, path: path)
                storeBlock(scratch, ldp: width, rows: rows, columns: stored, into: c + j0, ldc: ldc, bias: bias,
                           adding: residual.map { $0 + j0 }, accumulate: accumulate)
            }
        }
    }

    /// C[r, j] (+)= P[r, j] + bias[r] (+ residual[r, j]) for r < rows, j < columns: where the
    /// packed products' results reach C (P row stride ldp; C and residual row stride ldc).
    @inline(__always)
    static func storeBlock(_ p: UnsafePointer<Float>, ldp: Int, rows: Int, columns: Int, into c: UnsafeMutablePointer<Float>,
                           ldc: Int, bias: UnsafePointer<Float>?, adding residual: UnsafePointer<Float>?, accumulate: Bool) {
        for r in 0..<rows {
            let source = p + r * ldp, target = c + r * ldc, offset = bias?[r] ?? 0
            if let residual {
                let skip = residual + r * ldc
                if accumulate {
                    for j in 0..<columns { target[j] += source[j] + offset + skip[j] }
                } else {
                    for j in 0..<columns { target[j] = source[j] + offset + skip[j] }
                }
            } else if accumulate {
                for j in 0..<columns { target[j] += source[j] + offset }
            } else {
                for j in 0..<columns { target[j] = source[j] + offset }
            }
        }
    }

    /// y (+)= conv(x, w) + bias for one image, any stride and padding, with w packed at load as
    /// (Cout, K * K * Cin) rows in OHWI order (`packedWeight` of the `ohwiFromOIHW` layout):
    /// im2col, but each column block is gathered straight into the micro-kernel's strips, so
    /// there is no im2col buffer and no per-call packing of the weight (the strided convolutions
    /// of the Cosmos encoder ran at ~75 GFLOP/s through polyphase shifted GEMMs, each of which
    /// repacked both operands).
    public static func conv2dPackedIm2col(_ g: Conv2dGeometry, input x: UnsafePointer<Float>, weight: PackedRowPanels,
                                          packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                          output y: UnsafeMutablePointer<Float>, accumulate: Bool, tiles: AMXWeightTiles? = nil,
                                          path: GEMMPath = .best) {
        let k = g.kernel, s = g.stride, p = g.padding, cin = g.inChannels, h = g.height, wi = g.width, wo = g.outWidth
        precondition(weight.depth == k * k * cin && weight.rows == g.outChannels, "packed weight does not fit \(g)")
        let n = g.outHeight * wo, columns = (n + packedGEMMColumns - 1) / packedGEMMColumns * packedGEMMColumns
        gemmPackedBlocks(weight, a: packed, columns: columns, valid: n, bias: bias, c: y, ldc: n, accumulate: accumulate,
                         tiles: tiles, path: path) { j0, w, strips in
            var j = 0
            while j < w {
                let width = min(stripColumns, w - j), strip = strips + j * weight.depth
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * width) { corner in
                    // Where each column's window starts (top-left tap); columns past n read nothing.
                    let top = corner.baseAddress!, left = top + width, start = left + width
                    var inside = true
                    for column in 0..<width {
                        let pixel = j0 + j + column
                        top[column] = pixel < n ? pixel / wo * s - p : -h - k
                        left[column] = pixel % wo * s - p
                        start[column] = top[column] * wi + left[column]
                        inside = inside && top[column] >= 0 && top[column] + k <= h && left[column] >= 0 && left[column] + k <= wi
                    }
                    if inside {
                        // Every window lies in the image (all but the padded edges): one load
                        // per value, no bounds to check.
                        for ky in 0..<k {
                            for kx in 0..<k {
                                for c in 0..<cin {
                                    let target = strip + ((ky * k + kx) * cin + c) * width, tap = x + c * h * wi + ky * wi + kx
                                    for column in 0..<width { target[column] = tap[start[column]] }
                                }
                            }
                        }
                        return
                    }
                    for ky in 0..<k {
                        for kx in 0..<k {
                            for c in 0..<cin {
                                let target = strip + ((ky * k + kx) * cin + c) * width, plane = x + c * h * wi
                                for column in 0..<width {
                                    let iy = top[column] + ky, ix = left[column] + kx
                                    target[column] = iy >= 0 && iy < h && ix >= 0 && ix < wi ? plane[iy * wi + ix] : 0
                                }
                            }
                        }
                    }
                }
                j += width
            }
        }
    }

    /// Columns of one strip of `packStrips`: the widest tile (32, the AVX-512 kernels' width).
    static let stripColumns = 2 * packedGEMMColumns

    /// B (depth x n, row stride ldb; n a multiple of 16) as strips of 32 columns, strip s a
    /// contiguous (depth x 32) at strips + s * depth * 32; a last strip of 16 columns is
    /// (depth x 16). `transposed`: B is stored as its transpose (n x depth, row stride ldb).
    /// Only columns below `valid` (default n) are read; the others are zeros.
    static func packStrips(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool = false, depth: Int, n: Int, valid: Int? = nil,
                           into strips: UnsafeMutablePointer<Float>) {
        let valid = valid ?? n
        var j = 0
        while j < n {
            let w = min(stripColumns, n - j)
            let strip = strips + j * depth
            if j + w > valid {
                // The last, partial strip: what there is, then zeros.
                let present = max(0, valid - j)
                for d in 0..<depth {
                    for column in 0..<w {
                        strip[d * w + column] = column >= present ? 0 : transposed ? b[(j + column) * ldb + d] : b[d * ldb + j + column]
                    }
                }
            } else if transposed {
                for column in 0..<w {
                    let source = b + (j + column) * ldb
                    for d in 0..<depth { strip[d * w + column] = source[d] }
                }
            } else if w == stripColumns {
                // Two vector copies per row: `update(from:count:)` would be a memmove call each.
                for d in 0..<depth {
                    let source = UnsafeRawPointer(b + d * ldb + j), target = UnsafeMutableRawPointer(strip + d * w)
                    target.storeBytes(of: source.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                    target.storeBytes(of: source.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
                                      toByteOffset: 64, as: SIMD16<Float>.self)
                }
            } else {
                for d in 0..<depth {
                    UnsafeMutableRawPointer(strip + d * w).storeBytes(
                        of: UnsafeRawPointer(b + d * ldb + j).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                }
            }
            j += w
        }
    }

    /// `gemmPacked` on B packed by `packStrips`: C (paddedRows x n, row stride ldc) = A x B.
    static func gemmPackedStrips(_ shape: PackedRowPanels, a: UnsafePointer<Float>, strips: UnsafePointer<Float>, n: Int,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, path: GEMMPath) {
        if path.hasAVX512 {
            return gemmPackedStripsAVX512(shape, a: a, strips: strips, n: n, c: c, ldc: ldc)
        }
        let r = PackedRowPanels.panelRows, depth = shape.depth
        for p in 0..<shape.panels {
            let ap = a + p * r * depth, cp = c + p * r * ldc
            var j = 0
            while j < n {
                let w = min(stripColumns, n - j)
                let strip = strips + j * depth
                var k = 0
                while k < w {
                    microKernel6x16(depth: depth, a: ap, b: strip + k, ldb: w, c: cp + j + k, ldc: ldc)
                    k += packedGEMMColumns
                }
                j += w
            }
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

    /// `packedWeight`, and the same weight as AMX tiles where those can run it (nil elsewhere,
    /// and where a value is not bf16): what the packed layers keep from load on.
    public static func packedWeightAndTiles(_ w: [Float], rows: Int, depth: Int)
        -> (shape: PackedRowPanels, packed: [Float], tiles: AMXWeightTiles?) {
        let (shape, packed) = packedWeight(w, rows: rows, depth: depth)
        return (shape, packed, w.withUnsafeBufferPointer { AMXWeightTiles($0.baseAddress!, rows: rows, depth: depth) })
    }

    /// The (kt,1,1) causal convolution along time: y[t] = bias + sum_j W_j x[max(0, t * stride + j
    /// - padding)] (first-frame replication in front), with packed weights (see
    /// `PackedTemporalWeights`): one product per output frame, of depth kt * Cin, except for the
    /// first frames. Where r + 1 leading taps all read frame 0 (a replicated copy), their weights
    /// are summed at load, so frame 0 costs Cin. At stride 1, frame 1 reads frame 0 in every tap
    /// but the last, which reads frame 1: it is frame 0's output plus W_{kt-1} (x[1] - x[0]),
    /// depth Cin again, and with bf16 weights on the AMX tiles (the summed taps are not bf16).
    /// At 3 latent frames that is 5 units of work instead of 9, 4 of them on the tiles.
    /// `residual` (the output's shape) is added in the same pass.
    public static func causalTemporalConvPacked(
        _ g: CausalTemporalGeometry, input x: UnsafePointer<Float>, weights: PackedTemporalWeights,
        bias: UnsafePointer<Float>?, output y: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>? = nil,
        path: GEMMPath = .best
    ) {
        precondition(weights.kernel == g.kernel && weights.inChannels == g.inChannels && weights.stride == g.stride,
                     "weights do not fit \(g)")
        let frameIn = g.inChannels * g.plane, frameOut = g.outChannels * g.plane
        let secondFromFirst = g.outFrames >= 2 ? weights.lastTap : nil
        // The frames past the copies all read the plain weight. On the tiles, with each input
        // frame a whole number of depth steps, they run as one pass that splits each input
        // frame into the tiles' parts once, not once for each of the kt outputs that read it.
        let plain = (0..<g.outFrames).filter { t in t * g.stride >= g.padding && !(t == 1 && secondFromFirst != nil) }
        var shared = false
        if path == .amx, plain.count > 1, g.inChannels % 32 == 0, let tiles = weights.variants[0]?.tiles {
            shared = true
            let firstFrame = plain[0] * g.stride - g.padding, lastFrame = plain.last! * g.stride - g.padding + g.kernel
            let products = plain.map { t in
                AMXBlockProduct(a: tiles, firstStep: (t * g.stride - g.padding - firstFrame) * g.inChannels / 32,
                                c: y + t * frameOut, bias: bias, residual: residual.map { $0 + t * frameOut })
            }
            let columns = (g.plane + packedGEMMColumns - 1) / packedGEMMColumns * packedGEMMColumns
            gemmPackedBlocksAMX(products, depth: (lastFrame - firstFrame) * g.inChannels, columns: columns, valid: g.plane,
                                ldc: g.plane, accumulate: false, direct: (x + firstFrame * frameIn, g.plane)) { _, _, _ in }
        }
        for t in 0..<g.outFrames where !(shared && plain.contains(t)) {
            if t == 1, let last = secondFromFirst {
                // y[1] = W_last (x[1] - x[0]) + y[0] (without its residual), then both frames'
                // residuals in one pass.
                let difference = UnsafeMutablePointer<Float>.allocate(capacity: frameIn)
                defer { difference.deallocate() }
                parallelFor(frameIn, minimumPerThread: 1 << 14) { range in
                    for i in range { difference[i] = x[frameIn + i] - x[i] }
                }
                last.packed.withUnsafeBufferPointer { packed in
                    gemmPackedBias(last.shape, a: packed.baseAddress!, b: difference, ldb: g.plane, n: g.plane, bias: nil,
                                   c: y + frameOut, ldc: g.plane, accumulate: false, adding: y, tiles: last.tiles, path: path)
                }
                if let residual { add(y, residual, count: 2 * frameOut) }
                continue
            }
            let first = t * g.stride - g.padding
            let variant = weights.variants[max(0, -first)]!
            // With frame 1 still to come from frame 0, frame 0's residual waits until then.
            let skip = t == 0 && secondFromFirst != nil ? nil : residual.map { $0 + t * frameOut }
            variant.packed.withUnsafeBufferPointer { packed in
                gemmPackedBias(variant.shape, a: packed.baseAddress!, b: x + max(0, first) * frameIn, ldb: g.plane, n: g.plane,
                               bias: bias, c: y + t * frameOut, ldc: g.plane, accumulate: false,
                               adding: skip, tiles: variant.tiles, path: path)
            }
        }
    }
}

/// A (kt, 1, 1) convolution's weights packed for `causalTemporalConvPacked` at one time stride:
/// variant r (0 ..< kt) has taps 0 ... r summed into one (they all read frame 0 at the clip's
/// start), then taps r + 1 ..< kt, as (Cout, (kt - r) * Cin); only the variants some output
/// frame uses are built. Variant 0 is the plain weight.
public struct PackedTemporalWeights {
    public typealias Packed = (shape: PackedRowPanels, packed: [Float], tiles: AMXWeightTiles?)
    public let kernel: Int
    public let inChannels: Int
    public let stride: Int
    /// `tiles`: the same weight as AMX tiles, where the CPU has them and the weight's values are
    /// bf16 (variant 0 of a bf16 checkpoint; the summed taps of the others need float32).
    public let variants: [Packed?]
    /// The last tap alone, (Cout, Cin), for frame 1 at stride 1 (nil otherwise).
    public let lastTap: Packed?

    /// `weight`: (Cout, kt, Cin), see `Kernels.temporalWeightFromOITHW`.
    public init(_ weight: [Float], outChannels: Int, inChannels: Int, kernel: Int, stride: Int = 1) {
        precondition(stride >= 1 && stride <= kernel, "a (\(kernel),1,1) convolution cannot have time stride \(stride)")
        self.kernel = kernel
        self.inChannels = inChannels
        self.stride = stride
        let secondFromFirst = stride == 1 && kernel >= 2
        // Output frame t reads frame 0 in its first r + 1 taps, r = padding - t * stride; the
        // frames past the copies (r <= 0) read the plain weight.
        var used: Set<Int> = [0]
        for t in 0... {
            let r = kernel - stride - t * stride
            if r <= 0 { break }
            if !(t == 1 && secondFromFirst) { used.insert(r) }
        }
        variants = (0..<kernel).map { r -> Packed? in
            guard used.contains(r) else { return nil }
            let depth = (kernel - r) * inChannels
            var w = [Float](repeating: 0, count: outChannels * depth)
            for o in 0..<outChannels {
                for j in 0..<kernel {
                    let column = max(0, j - r) * inChannels
                    for i in 0..<inChannels { w[o * depth + column + i] += weight[(o * kernel + j) * inChannels + i] }
                }
            }
            return Kernels.packedWeightAndTiles(w, rows: outChannels, depth: depth)
        }
        if secondFromFirst {
            var w = [Float](repeating: 0, count: outChannels * inChannels)
            for o in 0..<outChannels {
                for i in 0..<inChannels { w[o * inChannels + i] = weight[(o * kernel + kernel - 1) * inChannels + i] }
            }
            lastTap = Kernels.packedWeightAndTiles(w, rows: outChannels, depth: inChannels)
        } else {
            lastTap = nil
        }
    }
}
