#version 450
// y = a*x + y over n floats: the Vulkan binding's compute test kernel (descriptor sets of two storage
// buffers, push constants, a dispatch that does not divide evenly by the workgroup size).
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform Push { float a; uint n; } pc;

void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.n) y[i] = pc.a * x[i] + y[i];
}
