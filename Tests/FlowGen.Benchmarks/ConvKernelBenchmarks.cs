// The convolutions of the reference Glow (per level: 3x3 in, 1x1 hidden, 3x3 out) on Conv2dKernel,
// against the direct convolution in the same run (Baseline), at batch 1 and 64.
// Run: dotnet run -c Release --project Tests/FlowGen.Benchmarks -- --filter '*ConvKernel*'
using BenchmarkDotNet.Attributes;
using FlowGen.Runtime.Cpu;

namespace FlowGen.Benchmarks;

public unsafe class ConvKernelBenchmarks
{
    private Conv2dKernel? _fast;
    private float[] _x = [], _y = [], _w = [], _scratch = [];

    [Params("2>64 3x3 16x16", "64>64 1x1 16x16", "64>4 3x3 16x16", "64>8 3x3 8x8", "64>16 3x3 4x4")]
    public string Conv { get; set; } = "";

    [Params(1, 64)]
    public int Batch { get; set; }

    private Conv2dShape Shape
    {
        get
        {
            var parts = Conv.Split(' ');
            var ch = parts[0].Split('>').Select(int.Parse).ToArray();
            int k = parts[1][0] - '0', hw = int.Parse(parts[2].Split('x')[0]);
            return Conv2dShape.Simple(ch[0], ch[1], hw, hw, k, k / 2);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        var rng = new Random(3);
        _w = Enumerable.Range(0, s.OutChannels * s.InChannels * s.KernelH * s.KernelW).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _x = Enumerable.Range(0, Batch * s.InChannels * s.InHeight * s.InWidth).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _y = new float[Batch * s.OutChannels * s.OutHeight * s.OutWidth];
        _fast = new Conv2dKernel(s, _w, new float[s.OutChannels], FusedActivation.Relu);
        _scratch = new float[Math.Max(1, _fast.ScratchFloats(Batch))];
    }

    [Benchmark(Description = "Conv2dKernel (blocked)")]
    public void Blocked()
    {
        fixed (float* x = _x, y = _y, sc = _scratch) _fast!.Run(x, y, Batch, sc, WorkerPool.Serial);
    }

    [Benchmark(Baseline = true, Description = "direct convolution")]
    public void Direct()
    {
        var s = Shape;
        fixed (float* x = _x, y = _y, w = _w)
            for (int n = 0; n < Batch; n++)
                for (int co = 0; co < s.OutChannels; co++)
                    Conv2dKernelDirect.Plane(s, x, w, null, y, n, co, FusedActivation.Relu, 0.01f);
    }
}
