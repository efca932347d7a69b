/* Drives libflowgen through flowgen.h the way a C engine would; prints results as "key value" lines (floats as
 * their IEEE bits in hex) for CAbiTests to compare bit for bit with the managed runtime. Usage: capi_test MODEL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flowgen.h"

static unsigned bits(float f) { unsigned u; memcpy(&u, &f, 4); return u; }

static void print_floats(const char* key, const float* v, size_t n) {
    printf("%s", key);
    for (size_t i = 0; i < n; i++) printf(" %08x", bits(v[i]));
    printf("\n");
}

int main(int argc, char** argv) {
    if (argc != 4) { fprintf(stderr, "usage: capi_test MODEL COARSE_MODEL DETAIL_MODEL\n"); return 2; }
    printf("abi %d\n", flowgen_abi_version());

    flowgen_model* model = NULL;
    int rc = flowgen_model_load("/nonexistent/model.onnx", 8, 2, &model);
    printf("missing_file %d %s\n", rc, flowgen_last_error());

    rc = flowgen_model_load(argv[1], 16, 2, &model);
    if (rc != FLOWGEN_OK) { printf("load_failed %d %s\n", rc, flowgen_last_error()); return 1; }
    flowgen_model_info info;
    rc = flowgen_model_info_get(model, &info);
    printf("info %d %d %d %d %d %d %08x %.9g %.9g %.9g\n", rc, info.channels, info.height, info.width, info.sample_length,
           info.is_texture, bits(info.default_temperature), info.pixel_size_m, info.scale, info.offset);

    char kind[64];
    size_t len = 0;
    rc = flowgen_model_metadata(model, "flowgen.kind", kind, sizeof kind, &len);
    printf("kind %d %zu %s\n", rc, len, kind);
    rc = flowgen_model_metadata(model, "no.such.key", kind, sizeof kind, &len);
    printf("no_key %d\n", rc);

    size_t n = (size_t)info.sample_length * 3;
    float* samples = malloc(n * sizeof(float));
    rc = flowgen_sample(model, 7, 5, 3, 0.8f, FLOWGEN_UNITS_PHYSICAL, samples, n);
    printf("sample_rc %d\n", rc);
    print_floats("sample", samples, n);
    rc = flowgen_sample(model, 7, 5, 3, 0.8f, FLOWGEN_UNITS_PHYSICAL, samples, n - 1);
    printf("too_small %d %s\n", rc, flowgen_last_error());
    rc = flowgen_sample(model, 7, 5, 3, 0.8f, 9, samples, n);
    printf("bad_units %d\n", rc);
    int redrawn = -1;
    rc = flowgen_sample_plausible(model, 7, 5, 3, 0.8f, FLOWGEN_UNITS_MODEL, samples, n, &redrawn);
    printf("plausible_rc %d %d\n", rc, redrawn);
    print_floats("plausible", samples, n);

    flowgen_world* world = NULL;
    rc = flowgen_world_create(model, 42, -1.0f, 5, 1.6, &world);
    int max_lod = 0; double px = 0; int64_t limit = 0;
    flowgen_world_info(world, &max_lod, &px, &limit);
    printf("world %d %d %.9g %lld\n", rc, max_lod, px, (long long)limit);
    float tile[40 * 30];
    rc = flowgen_world_fill(world, -100, 50, 40, 30, 0, tile, 40 * 30);
    printf("fill_rc %d\n", rc);
    print_floats("fill", tile, 40 * 30);
    rc = flowgen_world_fill(world, 3, -2, 40, 30, 3, tile, 40 * 30);
    printf("fill_lod3_rc %d\n", rc);
    print_floats("fill_lod3", tile, 40 * 30);
    rc = flowgen_world_fill(world, 0, 0, 40, 30, max_lod + 1, tile, 40 * 30);
    printf("bad_lod %d\n", rc);

    flowgen_world_free(world);
    rc = flowgen_world_fill(world, 0, 0, 4, 4, 0, tile, 16);
    printf("freed_world %d %s\n", rc, flowgen_last_error());

    flowgen_model *terrain = NULL, *detail = NULL;
    rc = flowgen_model_load(argv[2], 16, 2, &terrain);
    rc |= flowgen_model_load(argv[3], 16, 2, &detail);
    printf("detail_load %d\n", rc);
    float levels[3] = {0.8f, 1.2f, 1.0f};
    float coarse[2 * 16 * 16];
    rc = flowgen_model_set_level_temperatures(terrain, levels, 2);
    rc |= flowgen_sample(terrain, 7, 3, 2, 0.9f, FLOWGEN_UNITS_MODEL, coarse, 2 * 16 * 16);
    printf("levels_rc %d\n", rc);
    print_floats("levels", coarse, 2 * 16 * 16);
    rc = flowgen_model_set_level_temperatures(terrain, levels, 3);
    printf("levels_bad_count %d %s\n", rc, flowgen_last_error());
    rc = flowgen_model_set_level_temperatures(model, levels, 2);
    printf("levels_no_layout %d %s\n", rc, flowgen_last_error());
    rc = flowgen_model_set_level_temperatures(terrain, NULL, 0);
    printf("levels_reset %d\n", rc);
    rc = flowgen_world_create_detailed(terrain, detail, 42, -1.0f, 4, 1.6, &world);
    flowgen_world_info(world, &max_lod, &px, &limit);
    printf("detailed %d %d\n", rc, max_lod);
    rc = flowgen_world_fill(world, -100, 50, 40, 30, 0, tile, 40 * 30);
    printf("detailed_rc %d\n", rc);
    print_floats("detailed_fill", tile, 40 * 30);
    flowgen_world_free(world);
    rc = flowgen_world_create_detailed(terrain, terrain, 42, -1.0f, 4, 1.6, &world);
    printf("not_detail %d %s\n", rc, flowgen_last_error());
    float* dem = malloc(30 * 20 * sizeof(float));
    for (int i = 0; i < 30 * 20; i++) dem[i] = 200.0f + 3.0f * (float)(i % 30) + 40.0f * (float)((i / 30) % 5);
    rc = flowgen_world_create_upscaled(detail, dem, 30, 20, 334.1, 9, &world);
    printf("upscaled %d\n", rc);
    rc = flowgen_world_fill(world, -8, 12, 40, 30, 0, tile, 40 * 30);
    printf("upscaled_rc %d\n", rc);
    print_floats("upscaled_fill", tile, 40 * 30);
    flowgen_world_free(world);
    rc = flowgen_world_create_upscaled(detail, dem, 30, 20, 90.0, 9, &world);
    printf("upscaled_scale %d %s\n", rc, flowgen_last_error());
    free(dem);
    flowgen_model* gpu = NULL;
    rc = flowgen_model_load_on(argv[2], 4, 0, FLOWGEN_BACKEND_VULKAN, &gpu);
    printf("vulkan_load %d %s\n", rc, flowgen_last_error());
    if (rc == FLOWGEN_OK) {
        rc = flowgen_sample(gpu, 7, 3, 5, 0.9f, FLOWGEN_UNITS_MODEL, coarse, 2 * 16 * 16);
        printf("vulkan_too_small %d\n", rc);
        float* five = malloc(5 * 16 * 16 * sizeof(float));
        rc = flowgen_sample(gpu, 7, 3, 5, 0.9f, FLOWGEN_UNITS_MODEL, five, 5 * 16 * 16);
        printf("vulkan_rc %d\n", rc);
        print_floats("vulkan", five, 5 * 16 * 16);
        free(five);
        flowgen_model_free(gpu);
    }
    rc = flowgen_model_load_on(argv[2], 4, 0, 7, &gpu);
    printf("bad_backend %d %s\n", rc, flowgen_last_error());
    flowgen_model_free(detail);
    flowgen_model_free(terrain);
    flowgen_model_free(model);
    rc = flowgen_sample(model, 7, 5, 1, 0.8f, 0, samples, n);
    printf("freed_model %d\n", rc);
    rc = flowgen_world_create(NULL, 1, 1.0f, 1, 1.0, &world);
    printf("null_model %d\n", rc);
    free(samples);
    printf("done\n");
    return 0;
}
