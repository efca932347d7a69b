// The ONNX project's own node tests (Debian libonnx-testdata) for every operator FlowGen supports: each
// case's model runs on each of its test_data_set_* inputs and must match output_*.pb within ONNX's
// tolerance (rtol 1e-3, atol 1e-5). Cases outside the supported subset are skipped with the reason, and
// the summary test prints what ran and what was skipped. Int64 inputs (shapes, axes, indices) are bound
// as load-time constants, as FlowGen requires of shape-determining inputs.
using FlowGen.Runtime.Graph;
using FlowGen.Runtime.Onnx;
using FlowGen.Runtime.Onnx.Proto;
using Xunit.Abstractions;

namespace FlowGen.Runtime.Tests.Onnx;

public class OnnxNodeConformanceTests(ITestOutputHelper output)
{
    public const string Root = "/usr/share/libonnx-testdata/data/node";

    private static readonly Lazy<List<(string Case, string? Skip)>> Cases = new(Classify);

    /// <summary>
    /// Operators whose float32 semantics did not change between the given opset and 17 (later versions only added
    /// types), per the ONNX operator changelog. Node tests written at such an older opset are run with the model's
    /// opset import restamped to 13, since libonnx-testdata 1.12 has e.g. Conv cases only at opset 11.
    /// </summary>
    private static readonly Dictionary<string, int> UnchangedSince = new()
    {
        ["Conv"] = 11, ["ConstantOfShape"] = 9, ["Softplus"] = 1, ["DepthToSpace"] = 11, ["Pow"] = 12,
    };

    public static IEnumerable<object[]> Runnable()
    {
        var run = Cases.Value.Where(c => c.Skip is null).Select(c => new object[] { c.Case }).ToList();
        return run.Count > 0 ? run : [["(libonnx-testdata absent)"]];
    }

    /// <summary>ONNX operators whose compiled steps the Vulkan backend runs (VulkanExecutor.Supported, plus the views and
    /// constants that compile to no step).</summary>
    private static readonly HashSet<string> VulkanOps =
    [
        "Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Sqrt", "Exp", "Log", "Neg", "Abs", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "Clip",
        "Conv", "Transpose", "DepthToSpace", "SpaceToDepth", "Slice", "Expand", "Concat", "ReduceSum", "ReduceMean",
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Constant",
    ];

    /// <summary>The runnable cases made of operators the Vulkan backend has, with float32 data (int64 inputs are bound as constants).</summary>
    public static IEnumerable<object[]> VulkanRunnable()
    {
        var run = Cases.Value.Where(c => c.Skip is null && OnVulkan(c.Case)).Select(c => new object[] { c.Case }).ToList();
        return run.Count > 0 ? run : [["(libonnx-testdata absent)"]];
    }

