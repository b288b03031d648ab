/* onnxruntime CPU kernel of the micronet.DynamicShiftMax operator (see shift_max_operator.py):
 * checks the inputs, allocates the output and runs dynamic_shift_max_kernel.c over the rows
 * (sample, channel) on the session's intra-op threads. Built against onnxruntime's C API header;
 * loaded with SessionOptions.register_custom_ops_library, which calls RegisterCustomOps. */
#include <stdint.h>
#include <stdio.h>

#include <onnxruntime_c_api.h>

#include "dynamic_shift_max_kernel.h"

#define DOMAIN "micronet"
#define NUM_INPUTS 4
/* Rows handed to one thread-pool task: about this many output elements each. */
#define ELEMENTS_PER_TASK 16384

static const OrtApi *ort;

typedef struct {
  const float *x, *coef;
  const int64_t *index1, *index2;
  float *y;
  int64_t channels, plane, fusions, rows, rows_per_task;
} Work;

static void run_task(void *data, size_t task) {
  const Work *w = (const Work *)data;
  const int64_t begin = (int64_t)task * w->rows_per_task;
  const int64_t end = begin + w->rows_per_task < w->rows ? begin + w->rows_per_task : w->rows;
  micronet_dynamic_shift_max_rows(w->x, w->coef, w->index1, w->index2, w->y, w->channels,
                                  w->plane, w->fusions, begin, end);
}

static OrtStatus *invalid(const char *message) {
  return ort->CreateStatus(ORT_INVALID_ARGUMENT, message);
}

#define RETURN_IF_ERROR(expr)      \
  do {                             \
    OrtStatus *status_ = (expr);   \
    if (status_) return status_;   \
  } while (0)

/* The dimensions (at most 4) and data of input `index`. */
static OrtStatus *input(OrtKernelContext *context, size_t index, int64_t *dims, size_t *rank,
                        void **data) {
  const OrtValue *value;
  OrtTensorTypeAndShapeInfo *info;
  RETURN_IF_ERROR(ort->KernelContext_GetInput(context, index, &value));
  RETURN_IF_ERROR(ort->GetTensorTypeAndShape(value, &info));
  OrtStatus *status = ort->GetDimensionsCount(info, rank);
  if (!status && *rank > 4) status = invalid(DOMAIN ".DynamicShiftMax: an input has rank > 4");
  if (!status) status = ort->GetDimensions(info, dims, *rank);
  ort->ReleaseTensorTypeAndShapeInfo(info);
  if (status) return status;
  /* The API has no const accessor before version 23; the data is only read. */
  return ort->GetTensorMutableData((OrtValue *)value, data);
}

static OrtStatus *compute(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  int64_t dims[NUM_INPUTS][4];
  size_t rank[NUM_INPUTS];
  void *data[NUM_INPUTS];
  for (size_t i = 0; i < NUM_INPUTS; ++i) {
    RETURN_IF_ERROR(input(context, i, dims[i], &rank[i], &data[i]));
  }
  if (rank[0] != 4) return invalid(DOMAIN ".DynamicShiftMax: x must be (B, C, H, W)");
  const int64_t batch = dims[0][0], channels = dims[0][1], plane = dims[0][2] * dims[0][3];
  if (rank[1] != 4 || dims[1][0] != batch || dims[1][2] != 1 || dims[1][3] != 1 ||
      channels <= 0 || (dims[1][1] != 2 * channels && dims[1][1] != 4 * channels)) {
    return invalid(DOMAIN ".DynamicShiftMax: coef must be (B, 2K*C, 1, 1) with K = 1 or 2");
  }
  const int64_t *index[2] = {(const int64_t *)data[2], (const int64_t *)data[3]};
  for (int k = 0; k < 2; ++k) {
    if (rank[2 + k] != 1 || dims[2 + k][0] != channels) {
      return invalid(DOMAIN ".DynamicShiftMax: index1 and index2 must be (C,)");
    }
    for (int64_t c = 0; c < channels; ++c) {
      if (index[k][c] < 0 || index[k][c] >= channels) {
        return invalid(DOMAIN ".DynamicShiftMax: a channel index is out of range");
      }
    }
  }
  OrtValue *output;
  void *y;
  RETURN_IF_ERROR(ort->KernelContext_GetOutput(context, 0, dims[0], 4, &output));
  RETURN_IF_ERROR(ort->GetTensorMutableData(output, &y));
  Work work = {(const float *)data[0], (const float *)data[1], index[0], index[1], (float *)y,
               channels, plane, dims[1][1] / (2 * channels), batch * channels, 1};
  if (plane < ELEMENTS_PER_TASK) work.rows_per_task = ELEMENTS_PER_TASK / (plane > 0 ? plane : 1);
  const size_t tasks = (size_t)((work.rows + work.rows_per_task - 1) / work.rows_per_task);
  return ort->KernelContext_ParallelFor(context, run_task, tasks, 0, &work);
}

static OrtStatus *create_kernel(const OrtCustomOp *op, const OrtApi *api,
                                const OrtKernelInfo *info, void **kernel) {
  (void)api;
  (void)info;
  *kernel = (void *)op; /* stateless: any non-null handle */
  return NULL;
}

static void destroy_kernel(void *kernel) { (void)kernel; }
static const char *name(const OrtCustomOp *op) { (void)op; return "DynamicShiftMax"; }
static const char *provider(const OrtCustomOp *op) { (void)op; return NULL; } /* CPU */
static size_t input_count(const OrtCustomOp *op) { (void)op; return NUM_INPUTS; }
static size_t output_count(const OrtCustomOp *op) { (void)op; return 1; }

static ONNXTensorElementDataType input_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  return index < 2 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
}

static ONNXTensorElementDataType output_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
}

static OrtCustomOpInputOutputCharacteristic required(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return INPUT_OUTPUT_REQUIRED;
}

static OrtMemType memory_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return OrtMemTypeDefault;
}

static const OrtCustomOp dynamic_shift_max = {
    .version = ORT_API_VERSION,
    .GetName = name,
    .GetExecutionProviderType = provider,
    .GetInputType = input_type,
    .GetInputTypeCount = input_count,
    .GetOutputType = output_type,
    .GetOutputTypeCount = output_count,
    .KernelDestroy = destroy_kernel,
    .GetInputCharacteristic = required,
    .GetOutputCharacteristic = required,
    .GetInputMemoryType = memory_type,
    .CreateKernelV2 = create_kernel,
    .KernelComputeV2 = compute,
};

/* The domain outlives every session that uses it: it is created once and never released. */
static OrtCustomOpDomain *domain;

__attribute__((visibility("default"))) OrtStatus *ORT_API_CALL
RegisterCustomOps(OrtSessionOptions *options, const OrtApiBase *api_base) {
  ort = api_base->GetApi(ORT_API_VERSION);
  if (!ort) {
    /* Every API version has CreateStatus. */
    char message[256];
    snprintf(message, sizeof message, DOMAIN ".DynamicShiftMax was built against onnxruntime's C "
             "API version %d, newer than the loaded onnxruntime %s: rebuild it against that "
             "version's header", ORT_API_VERSION, api_base->GetVersionString());
    return api_base->GetApi(1)->CreateStatus(ORT_FAIL, message);
  }
  if (!domain) {
    RETURN_IF_ERROR(ort->CreateCustomOpDomain(DOMAIN, &domain));
    RETURN_IF_ERROR(ort->CustomOpDomain_Add(domain, &dynamic_shift_max));
  }
  return ort->AddCustomOpDomain(options, domain);
}
