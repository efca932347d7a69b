#version 450
// Terrain chunk vertex shader. Positions are chunk-local metres (x east, y up, z south); the push
// constants carry the chunk origin relative to the camera so far-away chunks keep float precision.
layout(location = 0) in vec3 inPosition;
layout(location = 1) in vec3 inNormal;

layout(push_constant) uniform Push {
    mat4 viewProj;      // System.Numerics view*proj (row-vector) == GLSL column-major mvp
    vec4 chunkOffset;   // xyz: chunk origin - camera position (metres)
    vec4 ramp;          // x: low height, y: high height (metres), z: fog distance (metres), w: unused
    vec4 sun;           // xyz: direction towards the sun (unit), w: ambient
} pc;

layout(location = 0) out vec3 outNormal;
layout(location = 1) out vec3 outRelative;
layout(location = 2) out float outHeight;

void main() {
    vec3 relative = inPosition + pc.chunkOffset.xyz;
    gl_Position = pc.viewProj * vec4(relative, 1.0);
    outNormal = inNormal;
    outRelative = relative;
    outHeight = inPosition.y;
}