    private static bool OnVulkan(string name)
    {
        var m = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Root, name, "model.onnx")));
        return m.Graph.Node.All(n => VulkanOps.Contains(n.OpType))
            && m.Graph.Output.All(o => o.Type?.TensorType?.ElemType == (int)TensorProto.Types.DataType.Float)
            && m.Graph.Input.All(i => i.Type?.TensorType?.ElemType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Int64);
    }

    [ConformanceTheory]
    [MemberData(nameof(Runnable))]
    public void NodeTestMatchesReference(string name) => RunCase(name, FlowBackend.Cpu);

    /// <summary>The same cases on the Vulkan compute backend, where the machine has a Vulkan device (lavapipe in CI).</summary>
    [VulkanConformanceTheory]
    [MemberData(nameof(VulkanRunnable))]
    public void NodeTestMatchesReferenceOnVulkan(string name) => RunCase(name, FlowBackend.Vulkan);

    private static void RunCase(string name, FlowBackend backend)
    {
        string dir = Path.Combine(Root, name);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "model.onnx")));
        foreach (var imp in proto.OpsetImport)
            if (imp.Domain is "" or "ai.onnx" && imp.Version < OnnxReader.MinOpset) imp.Version = OnnxReader.MinOpset; // see UnchangedSince
        var modelBytes = Google.Protobuf.MessageExtensions.ToByteArray(proto);
        int sets = 0;
        // Conv weights and Clip bounds must be constants in FlowGen: the test feeds them as inputs, so bind them.
        var weights = proto.Graph.Node.Where(n => n.OpType is "Conv" or "Clip").SelectMany(n => n.Input.Skip(1)).ToHashSet();
        foreach (var set in Directory.GetDirectories(dir, "test_data_set_*").Order())
        {
            var inputs = proto.Graph.Input.Select((vi, i) => (vi.Name, T: Read(Path.Combine(set, $"input_{i}.pb")))).ToList();
            var constants = inputs.Where(i => i.T.Type == ElementType.Int64 || weights.Contains(i.Name)).ToDictionary(i => i.Name, i => i.T);
            int batch = inputs.Where(i => i.T.Type != ElementType.Int64).Select(i => i.T.Shape.Length > 0 ? (int)i.T.Shape[0] : 1).DefaultIfEmpty(1).Max();
            using var model = FlowModel.Load(modelBytes, new FlowModelOptions { MaxBatch = Math.Max(1, batch), Threads = 2, Backend = backend }, dir, constants);
            var feeds = inputs.Where(i => !constants.ContainsKey(i.Name)).ToDictionary(i => i.Name, i => ToData(i.T));
            var results = model.Run(feeds);
            for (int o = 0; o < proto.Graph.Output.Count; o++)
            {
                var expected = Read(Path.Combine(set, $"output_{o}.pb"));
                var actual = results[proto.Graph.Output[o].Name];
                Assert.Equal(expected.Shape.Select(d => (int)d), actual.Shape);
                Compare(expected, actual, $"{name}/{Path.GetFileName(set)} output {o}");
            }
            sets++;
        }
        Assert.True(sets > 0, "no test data sets");
    }

    [ConformanceFact]
    public void Summary()
    {
        var all = Cases.Value;
        int ran = all.Count(c => c.Skip is null);
        output.WriteLine($"ONNX node tests for FlowGen's operators: {ran} ran, {all.Count - ran} skipped");
        foreach (var g in all.Where(c => c.Skip is not null).GroupBy(c => c.Skip))
            output.WriteLine($"  skipped {g.Count()}: {g.Key}: {string.Join(", ", g.Select(c => c.Case))}");
        Assert.True(ran >= 150, $"only {ran} conformance cases ran");
        int vulkan = all.Count(c => c.Skip is null && OnVulkan(c.Case));
        output.WriteLine($"of those, {vulkan} are made of operators the Vulkan backend runs and run on it too");
        Assert.True(vulkan >= 60, $"only {vulkan} conformance cases run on the Vulkan backend");
    }

    private static void Compare(ConstTensor expected, TensorData actual, string what)
    {
        switch (expected.Type)
        {
            case ElementType.Float32:
                var e = expected.Floats;
                var a = actual.Floats;
                for (int i = 0; i < e.Length; i++)
                {
                    if (float.IsNaN(e[i])) { Assert.True(float.IsNaN(a[i]), $"{what}[{i}]: expected NaN, got {a[i]}"); continue; }
                    if (float.IsInfinity(e[i])) { Assert.True(e[i] == a[i], $"{what}[{i}]: expected {e[i]}, got {a[i]}"); continue; }
                    Assert.True(Math.Abs(a[i] - e[i]) <= 1e-5 + 1e-3 * Math.Abs(e[i]), $"{what}[{i}]: expected {e[i]}, got {a[i]}");
                }
                break;
            case ElementType.Int64:
                Assert.Equal(expected.Longs.ToArray(), actual.Longs);
                break;
            default:
                Assert.Equal(expected.Data.Select(b => b != 0).ToArray(), (bool[])actual.Data);
                break;
        }
    }

    private static ConstTensor Read(string path) => TensorProtoDecoder.Decode(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)), path, null);

    private static TensorData ToData(ConstTensor t)
    {
        var shape = t.Shape.Select(d => (int)d).ToArray();
        return t.Type switch
        {
            ElementType.Float32 => TensorData.FromFloats(shape, t.Floats.ToArray()),
            ElementType.Int64 => TensorData.FromLongs(shape, t.Longs.ToArray()),
            _ => TensorData.FromBools(shape, t.Data.Select(b => b != 0).ToArray()),
        };
    }

    /// <summary>Every node test whose operators FlowGen supports, with a skip reason for those outside the supported subset.</summary>
    private static List<(string, string?)> Classify()
    {
        var result = new List<(string, string?)>();
        if (!Directory.Exists(Root)) return result;
        foreach (var dir in Directory.GetDirectories(Root, "test_*").Order())
        {
            ModelProto m;
            try { m = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "model.onnx"))); }
            catch (Exception) { continue; }
            if (m.Graph.Node.Count == 0 || !m.Graph.Node.All(n => OpRules.IsSupported(n.OpType) && n.Domain is "" or "ai.onnx")) continue;
            result.Add((Path.GetFileName(dir), SkipReason(dir, m)));
        }
        return result;
    }

    private static string? SkipReason(string dir, ModelProto m)
    {
        long opset = m.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        bool restampable = opset < OnnxReader.MinOpset && m.Graph.Node.All(n => UnchangedSince.TryGetValue(n.OpType, out var v) && v <= opset);
        if (opset is < OnnxReader.MinOpset or > OnnxReader.MaxOpset && !restampable) return $"opset {opset} (FlowGen runs 13-17)";
        foreach (var vi in m.Graph.Input.Concat(m.Graph.Output))
        {
            var t = (TensorProto.Types.DataType)(vi.Type?.TensorType?.ElemType ?? 0);
            if (t is not (TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Bool))
                return $"element type {t} (FlowGen runs float32, int64 and bool)";
        }
        var ops = m.Graph.Node.Select(n => n.OpType).ToHashSet();
        var inputs = m.Graph.Input.ToDictionary(i => i.Name);
        foreach (var n in m.Graph.Node)
        {
            if (n.OpType == "Pow" && n.Input.Any(i => inputs.TryGetValue(i, out var vi) && vi.Type.TensorType.ElemType == (int)TensorProto.Types.DataType.Int64))
                return "Pow with int64 operands (FlowGen's Pow is float32)";
            if (n.OpType == "Conv" && inputs.TryGetValue(n.Input[0], out var x) && x.Type.TensorType.Shape.Dim.Count != 4)
                return "Conv other than 2-D";
        }
        if (ops.Contains("Cast") && m.Graph.Node.Any(n => n.OpType == "Cast" && n.Attribute.Any(a => a.Name == "to" && a.I is not (1 or 7 or 9))))
            return "Cast to a type other than float32, int64, bool";
        return null;
    }
}

