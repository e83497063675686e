// Winograd convolution for stride-1 3x3 layers (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015). Each m x m output tile comes from an
// (m + 2) x (m + 2) input tile d:
//
//     Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A
//
// The element-wise product, summed over input channels, is (m + 2)^2 independent matrix
// products (one per frequency component): M[k] (Cout, tiles) = U[k] (Cout, Cin) x V[k]
// (Cin, tiles). F(4x4, 3x3) does 36 multiply-adds per 16 outputs instead of 9 x 16 (4x
// fewer); F(2x2, 3x3) 16 per 4 (2.25x fewer) with weights 16/9 the size of the plain ones
// instead of 4x, which suits small images whose layers are mostly weights. U is computed
// once, when a model loads (`winogradFilter`); V and the inverse transform run per call.
//
// Accuracy: F(4x4)'s transforms have entries up to 8 (A) and 5 (B), so fp32 rounding grows
// by roughly an order of magnitude over direct convolution: ~1e-5 relative to the output's
// scale, versus ~1e-6 for a plain GEMM. F(2x2)'s entries are all 0, +-1 and +-1/2.

/// The output tile size of a Winograd convolution.
public enum WinogradTile: Sendable, CaseIterable, CustomStringConvertible {
    /// F(4x4, 3x3): 6x6 input tiles, 36 components.
    case f4x4
    /// F(2x2, 3x3): 4x4 input tiles, 16 components.
    case f2x2

    /// m: the output tile is m x m.
    public var outputSize: Int { self == .f4x4 ? 4 : 2 }
    /// m + 2: the input tile is (m + 2) x (m + 2).
    public var inputSize: Int { outputSize + 2 }
    public var components: Int { inputSize * inputSize }
    public var description: String { "F(\(outputSize)x\(outputSize), 3x3)" }

    /// G, (m + 2) x 3, in double so the transformed weights are correctly rounded.
    var filterTransform: [[Double]] {
        switch self {
        case .f4x4:
            return [
                [1.0 / 4, 0, 0],
                [-1.0 / 6, -1.0 / 6, -1.0 / 6],
                [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                [1.0 / 24, 1.0 / 12, 1.0 / 6],
                [1.0 / 24, -1.0 / 12, 1.0 / 6],
                [0, 0, 1],
            ]
        case .f2x2:
            return [
                [1, 0, 0],
                [0.5, 0.5, 0.5],
                [0.5, -0.5, 0.5],
                [0, 0, 1],
            ]
        }
    }
}

extension Kernels {
    /// Scratch budget (floats) for one block of transformed inputs plus their products, all
    /// threads together (2 MB). Small enough that a thread's block stays in its share of
    /// the cache between the input transform, the products and the output transform (the
    /// products need no wide blocks since the weights come prepacked). Decode and encode
    /// timed best between 0.5 and 2 MB here, and 40-90% slower at 16 MB.
    public static let winogradBlockFloats = 1 << 19

    /// Whether Winograd applies: a 3x3 kernel at stride 1 (any padding).
    public static func winogradApplies(to g: Conv2dGeometry) -> Bool {
        g.kernel == 3 && g.stride == 1
    }

    /// U = G g G^T for every (output, input) channel pair of an OHWI 3x3 weight, stored as
    /// (m + 2)^2 matrices of (Cout, Cin): u[(k * Cout + o) * Cin + i] with k = (m + 2) * row + column.
    public static func winogradWeights(ohwi w: UnsafePointer<Float>, outChannels: Int, inChannels: Int,
                                       tile: WinogradTile = .f4x4) -> [Float] {
        let (cout, cin) = (outChannels, inChannels)
        var u = [Float](repeating: 0, count: tile.components * cout * cin)
        u.withUnsafeMutableBufferPointer { u in
            transformFilters(ohwi: w, outChannels: cout, inChannels: cin, tile: tile, into: u.baseAddress!) { k, o, i in
                (k * cout + o) * cin + i
            }
        }
        return u
    }

