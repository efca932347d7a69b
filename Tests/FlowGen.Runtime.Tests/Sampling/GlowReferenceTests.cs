// The torch.onnx export of the trained reference Glow (Tests/Fixtures/glow_ref): FlowGen must reproduce
// PyTorch's x for the reference latents, at every batch size and thread count, bit-identically between them.
using System.Runtime.InteropServices;
using System.Text;

namespace FlowGen.Runtime.Tests.Sampling;

public class GlowReferenceTests
{
    internal static string Fixture(string name)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "Tests", "Fixtures"))) dir = Path.GetDirectoryName(dir);
        return Path.Combine(dir ?? throw new DirectoryNotFoundException("Tests/Fixtures not found above the test binaries"), "Tests", "Fixtures", "glow_ref", name);
    }

    /// <summary>Reads a little-endian float32 C-order .npy (the fixture's format): returns shape and data.</summary>
    internal static (int[] Shape, float[] Data) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLen = bytes[8] | bytes[9] << 8;
        var header = Encoding.ASCII.GetString(bytes, 10, headerLen);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'fortran_order': False", header);
        int open = header.IndexOf('(', header.IndexOf("'shape'")), close = header.IndexOf(')', open);
        var shape = header[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(10 + headerLen)).ToArray();
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), data.Length);
        return (shape, data);
    }

    [Fact]
    public void ReproducesPyTorchOutputs()
    {
        var (zShape, z) = ReadNpy(Fixture("z_ref_16x1024.npy"));
        var (xShape, xRef) = ReadNpy(Fixture("x_ref_16x1x32x32.npy"));
        Assert.Equal([16, 1024], zShape);
        Assert.Equal([16, 1, 32, 32], xShape);
        using var m = FlowModel.Load(Fixture("glow_ref_sample.onnx"), new FlowModelOptions { MaxBatch = 16, Threads = 2 });
        Assert.True(m.CanSample);
        Assert.Equal([1, 32, 32], m.SampleShape);
        Assert.Equal("heightmap", m.Metadata.Kind);
        var x = new float[16 * 1024];
        m.Run(z, x, 16);
        double maxErr = 0;
        for (int i = 0; i < x.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(x[i] - xRef[i]));
        Assert.True(maxErr < 1e-4, $"max |x - x_ref| = {maxErr}");
    }

    [Fact]
    public void BitIdenticalAcrossBatchSizesAndThreads()
    {
        var (_, z) = ReadNpy(Fixture("z_ref_16x1024.npy"));
        float[] RunAll(int maxBatch, int threads)
        {
            using var m = FlowModel.Load(Fixture("glow_ref_sample.onnx"), new FlowModelOptions { MaxBatch = maxBatch, Threads = threads });
            var x = new float[16 * 1024];
            for (int s = 0; s < 16; s += maxBatch)
            {
                int n = Math.Min(maxBatch, 16 - s);
                m.Run(z.AsSpan(s * 1024, n * 1024), x.AsSpan(s * 1024, n * 1024), n);
            }
            return x;
        }
        var reference = RunAll(16, 1);
        foreach (var (mb, th) in new[] { (16, 2), (16, 3), (1, 2), (5, 2) })
            Assert.True(reference.AsSpan().SequenceEqual(RunAll(mb, th)), $"maxBatch {mb}, threads {th} differs");
    }

    [Fact]
    public void BatchParallelSamplingMatchesOneThreadBitForBit()
    {
        // Sample splits a call over per-thread lanes (whole samples per thread, chunks of up to 8); any count,
        // uneven splits and counts below the thread count (intra-operator path) give the one-thread bits.
        float[] Draw(int threads, int maxBatch, int count)
        {
            using var m = FlowModel.Load(Fixture("glow_ref_sample.onnx"), new FlowModelOptions { MaxBatch = maxBatch, Threads = threads });
            var x = new float[count * 1024];
            for (int s = 0; s < count; s += maxBatch)
                m.Sample(x.AsSpan(s * 1024), seed: 9, firstIndex: 100 + s, Math.Min(maxBatch, count - s), temperature: 0.8f);
            return x;
        }
        var reference = Draw(1, 64, 37);
        foreach (var (threads, maxBatch) in new[] { (2, 64), (3, 64), (4, 7), (3, 2), (8, 37) })
            Assert.True(reference.AsSpan().SequenceEqual(Draw(threads, maxBatch, 37)), $"threads {threads}, maxBatch {maxBatch} differs");
    }
}
