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
#include <png.h>

static inline int shim_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int shim_averror_eof(void) { return AVERROR_EOF; }
static inline int64_t shim_av_nopts_value(void) { return AV_NOPTS_VALUE; }

#endif
