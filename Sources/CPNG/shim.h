// Shim over libpng 1.6, used only by the Swift bridge in Sources/Imaging.
//
// libpng reports errors by longjmp from its error callback. A longjmp must never cross a Swift frame,
// so every step that can fail is one C function here: it calls setjmp, then every libpng call that may
// jump, and returns a code (0 ok, CPNG_FAILED, CPNG_TRUNCATED, CPNG_NO_MEMORY) with libpng's message in
// `context.message`. Swift only ever sees return codes.
#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CPNG_OK = 0, CPNG_FAILED = 1, CPNG_TRUNCATED = 2, CPNG_NO_MEMORY = 3 };

/// The part shared by reader and writer: the jump target and the last message.
typedef struct cpng_context {
    jmp_buf jump;
    char message[256];
    int truncated;
    int out_of_memory;
} cpng_context;

typedef struct cpng_decoder {
    cpng_context context;  // first member: the error callback casts the error pointer to it
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t size;
    size_t offset;
    png_bytepp rows;
    png_uint_32 width;
    png_uint_32 height;
    int bit_depth;
    int color_type;
    int interlace_type;
    int palette_count;
    unsigned char palette[256 * 3];
    int channels;
    size_t row_bytes;
} cpng_decoder;

typedef struct cpng_encoder {
    cpng_context context;  // first member, as above
    png_structp png;
    png_infop info;
    png_bytepp rows;
    unsigned char *data;
    size_t size;
    size_t capacity;
} cpng_encoder;

static void cpng_error_callback(png_structp png, png_const_charp message) {
    cpng_context *context = (cpng_context *)png_get_error_ptr(png);
    strncpy(context->message, message != NULL ? message : "libpng error", sizeof(context->message) - 1);
    context->message[sizeof(context->message) - 1] = 0;
    longjmp(context->jump, 1);
}

static void cpng_warning_callback(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // warnings (unknown chunks, bad ancillary CRCs) do not change the pixels
}

static void cpng_read_callback(png_structp png, png_bytep out, size_t count) {
    cpng_decoder *decoder = (cpng_decoder *)png_get_io_ptr(png);
    if (count > decoder->size - decoder->offset) {
        decoder->context.truncated = 1;
        png_error(png, "the file ends before the image data does");
    }
    memcpy(out, decoder->data + decoder->offset, count);
    decoder->offset += count;
}

static inline int cpng_failure_code(const cpng_context *context) {
    if (context->truncated) return CPNG_TRUNCATED;
    if (context->out_of_memory) return CPNG_NO_MEMORY;
    return CPNG_FAILED;
}

static inline cpng_decoder *cpng_decoder_create(void) { return (cpng_decoder *)calloc(1, sizeof(cpng_decoder)); }

static inline void cpng_decoder_destroy(cpng_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->png != NULL) png_destroy_read_struct(&decoder->png, decoder->info != NULL ? &decoder->info : NULL, NULL);
    free(decoder->rows);
    free(decoder);
}

/// Reads the signature and every chunk up to the first IDAT; fills width … palette.
static inline int cpng_read_header(cpng_decoder *decoder, const unsigned char *data, size_t size,
                                   png_uint_32 max_width, png_uint_32 max_height, png_uint_32 max_cached_chunks,
                                   size_t max_chunk_bytes) {
    decoder->data = data;
    decoder->size = size;
    decoder->offset = 0;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoder->context, cpng_error_callback,
                                          cpng_warning_callback);
    if (decoder->png == NULL) {
        strcpy(decoder->context.message, "libpng could not allocate its reader");
        return CPNG_NO_MEMORY;
    }
    decoder->info = png_create_info_struct(decoder->png);
    if (decoder->info == NULL) {
        strcpy(decoder->context.message, "libpng could not allocate its reader");
        return CPNG_NO_MEMORY;
    }
    if (setjmp(decoder->context.jump)) return cpng_failure_code(&decoder->context);
    png_set_user_limits(decoder->png, max_width, max_height);
    png_set_chunk_cache_max(decoder->png, max_cached_chunks);
    png_set_chunk_malloc_max(decoder->png, max_chunk_bytes);
    /* Chunks that change no pixel of an RGB decode (Pillow's convert("RGB") ignores them too) are skipped
       unread: libpng 1.6.39 allocates for some of them by sizes taken from the chunk's own bytes (a 6 KB
       eXIf chunk made it ask for 1.3 GB). EXIF orientation is read by our own parser from the raw bytes. */
    static const png_byte ignored_chunks[] = "eXIf\0iCCP\0sPLT\0tEXt\0zTXt\0iTXt\0pCAL\0sCAL\0";
    png_set_keep_unknown_chunks(decoder->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(decoder->png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks, 8);
    png_set_read_fn(decoder->png, decoder, cpng_read_callback);
    png_read_info(decoder->png, decoder->info);
    png_get_IHDR(decoder->png, decoder->info, &decoder->width, &decoder->height, &decoder->bit_depth,
                 &decoder->color_type, &decoder->interlace_type, NULL, NULL);
    decoder->palette_count = 0;
    png_colorp palette = NULL;
    int count = 0;
    if (decoder->color_type == PNG_COLOR_TYPE_PALETTE &&
        png_get_PLTE(decoder->png, decoder->info, &palette, &count) == PNG_INFO_PLTE && palette != NULL) {
        if (count > 256) count = 256;
        for (int index = 0; index < count; index++) {
            decoder->palette[index * 3 + 0] = palette[index].red;
            decoder->palette[index * 3 + 1] = palette[index].green;
            decoder->palette[index * 3 + 2] = palette[index].blue;
        }
        decoder->palette_count = count;
    }
    return CPNG_OK;
}

