/* FlowGen C ABI: seeded terrain/texture sampling from normalizing-flow models and seamless multi-scale
 * worlds, for C and C++ engines. Link libflowgen (NativeAOT build of Runtime/FlowGen.Native).
 *
 * Conventions
 *  - Every function returns FLOWGEN_OK (0) or an error code; flowgen_last_error() then gives a UTF-8 message
 *    naming the file and the problem (per calling thread, valid until that thread's next FlowGen call).
 *  - Handles are opaque; free each exactly once. A world keeps its model alive only as long as the model
 *    handle is not freed: free worlds first (a world of a freed model returns FLOWGEN_ERROR_ARGUMENT).
 *  - Thread safety: every function may be called from any thread. Calls on one model are serialised inside;
 *    use one model per thread for parallel throughput. flowgen_world_fill may run concurrently on one world.
 *  - Determinism: sample i of seed s is the same whatever batch or call produced it, bit for bit, on any
 *    thread count; a world pixel depends only on (model, seed, temperature, levels, gain, lod, x, y).
 *  - Buffers are caller-owned float arrays; their length in floats is passed so nothing is written past it.
 */
#ifndef FLOWGEN_H
#define FLOWGEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FLOWGEN_ABI_VERSION 1

typedef enum flowgen_status {
    FLOWGEN_OK = 0,
    FLOWGEN_ERROR_ARGUMENT = 1,  /* a null pointer, a buffer too small, a value out of range, a freed handle */
    FLOWGEN_ERROR_MODEL = 2,     /* the model file is not a valid/supported FlowGen or ONNX model */
    FLOWGEN_ERROR_IO = 3,        /* the file could not be read */
    FLOWGEN_ERROR_INTERNAL = 4,  /* anything else (a bug: please report the message) */
    FLOWGEN_ERROR_DEVICE = 5     /* the requested backend is not available here (no Vulkan driver or device) */
} flowgen_status;

typedef enum flowgen_backend {
    FLOWGEN_BACKEND_CPU = 0,     /* FlowGen's CPU kernels: bitwise the same for any thread count */
    FLOWGEN_BACKEND_VULKAN = 1   /* Vulkan compute on the first GPU (or software driver) the Vulkan loader reports:
                                    the same samples to float rounding, deterministic on one device */
} flowgen_backend;

typedef enum flowgen_units {
    FLOWGEN_UNITS_MODEL = 0,     /* the model's normalised units */
    FLOWGEN_UNITS_PHYSICAL = 1   /* metres relative to the patch mean (heightmaps), 0..1 intensity (textures) */
} flowgen_units;

typedef struct flowgen_model flowgen_model;
typedef struct flowgen_world flowgen_world;

typedef struct flowgen_model_info {
    int32_t channels, height, width;  /* shape of one sample */
    int32_t sample_length;            /* channels * height * width floats */
    int32_t is_texture;               /* 0: heightmap, 1: texture */
    float default_temperature;
    double pixel_size_m;              /* ground distance between heightmap pixels (0 when unknown) */
    double scale, offset;             /* physical = model * scale + offset */
} flowgen_model_info;

/* The library's ABI version (FLOWGEN_ABI_VERSION it was built with). */
int32_t flowgen_abi_version(void);

/* The last error message of the calling thread ("" when none). */
const char* flowgen_last_error(void);

/* Loads and compiles a model. max_batch: largest count per sampling call that runs as one batch (>= 1);
 * threads: 0 = one per core. */
int32_t flowgen_model_load(const char* path_utf8, int32_t max_batch, int32_t threads, flowgen_model** out_model);
int32_t flowgen_model_load_bytes(const void* data, size_t size, int32_t max_batch, int32_t threads, flowgen_model** out_model);
/* flowgen_model_load on a chosen backend (flowgen_backend); Vulkan ignores threads. FLOWGEN_ERROR_DEVICE where
 * the backend is unavailable, FLOWGEN_ERROR_MODEL where the model uses an operator the backend lacks. */
int32_t flowgen_model_load_on(const char* path_utf8, int32_t max_batch, int32_t threads, int32_t backend, flowgen_model** out_model);
void flowgen_model_free(flowgen_model* model);

int32_t flowgen_model_info_get(flowgen_model* model, flowgen_model_info* out_info);

/* Metadata value of `key` (e.g. "flowgen.train.command") as UTF-8 into buf (NUL-terminated, truncated to
 * capacity); *out_length = its full length in bytes. FLOWGEN_ERROR_ARGUMENT when the key is absent. */
int32_t flowgen_model_metadata(flowgen_model* model, const char* key_utf8, char* buf, size_t capacity, size_t* out_length);

