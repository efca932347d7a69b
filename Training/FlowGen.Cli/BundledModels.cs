// The models that ship with FlowGen (models/*.onnx in the repository, copied next to the flowgen executable):
// a name such as `terrain` stands for models/terrain.onnx; anything else is a path.
using System.CommandLine;
using FlowGen.Runtime;

namespace FlowGen.Cli;

internal static class BundledModels
{
    public const string DefaultName = "terrain";

    public static readonly string[] Names = ["terrain", "grass", "gravel", "brick"];

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
        string path = Path.Combine(AppContext.BaseDirectory, "models", modelArgument + ".onnx");
        if (!File.Exists(path))
            throw new FlowGenException($"the bundled model '{modelArgument}' is missing next to the program (expected {path}); rebuild, or pass a model path");
        return path;
    }
}