/// <summary>A theory skipped, with the reason, when libonnx-testdata is not installed.</summary>
public sealed class ConformanceTheoryAttribute : TheoryAttribute
{
    public ConformanceTheoryAttribute()
    {
        if (!Directory.Exists(OnnxNodeConformanceTests.Root)) Skip = $"libonnx-testdata is not installed ({OnnxNodeConformanceTests.Root} missing)";
    }
}

/// <summary>A theory skipped, with the reason, when libonnx-testdata is not installed or there is no Vulkan device.</summary>
public sealed class VulkanConformanceTheoryAttribute : TheoryAttribute
{
    public VulkanConformanceTheoryAttribute()
    {
        if (!Directory.Exists(OnnxNodeConformanceTests.Root)) Skip = $"libonnx-testdata is not installed ({OnnxNodeConformanceTests.Root} missing)";
        else if (FlowGen.Runtime.Vulkan.VulkanDeviceProbe.Missing() is { } reason) Skip = reason;
    }
}

/// <summary>A fact skipped, with the reason, when libonnx-testdata is not installed.</summary>
public sealed class ConformanceFactAttribute : FactAttribute
{
    public ConformanceFactAttribute()
    {
        if (!Directory.Exists(OnnxNodeConformanceTests.Root)) Skip = $"libonnx-testdata is not installed ({OnnxNodeConformanceTests.Root} missing)";
    }
}
