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
        if (model.CanSample && !(model.IsConditional && model.Metadata.Context == "coarse" && model.Metadata.ContextFactor is not null))
            throw new FlowGenException("not a detail model: multi-scale worlds need a sampling graph with a 'context' input and metadata flowgen.context = coarse, flowgen.context.factor", model.Source);
        (PatchSize, PixelSizeMetres) = FlowPatchSampler.CheckWorldModel(model, temperature);
        if (model.ContextLength != PatchSize * PatchSize)
            throw new FlowGenException($"a detail model's context must be one channel of its patches' size; this one holds {model.ContextLength} values", model.Source);
        if (!(model.Metadata.Scale > 0) || model.Metadata.Offset != 0)
            throw new FlowGenException("a detail model's flowgen.scale must be positive and its flowgen.offset 0 (residual metres)", model.Source);
        _model = model;
        _temperature = temperature;
        _scale = (float)model.Metadata.Scale;
        ContextFactor = model.Metadata.ContextFactor!.Value;
    }

    /// <inheritdoc />
    public int PatchSize { get; }

    /// <inheritdoc />
    public int ContextFactor { get; }

    /// <inheritdoc />
    public double PixelSizeMetres { get; }

    /// <inheritdoc />
    public int? ContextPhase => _model.Metadata.ContextPhase;

    /// <inheritdoc />
    public bool ContextPhaseBaked => _model.Metadata.ContextPhaseBaked;

    /// <inheritdoc />
    public double DrawCorrelation => _model.Metadata.DrawCorrelation;

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
                SpanMath.ShiftDivide(c, (float)(mean / pp), _scale, normalised.AsSpan(k * pp, pp));
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
