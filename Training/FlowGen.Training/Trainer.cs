// The training loop of `flowgen train`: the reference recipe (glow_ref.py cmd_train) plus warm-up,
// clipping, EMA, periodic held-out evaluation, sample grids and atomic checkpoints with exact resume.
// Everything random comes from seeded generators whose state is checkpointed, and every parallel op is
// thread-count independent, so a run (or a resumed run) is bitwise reproducible.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowGen.Runtime;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Flows;
using FlowGen.Training.Optim;

namespace FlowGen.Training;

/// <summary>The loss became NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : FlowGenException(message);

/// <summary>One progress report.</summary>
/// <param name="DepressionMetres">With a depression penalty: its mean over the last 50 steps' draws (m per pixel).</param>
public readonly record struct TrainProgress(int Step, int Steps, double TrainBpd, double? TestBpd, double SamplesPerSecond, double? DepressionMetres = null);

/// <summary>A held-out evaluation.</summary>
public sealed record TrainEval(int Step, double TestBpd, double? TestBitsPerQuantum);

/// <summary>The outcome of a run.</summary>
public sealed record TrainResult(int Steps, double TestBpd, double? TestBitsPerQuantum, double SamplesPerSecond,
    double MedianStepSeconds, long PeakRssBytes, double Sigma, string CheckpointPath, IReadOnlyList<TrainEval> Evals);

/// <summary>Trains a multi-scale flow on a patch dataset.</summary>
public sealed class Trainer
{
    /// <summary>File name of the checkpoint inside the output directory.</summary>
    public const string CheckpointFile = "checkpoint.fgck";

    internal static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private readonly PatchDataset _data;
    private readonly float[] _test;
    private readonly float[]? _testContext;
    private readonly int _testCount;
    private readonly Adam _adam;
    private readonly Ema? _ema;
    private readonly Rng _rng;
    private readonly TensorArena<float> _arena = new();
    private readonly List<TrainEval> _evals = [];
    private readonly string _dataHash;
    private int _step;

    private Trainer(TrainOptions options, PatchDataset data, string dataHash)
    {
        Options = options;
        _data = data;
        _dataHash = dataHash;
        Engine.SetThreads(options.Threads);
        var cfg = options.Model with { InChannels = data.Channels, Size = data.Patch, ContextChannels = data.ContextSize > 0 ? 1 : 0, PhaseMaps = data.PhaseMaps };
        cfg.Validate();
        if (options.DepressionWeight > 0 && (data.Kind != DataKind.Heightmap || data.Channels != 1))
            throw new ArgumentException($"--depression-weight is for heightmaps; {options.Data} is a texture.");
        Model = new MultiScaleFlow<float>(cfg, options.Seed);
        (_test, _testCount, var positions) = data.TestSet(options.TestCount, options.TestSeed);
        if (data.ContextSize > 0) _testContext = data.ContextsAt(positions);
        _rng = new Rng(options.Seed);
        _adam = new Adam(Model.Parameters(), weightDecay: options.WeightDecay);
        if (options.EmaDecay > 0) _ema = new Ema(Model.Parameters(), options.EmaDecay);
    }

    /// <summary>The options of the run.</summary>
    public TrainOptions Options { get; }

    /// <summary>The model being trained.</summary>
    public MultiScaleFlow<float> Model { get; }

    /// <summary>Steps done.</summary>
    public int Step => _step;

    /// <summary>The dataset.</summary>
    public PatchDataset Data => _data;

    /// <summary>SHA-256 of the data file (hex).</summary>
    public string DataHash => _dataHash;

    /// <summary>Path of the checkpoint.</summary>
    public string CheckpointPath => Path.Combine(Options.Out, CheckpointFile);

