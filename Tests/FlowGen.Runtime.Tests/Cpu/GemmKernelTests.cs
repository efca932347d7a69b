// GemmKernel against a double-precision reference for every transpose combination, sizes around the
// vector widths and register tiles, alpha/beta cases and padded leading dimensions; bitwise identity
// across thread counts.
using FlowGen.Runtime.Cpu;

namespace FlowGen.Runtime.Tests.Cpu;

[Trait("Category", "Kernels")]
public sealed unsafe class GemmKernelTests
{
    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 1, 1 }, { 1, 17, 3 }, { 3, 5, 7 }, { 4, 16, 16 }, { 5, 33, 9 }, { 8, 64, 64 }, { 13, 65, 31 },
        { 64, 256, 64 }, { 17, 129, 100 }, { 2, 300, 513 }, { 37, 47, 0 }, { 70, 15, 130 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MatchesDoubleReference(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                Check(ta, tb, m, n, k, 1f, 0f, pad: 0, seed: m * 31 + n + k);
                Check(ta, tb, m, n, k, 0.5f, 1f, pad: 3, seed: m + n * 7 + k);
                Check(ta, tb, m, n, k, -1.25f, 0.75f, pad: 1, seed: m + n + k * 5);
            }
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        var a = new float[] { 1, 2, 3, 4 };
        var b = new float[] { 1, 0, 0, 1 };
        var c = new float[] { float.NaN, float.NaN, float.NaN, float.NaN };
        fixed (float* pa = a, pb = b, pc = c)
            GemmKernel.Run(false, false, 2, 2, 2, 1f, pa, 2, pb, 2, 0f, pc, 2, WorkerPool.Serial);
        Assert.Equal(a, c);
    }

    [Fact]
    public void BitwiseIdenticalAcrossThreadCounts()
    {
        const int m = 67, n = 131, k = 257;
        var (a, b, c0) = Inputs(false, false, m, n, k, 0, seed: 5);
        int[]? first = null;
        foreach (int threads in new[] { 1, 2, 4 })
        {
            using var pool = new WorkerPool(threads);
            var c = (float[])c0.Clone();
            fixed (float* pa = a, pb = b, pc = c)
                GemmKernel.Run(false, false, m, n, k, 1f, pa, k, pb, n, 0.5f, pc, n, pool);
            var bits = c.Select(BitConverter.SingleToInt32Bits).ToArray();
            if (first is null) first = bits; else Assert.Equal(first, bits);
        }
    }

    [Fact]
    public void RejectsBadLeadingDimensions()
    {
        var buf = new float[64];
        fixed (float* p = buf)
        {
            float* q = p;
            Assert.Throws<ArgumentOutOfRangeException>(() => GemmKernel.Run(false, false, 2, 2, 4, 1, q, 3, q, 2, 0, q, 2, WorkerPool.Serial));
            Assert.Throws<ArgumentOutOfRangeException>(() => GemmKernel.Run(false, true, 2, 2, 4, 1, q, 4, q, 3, 0, q, 2, WorkerPool.Serial));
            Assert.Throws<ArgumentOutOfRangeException>(() => GemmKernel.Run(false, false, 2, 5, 4, 1, q, 4, q, 5, 0, q, 4, WorkerPool.Serial));
        }
    }

    private static (float[] A, float[] B, float[] C) Inputs(bool ta, bool tb, int m, int n, int k, int pad, int seed)
    {
        var rng = new Random(seed);
        float R() => (float)(rng.NextDouble() * 2 - 1);
        var a = new float[Math.Max(1, ta ? k * (m + pad) : m * Math.Max(1, k + pad))];
        var b = new float[Math.Max(1, tb ? n * Math.Max(1, k + pad) : k * (n + pad))];
        var c = new float[m * (n + pad)];
        for (int i = 0; i < a.Length; i++) a[i] = R();
        for (int i = 0; i < b.Length; i++) b[i] = R();
        for (int i = 0; i < c.Length; i++) c[i] = R();
        return (a, b, c);
    }

    private static void Check(bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad, int seed)
    {
        var (a, b, c) = Inputs(ta, tb, m, n, k, pad, seed);
        int lda = Math.Max(1, (ta ? m : k) + pad), ldb = Math.Max(1, (tb ? k : n) + pad), ldc = n + pad;
        var expected = new double[c.Length];
        var scale = new double[c.Length];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0, sc = 0;
                for (int p = 0; p < k; p++)
                {
                    double t = (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                    acc += t; sc += Math.Abs(t);
                }
                double old = beta == 0 ? 0 : c[i * ldc + j];
                expected[i * ldc + j] = alpha * acc + beta * old;
                scale[i * ldc + j] = Math.Abs(alpha) * sc + Math.Abs(beta * old);
            }
        var before = (float[])c.Clone();
        using var pool = new WorkerPool(2);
        fixed (float* pa = a, pb = b, pc = c)
            GemmKernel.Run(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pool);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                int idx = i * ldc + j;
                if (j >= n) { Assert.Equal(before[idx], c[idx]); continue; }  // padding columns untouched
                Assert.True(Math.Abs(c[idx] - expected[idx]) <= 1e-5 * (1 + scale[idx]),
                    $"ta={ta} tb={tb} {m}x{n}x{k} alpha={alpha} beta={beta}: C[{i},{j}] = {c[idx]}, expected {expected[idx]}");
            }
    }
}