    /// What `conv2dWinograd` reads: `winogradWeights` with each component's (Cout, Cin)
    /// matrix packed for `gemmPacked`, the packed matrices one after another. (Written
    /// straight into that layout: for a big layer an unpacked copy would add hundreds of
    /// megabytes to the peak while a model loads.)
    public static func winogradFilter(ohwi w: UnsafePointer<Float>, outChannels: Int, inChannels: Int,
                                      tile: WinogradTile = .f4x4) -> [Float] {
        let shape = PackedRowPanels(rows: outChannels, depth: inChannels)
        let r = PackedRowPanels.panelRows, matrix = shape.floatCount
        // Zero-filled: rows past Cout in the last panel stay zero.
        var packed = [Float](repeating: 0, count: tile.components * matrix)
        packed.withUnsafeMutableBufferPointer { u in
            transformFilters(ohwi: w, outChannels: outChannels, inChannels: inChannels, tile: tile, into: u.baseAddress!) { k, o, i in
                k * matrix + (o / r) * r * inChannels + i * r + o % r
            }
        }
        return packed
    }

    /// Writes U[k][o][i] = (G g[o][i] G^T)[k] to u[index(k, o, i)], computed in double.
    private static func transformFilters(ohwi w: UnsafePointer<Float>, outChannels cout: Int, inChannels cin: Int,
                                         tile: WinogradTile, into u: UnsafeMutablePointer<Float>,
                                         index: (_ component: Int, _ out: Int, _ in: Int) -> Int) {
        let gm = tile.filterTransform.flatMap { $0 }, size = tile.inputSize  // G, size x 3, row-major
        parallelFor(cout) { range in
            // Scratch for one pair: g (3 x 3) and G g (size x 3), reused across pairs.
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 9 + 3 * size) { buffer in
                let g = buffer.baseAddress!, gg = g + 9
                for o in range {
                    for i in 0..<cin {
                        for t in 0..<9 { g[t] = Double(w[(o * 9 + t) * cin + i]) }
                        for a in 0..<size {
                            for kx in 0..<3 {
                                gg[a * 3 + kx] = gm[a * 3] * g[kx] + gm[a * 3 + 1] * g[3 + kx] + gm[a * 3 + 2] * g[6 + kx]
                            }
                        }
                        for a in 0..<size {
                            for b in 0..<size {
                                let v = gg[a * 3] * gm[b * 3] + gg[a * 3 + 1] * gm[b * 3 + 1] + gg[a * 3 + 2] * gm[b * 3 + 2]
                                u[index(a * size + b, o, i)] = Float(v)
                            }
                        }
                    }
                }
            }
        }
    }

