// Direct convolution: every output element is a scalar float sum over (ci, kh, kw) in that order,
// starting from the bias, with padding handled by bounds checks. It covers every shape (strides,
// dilations, asymmetric pads, groups incl. depthwise) and is the path for shapes the blocked kernel
// does not take. One parallel item is one (sample, output channel) plane, so the result never depends
// on the thread count.
namespace FlowGen.Runtime.Cpu;

internal static unsafe class Conv2dKernelDirect
{
    /// <summary>Computes output plane (n, co) of y from x; w is [Cout, Cin/g, kH, kW].</summary>
    public static void Plane(in Conv2dShape s, float* x, float* w, float* bias, float* y, int n, int co,
        FusedActivation act, float alpha)
    {
        int cinG = s.GroupInChannels, g = co / s.GroupOutChannels;
        int ho = s.OutHeight, wo = s.OutWidth, h = s.InHeight, wi = s.InWidth;
        float* wco = w + (long)co * cinG * s.KernelH * s.KernelW;
        float* xg = x + ((long)n * s.InChannels + (long)g * cinG) * h * wi;
        float* yp = y + ((long)n * s.OutChannels + co) * ho * wo;
        float b0 = bias == null ? 0f : bias[co];
        for (int oh = 0; oh < ho; oh++)
        {
            for (int ow = 0; ow < wo; ow++)
            {
                float acc = b0;
                int ih0 = oh * s.StrideH - s.PadTop, iw0 = ow * s.StrideW - s.PadLeft;
                for (int ci = 0; ci < cinG; ci++)
                {
                    float* xc = xg + (long)ci * h * wi;
                    float* wc = wco + ci * s.KernelH * s.KernelW;
                    for (int kh = 0; kh < s.KernelH; kh++)
                    {
                        int ih = ih0 + kh * s.DilationH;
                        if ((uint)ih >= (uint)h) continue;
                        for (int kw = 0; kw < s.KernelW; kw++)
                        {
                            int iw = iw0 + kw * s.DilationW;
                            if ((uint)iw >= (uint)wi) continue;
                            acc += wc[kh * s.KernelW + kw] * xc[ih * wi + iw];
                        }
                    }
                }
                yp[oh * wo + ow] = Activate(acc, act, alpha);
            }
        }
    }

    /// <summary>The scalar definition of each fused activation (the vector paths must match it).</summary>
    public static float Activate(float v, FusedActivation act, float alpha) => act switch
    {
        FusedActivation.Relu => v > 0f ? v : 0f,
        FusedActivation.LeakyRelu => v >= 0f ? v : v * alpha,
        FusedActivation.Sigmoid => 1f / (1f + MathF.Exp(-v)),
        FusedActivation.Tanh => MathF.Tanh(v),
        _ => v,
    };
}
