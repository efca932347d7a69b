// OrtSession against the real ONNX Runtime library (FLOWGEN_ORT_LIB; run-tests.sh points it at the npm
// onnxruntime-node build): the torch-exported reference Glow must reproduce PyTorch's outputs, and bad
// models, inputs and providers must give typed errors. Skips, naming the reason, without the library.
using FlowGen.Runtime.Formats;
using FlowGen.Runtime.OnnxRuntime;

namespace FlowGen.Runtime.Tests.OnnxRuntime;

/// <summary>A fact that is skipped when no ONNX Runtime library can be loaded.</summary>
public sealed class OrtFactAttribute : FactAttribute
{
    public OrtFactAttribute()
    {
        if (!OrtSession.IsAvailable) Skip = $"ONNX Runtime absent: {OrtSession.UnavailableReason}";
    }
}

public sealed class OrtSessionTests
{
    private static string Fixture(string name) => Path.Combine(RepoRoot(), "Tests", "Fixtures", "glow_ref", name);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowGen.sln not found above " + AppContext.BaseDirectory);
    }

    private static OrtTensor Latents()
    {
        var z = NpyCodec.Read(Fixture("z_ref_16x1024.npy"));
        return new OrtTensor(z.Shape.Select(d => (long)d).ToArray(), z.AsSpan<float>().ToArray());
    }

    [OrtFact]
    public void LoadsTheLibraryAndListsTheCpuProvider()
    {
        Assert.StartsWith("1.", OrtSession.Version);
        Assert.Contains("CPUExecutionProvider", OrtSession.AvailableProviders);
    }

    [OrtFact]
    public void ReproducesPyTorchOnTheReferenceGlow()
    {
        using var session = new OrtSession(Fixture("glow_ref_sample.onnx"), new OrtSessionSettings { IntraOpThreads = 2 });
        Assert.Equal(["z"], session.InputNames);
        Assert.Equal(["x"], session.OutputNames);
        var x = session.Run(new Dictionary<string, OrtTensor> { ["z"] = Latents() })["x"];
        Assert.Equal([16L, 1, 32, 32], x.Shape);
        var expected = NpyCodec.Read(Fixture("x_ref_16x1x32x32.npy")).AsSpan<float>().ToArray();
        double maxErr = 0;
        for (int i = 0; i < expected.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(x.Data[i] - expected[i]) / (1 + Math.Abs(expected[i])));
        Assert.True(maxErr < 1e-4, $"max relative error vs PyTorch {maxErr}");
    }

    [OrtFact]
    public void SpanRunMatchesDictionaryRunAndThreadCountsAgree()
    {
        var z = Latents();
        using var one = new OrtSession(Fixture("glow_ref_sample.onnx"), new OrtSessionSettings { IntraOpThreads = 1 });
        using var two = new OrtSession(File.ReadAllBytes(Fixture("glow_ref_sample.onnx")), new OrtSessionSettings { IntraOpThreads = 2 });
        var viaDict = one.Run(new Dictionary<string, OrtTensor> { ["z"] = z })["x"].Data;
        var viaSpan = new float[viaDict.Length + 5];
        var shape = one.Run("z", z.Data, z.Shape, "x", viaSpan);
        Assert.Equal([16L, 1, 32, 32], shape);
        Assert.Equal(viaDict, viaSpan.AsSpan(0, viaDict.Length).ToArray());
        var other = new float[viaDict.Length];
        two.Run("z", z.Data, z.Shape, "x", other);
        for (int i = 0; i < other.Length; i++) Assert.True(Math.Abs(other[i] - viaDict[i]) <= 1e-4 * (1 + Math.Abs(viaDict[i])));
    }

    [OrtFact]
    public void CorruptModelGivesTypedErrorNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flowgen-ort-corrupt-{Environment.ProcessId}.onnx");
        var bytes = File.ReadAllBytes(Fixture("glow_ref_sample.onnx"));
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 3).ToArray());
        try
        {
            var e = Assert.ThrowsAny<OrtException>(() => new OrtSession(path));
            Assert.Contains(path, e.Message);
            Assert.NotEqual(OrtErrorCode.Ok, e.Code);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.ThrowsAny<OrtException>(() => new OrtSession("not a model"u8));
    }

    [OrtFact]
    public void BadInputsGiveTypedErrors()
    {
        using var session = new OrtSession(Fixture("glow_ref_sample.onnx"));
        var output = new float[1024];
        // Wrong element count for the declared shape: caught before ORT.
        Assert.Throws<FlowGenException>(() => session.Run("z", new float[1000], [1, 1024], "x", output));
        // Unknown names.
        Assert.Throws<FlowGenException>(() => session.Run("latent", new float[1024], [1, 1024], "x", output));
        Assert.Throws<FlowGenException>(() => session.Run("z", new float[1024], [1, 1024], "y", output));
        // A shape the graph cannot take: ORT's own error, typed.
        Assert.ThrowsAny<OrtException>(() => session.Run("z", new float[1000], [1, 1000], "x", output));
        // Destination too small.
        Assert.Throws<ArgumentException>(() => session.Run("z", new float[1024], [1, 1024], "x", new float[10]));
    }

    [OrtFact]
    public void GpuProvidersAttachOrFailTyped()
    {
        foreach (var provider in new[] { OrtProvider.Cuda, OrtProvider.DirectML })
        {
            try
            {
                using var session = new OrtSession(Fixture("glow_ref_sample.onnx"), new OrtSessionSettings { Provider = provider });
                Assert.Equal(["x"], session.OutputNames);
            }
            catch (OrtException e)
            {
                Assert.NotEqual(OrtErrorCode.Ok, e.Code);
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }
    }
}
