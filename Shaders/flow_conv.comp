#version 450
// Vulkan flow sampler: a 2-D convolution (NCHW, groups, strides, pads, dilations) with its bias and fused
// activation. One invocation computes CPI output channels (4 where a group's output channels divide by 4, else 1)
// of one pixel, so each input value it loads serves CPI multiply-adds; each output sums bias + w * x over
// (ci, kh, kw) in order, as the CPU kernel does (padding contributes nothing). Params at p.base (ints): x_off,
// w_off, b_off (-1: none), y_off, N, Cin, H, W, Cout, Ho, Wo, kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW,
// groups, activation (0 none, 1 relu, 2 leaky relu, 3 sigmoid, 4 tanh), alpha bits, CPI.
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float arena[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { int prm[]; };
layout(push_constant) uniform Push { uint base; uint count; } p;

float activate(float v, int act, float alpha) {
    if (act == 1) return max(v, 0.0);
    if (act == 2) return v < 0.0 ? v * alpha : v;
    if (act == 3) return 1.0 / (1.0 + exp(-v));
    if (act == 4) return tanh(v);
    return v;
}

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
    if (i >= p.count) return;
    int b = int(p.base);
    int cin = prm[b + 5], h = prm[b + 6], w = prm[b + 7], cout = prm[b + 8], ho = prm[b + 9], wo = prm[b + 10];
    int kh = prm[b + 11], kw = prm[b + 12], sh = prm[b + 13], sw = prm[b + 14], pt = prm[b + 15], pl = prm[b + 16];
    int dh = prm[b + 17], dw = prm[b + 18], groups = prm[b + 19], cpi = prm[b + 22];
    int blocks = cout / cpi;
    int ox = int(i % uint(wo)), oy = int((i / uint(wo)) % uint(ho));
    int co = int((i / uint(wo * ho)) % uint(blocks)) * cpi, n = int(i / uint(wo * ho * blocks));
    int cinG = cin / groups, g = co / (cout / groups), kk = cinG * kh * kw;
    int wbase = prm[b + 1] + co * kk;
    int xbase = prm[b] + (n * cin + g * cinG) * h * w;
    float a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
    if (prm[b + 2] >= 0) {
        a0 = arena[prm[b + 2] + co];
        if (cpi == 4) { a1 = arena[prm[b + 2] + co + 1]; a2 = arena[prm[b + 2] + co + 2]; a3 = arena[prm[b + 2] + co + 3]; }
    }
    for (int ci = 0; ci < cinG; ci++)
        for (int y = 0; y < kh; y++) {
            int iy = oy * sh - pt + y * dh;
            if (iy < 0 || iy >= h) continue;
            for (int x = 0; x < kw; x++) {
                int ix = ox * sw - pl + x * dw;
                if (ix < 0 || ix >= w) continue;
                float v = arena[xbase + (ci * h + iy) * w + ix];
                int k = wbase + (ci * kh + y) * kw + x;
                a0 = fma(arena[k], v, a0);
                if (cpi == 4) {
                    a1 = fma(arena[k + kk], v, a1);
                    a2 = fma(arena[k + 2 * kk], v, a2);
                    a3 = fma(arena[k + 3 * kk], v, a3);
                }
            }
        }
    int act = prm[b + 20];
    float alpha = intBitsToFloat(prm[b + 21]);
    int plane = ho * wo, at = prm[b + 3] + ((n * cout + co) * ho + oy) * wo + ox;
    arena[at] = activate(a0, act, alpha);
    if (cpi == 4) {
        arena[at + plane] = activate(a1, act, alpha);
        arena[at + 2 * plane] = activate(a2, act, alpha);
        arena[at + 3 * plane] = activate(a3, act, alpha);
    }
}
