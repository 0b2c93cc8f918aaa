// Shim over libjpeg(-turbo) with the libjpeg 6.2 API, used only by the Swift bridge in Sources/Imaging.
//
// libjpeg reports fatal errors through `error_exit`, which must not return; here it longjmps. A longjmp
// must never cross a Swift frame, so every step that can fail is one C function below that calls setjmp
// and then every libjpeg call that may jump, and returns a code (0 ok, CJPEG_FAILED, CJPEG_TRUNCATED,
// CJPEG_TOO_MANY_SCANS, CJPEG_NO_MEMORY, CJPEG_UNSUPPORTED) with libjpeg's message in `message`. Swift only ever sees return codes.
#ifndef CJPEG_SHIM_H
#define CJPEG_SHIM_H
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

enum {
    CJPEG_OK = 0, CJPEG_FAILED = 1, CJPEG_TRUNCATED = 2, CJPEG_TOO_MANY_SCANS = 3, CJPEG_NO_MEMORY = 4,
    CJPEG_UNSUPPORTED = 5
};

typedef struct cjpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr error;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int created;
    int truncated;
    int too_many_scans;
    int out_of_memory;
    int unsupported;
    int max_scans;
    char message[JMSG_LENGTH_MAX + 64];
} cjpeg_decoder;

static void cjpeg_error_exit(j_common_ptr common) {
    cjpeg_decoder *decoder = (cjpeg_decoder *)common->client_data;
    int code = common->err->msg_code;
    // With no backing store, a request beyond max_memory_to_use fails as "backing store not supported".
    if (code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE || code == JERR_TFILE_CREATE) decoder->out_of_memory = 1;
    // Valid JPEG this library build cannot decode: 12/16-bit samples, lossless or hierarchical processes.
    if (code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED || code == JERR_NOT_COMPILED) decoder->unsupported = 1;
    (*common->err->format_message)(common, decoder->message);
    longjmp(decoder->jump, 1);
}

/// Warnings are ignored (Pillow and OpenCV keep the pixels), except the end of the data arriving
/// before the image is complete: Pillow refuses such a file ("image file is truncated"), and so do we.
static void cjpeg_emit_message(j_common_ptr common, int level) {
    if (level == -1 && common->err->msg_code == JWRN_JPEG_EOF) {
        cjpeg_decoder *decoder = (cjpeg_decoder *)common->client_data;
        decoder->truncated = 1;
        (*common->err->format_message)(common, decoder->message);
        longjmp(decoder->jump, 1);
    }
    if (level == -1) common->err->num_warnings++;
}

/// A progressive file can hold any number of scans, each a full pass over the coefficients; a file
/// with thousands of tiny scans costs minutes of CPU, so scans beyond the budget are refused.
static void cjpeg_progress_monitor(j_common_ptr common) {
    cjpeg_decoder *decoder = (cjpeg_decoder *)common->client_data;
    j_decompress_ptr cinfo = (j_decompress_ptr)common;
    if (cinfo->input_scan_number > decoder->max_scans) {
        decoder->too_many_scans = 1;
        snprintf(decoder->message, sizeof(decoder->message), "more than %d progressive scans", decoder->max_scans);
        longjmp(decoder->jump, 1);
    }
}

static inline int cjpeg_failure_code(const cjpeg_decoder *decoder) {
    if (decoder->truncated) return CJPEG_TRUNCATED;
    if (decoder->too_many_scans) return CJPEG_TOO_MANY_SCANS;
    if (decoder->out_of_memory) return CJPEG_NO_MEMORY;
    if (decoder->unsupported) return CJPEG_UNSUPPORTED;
    return CJPEG_FAILED;
}

static inline cjpeg_decoder *cjpeg_decoder_create(void) { return (cjpeg_decoder *)calloc(1, sizeof(cjpeg_decoder)); }

static inline void cjpeg_decoder_destroy(cjpeg_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->created) jpeg_destroy_decompress(&decoder->cinfo);
    free(decoder);
}

