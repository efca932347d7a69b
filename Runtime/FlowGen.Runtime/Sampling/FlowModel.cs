// The public entry point for engine code: load an ONNX flow once, then draw seeded samples (or run the
// graph on arbitrary inputs). One compiled plan per (model, MaxBatch) and one arena, reused by every call.
//
// Parallelism: Run uses intra-operator parallelism (every kernel split over the worker pool). Sample with at
// least as many samples as threads splits the batch instead: each thread runs whole samples through its own
// arena (lanes), with no synchronisation between kernels; results are bitwise the same either way, because
// every kernel's result for a sample is independent of the batch it is in (tests hold it).
//
// Sampling contract: input z [N, ...], output x [N, ...] of the same per-sample size; a conditional model has a
// second float32 input, context [N, ...], whose rows the caller passes per sample (each lane copies in the rows of
// its own samples), so sample i with context c_i is the same whichever call, batch or thread count produced it.
//
// Thread safety: every member may be called from any thread. Sample and Run on one instance are
// serialised by an internal lock (they share the arena); for parallel throughput use one FlowModel per
// thread, or a larger MaxBatch. Dispose must not race with a call in flight.
using System.Runtime.InteropServices;
using FlowGen.Runtime.Cpu;
using FlowGen.Runtime.Graph;
using FlowGen.Runtime.Onnx;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Runtime;

/// <summary>A loaded normalizing-flow model (any supported ONNX graph) with seeded sampling.</summary>
public sealed class FlowModel : IDisposable
{
    // Samples per lane run: 4 to 8 keep a Glow's activations in cache (measured with flowgen bench: batch 256 went
    // from 2.7k to 4.3k patches/s against 32-sample chunks' 3.8k on 2 threads).
    internal const int LaneChunk = 8;
    private readonly object _gate = new();
    private readonly IPlanExecutor _executor;
    private readonly float[] _latents;      // staging for z, MaxBatch samples, allocated once
    private readonly LaneJob? _lanes;       // batch-parallel sampling: one serial executor per thread
    private readonly WorkerPool? _lanePool;
    private readonly int _zIndex = -1, _xIndex = -1, _contextIndex = -1;
    private readonly VulkanContext? _vulkan;  // the instance and device of the Vulkan backend
    private float[] _levelScale = [];        // per-latent factors of SetLevelTemperatures; empty = none
    private bool _disposed;

