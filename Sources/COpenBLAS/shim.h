// Declarations of the OpenBLAS 0.3 entry points Sources/BLAS resolves at run time. OpenBLAS is opened
// with dlopen rather than linked, so that its kernel choice can be set before it loads
// (Sources/BLAS/OpenBLASLibrary.swift). Only Sources/BLAS imports this module.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <dlfcn.h>

/// `cblas_sgemm` (CBLAS enums passed as their int values).
typedef void (*copenblas_sgemm_function)(int order, int transposeA, int transposeB, int m, int n, int k, float alpha,
                                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                                         int ldc);
typedef void (*copenblas_set_threads_function)(int threads);
typedef int (*copenblas_get_threads_function)(void);
typedef char *(*copenblas_text_function)(void);

/// CBLAS_ORDER / CBLAS_TRANSPOSE values of cblas.h.
enum {
    COPENBLAS_ROW_MAJOR = 101,
    COPENBLAS_NO_TRANSPOSE = 111,
    COPENBLAS_TRANSPOSE = 112,
};

#endif