/// Reads the markers up to the first scan. `max_memory` caps libjpeg's own allocations where the
/// library honours it (libjpeg-turbo 3's memory manager does; 2.x ignores it, and the Swift side
/// checks its own estimate of the coefficient buffers before decompression starts).
static inline int cjpeg_read_header(cjpeg_decoder *decoder, const unsigned char *data, unsigned long size,
                                    long max_memory, int max_scans) {
    decoder->cinfo.err = jpeg_std_error(&decoder->error);
    decoder->error.error_exit = cjpeg_error_exit;
    decoder->error.emit_message = cjpeg_emit_message;
    decoder->cinfo.client_data = decoder;
    decoder->max_scans = max_scans;
    if (setjmp(decoder->jump)) return cjpeg_failure_code(decoder);
    decoder->created = 1;
    jpeg_create_decompress(&decoder->cinfo);
    decoder->cinfo.mem->max_memory_to_use = max_memory;
    decoder->progress.progress_monitor = cjpeg_progress_monitor;
    decoder->cinfo.progress = &decoder->progress;
    jpeg_mem_src(&decoder->cinfo, data, size);
    if (jpeg_read_header(&decoder->cinfo, TRUE) != JPEG_HEADER_OK) {
        strcpy(decoder->message, "no image in the file (tables only)");
        return CJPEG_FAILED;
    }
    return CJPEG_OK;
}

static inline unsigned cjpeg_image_width(const cjpeg_decoder *decoder) { return decoder->cinfo.image_width; }
static inline unsigned cjpeg_image_height(const cjpeg_decoder *decoder) { return decoder->cinfo.image_height; }
static inline int cjpeg_components(const cjpeg_decoder *decoder) { return decoder->cinfo.num_components; }
static inline int cjpeg_color_space(const cjpeg_decoder *decoder) { return (int)decoder->cinfo.jpeg_color_space; }
static inline int cjpeg_precision(const cjpeg_decoder *decoder) { return decoder->cinfo.data_precision; }
static inline int cjpeg_is_progressive(const cjpeg_decoder *decoder) { return decoder->cinfo.progressive_mode ? 1 : 0; }
static inline int cjpeg_color_space_grayscale(void) { return (int)JCS_GRAYSCALE; }
static inline int cjpeg_color_space_rgb(void) { return (int)JCS_RGB; }
static inline int cjpeg_color_space_ycbcr(void) { return (int)JCS_YCbCr; }
static inline int cjpeg_color_space_cmyk(void) { return (int)JCS_CMYK; }
static inline int cjpeg_color_space_ycck(void) { return (int)JCS_YCCK; }
static inline unsigned cjpeg_output_width(const cjpeg_decoder *decoder) { return decoder->cinfo.output_width; }
static inline unsigned cjpeg_output_height(const cjpeg_decoder *decoder) { return decoder->cinfo.output_height; }
static inline int cjpeg_output_components(const cjpeg_decoder *decoder) { return decoder->cinfo.output_components; }

/// 1 when the image spans several scans (progressive, or non-interleaved components), so libjpeg
/// keeps whole-image coefficient buffers; 0 otherwise; -1 on error.
static inline int cjpeg_has_multiple_scans(cjpeg_decoder *decoder) {
    if (setjmp(decoder->jump)) return -1;
    return jpeg_has_multiple_scans(&decoder->cinfo) ? 1 : 0;
}

/// Starts decompression into `out_color_space` with libjpeg's default accurate settings, which are
/// what Pillow and OpenCV both leave in place: the slow-but-accurate integer IDCT and "fancy"
/// (triangular) chroma upsampling. A progressive file is fully read here.
static inline int cjpeg_start(cjpeg_decoder *decoder, int out_color_space) {
    if (setjmp(decoder->jump)) return cjpeg_failure_code(decoder);
    decoder->cinfo.out_color_space = (J_COLOR_SPACE)out_color_space;
    decoder->cinfo.dct_method = JDCT_ISLOW;
    decoder->cinfo.do_fancy_upsampling = TRUE;
    decoder->cinfo.do_block_smoothing = TRUE;
    jpeg_start_decompress(&decoder->cinfo);
    return CJPEG_OK;
}

/// Decodes every scanline into `pixels` (`output_height` rows of `row_bytes`, allocated by the caller
/// after its budget check), then reads on to the end-of-image marker: Pillow refuses a file that ends
/// before it ("image file is truncated"), so a missing EOI is reported as truncation here too.
static inline int cjpeg_read_image(cjpeg_decoder *decoder, unsigned char *pixels, size_t row_bytes) {
    if (setjmp(decoder->jump)) return cjpeg_failure_code(decoder);
    while (decoder->cinfo.output_scanline < decoder->cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)decoder->cinfo.output_scanline * row_bytes;
        if (jpeg_read_scanlines(&decoder->cinfo, &row, 1) != 1) {
            strcpy(decoder->message, "libjpeg returned no scanline");
            return CJPEG_FAILED;
        }
    }
    jpeg_finish_decompress(&decoder->cinfo);
    return CJPEG_OK;
}

#endif