    /// <summary>Starts a new run: loads the data, builds and initialises the model.</summary>
    public static Trainer Create(TrainOptions options)
    {
        options.Validate();
        var data = options.LoadData();
        var t = new Trainer(options, data, HashFile(options.Data));
        // Data-dependent ActNorm initialisation on a separate seeded batch (glow_ref.py: seed + 1).
        var init = new float[options.InitBatch * data.SampleSize];
        var initContext = data.ContextSize > 0 ? new float[options.InitBatch * data.ContextSize] : null;
        data.TrainBatch(new Rng(options.Seed + 1), options.InitBatch, init, initContext, options.Augment);
        using (GradMode.NoGrad()) t.Model.LogProb(t.Batch(init, options.InitBatch), t.ContextBatch(initContext, options.InitBatch));
        return t;
    }

    /// <summary>Continues the run saved in <paramref name="outDir"/>; <paramref name="steps"/> (if given) raises the total;
    /// <paramref name="cosineFrom"/> (if given) switches on a cosine decay from that step to the (new) last one;
    /// <paramref name="depressionWeight"/> (if given) sets the depression penalty's weight from here on (fine-tuning a
    /// trained model with it).</summary>
    public static Trainer Resume(string outDir, int? steps = null, int? threads = null, int? cosineFrom = null, double? depressionWeight = null)
    {
        string path = Path.Combine(outDir, CheckpointFile);
        var ck = Checkpoint.Load(path);
        TrainOptions opt;
        try
        {
            opt = ck.Header["options"].Deserialize<TrainOptions>(Json) ?? throw new JsonException("no options");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"Options are unreadable: {e.Message}", path, e);
        }
        string? then = (steps is { } s && s != opt.Steps ? $" --steps {s}" : "") + (cosineFrom is { } cf ? $" --cosine-from {cf}" : "") +
            (depressionWeight is { } dw && dw != opt.DepressionWeight ? $" --depression-weight {dw.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "");
        opt = opt with
        {
            Out = outDir, Steps = steps ?? opt.Steps, Threads = threads ?? opt.Threads,
            CosineDecay = opt.CosineDecay || cosineFrom is not null, CosineFrom = cosineFrom ?? opt.CosineFrom,
            DepressionWeight = depressionWeight ?? opt.DepressionWeight,
            Command = then.Length > 0 && opt.Command is { } c ? $"{c}; then --resume{then}" : opt.Command,
        };
        opt.Validate();
        var data = opt.LoadData();
        string hash = HashFile(opt.Data);
        if (ck.Header["data_sha256"]?.GetValue<string>() is { } h && h != hash)
            throw new CheckpointException($"The data file {opt.Data} changed since the checkpoint was written (SHA-256 differs).", path);
        var t = new Trainer(opt, data, hash);
        t.Restore(ck, path);
        return t;
    }

