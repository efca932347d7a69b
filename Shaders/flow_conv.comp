#version 450
// Vulkan flow sampler: a 2-D convolution (NCHW, groups, strides, pads, dilations) with its bias and fused
// activation, one invocation per output element, summing bias + w * x over (ci, kh, kw) in order as the CPU
// kernel does (padding contributes nothing). Params at p.base (ints): x_off, w_off, b_off (-1: none), y_off, N, Cin,
// H, W, Cout, Ho, Wo, kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW, groups, activation (0 none, 1 relu,
// 2 leaky relu, 3 sigmoid, 4 tanh), alpha bits.
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float arena[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { int prm[]; };
layout(push_constant) uniform Push { uint base; uint count; } p;

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
    if (i >= p.count) return;
    int b = int(p.base);
    int cin = prm[b + 5], h = prm[b + 6], w = prm[b + 7], cout = prm[b + 8], ho = prm[b + 9], wo = prm[b + 10];
    int kh = prm[b + 11], kw = prm[b + 12], sh = prm[b + 13], sw = prm[b + 14], pt = prm[b + 15], pl = prm[b + 16];
    int dh = prm[b + 17], dw = prm[b + 18], groups = prm[b + 19];
    int ox = int(i % uint(wo)), oy = int((i / uint(wo)) % uint(ho));
    int co = int((i / uint(wo * ho)) % uint(cout)), n = int(i / uint(wo * ho * cout));
    int cinG = cin / groups, g = co / (cout / groups);
    float acc = prm[b + 2] < 0 ? 0.0 : arena[prm[b + 2] + co];
    int wbase = prm[b + 1] + co * cinG * kh * kw;
    int xbase = prm[b] + (n * cin + g * cinG) * h * w;
    for (int ci = 0; ci < cinG; ci++)
        for (int y = 0; y < kh; y++) {
            int iy = oy * sh - pt + y * dh;
            for (int x = 0; x < kw; x++) {
                int ix = ox * sw - pl + x * dw;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                    acc = fma(arena[wbase + (ci * kh + y) * kw + x], arena[xbase + (ci * h + iy) * w + ix], acc);
            }
        }
    int act = prm[b + 20];
    if (act == 1) acc = max(acc, 0.0);
    else if (act == 2) acc = acc < 0.0 ? acc * intBitsToFloat(prm[b + 21]) : acc;
    else if (act == 3) acc = 1.0 / (1.0 + exp(-acc));
    else if (act == 4) acc = tanh(acc);
    arena[prm[b + 3] + int(i)] = acc;
}
