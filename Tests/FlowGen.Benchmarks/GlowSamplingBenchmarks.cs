// The reference Glow sampling graph (Tests/Fixtures/glow_ref, torch.onnx export, 23.7 MFLOP/sample) on
// FlowGen's CPU runtime and on ONNX Runtime's CPU provider with 2 intra-op threads, side by side at
// batch 1, 16, 64 and 256. ONNX Runtime is the baseline, so BenchmarkDotNet's Ratio column is
// FlowGen's time over ORT's (below 1 = FlowGen faster); "Patches/s" is batch / mean.
// Run: dotnet run -c Release --project Tests/FlowGen.Benchmarks -- --filter '*GlowSampling*'
// (needs FLOWGEN_ORT_LIB pointing at libonnxruntime.so.1 for the baseline).
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FlowGen.Runtime;
using FlowGen.Runtime.OnnxRuntime;

namespace FlowGen.Benchmarks;

[Config(typeof(Config))]
public class GlowSamplingBenchmarks
{
    private FlowModel? _model;
    private OrtSession? _ort;
    private float[] _z = [], _x = [];
    private long[] _shape = [];

    [Params(1, 16, 64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string path = FixturePath("glow_ref_sample.onnx");
        _model = FlowModel.Load(path, new FlowModelOptions { MaxBatch = Batch, Threads = Environment.ProcessorCount });
        if (!OrtSession.IsAvailable) throw new InvalidOperationException($"ONNX Runtime baseline unavailable: {OrtSession.UnavailableReason}");
        _ort = new OrtSession(path, new OrtSessionSettings { IntraOpThreads = 2 });
        var rng = new Random(1234);
        _z = new float[Batch * 1024];
        for (int i = 0; i < _z.Length; i++) _z[i] = (float)(rng.NextDouble() * 2 - 1);
        _x = new float[Batch * 1024];
        _shape = [Batch, 1024];
    }

    [Benchmark(Description = "FlowGen CPU")]
    public void FlowGen() => _model!.Run(_z, _x, Batch);

    [Benchmark(Baseline = true, Description = "ONNX Runtime CPU (2 threads)")]
    public void OnnxRuntime() => _ort!.Run("z", _z, _shape, "x", _x);

    [GlobalCleanup]
    public void Cleanup()
    {
        _model?.Dispose();
        _ort?.Dispose();
    }

    private static string FixturePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Tests", "Fixtures", "glow_ref", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"Tests/Fixtures/glow_ref/{name} not found above {AppContext.BaseDirectory}");
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new PatchesPerSecondColumn());
            AddColumn(StatisticColumn.Median);
        }
    }

    // Batch / mean time per call.
    private sealed class PatchesPerSecondColumn : IColumn
    {
        public string Id => nameof(PatchesPerSecondColumn);
        public string ColumnName => "Patches/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "patches per second (batch / mean)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            int batch = (int)benchmarkCase.Parameters["Batch"];
            return (batch / (stats.Mean * 1e-9)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