    /// <summary>Runs until <see cref="TrainOptions.Steps"/>; reports progress after every step.</summary>
    public TrainResult Run(Action<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        var o = Options;
        Directory.CreateDirectory(o.Out);
        var sched = new LearningRateSchedule(o.LearningRate, o.WarmupSteps, o.CosineDecay ? o.Steps : 0, DecayFrom: o.CosineFrom);
        int n = o.Batch, d = _data.SampleSize;
        var x = new float[n * d];
        var context = _data.ContextSize > 0 ? new float[n * _data.ContextSize] : null;
        var stepTimes = new List<double>();
        var recentLoss = new Queue<double>();
        var recentDepression = new Queue<double>();
        double? lastTest = _evals.Count > 0 ? _evals[^1].TestBpd : null;
        if (_step == 0 && _evals.Count == 0) lastTest = Evaluate(0);
        var sw = new Stopwatch();
        while (_step < o.Steps)
        {
            cancel.ThrowIfCancellationRequested();
            sw.Restart();
            double lv;
            using (_arena.Begin()) // the step's tensors die with the scope; only lv leaves it
            {
                _data.TrainBatch(_rng, n, x, context, o.Augment);
                var logp = Model.LogProb(Batch(x, n), ContextBatch(context, n));
                var loss = Ops.Scale(Ops.SumAll(logp), -1.0 / ((double)n * d)); // nats per dimension
                lv = loss.Data[0];
                if (!double.IsFinite(lv)) Diverged($"loss {lv}");
                if (o.DepressionWeight > 0 && DepressionSurrogate(_step) is var (surrogate, depth))
                {
                    recentDepression.Enqueue(depth);
                    if (recentDepression.Count > 50) recentDepression.Dequeue();
                    if (surrogate is not null) loss = Ops.Add(loss, Ops.Scale(surrogate, o.DepressionWeight));
                }
                loss.Backward();
                double gn = o.ClipNorm > 0 ? _adam.ClipGradNorm(o.ClipNorm) : 0;
                if (!double.IsFinite(gn)) Diverged($"gradient norm {gn}");
                _adam.Update(sched.At(_step + 1));
            }
            _ema?.Update(_step + 1);
            _step++;
            stepTimes.Add(sw.Elapsed.TotalSeconds);
            recentLoss.Enqueue(lv / Math.Log(2));
            if (recentLoss.Count > 50) recentLoss.Dequeue();
            if (_step % o.EvalEvery == 0 || _step == o.Steps) lastTest = Evaluate(_step);
            if ((o.SampleEvery > 0 && _step % o.SampleEvery == 0) || _step == o.Steps) WriteSamples();
            if (_step % o.CheckpointEvery == 0 || _step == o.Steps) Save();
            progress?.Invoke(new TrainProgress(_step, o.Steps, recentLoss.Average(), lastTest, n / Median(stepTimes, 5),
                recentDepression.Count > 0 ? recentDepression.Average() : null));
        }
        if (stepTimes.Count == 0 && _evals.Count == 0) lastTest = Evaluate(_step);
        double med = stepTimes.Count > 0 ? Median(stepTimes, 20) : double.NaN;
        double bpd = _evals[^1].TestBpd;
        return new TrainResult(_step, bpd, _evals[^1].TestBitsPerQuantum, n / med, med,
            Process.GetCurrentProcess().PeakWorkingSet64, _data.Sigma, CheckpointPath, _evals);
    }

    // The depression penalty of the step's draws (latents counter-based on (seed, step): a resumed run draws the same ones).
    private (Tensor<float>? Surrogate, double Depth)? DepressionSurrogate(int step)
    {
        var o = Options;
        var z = new float[o.DepressionBatch * Model.Config.Dims];
        ulong first = (ulong)step * (ulong)z.Length;
        for (int i = 0; i < z.Length; i++) z[i] = (float)(o.Temperature * Evaluation.CounterRandom.Normal(o.Seed, DepressionStream, first + (ulong)i));
        return DepressionSurrogate(Model, z, _data.Sigma, o.DepressionFree, FlowModel.ImplausibleReliefFactor * _data.MaxRelief);
    }

    /// <summary>
    /// The depression penalty E_p[f(x)], f = how deep (m per pixel) a sample lies more than <paramref name="free"/> metres below
    /// its spill level (TerrainMorphometry.ExcessDepressionDepth), as a surrogate whose gradient is the score-function
    /// (REINFORCE) estimate ∇E_p[f] ≈ Σ_i (f_i − b_i) ∇log p(x_i) / (K·D) over the K draws decoded from <paramref name="z"/>
    /// ([K·Dims], one-channel heightmaps in units of <paramref name="sigma"/> metres), b_i the mean f of the other draws. The
    /// draws are made without a graph and only their log-density is differentiated, in the density direction, as the
    /// likelihood is (differentiating f through the sampling direction instead blew the samples up through Glow's inverse:
    /// README, 2026-12-08). Draws the runtime would redraw (non-finite, or of more relief than <paramref name="reliefLimit"/>
    /// units) are left out. Null when no draw is plausible; no surrogate (but the mean f) when only one is.
    /// </summary>
    internal static (Tensor<float>? Surrogate, double Depth)? DepressionSurrogate(MultiScaleFlow<float> model, float[] z, double sigma, double free, double reliefLimit)
    {
        int dims = model.Config.Dims, m = z.Length / dims, s = model.Config.Size, d = s * s;
        float[] x;
        using (GradMode.NoGrad()) x = model.Decode(new Tensor<float>([m, dims], z)).Data;
        var kept = new List<int>();
        var f = new List<double>();
        var filled = new float[d];
        for (int i = 0; i < m; i++)
        {
            var sample = x.AsSpan(i * d, d);
            if (!FlowModel.Plausible(sample, reliefLimit)) continue;
            kept.Add(i);
            f.Add(Evaluation.TerrainMorphometry.ExcessDepressionDepth(sample, s, s, sigma, free, filled));
        }
        if (kept.Count == 0) return null;
        double sum = f.Sum(), mean = sum / f.Count;
        if (kept.Count < 2) return (null, mean);
        int k = kept.Count;
        var drawn = x;
        if (k < m) // gather the plausible draws (rare)
        {
            drawn = new float[k * d];
            for (int j = 0; j < k; j++) x.AsSpan(kept[j] * d, d).CopyTo(drawn.AsSpan(j * d));
        }
        var logp = model.LogProb(new Tensor<float>([k, 1, s, s], drawn));
        var weights = new Tensor<float>([k], f.Select(v => (float)((v - (sum - v) / (k - 1)) / ((double)k * d))).ToArray());
        return (Ops.SumAll(Ops.Mul(logp, weights)), mean);
    }

