/* The operators' arithmetic, plain C without dependencies; each function computes the output rows
 * [begin, end), so that onnxruntime's threads can share the rows of one call. */
#ifndef MICRONET_KERNELS_H_
#define MICRONET_KERNELS_H_
#include <stdint.h>

/* Dynamic Shift-Max: see dynamic_shift_max_kernel.c. Rows are (sample, channel) planes. */
void micronet_dynamic_shift_max_rows(const float *x, const float *coef, const int64_t *index1,
                                     const int64_t *index2, float *y, int64_t channels,
                                     int64_t plane, int64_t fusions, int64_t begin, int64_t end);

/* Means of the planes [begin, end) of `x`, each of `plane` elements, into `means`. */
void micronet_plane_means_rows(const float *x, float *means, int64_t plane, int64_t begin,
                               int64_t end);

/* Dynamic Shift-Max's hyper-function for one sample: coef = clamp(fc2(relu(fc1(mean))), lower,
 * upper), fc1 (squeeze, channels), fc2 (outputs, squeeze) row-major; `hidden` holds squeeze
 * floats of scratch. */
void micronet_shift_max_coefficients(const float *mean, const float *fc1_weight,
                                     const float *fc1_bias, const float *fc2_weight,
                                     const float *fc2_bias, const float *lower,
                                     const float *upper, int64_t channels, int64_t squeeze,
                                     int64_t outputs, float *hidden, float *coef);

/* Bilinear resize: see resize_bilinear_kernel.c. Rows are output image rows of every plane. */
void micronet_resize_bilinear_rows(const float *x, float *y, int64_t in_height, int64_t in_width,
                                   int64_t out_height, int64_t out_width, const int64_t *left,
                                   const float *right_weight, int64_t begin, int64_t end);

/* The column tables of micronet_resize_bilinear_rows for in_width -> out_width. */
void micronet_resize_bilinear_columns(int64_t in_width, int64_t out_width, int64_t *left,
                                      float *right_weight);
#endif
