// Which model the viewer opens: --model PATH, else the bundled terrain model (models/terrain.onnx), else
// the reference Glow test fixture, looked up from the working directory and from the program's folder up.
// --detail PATH adds a detail model under which --model is the coarse model (the bundled pair: --model
// models/terrain-coarse.onnx --detail models/terrain-detail.onnx); without it the world is the one model's.
using FlowGen.Runtime;

namespace FlowGen.Demo.Terrain;

internal static class TerrainModels
{
    public static readonly string[] Defaults =
    [
        Path.Combine("models", "terrain.onnx"),
        Path.Combine("Tests", "Fixtures", "glow_ref", "glow_ref_sample.onnx"),
    ];

    public const string NoDetail = "none";

    public static FlowTerrainModel Open(string? path, string? detail = null) =>
        FlowTerrainModel.Open(path ?? FindDefault(), detail == NoDetail ? null : detail);

    private static string FindDefault()
    {
        foreach (string relative in Defaults)
        {
            foreach (string? start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var d = start is null ? null : new DirectoryInfo(start); d is not null; d = d.Parent)
                {
                    string candidate = Path.Combine(d.FullName, relative);
                    if (File.Exists(candidate)) return candidate;
                }
        }
        throw new FlowGenException($"no model given and none of {string.Join(", ", Defaults)} found from here; pass --model PATH");
    }
}