    // `read` parses the model; it is called again for the lanes' plan (compilation rewrites the graph it is given).
    private FlowModel(Func<ModelGraph> read, FlowModelOptions options, IReadOnlyDictionary<string, ConstTensor>? constantInputs = null)
    {
        var graph = read();
        if (options.MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxBatch must be at least 1");
        if (options.Threads < 0) throw new ArgumentOutOfRangeException(nameof(options), "Threads must be 0 (all) or positive");
        Source = graph.Source;
        Metadata = new ModelMetadata(graph.Metadata, graph.Source);
        var plan = GraphCompiler.Compile(graph, options.MaxBatch, options.MaxMemoryBytes, constantInputs);
        Inputs = plan.Inputs.Select(Info).ToArray();
        Outputs = plan.Outputs.Select(Info).ToArray();
        MaxBatch = options.MaxBatch;
        OperatorCounts = plan.SourceOpCounts;
        Plan = plan;
        (_zIndex, _xIndex, _contextIndex, SampleShape, ContextShape, NotSamplingReason) = FindSamplingContract(plan, Metadata);
        SampleLength = _zIndex < 0 ? 0 : SampleShape.Aggregate(1, (a, d) => checked(a * d));
        ContextLength = _contextIndex < 0 ? 0 : ContextShape.Aggregate(1, (a, d) => checked(a * d));
        _latents = _zIndex >= 0 ? new float[checked(MaxBatch * SampleLength)] : [];
        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        Backend = options.Backend;
        if (options.Backend == FlowBackend.Vulkan)
        {
            _vulkan = VulkanContext.Create(graph.Source);
            try { _executor = new VulkanExecutor(plan, _vulkan.Device, options.ForceStagedArena); }
            catch { _vulkan.Dispose(); throw; }
            return;  // one device queue: no CPU lanes
        }
        if (options.Backend != FlowBackend.Cpu) throw new ArgumentOutOfRangeException(nameof(options), options.Backend, "unknown backend");
        _executor = threads == 1 ? new CpuExecutor(plan, WorkerPool.Serial) : new CpuExecutor(plan, new WorkerPool(threads), ownsPool: true);
        int lanes = Math.Min(threads, MaxBatch);
        if (_zIndex >= 0 && lanes > 1)
        {
            // Lanes work in chunks of at most LaneChunk samples: activations of a few samples stay in cache.
            int laneBatch = Math.Min(LaneChunk, (MaxBatch + lanes - 1) / lanes);
            var lanePlan = GraphCompiler.Compile(read(), laneBatch, options.MaxMemoryBytes, constantInputs);
            var executors = new CpuExecutor[lanes];
            for (int i = 0; i < lanes; i++) executors[i] = new CpuExecutor(lanePlan, WorkerPool.Serial);
            _lanes = new LaneJob(executors, _zIndex, _xIndex, _contextIndex, SampleLength, ContextLength, laneBatch, (float)Metadata.Scale, (float)Metadata.Offset);
            _lanePool = new WorkerPool(lanes);
        }
    }

    /// <summary>Loads and compiles a model file. Throws <see cref="OnnxModelException"/> for files FlowGen refuses.</summary>
    public static FlowModel Load(string path, FlowModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new FlowModel(() => OnnxReader.ReadFile(path), options ?? new FlowModelOptions());
    }

    /// <summary>Loads a model from bytes; <paramref name="sourceName"/> names it in errors.</summary>
    public static FlowModel Load(ReadOnlySpan<byte> bytes, FlowModelOptions? options = null, string sourceName = "<model bytes>")
    {
        var copy = bytes.ToArray();
        return new(() => OnnxReader.Read(copy, sourceName), options ?? new FlowModelOptions());
    }

    internal static FlowModel Load(ReadOnlySpan<byte> bytes, FlowModelOptions options, string sourceName, IReadOnlyDictionary<string, ConstTensor> constantInputs)
    {
        var copy = bytes.ToArray();
        return new(() => OnnxReader.Read(copy, sourceName), options, constantInputs);
    }

    /// <summary>Where the graph runs (<see cref="FlowModelOptions.Backend"/>).</summary>
    public FlowBackend Backend { get; }

    /// <summary>The Vulkan device the graph runs on, null on the CPU backend.</summary>
    public string? DeviceName => _vulkan?.Device.Name;

    /// <summary>The validation layer's log of the Vulkan backend (FLOWGEN_VULKAN_VALIDATION=1), else null.</summary>
    internal ValidationLog? VulkanValidationLog => _vulkan?.Instance.Validation;

    /// <summary>The file the model came from (or the name given for bytes).</summary>
    public string Source { get; }

    public ModelMetadata Metadata { get; }
    public IReadOnlyList<ModelTensorInfo> Inputs { get; }
    public IReadOnlyList<ModelTensorInfo> Outputs { get; }
    public int MaxBatch { get; }

    /// <summary>Operator counts in the file (before folding and fusion).</summary>
    public IReadOnlyDictionary<string, int> OperatorCounts { get; }

    /// <summary>Shape of one sample (C, H, W for FlowGen models), empty when the graph is not a sampling graph.</summary>
    public IReadOnlyList<int> SampleShape { get; }

    /// <summary>Floats per sample (product of <see cref="SampleShape"/>).</summary>
    public int SampleLength { get; }

    /// <summary>True when the graph follows the sampling contract (input z, output x, same size per sample, and
    /// optionally an input context).</summary>
    public bool CanSample => _zIndex >= 0;

    /// <summary>True when the sampling graph has a <c>context</c> input: sample with the overloads that take one.</summary>
    public bool IsConditional => _contextIndex >= 0;

    /// <summary>Shape of one sample's context (Cc, H, W for FlowGen models), empty when the model is not conditional.
    /// What it holds is <see cref="ModelMetadata.Context"/>.</summary>
    public IReadOnlyList<int> ContextShape { get; }

    /// <summary>Context floats per sample (product of <see cref="ContextShape"/>), 0 when the model is not conditional.</summary>
    public int ContextLength { get; }

    internal ExecutionPlan Plan { get; }
    private string? NotSamplingReason { get; }

    /// <summary>
    /// Writes samples <paramref name="firstIndex"/> .. firstIndex+count-1 into <paramref name="dest"/> (count × SampleLength
    /// floats). Latents come from <see cref="LatentGenerator"/> keyed by (seed, sample index), scaled by temperature; sample i
    /// is the same whichever call or batch produced it. Allocates nothing.
    /// </summary>
    public void Sample(Span<float> dest, ulong seed, long firstIndex, int count, float temperature, SampleUnits units = SampleUnits.Model)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Sample(dest, seed, SampleIndices.Run(firstIndex, count), temperature, units);
    }

