// Shim over libzip 1.7: the bridge in Sources/ZipArchive is the only user.
#ifndef CLIBZIP_SHIM_H
#define CLIBZIP_SHIM_H
#include <zip.h>
#endif