    private const ulong DepressionStream = 0xDE9E55104;

    private Tensor<float> Batch(float[] x, int n) => new([n, _data.Channels, _data.Patch, _data.Patch], x);

    private Tensor<float>? ContextBatch(float[]? context, int n) => context is null ? null : new([n, _data.ContextChannels, _data.Patch, _data.Patch], context);

    private void Diverged(string what)
    {
        string kept = File.Exists(CheckpointPath) ? $"the last good checkpoint {CheckpointPath} is kept" : "no checkpoint had been written yet";
        throw new TrainingDivergedException($"Training diverged at step {_step + 1} ({what}); {kept}. Try a lower --lr, --warmup or --clip.");
    }

    // Median of the step times, skipping the first `warm` (JIT, caches) when there are enough.
    private static double Median(List<double> t, int warm)
    {
        var s = (t.Count > warm * 2 ? t.Skip(warm) : t).Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    /// <summary>Held-out bits/dim = NLL in nats / (D ln 2), averaged over the fixed held-out set (EMA weights when on).</summary>
    public double Evaluate(int step)
    {
        _ema?.Swap();
        try
        {
            double bpd = HeldOutBpd();
            double? perQuantum = _data.Kind == DataKind.Heightmap ? bpd + Math.Log2(_data.Sigma) : null;
            _evals.Add(new TrainEval(step, bpd, perQuantum));
            return bpd;
        }
        finally
        {
            _ema?.Swap();
        }
    }

    private double HeldOutBpd()
    {
        using var _ = GradMode.NoGrad();
        int d = _data.SampleSize;
        double tot = 0;
        for (int i = 0; i < _testCount; i += 256)
        {
            int m = Math.Min(256, _testCount - i);
            var xb = new Tensor<float>([m, _data.Channels, _data.Patch, _data.Patch], _test.AsSpan(i * d, m * d).ToArray());
            var cb = _testContext is null ? null : ContextBatch(_testContext.AsSpan(i * _data.ContextSize, m * _data.ContextSize).ToArray(), m);
            var lp = Model.LogProb(xb, cb);
            for (int j = 0; j < m; j++) tot -= lp.Data[j];
        }
        return tot / ((double)_testCount * d * Math.Log(2));
    }

    /// <summary>Writes samples_stepN.png: 16 samples at the run's temperature (fixed latents, so grids are comparable).</summary>
    public string WriteSamples()
    {
        _ema?.Swap();
        try
        {
            string path = Path.Combine(Options.Out, $"samples_step{_step}.png");
            SampleGrid.Write(path, Model, _data, Options.Temperature, 16, _testContext);
            return path;
        }
        finally
        {
            _ema?.Swap();
        }
    }

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save()
    {
        var header = new JsonObject
        {
            ["format"] = "flowgen-checkpoint",
            ["options"] = JsonSerializer.SerializeToNode(Options, Json),
            ["model"] = JsonSerializer.SerializeToNode(Model.Config, Json),
            ["step"] = _step,
            ["rng"] = _rng.State.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["adam_step"] = _adam.Step,
            ["sigma"] = _data.Sigma,
            ["pixel_size_m"] = _data.PixelSizeMetres,
            ["max_relief"] = _data.MaxRelief,
            ["context_factor"] = _data.ContextFactor,
            ["kind"] = _data.Kind.ToString().ToLowerInvariant(),
            ["data_sha256"] = _dataHash,
            ["evals"] = JsonSerializer.SerializeToNode(_evals, Json),
        };
        var ck = new Checkpoint { Header = header };
        var named = Model.NamedTensors().ToList();
        foreach (var (name, t, _) in named) ck.Tensors.Add(("model." + name, t.Shape, t.Data));
        var trainable = named.Where(e => e.Trainable).ToList();
        for (int i = 0; i < trainable.Count; i++)
        {
            ck.Tensors.Add(("adam.m." + trainable[i].Name, trainable[i].Value.Shape, _adam.M[i]));
            ck.Tensors.Add(("adam.v." + trainable[i].Name, trainable[i].Value.Shape, _adam.V[i]));
            if (_ema is not null) ck.Tensors.Add(("ema." + trainable[i].Name, trainable[i].Value.Shape, _ema.Shadow[i]));
        }
        ck.Save(CheckpointPath);
    }

    private void Restore(Checkpoint ck, string path)
    {
        try
        {
            _step = ck.Header["step"]!.GetValue<int>();
            _rng.State = ulong.Parse(ck.Header["rng"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            _adam.Step = ck.Header["adam_step"]!.GetValue<long>();
            _evals.AddRange(ck.Header["evals"].Deserialize<List<TrainEval>>(Json) ?? []);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or NullReferenceException)
        {
            throw new CheckpointException($"Training state is unreadable: {e.Message}", path, e);
        }
        LoadModel(Model, ck, path);
        var trainable = Model.NamedTensors().Where(e => e.Trainable).ToList();
        for (int i = 0; i < trainable.Count; i++)
        {
            ck.Get("adam.m." + trainable[i].Name, trainable[i].Value.Length, path).CopyTo(_adam.M[i], 0);
            ck.Get("adam.v." + trainable[i].Name, trainable[i].Value.Length, path).CopyTo(_adam.V[i], 0);
            if (_ema is not null) ck.Get("ema." + trainable[i].Name, trainable[i].Value.Length, path).CopyTo(_ema.Shadow[i], 0);
        }
    }

    /// <summary>Copies the "model.*" tensors of a checkpoint into <paramref name="model"/>.</summary>
    public static void LoadModel(MultiScaleFlow<float> model, Checkpoint ck, string path)
    {
        foreach (var (name, t, _) in model.NamedTensors())
            ck.Get("model." + name, t.Length, path).CopyTo(t.Data, 0);
    }

    /// <summary>Rebuilds the model of a checkpoint (EMA weights when the run used EMA) for export or sampling.</summary>
    public static (MultiScaleFlow<float> Model, TrainOptions Options, JsonObject Header) LoadForInference(string path)
    {
        var ck = Checkpoint.Load(path);
        FlowConfig cfg;
        TrainOptions opt;
        try
        {
            cfg = ck.Header["model"].Deserialize<FlowConfig>(Json) ?? throw new JsonException("no model config");
            opt = ck.Header["options"].Deserialize<TrainOptions>(Json) ?? throw new JsonException("no options");
            cfg.Validate();
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"Model configuration is unreadable: {e.Message}", path, e);
        }
        var model = new MultiScaleFlow<float>(cfg, 0);
        LoadModel(model, ck, path);
        if (opt.EmaDecay > 0)
            foreach (var (name, t, tr) in model.NamedTensors())
                if (tr) ck.Get("ema." + name, t.Length, path).CopyTo(t.Data, 0);
        return (model, opt, ck.Header);
    }

    internal static string HashFile(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