    /// y = conv(x, w) + bias for a stride-1 3x3 convolution, from `u = winogradFilter(w, tile)`.
    /// With `accumulate` the result is added to what y holds (e.g. a residual) instead.
    /// `scratchFloats` bounds the blocks' scratch memory (all threads together).
    ///
    /// - x: (Cin, H, W); y: (Cout, Ho, Wo); bias: (Cout) or nil.
    public static func conv2dWinograd(
        _ g: Conv2dGeometry,
        tile: WinogradTile = .f4x4,
        input x: UnsafePointer<Float>,
        transformedWeight u: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?,
        output y: UnsafeMutablePointer<Float>,
        accumulate: Bool = false,
        scratchFloats: Int = winogradBlockFloats
    ) {
        precondition(winogradApplies(to: g), "Winograd \(tile) cannot compute \(g)")
        let cin = g.inChannels, components = tile.components
        let filter = PackedRowPanels(rows: g.outChannels, depth: cin)
        let groupPanels = winogradGroupPanels(inChannels: cin), groupRows = groupPanels * PackedRowPanels.panelRows
        let tiles = WinogradTiling(g, tile)
        let groups = (filter.panels + groupPanels - 1) / groupPanels
        let workers = threadCount

        func transformIn(_ strip: WinogradInputStrip, channels: Range<Int>, first t0: Int, count n: Int,
                         v: UnsafeMutablePointer<Float>, ld: Int) {
            switch tile {
            case .f4x4: winogradInputTransform4x4(strip, tiles, channels: channels, first: t0, count: n, v: v, ld: ld)
            case .f2x2: winogradInputTransform2x2(strip, tiles, channels: channels, first: t0, count: n, v: v, ld: ld)
            }
        }
        // The products for a few output channels at a time (a group), so that their
        // components are still in cache when the output transform reads them.
        func multiplyAndTransformBack(_ v: UnsafePointer<Float>, ld: Int, first t0: Int, count n: Int,
                                      groups: Range<Int>, m: UnsafeMutablePointer<Float>) {
            for group in groups {
                let panels = (group * groupPanels)..<min(filter.panels, (group + 1) * groupPanels)
                for k in 0..<components {
                    gemmPacked(filter, panels: panels, a: u + k * filter.floatCount, b: v + k * cin * ld, ldb: ld, n: ld,
                               c: m + k * groupRows * ld, ldc: ld)
                }
                let channels = (panels.lowerBound * PackedRowPanels.panelRows)..<min(g.outChannels, panels.upperBound * PackedRowPanels.panelRows)
                switch tile {
                case .f4x4:
                    winogradOutputTransform4x4(g, tiles, m, ld: ld, componentRows: groupRows, channels: channels,
                                               first: t0, count: n, bias: bias, y: y, accumulate: accumulate)
                case .f2x2:
                    winogradOutputTransform2x2(g, tiles, m, ld: ld, componentRows: groupRows, channels: channels,
                                               first: t0, count: n, bias: bias, y: y, accumulate: accumulate)
                }
            }
        }

        let allColumns = roundUp16(tiles.count)
        if components * cin * allColumns <= scratchFloats {
            // A small image: one block of every tile. The input is transformed once, split
            // over input channels, and the products and output transform are split over
            // output channel groups, so each thread reads only its share of the weights
            // (which outweigh the activations here).
            let v = UnsafeMutablePointer<Float>.allocate(capacity: components * cin * allColumns)
            defer { v.deallocate() }
            parallelFor(cin) { channels in
                var strip = WinogradInputStrip(g, tiles, tileRows: tiles.rows, input: x)
                defer { strip.deallocate() }
                strip.select(firstTileRow: 0, tileRows: tiles.rows)
                transformIn(strip, channels: channels, first: 0, count: tiles.count, v: v, ld: allColumns)
            }
            parallelClaims(groups) { next in
                let m = UnsafeMutablePointer<Float>.allocate(capacity: components * groupRows * allColumns)
                defer { m.deallocate() }
                while let group = next() {
                    multiplyAndTransformBack(v, ld: allColumns, first: 0, count: tiles.count, groups: group..<(group + 1), m: m)
                }
            }
            return
        }

        // A big image: each thread takes blocks of whole tile rows through every step: copy
        // the input rows they read, zero-padded, a channel at a time into a strip (one
        // sequential read of each channel's rows) and transform them (V, components x Cin x
        // tiles); multiply (M, components x Cout x tiles); transform back into y. No barrier
        // between the steps, and V and M stay in cache in between. Blocks stay within the
        // scratch budget, and there are a multiple of the thread count of them where the
        // rows allow, so no thread waits at the end; the threads claim them one at a time, so
        // a core that runs faster (another tenant may share the other) takes more of them.
        // 64 x 64 x 256, alternated in one process: 13% less time than fixed halves, faster in
        // 28 of 30 pairs.
        let perTile = components * (cin + groupRows)
        let budgetRows = max(1, scratchFloats / workers / perTile / tiles.columns)
        // At least the micro-kernel's width of tiles per block where the image has them.
        let minimumRows = min(tiles.rows, (winogradMinimumColumns + tiles.columns - 1) / tiles.columns)
        let needed = (tiles.rows + budgetRows - 1) / budgetRows
        let wanted = ((needed + workers - 1) / workers) * workers
        let blockRows = max(minimumRows, (tiles.rows + wanted - 1) / wanted)
        let blocks = (tiles.rows + blockRows - 1) / blockRows
        let maxColumns = roundUp16(blockRows * tiles.columns)
        parallelClaims(blocks) { next in
            var strip = WinogradInputStrip(g, tiles, tileRows: blockRows, input: x)
            let v = UnsafeMutablePointer<Float>.allocate(capacity: components * cin * maxColumns)
            let m = UnsafeMutablePointer<Float>.allocate(capacity: components * groupRows * maxColumns)
            defer { strip.deallocate(); v.deallocate(); m.deallocate() }
            while let block = next() {
                let firstRow = block * blockRows
                let rows = min(blockRows, tiles.rows - firstRow)
                strip.select(firstTileRow: firstRow, tileRows: rows)
                let t0 = firstRow * tiles.columns, n = rows * tiles.columns
                let ld = roundUp16(n)
                transformIn(strip, channels: 0..<cin, first: t0, count: n, v: v, ld: ld)
                multiplyAndTransformBack(v, ld: ld, first: t0, count: n, groups: 0..<groups, m: m)
            }
        }
    }

