// The bridge from a FlowGen detail model (`flowgen train --context-factor F`: context "coarse", output the residual)
// to ConditionalPyramidWorld: each patch's context goes in as (context - its mean) / scale, the residual comes out
// in metres; implausible residuals are redrawn at a lower temperature, as FlowPatchSampler does.
using System.Buffers;

namespace FlowGen.Runtime.Streaming;

/// <summary>Detail patches of a conditional <see cref="FlowModel"/> for <see cref="ConditionalPyramidWorld"/>. Thread-safe
/// (FlowModel serialises calls); does not own the model.</summary>
public sealed class FlowDetailSampler : IDetailSampler
{
    private const long IndexShift = 1L << 62; // as FlowPatchSampler: signed lattice indices onto non-negative ones

    private readonly FlowModel _model;
    private readonly float _temperature;
    private readonly float _scale;

    /// <summary>Wraps <paramref name="model"/>, which must be a detail model (metadata flowgen.context = coarse with a factor)
    /// of square one-channel patches with flowgen.pixel_size_m; throws <see cref="FlowGenException"/> naming the file otherwise.</summary>
    public FlowDetailSampler(FlowModel model, float temperature)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!float.IsFinite(temperature) || temperature < 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be finite and non-negative");
        if (!model.CanSample || !model.IsConditional || model.Metadata.Context != "coarse" || model.Metadata.ContextFactor is not { } factor)
            throw new FlowGenException("not a detail model: multi-scale worlds need a sampling graph with a 'context' input and metadata flowgen.context = coarse, flowgen.context.factor", model.Source);
        var shape = model.SampleShape;
        if (shape.Count != 3 || shape[0] != 1 || shape[1] != shape[2] || shape[1] < 4 || shape[1] % 2 != 0 || model.ContextLength != shape[1] * shape[2])
            throw new FlowGenException($"detail models must sample square one-channel patches of even size with a one-channel context of the same size; this one samples ({string.Join(",", shape)})", model.Source);
        if (model.Metadata.PixelSizeMetres is not { } pixel || !(pixel > 0))
            throw new FlowGenException("the model has no valid flowgen.pixel_size_m metadata", model.Source);
        if (!(model.Metadata.Scale > 0) || model.Metadata.Offset != 0)
            throw new FlowGenException("a detail model's flowgen.scale must be positive and its flowgen.offset 0 (residual metres)", model.Source);
        _model = model;
        _temperature = temperature;
        _scale = (float)model.Metadata.Scale;
        PatchSize = shape[1];
        ContextFactor = factor;
        PixelSizeMetres = pixel;
    }

    /// <inheritdoc />
    public int PatchSize { get; }

    /// <inheritdoc />
    public int ContextFactor { get; }

    /// <inheritdoc />
    public double PixelSizeMetres { get; }

    /// <inheritdoc />
    public void SampleRows(Span<float> destination, ReadOnlySpan<float> context, ulong seed, long firstIndex, int count, int rows, long rowStride,
        CancellationToken cancellationToken = default)
    {
        int pp = PatchSize * PatchSize, n = checked(count * rows);
        if (context.Length < (long)n * pp) throw new ArgumentException($"context holds {context.Length} floats, {n} patches need {(long)n * pp}", nameof(context));
        cancellationToken.ThrowIfCancellationRequested();
        var normalised = ArrayPool<float>.Shared.Rent(n * pp);
        try
        {
            for (int k = 0; k < n; k++)
            {
                var c = context.Slice(k * pp, pp);
                double mean = 0;
                foreach (float v in c) mean += v;
                float m = (float)(mean / pp);
                var o = normalised.AsSpan(k * pp, pp);
                for (int i = 0; i < pp; i++) o[i] = (c[i] - m) / _scale;
            }
            _model.SamplePlausible(destination, seed, new SampleIndices(checked(firstIndex + IndexShift), count, rows, rowStride), _temperature,
                normalised.AsSpan(0, n * pp), SampleUnits.Physical);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(normalised);
        }
    }
}
