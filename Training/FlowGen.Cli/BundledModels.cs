// The models that ship with FlowGen (models/*.onnx in the repository, copied next to the flowgen executable):
// a name such as `terrain` stands for models/terrain.onnx; anything else is a path.
using System.CommandLine;
using FlowGen.Runtime;

namespace FlowGen.Cli;

internal static class BundledModels
{
    public const string DefaultName = "terrain";

    /// <summary>The detail model multi-scale worlds of the bundled terrain model use for their finer levels.</summary>
    public const string DetailName = "terrain-detail";

    /// <summary>The coarse model (the DEM's 4x4 block means) under the detail model in those worlds.</summary>
    public const string CoarseName = "terrain-coarse";

    /// <summary>The fast world's coarse model: the same data and recipe as <see cref="CoarseName"/> with 32 hidden channels (2.6x fewer FLOPs).</summary>
    public const string FastCoarseName = "terrain-coarse-fast";

    /// <summary>The fast world's detail model (32 hidden channels, 2.4x fewer FLOPs than <see cref="DetailName"/>), under <see cref="FastCoarseName"/>.</summary>
    public const string FastDetailName = "terrain-detail-fast";

    public static readonly string[] Names = ["terrain", "grass", "gravel", "brick", CoarseName, DetailName, FastCoarseName, FastDetailName];

    /// <summary>The bundled detail model paired with a bundled coarse model (what --detail auto picks), or null for any other model.</summary>
    public static string? DetailFor(string modelArgument) => modelArgument switch
    {
        CoarseName => DetailName,
        FastCoarseName => FastDetailName,
        _ => null,
    };

    /// <summary>A MODEL argument that defaults to the bundled terrain model and accepts bundled names or paths.</summary>
    public static Argument<string> Argument(string what) => new("MODEL")
    {
        Description = $"{what}: a path, or a bundled model ({string.Join(", ", Names)}; default {DefaultName})",
        DefaultValueFactory = _ => DefaultName,
    };

    /// <summary>The file a model argument names: a bundled model's path for its name, else the argument itself.</summary>
    public static string Resolve(string modelArgument)
    {
        if (!Names.Contains(modelArgument, StringComparer.Ordinal)) return modelArgument;
        string path = BundledPath(modelArgument);
        if (!File.Exists(path))
            throw new FlowGenException($"the bundled model '{modelArgument}' is missing next to the program (expected {path}); rebuild, or pass a model path");
        return path;
    }

    /// <summary>Where the bundled model <paramref name="name"/> lies next to the program.</summary>
    public static string BundledPath(string name) => Path.Combine(AppContext.BaseDirectory, "models", name + ".onnx");
}
