// The bridge from a FlowGen heightmap (or texture) model to the streaming worlds: FlowModel.Sample at a
// fixed temperature, in physical units, with LatticeWorld's signed lattice indices mapped onto
// FlowModel's non-negative sample indices; an implausible patch (non-finite, exploded) is redrawn at a lower temperature.
namespace FlowGen.Runtime.Streaming;

/// <summary>Patches of a one-channel, square-patch <see cref="FlowModel"/> for <see cref="LatticeWorld"/>. Thread-safe
/// (FlowModel serialises calls); does not own the model.</summary>
public sealed class FlowPatchSampler : IPatchSampler
{
    /// <summary>LatticeWorld's indices are row·2³² + column, signed; shifting by 2⁶² keeps every lattice row
    /// contiguous (one batched call) and distinct indices distinct; LatticeWorld's coordinate limit keeps it in range.</summary>
    private const long IndexShift = 1L << 62;

    private readonly FlowModel _model;
    private readonly float _temperature;

    /// <summary>Wraps <paramref name="model"/>, which must sample square one-channel patches of even size and carry
    /// <c>flowgen.pixel_size_m</c>; throws <see cref="FlowGenException"/> naming the model file otherwise.</summary>
    public FlowPatchSampler(FlowModel model, float temperature)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.CanSample && model.IsConditional)
            throw new FlowGenException("this is a detail model (it has a context input): it adds detail to a coarser terrain, so use it as a multi-scale world's detail model (ConditionalPyramidWorld, flowgen world --detail)", model.Source);
        (PatchSize, PixelSizeMetres) = CheckWorldModel(model, temperature);
        _model = model;
        _temperature = temperature;
    }

    /// <summary>What worlds need of any flow (plain or detail) at <paramref name="temperature"/>: a sampling graph of square
    /// one-channel patches of even size with flowgen.pixel_size_m. Returns (patch size, pixel size).</summary>
    internal static (int PatchSize, double PixelSizeMetres) CheckWorldModel(FlowModel model, float temperature)
    {
        if (!float.IsFinite(temperature) || temperature < 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be finite and non-negative");
        if (!model.CanSample) throw new FlowGenException("the model is not a sampling graph (input z, output x)", model.Source);
        var shape = model.SampleShape;
        if (shape.Count != 3 || shape[0] != 1 || shape[1] != shape[2] || shape[1] < 4 || shape[1] % 2 != 0)
            throw new FlowGenException($"worlds need square one-channel patches of even size (1,N,N); the model's samples are ({string.Join(",", shape)})", model.Source);
        if (model.Metadata.PixelSizeMetres is not { } pixel || !(pixel > 0))
            throw new FlowGenException("the model has no valid flowgen.pixel_size_m metadata", model.Source);
        return (shape[1], pixel);
    }

    /// <inheritdoc />
    public int PatchSize { get; }

    /// <inheritdoc />
    public double PixelSizeMetres { get; }

    /// <inheritdoc />
    public void Sample(Span<float> destination, ulong seed, long firstIndex, int count) =>
        SampleRows(destination, seed, firstIndex, count, 1, 0);

    /// <inheritdoc />
    /// <remarks>
    /// A flow's inverse can blow up on rare latents; such a patch would spread NaN or cliffs over four lattice cells of
    /// the world. SamplePlausible redraws it (same seed and index, lower temperature): deterministic, so order
    /// independence holds.
    /// </remarks>
    public void SampleRows(Span<float> destination, ulong seed, long firstIndex, int count, int rows, long rowStride, CancellationToken cancellationToken = default) =>
        _model.SamplePlausible(destination, seed, new SampleIndices(checked(firstIndex + IndexShift), count, rows, rowStride), _temperature, SampleUnits.Physical);
}
