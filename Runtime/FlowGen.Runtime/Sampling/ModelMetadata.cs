// Typed view of the FlowGen model contract (metadata_props keys `flowgen.*`), plus every raw key.
// Keys a model omits get the documented defaults; a key that is present but malformed is an error.
using System.Globalization;

namespace FlowGen.Runtime;

/// <summary>What the model file says about itself (FlowGen model contract, DESIGN.md).</summary>
public sealed class ModelMetadata
{
    internal ModelMetadata(IReadOnlyDictionary<string, string> raw, string source)
    {
        Raw = raw;
        string? Get(string key) => raw.TryGetValue(key, out var v) ? v : null;
        double? Number(string key)
        {
            if (Get(key) is not { } s) return null;
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                throw new OnnxModelException(source, null, $"metadata '{key}' = '{s}' is not a finite number");
            return d;
        }

        Version = Get("flowgen.version");
        Kind = Get("flowgen.kind");
        if (Kind is not (null or "heightmap" or "texture"))
            throw new OnnxModelException(source, null, $"metadata 'flowgen.kind' = '{Kind}' is not heightmap or texture");
        if (Get("flowgen.shape") is { } shape)
        {
            var parts = shape.Split(',');
            var dims = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] < 1 || dims[i] > 1 << 16)
                    throw new OnnxModelException(source, null, $"metadata 'flowgen.shape' = '{shape}' is not \"C,H,W\" with positive sizes");
            if (dims.Length != 3) throw new OnnxModelException(source, null, $"metadata 'flowgen.shape' = '{shape}' is not \"C,H,W\"");
            Shape = dims;
        }
        Scale = Number("flowgen.scale") ?? 1.0;
        Offset = Number("flowgen.offset") ?? 0.0;
        PixelSizeMetres = Number("flowgen.pixel_size_m");
        DefaultTemperature = (float)(Number("flowgen.default_temperature") ?? 1.0);
        if (DefaultTemperature < 0) throw new OnnxModelException(source, null, "metadata 'flowgen.default_temperature' is negative");
        Arch = Get("flowgen.arch");
        TrainCommand = Get("flowgen.train.command");
        TrainDataSha256 = Get("flowgen.train.data_sha256");
        TrainSteps = Number("flowgen.train.steps") is { } steps ? (long)steps : null;
        TrainTestBitsPerDim = Number("flowgen.train.test_bpd");
        MaxRelief = Number("flowgen.sample.max_relief");
        if (MaxRelief is <= 0) throw new OnnxModelException(source, null, "metadata 'flowgen.sample.max_relief' must be positive");
        Context = Get("flowgen.context");
        if (Context is not (null or "coarse"))
            throw new OnnxModelException(source, null, $"metadata 'flowgen.context' = '{Context}' is not coarse");
        if (Get("flowgen.context.factor") is { } factor)
        {
            if (!int.TryParse(factor, NumberStyles.None, CultureInfo.InvariantCulture, out int f) || f < 2 || f > 16)
                throw new OnnxModelException(source, null, $"metadata 'flowgen.context.factor' = '{factor}' is not an integer in 2..16");
            ContextFactor = f;
        }
        if ((Context is null) != (ContextFactor is null))
            throw new OnnxModelException(source, null, "metadata 'flowgen.context' and 'flowgen.context.factor' come together (a detail model has both)");
        if (Get("flowgen.context.phase") is { } phase)
        {
            if (ContextFactor is not { } cf || !int.TryParse(phase, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p >= cf)
                throw new OnnxModelException(source, null, $"metadata 'flowgen.context.phase' = '{phase}' is not an offset 0..F-1 of a detail model's F×F block grid");
            ContextPhase = p;
        }
        if (Get(ContextPhaseBakedKey) is { } baked)
        {
            if (baked != "1" || ContextPhase is null)
                throw new OnnxModelException(source, null, $"metadata '{ContextPhaseBakedKey}' = '{baked}' must be 1, beside the flowgen.context.phase the graph was baked at");
            ContextPhaseBaked = true;
        }
        if (Number("flowgen.context.draw_correlation") is { } rho)
        {
            if (ContextFactor is null || !(rho >= 0 && rho < 1))
                throw new OnnxModelException(source, null, $"metadata 'flowgen.context.draw_correlation' = '{rho}' is not a detail model's correlation in [0, 1)");
            DrawCorrelation = rho;
        }
        if (Get("flowgen.arch.config") is { } config) LatentLevelLengths = LatentLevels(config, source);
    }

    // InChannels, Size and Levels of the trainer's flow configuration give the multi-scale latent layout.
    private static int[] LatentLevels(string config, string source)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(config);
            int Int(string name) => doc.RootElement.GetProperty(name).GetInt32();
            return LatentLayout.LevelLengths(Int("InChannels"), Int("Size"), Int("Levels"));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new OnnxModelException(source, null, $"metadata 'flowgen.arch.config' does not give InChannels, Size and Levels of a multi-scale flow ({e.Message})");
        }
    }

    /// <summary>Every metadata_props entry, FlowGen's and others'.</summary>
    public IReadOnlyDictionary<string, string> Raw { get; }

    /// <summary>`flowgen.version`, null for models not exported by FlowGen.</summary>
    public string? Version { get; }

    /// <summary>`flowgen.kind`: "heightmap", "texture" or null.</summary>
    public string? Kind { get; }

    /// <summary>`flowgen.shape`: (C, H, W) of one sample, or null.</summary>
    public IReadOnlyList<int>? Shape { get; }

    /// <summary>`flowgen.scale`: physical = model × Scale + Offset (default 1).</summary>
    public double Scale { get; }

    /// <summary>`flowgen.offset` (default 0).</summary>
    public double Offset { get; }

    /// <summary>`flowgen.pixel_size_m`: ground distance between heightmap pixels, metres.</summary>
    public double? PixelSizeMetres { get; }

    /// <summary>`flowgen.default_temperature` (default 1).</summary>
    public float DefaultTemperature { get; }

    public string? Arch { get; }
    public string? TrainCommand { get; }
    public string? TrainDataSha256 { get; }
    public long? TrainSteps { get; }

    /// <summary>`flowgen.train.test_bpd`: held-out bits per dimension at export.</summary>
    public double? TrainTestBitsPerDim { get; }

    /// <summary>`flowgen.sample.max_relief`: the largest max − min of any training patch, model units. A sample with far
    /// more relief than that is a diverged inverse, not terrain (<c>FlowModel.SamplePlausible</c>).</summary>
    public double? MaxRelief { get; }

    /// <summary>`flowgen.context`: what a conditional model's <c>context</c> input holds, null when the model records
    /// none. The one value defined is "coarse": the sample's own terrain box-averaged over
    /// <see cref="ContextFactor"/>² blocks, Catmull-Rom upsampled back to the sample's size, minus its mean, in model
    /// units; the output x is then the residual (terrain = context + x).</summary>
    public string? Context { get; }

    /// <summary>`flowgen.context.factor`: the block size (2..16) of a "coarse" <see cref="Context"/>, or null.</summary>
    public int? ContextFactor { get; }

    /// <summary>`flowgen.context.phase`: the offset (0..F-1 pixels along both axes) from the block grid at which worlds lay a
    /// detail model's patches: the offset its training windows started at (`flowgen train --context-phase`), the offset a
    /// model that read phase maps was exported at (`flowgen train --phase-maps`, the maps baked into its graph), or for a
    /// model trained at every offset the one measured best for it (`flowgen export --context-phase`); null when not recorded.</summary>
    public int? ContextPhase { get; }

    /// <summary>Metadata key of <see cref="ContextPhaseBaked"/>.</summary>
    public const string ContextPhaseBakedKey = "flowgen.context.phase_baked";

    /// <summary>`flowgen.context.phase_baked = 1`: the graph draws its patches for <see cref="ContextPhase"/> alone (a model
    /// that read phase maps in training, `flowgen train --phase-maps`, with the maps of that offset baked in); worlds must
    /// lay it there.</summary>
    public bool ContextPhaseBaked { get; }

    /// <summary>`flowgen.context.draw_correlation`: the correlation of two draws of a detail model given the same context,
    /// measured at export on held-out contexts; worlds normalise the blend of overlapping patches for it. 0 when absent.</summary>
    public double DrawCorrelation { get; }

    /// <summary>
    /// Element counts of the latent levels z_0 (finest) … z_{L-1} in z, from `flowgen.arch.config` (<see cref="LatentLayout"/>);
    /// null when the model does not record its configuration. What <c>FlowModel.SetLevelTemperatures</c> scales.
    /// </summary>
    public IReadOnlyList<int>? LatentLevelLengths { get; }
}
