#version 450
// Vulkan flow sampler (Runtime/FlowGen.Runtime/Vulkan/VulkanExecutor.cs): one strided copy, the data movement of a
// plan step (Transpose, DepthToSpace/SpaceToDepth, Slice, Expand, one input of a Concat). Element i of the copy's
// index space (row-major over dims, rank <= 6) moves from in_off + sum(idx * in_stride) to out_off + sum(idx * out_stride).
// Params at p.base (ints): in_off, out_off, rank, dims[6], in_strides[6], out_strides[6]; offsets in floats.
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float arena[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { int prm[]; };
layout(push_constant) uniform Push { uint base; uint count; } p;

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
    if (i >= p.count) return;
    int b = int(p.base), rank = prm[b + 2];
    int src = prm[b], dst = prm[b + 1];
    uint rem = i;
    for (int d = rank - 1; d >= 0; d--) {
        uint n = uint(prm[b + 3 + d]);
        int idx = int(rem % n);
        rem /= n;
        src += idx * prm[b + 9 + d];
        dst += idx * prm[b + 15 + d];
    }
    arena[dst] = arena[src];
}
