// Shim over zlib (libzip's own dependency): the bridge in Sources/ZipArchive uses its crc32.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>
#endif
