/* See dynamic_shift_max_kernel.c. */
#ifndef MICRONET_DYNAMIC_SHIFT_MAX_KERNEL_H_
#define MICRONET_DYNAMIC_SHIFT_MAX_KERNEL_H_
#include <stdint.h>

void micronet_dynamic_shift_max_rows(const float *x, const float *coef, const int64_t *index1,
                                     const int64_t *index2, float *y, int64_t channels,
                                     int64_t plane, int64_t fusions, int64_t begin, int64_t end);
#endif
