// The viewer's terrain from a FlowGen heightmap model (FlowModel): checks at load that the file is a
// sampling graph of the heightmap kind with square one-channel patches and a pixel size, and samples
// patches in metres for the runtime's LatticeWorld.
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Demo.Terrain;

internal sealed class FlowTerrainModel : ITerrainModel, IDisposable
{
    private readonly FlowModel _model;

    private FlowTerrainModel(FlowModel model, string path)
    {
        _model = model;
        Name = path;
        var m = model.Metadata;
        if (m.Kind != "heightmap")
            throw new FlowGenException(m.Kind is null
                ? "the model has no flowgen.kind metadata; the viewer needs a heightmap model"
                : $"the model is of kind '{m.Kind}'; the viewer needs a heightmap model", path);
        if (!model.CanSample) throw new FlowGenException("the model is not a sampling graph (input z, output x)", path);
        var shape = model.SampleShape;
        if (shape.Count != 3 || shape[0] != 1 || shape[1] != shape[2] || shape[1] < 4 || shape[1] % 2 != 0)
            throw new FlowGenException($"the viewer needs square one-channel patches of even size (1,N,N); the model's samples are ({string.Join(",", shape)})", path);
        if (m.PixelSizeMetres is not { } pixel || !(pixel > 0))
            throw new FlowGenException("the model has no valid flowgen.pixel_size_m metadata", path);
        PatchSize = shape[1];
        PixelSizeMetres = pixel;
        HeightScaleM = (float)m.Scale;
        DefaultTemperature = m.DefaultTemperature;
    }

    public string Name { get; }
    public int PatchSize { get; }
    public double PixelSizeMetres { get; }
    public float HeightScaleM { get; }
    public float DefaultTemperature { get; }

    /// <summary>Opens <paramref name="path"/>; a missing file, a file FlowGen refuses or a model of the wrong
    /// kind is a <see cref="FlowGenException"/> naming the file.</summary>
    public static FlowTerrainModel Open(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FlowGenException("model file not found", full);
        // One lattice row (about 8 patches) per call; the model's own worker pool uses every core.
        var model = FlowModel.Load(full, new FlowModelOptions { MaxBatch = 16 });
        try
        {
            return new FlowTerrainModel(model, full);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public IPatchSampler Sampler(float temperature) => new PatchSampler(this, temperature);

    public void Dispose() => _model.Dispose();

    /// <summary>FlowModel.Sample at a fixed temperature, in metres.</summary>
    private sealed class PatchSampler(FlowTerrainModel owner, float temperature) : IPatchSampler
    {
        /// <summary>LatticeWorld's sample indices are signed (row·2³² + column) and FlowModel's non-negative:
        /// shifting by 2⁶² keeps every lattice row contiguous (one batched call) and maps distinct indices
        /// to distinct ones; only rows at the very edge of LatticeWorld's coordinate range overflow (checked).</summary>
        private const long IndexShift = 1L << 62;

        public int PatchSize => owner.PatchSize;
        public double PixelSizeMetres => owner.PixelSizeMetres;

        public void Sample(Span<float> destination, ulong seed, long firstIndex, int count) =>
            owner._model.Sample(destination, seed, checked(firstIndex + IndexShift), count, temperature, SampleUnits.Physical);
    }
}
