// The viewer's terrain from a FlowGen heightmap model (FlowModel): checks at load that the file is of the
// heightmap kind and that the runtime's FlowPatchSampler accepts it (sampling graph, square one-channel
// patches, a pixel size), and hands out FlowPatchSamplers (metres) for the runtime's worlds; with a detail model
// (flowgen train --context-factor) the model is the coarse one under it and the world's pixels are the detail's.
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Demo.Terrain;

internal sealed class FlowTerrainModel : ITerrainModel, IDisposable
{
    private readonly FlowModel _model;
    private readonly FlowModel? _detail;

    private FlowTerrainModel(FlowModel model, string path, FlowModel? detail, string? detailPath)
    {
        _model = model;
        _detail = detail;
        Name = (detailPath is null ? path : $"{path} + {detailPath}") + (model.Backend == FlowBackend.Vulkan ? $" [flows on Vulkan: {model.DeviceName}]" : "");
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
        if (detail is not null)
        {
            var d = new FlowDetailSampler(detail, detail.Metadata.DefaultTemperature); // throws, naming the file, for non-detail models
            _ = ConditionalPyramidWorld.Create(probe, d, 0, 2); // throws when the coarse model's pixels are not F times the detail's
            PatchSize = d.PatchSize;
            PixelSizeMetres = d.PixelSizeMetres;
            HeightScaleM = (float)detail.Metadata.Scale;
        }
    }

    public string Name { get; }
    public int PatchSize { get; }
    public double PixelSizeMetres { get; }
    public float HeightScaleM { get; }
    public float DefaultTemperature { get; }

    /// <summary>Opens <paramref name="path"/> (and the detail model <paramref name="detailPath"/>, if any); a missing file, a
    /// file FlowGen refuses or a model of the wrong kind is a <see cref="FlowGenException"/> naming the file.</summary>
    public static FlowTerrainModel Open(string path, string? detailPath = null, FlowBackend backend = FlowBackend.Cpu)
    {
        FlowModel? model = null, detail = null;
        try
        {
            model = Load(path, backend, out string full);
            string? detailFull = null;
            if (detailPath is not null) detail = Load(detailPath, backend, out detailFull);
            return new FlowTerrainModel(model, full, detail, detailFull);
        }
        catch
        {
            model?.Dispose();
            detail?.Dispose();
            throw;
        }
    }

    private static FlowModel Load(string path, FlowBackend backend, out string full)
    {
        full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FlowGenException("model file not found", full);
        // One lattice row (about 8 patches) per call; the model's own worker pool uses every core.
        return FlowModel.Load(full, new FlowModelOptions { MaxBatch = 16, Backend = backend });
    }

    public IPatchSampler Sampler(float temperature) => new FlowPatchSampler(_model, temperature);

    public IDetailSampler? DetailSampler() => _detail is null ? null : new FlowDetailSampler(_detail, _detail.Metadata.DefaultTemperature);

    public void Dispose()
    {
        _model.Dispose();
        _detail?.Dispose();
    }
}
