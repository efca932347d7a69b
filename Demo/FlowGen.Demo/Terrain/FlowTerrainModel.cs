// The viewer's terrain from a FlowGen heightmap model (FlowModel): checks at load that the file is of the
// heightmap kind and that the runtime's FlowPatchSampler accepts it (sampling graph, square one-channel
// patches, a pixel size), and hands out FlowPatchSamplers (metres) for the runtime's LatticeWorld.
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
        var probe = new FlowPatchSampler(model, m.DefaultTemperature); // throws, naming the file, for unusable models
        PatchSize = probe.PatchSize;
        PixelSizeMetres = probe.PixelSizeMetres;
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

    public IPatchSampler Sampler(float temperature) => new FlowPatchSampler(_model, temperature);

    public void Dispose() => _model.Dispose();
}
