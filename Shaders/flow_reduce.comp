#version 450
// Vulkan flow sampler: ReduceSum / ReduceMean. One invocation per output element sums its inputs in row-major order
// of the reduced axes (the order the CPU operator adds them in), then divides by the reduced count for a mean.
// Params at p.base (ints): in_off, out_off, rank, dims[6], in_strides[6], reduced mask (bit d), mean flag, divisor bits.
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float arena[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { int prm[]; };
layout(push_constant) uniform Push { uint base; uint count; } p;

void main() {
    uint o = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
    if (o >= p.count) return;
    int b = int(p.base), rank = prm[b + 2], mask = prm[b + 15];
    // the kept axes address the output (row-major over them) and the input's base
    int src = prm[b];
    uint rem = o;
    uint inner = 1u;
    for (int d = rank - 1; d >= 0; d--) {
        uint n = uint(prm[b + 3 + d]);
        if ((mask & (1 << d)) != 0) { inner *= n; continue; }
        src += int(rem % n) * prm[b + 9 + d];
        rem /= n;
    }
    float acc = 0.0;
    for (uint r = 0u; r < inner; r++) {
        uint q = r;
        int off = src;
        for (int d = rank - 1; d >= 0; d--) {
            if ((mask & (1 << d)) == 0) continue;
            uint n = uint(prm[b + 3 + d]);
            off += int(q % n) * prm[b + 9 + d];
            q /= n;
        }
        acc += arena[off];
    }
    if (prm[b + 16] != 0) acc /= intBitsToFloat(prm[b + 17]);
    arena[prm[b + 1] + int(o)] = acc;
}
