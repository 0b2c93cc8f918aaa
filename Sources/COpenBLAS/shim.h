// Shim over OpenBLAS 0.3 (CBLAS interface). Only Sources/BLAS imports it.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
// Declared by OpenBLAS itself; repeated here because older cblas.h copies omit them.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
