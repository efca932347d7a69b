// Which model the viewer opens: --model PATH, else the bundled trained-scales pair (models/terrain-coarse.onnx under
// models/terrain-detail.onnx, the default world of `flowgen world`; with --fast the fast pair, models/terrain-coarse-fast.onnx
// under models/terrain-detail-fast.onnx, about twice as fast to stream), else the bundled terrain model
// (models/terrain.onnx), else the reference Glow test fixture, looked up from the working directory and from the
// program's folder up. --detail PATH adds a detail model under which --model is the coarse model; --detail none keeps
// the one model's self-affine world (with no --model: models/terrain.onnx's).
using FlowGen.Runtime;

namespace FlowGen.Demo.Terrain;

internal static class TerrainModels
{
    /// <summary>The bundled coarse and detail models of the default world.</summary>
    public static readonly (string Coarse, string Detail) DefaultPair =
        (Path.Combine("models", "terrain-coarse.onnx"), Path.Combine("models", "terrain-detail.onnx"));

    /// <summary>The bundled fast world's pair (32 hidden channels: 2.4-2.6x fewer FLOPs a patch), opened by --fast.</summary>
    public static readonly (string Coarse, string Detail) FastPair =
        (Path.Combine("models", "terrain-coarse-fast.onnx"), Path.Combine("models", "terrain-detail-fast.onnx"));

    public static readonly string[] Defaults =
    [
        Path.Combine("models", "terrain.onnx"),
        Path.Combine("Tests", "Fixtures", "glow_ref", "glow_ref_sample.onnx"),
    ];

    public const string NoDetail = "none";

    /// <summary>Why --fast refuses --model and --detail beside it.</summary>
    public const string FastAlone = "--fast picks the bundled fast pair: give it without --model and --detail";

    public static FlowTerrainModel Open(string? path, string? detail = null, FlowBackend backend = FlowBackend.Cpu, bool fast = false)
    {
        if (fast)
        {
            if (path is not null || detail is not null) throw new FlowGenException(FastAlone);
            return FlowTerrainModel.Open(Find(FastPair.Coarse) ?? throw new FlowGenException($"--fast: {FastPair.Coarse} not found from here"),
                Find(FastPair.Detail) ?? throw new FlowGenException($"--fast: {FastPair.Detail} not found from here"), backend);
        }
        if (path is null && detail is null && Find(DefaultPair.Coarse) is { } coarse && Path.GetDirectoryName(coarse) is { } dir
            && File.Exists(Path.Combine(dir, Path.GetFileName(DefaultPair.Detail))))
            return FlowTerrainModel.Open(coarse, Path.Combine(dir, Path.GetFileName(DefaultPair.Detail)), backend);
        return FlowTerrainModel.Open(path ?? FindDefault(), detail == NoDetail ? null : detail, backend);
    }

    private static string FindDefault()
    {
        foreach (string relative in Defaults)
            if (Find(relative) is { } found) return found;
        throw new FlowGenException($"no model given and none of {string.Join(", ", Defaults)} found from here; pass --model PATH");
    }

    private static string? Find(string relative)
    {
        foreach (string? start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = start is null ? null : new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }
}
