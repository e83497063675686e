import FFmpegShim

/// How a frame becomes a square before scaling.
public enum CropMode: String, Sendable, CaseIterable {
    /// The largest centred square (the 1X frames are made this way).
    case center
    /// The whole frame, squeezed to a square.
    case none
}

/// Turns decoded frames of any pixel format into size x size rgb24 images with libswscale:
/// area averaging when shrinking, bicubic when enlarging.
final class FrameScaler {
    let size: Int
    let crop: CropMode
    private var context: OpaquePointer?
    private var contextKey: [Int32] = []
    private let output = Frame()

    init(size: Int, crop: CropMode) {
        self.size = size
        self.crop = crop
    }

    deinit { sws_freeContext(context) }

    func image(from source: Frame) -> RGBImage? {
        guard let frame = source.reference() else { return nil }
        let f = frame.pointer
        let width = Int(f.pointee.width), height = Int(f.pointee.height)
        if crop == .center, width != height {
            let side = min(width, height)
            f.pointee.crop_left = (width - side) / 2
            f.pointee.crop_right = width - side - (width - side) / 2
            f.pointee.crop_top = (height - side) / 2
            f.pointee.crop_bottom = height - side - (height - side) / 2
            guard av_frame_apply_cropping(f, Int32(AV_FRAME_CROP_UNALIGNED)) >= 0 else { return nil }
        }
        guard prepareContext(for: f) else { return nil }

        let out = output.pointer
        av_frame_unref(out)
        out.pointee.width = Int32(size)
        out.pointee.height = Int32(size)
        out.pointee.format = AV_PIX_FMT_RGB24.rawValue
        guard av_frame_get_buffer(out, 0) >= 0, sws_scale_frame(context, out, f) >= 0 else { return nil }

        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        let rowBytes = size * 3
        let stride = Int(out.pointee.linesize.0)
        guard let base = out.pointee.data.0 else { return nil }
        pixels.withUnsafeMutableBufferPointer { dst in
            for y in 0..<size {
                (dst.baseAddress! + y * rowBytes).update(from: base + y * stride, count: rowBytes)
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    private func prepareContext(for f: UnsafeMutablePointer<AVFrame>) -> Bool {
        let w = f.pointee.width, h = f.pointee.height, format = f.pointee.format
        let key = [w, h, format, Int32(bitPattern: f.pointee.colorspace.rawValue), Int32(bitPattern: f.pointee.color_range.rawValue)]
        if key == contextKey, context != nil { return true }
        let shrinking = Int(w) >= size && Int(h) >= size
        let flags = (shrinking ? SWS_AREA : SWS_BICUBIC) | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT
        context = sws_getCachedContext(context, w, h, AVPixelFormat(rawValue: format),
                                       Int32(size), Int32(size), AV_PIX_FMT_RGB24, flags, nil, nil, nil)
        guard context != nil else { return false }
        // Honour the stream's YUV matrix and range (swscale assumes BT.601 limited otherwise).
        if let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format)),
           descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0,
           descriptor.pointee.nb_components >= 3 {
            let matrix = f.pointee.colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : Int32(f.pointee.colorspace.rawValue)
            let fullRange: Int32 = f.pointee.color_range == AVCOL_RANGE_JPEG ? 1 : 0
            _ = sws_setColorspaceDetails(context, sws_getCoefficients(matrix), fullRange,
                                         sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
        }
        contextKey = key
        return true
    }
}