    /// Output channels whose products are computed together (in panels of 6), by input channels.
    /// Each group reads the block's whole V again; from 512 input channels on, V (2.4 MB at 32
    /// tiles) outgrows L2, and wider groups read it fewer times. Alternated in one process on
    /// `bench --only gemm`'s Winograd shapes (six runs of 6-10 each): 8 panels took 0-15% less
    /// time than 4 in 16 of 18 medians, about 3% on the 512-channel shapes, and made no
    /// difference at 256 channels (16 panels were no better than 8). Below 512 channels V stays
    /// in L2 and MAGVIT2's timings kept 4.
    static func winogradGroupPanels(inChannels: Int) -> Int { inChannels >= 512 ? 8 : 4 }

    @inline(__always)
    static func roundUp16(_ n: Int) -> Int { (n + 15) & ~15 }
}

/// Where the output tiles of a convolution lie: row-major over a grid covering the output.
struct WinogradTiling {
    let tile: WinogradTile
    let rows: Int
    let columns: Int
    var count: Int { rows * columns }

    init(_ g: Conv2dGeometry, _ tile: WinogradTile) {
        self.tile = tile
        let m = tile.outputSize
        rows = (g.outHeight + m - 1) / m
        columns = (g.outWidth + m - 1) / m
    }
}

/// The input rows that a run of tile rows reads, one channel at a time, with the
/// convolution's zero padding made explicit and widened to whole tiles, so every input tile
/// lies inside it and the transform reads without bounds checks. One channel's rows are
/// copied right before they are transformed (a few KB, still in L1 when read), rather than
/// all channels first: for a 256-wide row of tiles with 128 channels that would be 800 KB,
/// more than L2 holds. One per thread.
struct WinogradInputStrip {
    let base: UnsafeMutablePointer<Float>
    let channels: Int
    /// m x tile rows + 2, m x tile columns + 2, for output tiles of m x m
    let height: Int
    let width: Int
    /// The tile row the strip's first row belongs to, and how many tile rows it holds.
    private(set) var firstTileRow = 0
    private(set) var tileRows = 0
    private let tileSize: Int
    private let geometry: Conv2dGeometry
    private let source: UnsafePointer<Float>

    /// A strip of up to `tileRows` tile rows of input x.
    init(_ g: Conv2dGeometry, _ tiles: WinogradTiling, tileRows: Int, input x: UnsafePointer<Float>) {
        geometry = g
        source = x
        channels = g.inChannels
        tileSize = tiles.tile.outputSize
        height = tileSize * tileRows + 2
        width = tileSize * tiles.columns + 2
        base = UnsafeMutablePointer<Float>.allocate(capacity: height * width)
    }

    /// Makes `plane` read the rows of tile rows first ..< first + count.
    mutating func select(firstTileRow first: Int, tileRows count: Int) {
        firstTileRow = first
        tileRows = count
    }

    /// Channel c's padded rows of the selected tile rows, copied into the strip's buffer
    /// (valid until the next call).
    func plane(_ c: Int) -> UnsafePointer<Float> {
        let (h, w, p, ws) = (geometry.height, geometry.width, geometry.padding, width)
        let rows = tileSize * tileRows + 2
        // Input columns past the padded width are never read by any tile (only when padding
        // is 0 and the output is narrower than the input).
        let columns = min(w, ws - p)
        let src = source + c * h * w
        for r in 0..<rows {
            let row = base + r * ws
            let iy = tileSize * firstTileRow + r - p
            guard iy >= 0 && iy < h else {
                row.update(repeating: 0, count: ws)
                continue
            }
            row.update(repeating: 0, count: p)
            (row + p).update(from: src + iy * w, count: columns)
            (row + p + columns).update(repeating: 0, count: ws - p - columns)
        }
        return UnsafePointer(base)
    }

    func deallocate() { base.deallocate() }
}
