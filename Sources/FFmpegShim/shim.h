// What Swift cannot reach in FFmpeg and libpng by itself: macros and inline helpers.
// No logic lives here; the Swift code in Sources/MagvitCodec/Media does the work.
#ifndef FFMPEG_SHIM_H
#define FFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/display.h>
#include <png.h>
#include <string.h>

static inline int shim_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int shim_averror_eof(void) { return AVERROR_EOF; }
static inline int64_t shim_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int shim_av_time_base(void) { return AV_TIME_BASE; }

// FFmpeg's error text for a negative return code (av_err2str is a macro over a stack buffer).
static inline void shim_av_error_string(int code, char *buffer, size_t size) {
    if (av_strerror(code, buffer, size) < 0) snprintf(buffer, size, "error %d", code);
}

// Fields and calls that moved between FFmpeg releases (Swift cannot test the version macros):
// a frame's duration (pkt_duration until libavutil 59), and a stream's display matrix (stream
// side data until libavformat 61, codec parameters' side data from then on).
static inline int64_t shim_frame_duration(const AVFrame *frame) {
#if LIBAVUTIL_VERSION_MAJOR >= 59
    return frame->duration;
#else
    return frame->pkt_duration;
#endif
}
static inline const int32_t *shim_stream_display_matrix(const AVStream *stream) {
#if LIBAVFORMAT_VERSION_MAJOR >= 61
    const AVPacketSideData *side = av_packet_side_data_get(stream->codecpar->coded_side_data,
                                                           stream->codecpar->nb_coded_side_data,
                                                           AV_PKT_DATA_DISPLAYMATRIX);
    return side && side->size >= 9 * sizeof(int32_t) ? (const int32_t *)side->data : NULL;
#else
    size_t size = 0;
    const uint8_t *data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return data && size >= 9 * sizeof(int32_t) ? (const int32_t *)data : NULL;
#endif
}
static inline int32_t *shim_stream_new_display_matrix(AVStream *stream) {
#if LIBAVFORMAT_VERSION_MAJOR >= 61
    AVPacketSideData *side = av_packet_side_data_new(&stream->codecpar->coded_side_data,
                                                     &stream->codecpar->nb_coded_side_data,
                                                     AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t), 0);
    return side ? (int32_t *)side->data : NULL;
#else
    return (int32_t *)av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
#endif
}

// libpng's simplified API: the version/format constants are macro chains and the error
// text is a fixed char array inside the struct.
static inline void shim_png_image_init(png_image *image) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
}
static inline png_uint_32 shim_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline const char *shim_png_image_message(const png_image *image) { return image->message; }

#endif
