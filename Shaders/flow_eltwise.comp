#version 450
// Vulkan flow sampler: an elementwise chain (one ONNX operator or a fused sequence, Graph/ElementwiseChain.cs). The
// value starts as operand `first` and each micro-op applies in turn: binary ops combine it with an operand (reversed:
// operand op value), unary ops map it. Operands broadcast through their strides (0 on broadcast axes).
// Params at p.base (ints): out_off, rank, dims[6], operand count K, first, op count M, K x (off, strides[6]),
// M x (kind, operand, reversed, A bits, B bits). Kinds as ElementwiseKind: Add 0, Sub 1, Mul 2, Div 3, Pow 4, Min 5,
// Max 6, Sqrt 7, Exp 8, Log 9, Neg 10, Abs 11, Relu 12, LeakyRelu 13 (A: alpha), Sigmoid 14, Tanh 15, Softplus 16,
// Clip 17 (A: min, B: max).
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float arena[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { int prm[]; };
layout(push_constant) uniform Push { uint base; uint count; } p;

float operand(int b, int rank, int k, uint i) {
    int ob = b + 11 + k * 7;
    int off = prm[ob];
    uint rem = i;
    for (int d = rank - 1; d >= 0; d--) {
        uint n = uint(prm[b + 2 + d]);
        off += int(rem % n) * prm[ob + 1 + d];
        rem /= n;
    }
    return arena[off];
}

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
    if (i >= p.count) return;
    int b = int(p.base), rank = prm[b + 1], nOperands = prm[b + 8], m = prm[b + 10];
    float v = operand(b, rank, prm[b + 9], i);
    int ops = b + 11 + nOperands * 7;
    for (int j = 0; j < m; j++) {
        int o = ops + j * 5, kind = prm[o];
        float a = intBitsToFloat(prm[o + 3]), c = intBitsToFloat(prm[o + 4]);
        if (kind <= 6) {
            float u = operand(b, rank, prm[o + 1], i);
            float l = prm[o + 2] != 0 ? u : v, r = prm[o + 2] != 0 ? v : u;
            if (kind == 0) v = l + r;
            else if (kind == 1) v = l - r;
            else if (kind == 2) v = l * r;
            else if (kind == 3) v = l / r;
            else if (kind == 4) v = pow(l, r);
            else if (kind == 5) v = min(l, r);
            else v = max(l, r);
        }
        else if (kind == 7) v = sqrt(v);
        else if (kind == 8) v = exp(v);
        else if (kind == 9) v = log(v);
        else if (kind == 10) v = -v;
        else if (kind == 11) v = abs(v);
        else if (kind == 12) v = max(v, 0.0);
        else if (kind == 13) v = v < 0.0 ? v * a : v;
        else if (kind == 14) v = 1.0 / (1.0 + exp(-v));
        else if (kind == 15) v = tanh(v);
        else if (kind == 16) v = v > 20.0 ? v : log(1.0 + exp(v));
        else if (kind == 17) v = min(max(v, a), c);
    }
    arena[prm[b] + int(i)] = v;
}
