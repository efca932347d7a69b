#version 450
// Terrain shading: a height- and slope-based colour ramp lit by a sun (Lambert + ambient), fading into
// the sky colour with distance. The sky colour here must match the clear colour (TerrainRenderer.Sky).
layout(location = 0) in vec3 inNormal;
layout(location = 1) in vec3 inRelative;
layout(location = 2) in float inHeight;

layout(push_constant) uniform Push {
    mat4 viewProj;
    vec4 chunkOffset;
    vec4 ramp;
    vec4 sun;
} pc;

layout(location = 0) out vec4 outColor;

const vec3 SKY = vec3(0.55, 0.70, 0.90);

void main() {
    vec3 n = normalize(inNormal);
    float t = clamp((inHeight - pc.ramp.x) / max(pc.ramp.y - pc.ramp.x, 1.0), 0.0, 1.0);
    vec3 low = vec3(0.22, 0.42, 0.18);    // valley grass
    vec3 mid = vec3(0.50, 0.45, 0.30);    // dry upland
    vec3 high = vec3(0.92, 0.92, 0.95);   // snow caps
    vec3 base = t < 0.6 ? mix(low, mid, t / 0.6) : mix(mid, high, smoothstep(0.75, 0.95, t));
    float slope = 1.0 - n.y;              // 0 flat .. 1 vertical
    base = mix(base, vec3(0.38, 0.34, 0.32), smoothstep(0.25, 0.5, slope)); // rock on steep slopes
    float light = pc.sun.w + (1.0 - pc.sun.w) * max(dot(n, pc.sun.xyz), 0.0);
    vec3 color = base * light;
    float fog = clamp(length(inRelative) / pc.ramp.z, 0.0, 1.0);
    outColor = vec4(mix(color, SKY, fog * fog), 1.0);
}