/* Draws each latent level of a multi-scale flow at its own temperature from now on (finest level first, `count`
 * values, finite and positive), on top of the temperature each sampling call passes: a lower finest level gives
 * smoother detail, higher coarse levels more relief. count 0 resets. Set it before creating worlds on the model.
 * FLOWGEN_ERROR_ARGUMENT for the wrong count or a bad value, FLOWGEN_ERROR_MODEL when the model records no
 * latent layout (metadata flowgen.arch.config). */
int32_t flowgen_model_set_level_temperatures(flowgen_model* model, const float* temperatures, int32_t count);

/* Samples first_index .. first_index+count-1 of `seed` into dest (count * sample_length floats).
 * Allocates nothing after the first call. */
int32_t flowgen_sample(flowgen_model* model, uint64_t seed, int64_t first_index, int32_t count, float temperature,
                       int32_t units, float* dest, size_t dest_length);

/* As flowgen_sample, then samples that diverged (non-finite, or far more relief than any training patch) are
 * drawn again at lower temperatures, deterministically. *out_redrawn (may be NULL) = how many. */
int32_t flowgen_sample_plausible(flowgen_model* model, uint64_t seed, int64_t first_index, int32_t count, float temperature,
                                 int32_t units, float* dest, size_t dest_length, int32_t* out_redrawn);

/* A seamless, infinite multi-scale world of a one-channel model with square patches (self-affine: every level from
 * the one model): levels 1..8 (1 = patches only; 5 is FlowGen's default), gain = height scale per level (1.6
 * default). temperature < 0: the model's default. */
int32_t flowgen_world_create(flowgen_model* model, uint64_t seed, float temperature, int32_t levels, double gain,
                             flowgen_world** out_world);

/* A world from trained scales, FlowGen's default world (`flowgen world`): model is a coarse model (`flowgen train --downsample F`, e.g. the bundled
 * models/terrain-coarse.onnx) whose multi-scale world (levels - 1 levels, gain) is the terrain at F times the detail
 * model's pixel; detail (`flowgen train --context-factor F`, models/terrain-detail.onnx) draws the finest level given
 * it (detail patches overlapping by an eighth of a patch, laid at the offset from the coarse grid and blended for the
 * draw correlation the detail model records, flowgen.context.phase and .draw_correlation (a model with phase maps baked
 * in, flowgen.context.phase_baked, draws for that phase only); the coarse world and the
 * detail level each keep a 16 MiB cache of the patches neighbouring requests share). levels >= 2 (5, gain 1.3: the bundled pair's defaults). model samples at
 * temperature (< 0: its default), detail at its own default. Both models must outlive the world. For about half the
 * chunk time, pass the bundled fast pair instead: models/terrain-coarse-fast.onnx and models/terrain-detail-fast.onnx
 * (32 hidden channels; a little rougher curvature, README "Worlds"). */
int32_t flowgen_world_create_detailed(flowgen_model* model, flowgen_model* detail, uint64_t seed, float temperature, int32_t levels,
                                      double gain, flowgen_world** out_world);
/* A real coarse DEM with learned detail (`flowgen upscale`): the width x height heights (row-major, metres, copied; edge
 * values repeat past its borders) as the coarse terrain, detail (a detail model, e.g. models/terrain-detail.onnx) drawing
 * the residual given it at its default temperature; pixel (F*x, F*y) of the world starts DEM pixel (x, y), F = the detail
 * model's context factor (4 for the bundled ones). pixel_size_m, the DEM's, must be F times the detail model's within 2 %
 * (334 m for the bundled ones), else FLOWGEN_ERROR_ARGUMENT. detail must outlive the world. */
int32_t flowgen_world_create_upscaled(flowgen_model* detail, const float* heights, int32_t width, int32_t height, double pixel_size_m,
                                      uint64_t seed, flowgen_world** out_world);
void flowgen_world_free(flowgen_world* world);

/* Deepest level of detail, pixel size in metres at level 0, and the largest |coordinate| at level 0. */
int32_t flowgen_world_info(flowgen_world* world, int32_t* out_max_lod, double* out_pixel_size_m, int64_t* out_coordinate_limit);

/* Heights (metres) of pixels [x0, x0+width) x [y0, y0+height) at level of detail lod (pixels 2^lod times
 * larger, coordinates in those pixels), row-major into dest (width * height floats). */
int32_t flowgen_world_fill(flowgen_world* world, int64_t x0, int64_t y0, int32_t width, int32_t height, int32_t lod,
                           float* dest, size_t dest_length);

#ifdef __cplusplus
}
#endif

#endif /* FLOWGEN_H */