    /// <summary>
    /// Writes the samples of <paramref name="grid"/> (several runs of consecutive indices, e.g. a world's lattice rows) into
    /// <paramref name="dest"/> in one batched call, split evenly over the threads. Sample i is the same as from
    /// <see cref="Sample(Span{float}, ulong, long, int, float, SampleUnits)"/>. Allocates nothing.
    /// </summary>
    public void Sample(Span<float> dest, ulong seed, SampleIndices grid, float temperature, SampleUnits units = SampleUnits.Model) =>
        SampleChecked(dest, seed, grid, temperature, default, conditional: false, units);

    /// <summary>
    /// <see cref="Sample(Span{float}, ulong, long, int, float, SampleUnits)"/> for a conditional model
    /// (<see cref="IsConditional"/>): <paramref name="context"/> holds count × <see cref="ContextLength"/> floats in model
    /// units, sample k's at k·ContextLength. Sample i with a given context is the same whichever call produced it.
    /// </summary>
    public void Sample(Span<float> dest, ulong seed, long firstIndex, int count, float temperature, ReadOnlySpan<float> context, SampleUnits units = SampleUnits.Model)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Sample(dest, seed, SampleIndices.Run(firstIndex, count), temperature, context, units);
    }

    /// <summary>
    /// <see cref="Sample(Span{float}, ulong, SampleIndices, float, SampleUnits)"/> for a conditional model: the k-th sample
    /// written (grid order) takes the context at k·<see cref="ContextLength"/> of <paramref name="context"/>
    /// (grid.Count × ContextLength floats, model units). Allocates nothing.
    /// </summary>
    public void Sample(Span<float> dest, ulong seed, SampleIndices grid, float temperature, ReadOnlySpan<float> context, SampleUnits units = SampleUnits.Model) =>
        SampleChecked(dest, seed, grid, temperature, context, conditional: true, units);

    private void SampleChecked(Span<float> dest, ulong seed, SampleIndices grid, float temperature, ReadOnlySpan<float> context, bool conditional, SampleUnits units)
    {
        if (!CanSample) throw new FlowGenException($"not a sampling graph: {NotSamplingReason}", Source);
        if (conditional != IsConditional)
            throw new FlowGenException(IsConditional
                ? $"the model is conditional (input 'context' [{string.Join(",", ContextShape)}] per sample): call the Sample/SamplePlausible overload that takes the context"
                : "the model takes no context: call the Sample/SamplePlausible overload without one", Source);
        grid.Validate();
        if (!float.IsFinite(temperature) || temperature < 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be finite and non-negative");
        int count = grid.Count;
        if ((long)count * SampleLength > dest.Length) throw new ArgumentException($"destination holds {dest.Length} floats, {count} samples need {(long)count * SampleLength}", nameof(dest));
        if ((long)count * ContextLength > context.Length)
            throw new ArgumentException($"{Source}: context holds {context.Length} floats, {count} samples need {(long)count * ContextLength}", nameof(context));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            SampleCore(dest, seed, grid, temperature, context, units);
        }
    }

    /// <summary>The latent level temperatures set by <see cref="SetLevelTemperatures"/> (finest level first); empty when none are set.</summary>
    public IReadOnlyList<float> LevelTemperatures { get; private set; } = [];

    /// <summary>
    /// Draws each latent level z_l (finest first, <see cref="ModelMetadata.LatentLevelLengths"/>) at its own temperature from
    /// now on: z = temperature × N(0, 1) × <paramref name="temperatures"/>[l], as `flowgen export --level-temperatures`
    /// would bake into the graph (on top of any the graph already has). A lower finest level gives smoother detail, higher
    /// coarse levels more relief. Empty resets to one temperature for all. Every sampling call after it uses the new
    /// factors, so set them before handing the model to a world or streamer (whose caches hold what they have drawn).
    /// Throws <see cref="FlowGenException"/> when the model records no multi-scale layout matching its latent, and
    /// <see cref="ArgumentException"/> for the wrong count or a value that is not finite and positive.
    /// </summary>
    public void SetLevelTemperatures(ReadOnlySpan<float> temperatures)
    {
        if (!CanSample) throw new FlowGenException($"not a sampling graph: {NotSamplingReason}", Source);
        var scale = Array.Empty<float>();
        if (!temperatures.IsEmpty)
        {
            var lengths = Metadata.LatentLevelLengths
                ?? throw new FlowGenException("level temperatures need the model's latent layout (metadata flowgen.arch.config), which this model does not record", Source);
            if (lengths.Sum() != SampleLength)
                throw new FlowGenException($"metadata flowgen.arch.config describes {lengths.Sum()} latents, the graph takes {SampleLength}", Source);
            if (temperatures.Length != lengths.Count)
                throw new ArgumentException($"{Source}: the flow has {lengths.Count} latent levels, so it takes {lengths.Count} level temperatures (finest first), not {temperatures.Length}");
            scale = new float[SampleLength];
            for (int l = 0, at = 0; l < lengths.Count; at += lengths[l], l++)
            {
                if (!float.IsFinite(temperatures[l]) || temperatures[l] <= 0)
                    throw new ArgumentException($"{Source}: level temperatures must be finite and positive, not {temperatures[l]}");
                scale.AsSpan(at, lengths[l]).Fill(temperatures[l]);
            }
        }
        var copy = temperatures.ToArray();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _levelScale = scale;
            LevelTemperatures = copy;
        }
    }

    /// <summary>A sample whose relief exceeds this multiple of the training data's largest (<see cref="ModelMetadata.MaxRelief"/>) is implausible.</summary>
    public const double ImplausibleReliefFactor = 2.0;

    /// <summary>
    /// <see cref="Sample(Span{float}, ulong, long, int, float, SampleUnits)"/>, then every implausible sample — non-finite, or
    /// with more than <see cref="ImplausibleReliefFactor"/> times the training data's largest relief (when the model records
    /// <c>flowgen.sample.max_relief</c>) — is drawn again with the same seed and index at half the temperature, halving until
    /// it is plausible (at worst temperature 0, the mode; a sample implausible even there, as a detail model's can be given a
    /// context far outside its training data, becomes the data's mean: a flat patch, or no residual). A flow's inverse can blow up on rare latents; this keeps such
    /// samples out of worlds and asset batches while staying deterministic: sample i is still the same whichever call
    /// produced it. Returns how many were redrawn. Allocates nothing.
    /// </summary>
    public int SamplePlausible(Span<float> dest, ulong seed, long firstIndex, int count, float temperature, SampleUnits units = SampleUnits.Model)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return SamplePlausible(dest, seed, SampleIndices.Run(firstIndex, count), temperature, units);
    }

    /// <summary><see cref="SamplePlausible(Span{float}, ulong, long, int, float, SampleUnits)"/> over a <see cref="SampleIndices"/>.</summary>
    public int SamplePlausible(Span<float> dest, ulong seed, SampleIndices grid, float temperature, SampleUnits units = SampleUnits.Model)
    {
        SampleChecked(dest, seed, grid, temperature, default, conditional: false, units);
        return RedrawImplausible(dest, seed, grid, temperature, default, units);
    }

    /// <summary><see cref="SamplePlausible(Span{float}, ulong, long, int, float, SampleUnits)"/> for a conditional model;
    /// <paramref name="context"/> as in <see cref="Sample(Span{float}, ulong, long, int, float, ReadOnlySpan{float}, SampleUnits)"/>.</summary>
    public int SamplePlausible(Span<float> dest, ulong seed, long firstIndex, int count, float temperature, ReadOnlySpan<float> context, SampleUnits units = SampleUnits.Model)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return SamplePlausible(dest, seed, SampleIndices.Run(firstIndex, count), temperature, context, units);
    }

    /// <summary><see cref="SamplePlausible(Span{float}, ulong, SampleIndices, float, SampleUnits)"/> for a conditional model:
    /// a redrawn sample keeps its own context.</summary>
    public int SamplePlausible(Span<float> dest, ulong seed, SampleIndices grid, float temperature, ReadOnlySpan<float> context, SampleUnits units = SampleUnits.Model)
    {
        SampleChecked(dest, seed, grid, temperature, context, conditional: true, units);
        return RedrawImplausible(dest, seed, grid, temperature, context, units);
    }

    // After a checked Sample: redraws each implausible sample of dest at halving temperatures, with its own context row.
    private int RedrawImplausible(Span<float> dest, ulong seed, SampleIndices grid, float temperature, ReadOnlySpan<float> context, SampleUnits units)
    {
        double limit = Metadata.MaxRelief is { } r ? ImplausibleReliefFactor * r * (units == SampleUnits.Physical ? Math.Abs(Metadata.Scale) : 1) : double.PositiveInfinity;
        int redrawn = 0, n = SampleLength, m = ContextLength;
        for (int i = 0; i < grid.Count; i++)
        {
            var sample = dest.Slice(i * n, n);
            if (Plausible(sample, limit)) continue;
            redrawn++;
            for (float t = temperature * 0.5f; ; t = t > 0.01f ? t * 0.5f : 0f)
            {
                SampleChecked(sample, seed, grid.Single(i), t, context.Slice(i * m, m), IsConditional, units);
                if (Plausible(sample, limit)) break;
                if (t == 0f)
                {
                    // Implausible even at the mode (a detail model given a context far outside its training data can be):
                    // the data's mean instead, a flat patch (no residual for a detail model), never garbage.
                    sample.Fill(units == SampleUnits.Physical ? (float)Metadata.Offset : 0f);
                    break;
                }
            }
        }
        return redrawn;
    }

    /// <summary>True when <paramref name="sample"/> is finite and its relief (max − min) is at most <paramref name="limit"/>: what
    /// <see cref="SamplePlausible(Span{float}, ulong, long, int, float, SampleUnits)"/> keeps (the trainer's depression penalty
    /// leaves out the same draws).</summary>
    public static bool Plausible(ReadOnlySpan<float> sample, double limit)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in sample)
        {
            if (!float.IsFinite(v)) return false;
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        return (double)hi - lo <= limit;
    }

    // context: grid.Count × ContextLength floats (empty for an unconditional model), checked by the caller.
    private unsafe void SampleCore(Span<float> dest, ulong seed, SampleIndices grid, float temperature, ReadOnlySpan<float> context, SampleUnits units)
    {
        int count = grid.Count;
        if (_lanes is { } lanes && count >= lanes.Count)
        {
            fixed (float* d = dest)
            fixed (float* c = context)
            {
                lanes.Set(d, c, seed, grid, temperature, units == SampleUnits.Physical, _levelScale);
                _lanePool!.For(lanes, lanes.Count);
                lanes.Set(null, null, 0, default, 0, false, []);
            }
            return;
        }
        float scale = (float)Metadata.Scale, offset = (float)Metadata.Offset;
        for (int done = 0; done < count;)
        {
            int batch = Math.Min(MaxBatch, count - done);
            for (int i = 0; i < batch; i++)
                LatentGenerator.FillCore(_latents.AsSpan(i * SampleLength, SampleLength), seed, (ulong)grid.IndexAt(done + i), temperature, _levelScale);
            _executor.SetInput(_zIndex, MemoryMarshal.AsBytes(_latents.AsSpan(0, batch * SampleLength)));
            if (_contextIndex >= 0) _executor.SetInput(_contextIndex, MemoryMarshal.AsBytes(context.Slice(done * ContextLength, batch * ContextLength)));
            _executor.Run(batch);
            var x = MemoryMarshal.Cast<byte, float>(_executor.GetOutput(_xIndex, batch));
            var d = dest.Slice(done * SampleLength, batch * SampleLength);
            if (units == SampleUnits.Physical)
                for (int i = 0; i < d.Length; i++) d[i] = x[i] * scale + offset;
            else x.CopyTo(d);
            done += batch;
        }
    }

    /// <summary>
    /// Runs a graph with one float32 input and one float32 output on <paramref name="batch"/> samples without allocating:
    /// <paramref name="input"/> and <paramref name="output"/> hold batch × per-sample elements.
    /// </summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        if (Inputs.Count != 1 || Outputs.Count != 1 || Inputs[0].Type != ElementType.Float32 || Outputs[0].Type != ElementType.Float32)
            throw new InvalidOperationException("Run(input, output, batch) needs a graph with one float32 input and one float32 output");
        if (batch < 1 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{MaxBatch}");
        long inCount = Plan.Inputs[0].ElementCount(batch), outCount = Plan.Outputs[0].ElementCount(batch);
        if (input.Length != inCount) throw new ArgumentException($"input must hold {inCount} floats for batch {batch}", nameof(input));
        if (output.Length < outCount) throw new ArgumentException($"output must hold {outCount} floats for batch {batch}", nameof(output));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_lanes is { } lanes && batch >= lanes.Count)
            {
                RunLanes(lanes, input, output, batch);
                return;
            }
            _executor.SetInput(0, MemoryMarshal.AsBytes(input));
            _executor.Run(batch);
            MemoryMarshal.Cast<byte, float>(_executor.GetOutput(0, batch)).CopyTo(output);
        }
    }

    private unsafe void RunLanes(LaneJob lanes, ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        fixed (float* i = input)
        fixed (float* o = output)
        {
            lanes.SetRun(i, o, batch);
            _lanePool!.For(lanes, lanes.Count);
            lanes.SetRun(null, null, 0);
        }
    }

    /// <summary>Runs the graph on named inputs (all of them, same leading batch size) and returns every output by name.</summary>
    public IReadOnlyDictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var name in inputs.Keys)
            if (!Inputs.Any(i => i.Name == name)) throw new ArgumentException($"the model has no input '{name}' (inputs: {string.Join(", ", Inputs.Select(i => i.Name))})");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int batch = -1;
            for (int k = 0; k < Plan.Inputs.Count; k++)
            {
                var pv = Plan.Inputs[k];
                if (!inputs.TryGetValue(pv.Name, out var t)) throw new ArgumentException($"input '{pv.Name}' is missing");
                if (t.Type != pv.Type) throw new ArgumentException($"input '{pv.Name}' is {ElementTypes.Name(t.Type)}, the model expects {ElementTypes.Name(pv.Type)}");
                if (t.Shape.Length != pv.Shape.Length) throw new ArgumentException($"input '{pv.Name}' has rank {t.Shape.Length}, the model expects {pv.Shape.Length}");
                for (int d = 0; d < t.Shape.Length; d++)
                {
                    var sd = pv.Shape[d];
                    if (sd.IsStatic)
                    {
                        if (t.Shape[d] != sd.Const) throw new ArgumentException($"input '{pv.Name}' dimension {d} is {t.Shape[d]}, the model expects {sd.Const}");
                    }
                    else
                    {
                        int n = t.Shape[d];
                        if (batch >= 0 && n != batch) throw new ArgumentException($"input '{pv.Name}' has batch {n}, another input has {batch}");
                        batch = n;
                    }
                }
            }
            if (batch < 0) batch = 1;
            if (batch < 1 || batch > MaxBatch) throw new ArgumentException($"batch {batch} is outside 1..{MaxBatch} (load the model with a larger MaxBatch)");
            for (int k = 0; k < Plan.Inputs.Count; k++)
                _executor.SetInput(k, Bytes(inputs[Plan.Inputs[k].Name]));
            _executor.Run(batch);
            var result = new Dictionary<string, TensorData>(StringComparer.Ordinal);
            for (int k = 0; k < Plan.Outputs.Count; k++)
            {
                var pv = Plan.Outputs[k];
                var shape = pv.Shape.Select(d => checked((int)d.At(batch))).ToArray();
                var bytes = _executor.GetOutput(k, batch);
                result[pv.Name] = pv.Type switch
                {
                    ElementType.Float32 => TensorData.FromFloats(shape, MemoryMarshal.Cast<byte, float>(bytes).ToArray()),
                    ElementType.Int64 => TensorData.FromLongs(shape, MemoryMarshal.Cast<byte, long>(bytes).ToArray()),
                    _ => TensorData.FromBools(shape, Array.ConvertAll(bytes.ToArray(), b => b != 0)),
                };
            }
            return result;
        }
    }

    private static ReadOnlySpan<byte> Bytes(TensorData t) => t.Data switch
    {
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        bool[] b => Array.ConvertAll(b, v => v ? (byte)1 : (byte)0),
        _ => throw new ArgumentException("unsupported tensor data"),
    };

    private static ModelTensorInfo Info(PlanValue v) =>
        new(v.Name, v.Type, v.Shape.Select(d => d.IsStatic ? d.Const : -1L).ToArray());

    /// <summary>The sampling contract: input z and output x of equal per-sample size, and optionally an input context,
    /// all batch-leading with static sample dimensions. Returns the indices (-1 when absent), the per-sample shapes of
    /// x and context, and why the graph is not a sampling graph (null when it is).</summary>
    private static (int Z, int X, int Context, int[] Shape, int[] ContextShape, string? Reason) FindSamplingContract(ExecutionPlan plan, ModelMetadata meta)
    {
        int z = IndexOf(plan.Inputs, "z"), x = IndexOf(plan.Outputs, "x"), c = IndexOf(plan.Inputs, "context");
        if (z < 0) return Refuse("the graph has no float32 input named 'z'");
        if (x < 0) return Refuse("the graph has no float32 output named 'x'");
        if (plan.Inputs.Count != (c < 0 ? 1 : 2))
            return Refuse($"sampling takes inputs 'z' and optionally a float32 'context', the graph has {string.Join(", ", plan.Inputs.Select(i => $"'{i.Name}' ({ElementTypes.Name(i.Type)})"))}");
        var zs = plan.Inputs[z].Shape;
        var xs = plan.Outputs[x].Shape;
        if (!BatchLeading(zs)) return Refuse("'z' must have a leading batch dimension and static sample dimensions");
        if (!BatchLeading(xs)) return Refuse("'x' must have a leading batch dimension and static sample dimensions");
        long zLen = PerSample(zs), xLen = PerSample(xs);
        if (zLen != xLen) return Refuse($"'z' holds {zLen} values per sample but 'x' {xLen}");
        var shape = xs[1..].Select(d => (int)d.Const).ToArray();
        if (meta.Shape is { } ms && !ms.SequenceEqual(shape))
            return Refuse($"metadata flowgen.shape [{string.Join(",", ms)}] differs from output x [{string.Join(",", shape)}]");
        if (c < 0) return (z, x, -1, shape, [], null);
        var cs = plan.Inputs[c].Shape;
        if (!BatchLeading(cs)) return Refuse("'context' must have a leading batch dimension and static sample dimensions");
        return (z, x, c, shape, cs[1..].Select(d => (int)d.Const).ToArray(), null);

        static (int, int, int, int[], int[], string?) Refuse(string reason) => (-1, -1, -1, [], [], reason);
        static bool BatchLeading(SymDim[] s) => s.Length >= 1 && s[0] == SymDim.Batch && SymShape.IsStatic(s[1..]);
        static long PerSample(SymDim[] s) => s[1..].Aggregate(1L, (a, d) => a * d.Const);
        static int IndexOf(IReadOnlyList<PlanValue> vs, string name)
        {
            for (int i = 0; i < vs.Count; i++) if (vs[i].Name == name && vs[i].Type == ElementType.Float32) return i;
            return -1;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _executor.Dispose();
            _lanes?.Dispose();
            _lanePool?.Dispose();
            _vulkan?.Dispose();
        }
    }

    /// <summary>
    /// Batch-parallel sampling: lane i of n draws samples [count·i/n, count·(i+1)/n) of the call on its own serial
    /// executor, in chunks of its plan's batch, straight into the caller's buffer, with those samples' context rows
    /// (contextIndex &gt;= 0). Preallocated; a call allocates nothing.
    /// </summary>
    private sealed unsafe class LaneJob(CpuExecutor[] executors, int zIndex, int xIndex, int contextIndex, int sampleLength, int contextLength,
        int laneBatch, float scale, float offset)
        : IParallelJob, IDisposable
    {
        private readonly float[][] _latents = executors.Select(_ => new float[checked(laneBatch * sampleLength)]).ToArray();
        private float* _dest;
        private float* _input; // Run: z rows from the caller instead of the latent generator
        private float* _context; // Sample on a conditional model: the caller's context rows, in grid order
        private ulong _seed;
        private SampleIndices _grid;
        private int _count;
        private float _temperature;
        private float[] _levelScale = [];
        private bool _physical;

        public int Count => executors.Length;

        public void SetRun(float* input, float* output, int count)
        {
            _input = input;
            Set(output, null, 0, SampleIndices.Run(0, count), 1f, false, []);
        }

        public void Set(float* dest, float* context, ulong seed, SampleIndices grid, float temperature, bool physical, float[] levelScale)
        {
            _levelScale = levelScale;
            _dest = dest;
            _context = context;
            _seed = seed;
            _grid = grid;
            _count = grid.Count;
            _temperature = temperature;
            _physical = physical;
        }

        public void Execute(int lane)
        {
            int n = executors.Length, begin = (int)((long)_count * lane / n), end = (int)((long)_count * (lane + 1) / n);
            var executor = executors[lane];
            var latents = _latents[lane];
            for (int done = begin; done < end;)
            {
                int batch = Math.Min(laneBatch, end - done);
                if (_input != null)
                    executor.SetInput(zIndex, MemoryMarshal.AsBytes(new ReadOnlySpan<float>(_input + (long)done * sampleLength, batch * sampleLength)));
                else
                {
                    for (int i = 0; i < batch; i++)
                        LatentGenerator.FillCore(latents.AsSpan(i * sampleLength, sampleLength), _seed, (ulong)_grid.IndexAt(done + i), _temperature, _levelScale);
                    executor.SetInput(zIndex, MemoryMarshal.AsBytes(latents.AsSpan(0, batch * sampleLength)));
                }
                if (contextIndex >= 0)
                    executor.SetInput(contextIndex, MemoryMarshal.AsBytes(new ReadOnlySpan<float>(_context + (long)done * contextLength, batch * contextLength)));
                executor.Run(batch);
                var x = MemoryMarshal.Cast<byte, float>(executor.GetOutput(xIndex, batch));
                var d = new Span<float>(_dest + (long)done * sampleLength, batch * sampleLength);
                if (_physical)
                    for (int i = 0; i < d.Length; i++) d[i] = x[i] * scale + offset;
                else x.CopyTo(d);
                done += batch;
            }
        }

        public void Dispose()
        {
            foreach (var e in executors) e.Dispose();
        }
    }
}