/// Asks for raw samples (1, 2 and 4-bit samples unpacked to one byte each, unscaled; 16-bit samples
/// big-endian; no palette, gamma or transparency transform) with Adam7 passes combined.
static inline int cpng_prepare(cpng_decoder *decoder) {
    if (setjmp(decoder->context.jump)) return cpng_failure_code(&decoder->context);
    if (decoder->bit_depth < 8) png_set_packing(decoder->png);
    (void)png_set_interlace_handling(decoder->png);
    png_read_update_info(decoder->png, decoder->info);
    decoder->row_bytes = png_get_rowbytes(decoder->png, decoder->info);
    decoder->channels = png_get_channels(decoder->png, decoder->info);
    return CPNG_OK;
}

/// Decodes every row into `pixels` (`height` rows of `row_bytes`, allocated by the caller after its
/// budget check). Chunks after the image data are not read, as Pillow does not read them either.
static inline int cpng_read_image(cpng_decoder *decoder, unsigned char *pixels) {
    if (setjmp(decoder->context.jump)) return cpng_failure_code(&decoder->context);
    if (decoder->height > SIZE_MAX / sizeof(png_bytep)) {
        decoder->context.out_of_memory = 1;
        png_error(decoder->png, "too many rows");
    }
    decoder->rows = (png_bytepp)malloc((size_t)decoder->height * sizeof(png_bytep));
    if (decoder->rows == NULL) {
        decoder->context.out_of_memory = 1;
        png_error(decoder->png, "out of memory for row pointers");
    }
    for (png_uint_32 row = 0; row < decoder->height; row++) decoder->rows[row] = pixels + (size_t)row * decoder->row_bytes;
    png_read_image(decoder->png, decoder->rows);
    return CPNG_OK;
}

static void cpng_write_callback(png_structp png, png_bytep bytes, size_t count) {
    cpng_encoder *encoder = (cpng_encoder *)png_get_io_ptr(png);
    if (count > SIZE_MAX - encoder->size) {
        encoder->context.out_of_memory = 1;
        png_error(png, "output too large");
    }
    if (encoder->size + count > encoder->capacity) {
        size_t capacity = encoder->capacity < 4096 ? 4096 : encoder->capacity;
        while (capacity < encoder->size + count) {
            if (capacity > SIZE_MAX / 2) {
                capacity = encoder->size + count;
                break;
            }
            capacity *= 2;
        }
        unsigned char *grown = (unsigned char *)realloc(encoder->data, capacity);
        if (grown == NULL) {
            encoder->context.out_of_memory = 1;
            png_error(png, "out of memory for the encoded file");
        }
        encoder->data = grown;
        encoder->capacity = capacity;
    }
    memcpy(encoder->data + encoder->size, bytes, count);
    encoder->size += count;
}

static void cpng_flush_callback(png_structp png) { (void)png; }

static inline cpng_encoder *cpng_encoder_create(void) { return (cpng_encoder *)calloc(1, sizeof(cpng_encoder)); }

static inline void cpng_encoder_destroy(cpng_encoder *encoder) {
    if (encoder == NULL) return;
    if (encoder->png != NULL) png_destroy_write_struct(&encoder->png, encoder->info != NULL ? &encoder->info : NULL);
    free(encoder->rows);
    free(encoder->data);
    free(encoder);
}

/// Encodes `height` rows of `row_bytes` (16-bit samples big-endian) as one non-interlaced PNG in memory
/// (`encoder->data`, `encoder->size`). `palette` holds `palette_count` RGB triples for colour type 3.
static inline int cpng_encode(cpng_encoder *encoder, const unsigned char *pixels, png_uint_32 width,
                              png_uint_32 height, int bit_depth, int color_type, size_t row_bytes,
                              const unsigned char *palette, int palette_count, int compression_level) {
    encoder->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &encoder->context, cpng_error_callback,
                                           cpng_warning_callback);
    if (encoder->png == NULL) {
        strcpy(encoder->context.message, "libpng could not allocate its writer");
        return CPNG_NO_MEMORY;
    }
    encoder->info = png_create_info_struct(encoder->png);
    if (encoder->info == NULL) {
        strcpy(encoder->context.message, "libpng could not allocate its writer");
        return CPNG_NO_MEMORY;
    }
    if (setjmp(encoder->context.jump)) return cpng_failure_code(&encoder->context);
    png_set_write_fn(encoder->png, encoder, cpng_write_callback, cpng_flush_callback);
    png_set_IHDR(encoder->png, encoder->info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color entries[256];
        int count = palette_count > 256 ? 256 : palette_count;
        for (int index = 0; index < count; index++) {
            entries[index].red = palette[index * 3 + 0];
            entries[index].green = palette[index * 3 + 1];
            entries[index].blue = palette[index * 3 + 2];
        }
        png_set_PLTE(encoder->png, encoder->info, entries, count);
    }
    png_set_compression_level(encoder->png, compression_level);
    png_write_info(encoder->png, encoder->info);
    if (height > SIZE_MAX / sizeof(png_bytep)) {
        encoder->context.out_of_memory = 1;
        png_error(encoder->png, "too many rows");
    }
    encoder->rows = (png_bytepp)malloc((size_t)height * sizeof(png_bytep));
    if (encoder->rows == NULL) {
        encoder->context.out_of_memory = 1;
        png_error(encoder->png, "out of memory for row pointers");
    }
    for (png_uint_32 row = 0; row < height; row++) encoder->rows[row] = (png_bytep)(pixels + (size_t)row * row_bytes);
    png_write_image(encoder->png, encoder->rows);
    png_write_end(encoder->png, NULL);
    return CPNG_OK;
}

#endif
