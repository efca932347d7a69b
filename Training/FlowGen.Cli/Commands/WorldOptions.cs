// The world options every world-making command shares: --levels and --gain of the multi-scale worlds, and --detail,
// the model that draws the finer levels given the coarser ones (ConditionalPyramidWorld). Without one the world is
// the self-affine PyramidWorld of the one model.
using System.CommandLine;
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Cli.Commands;

internal static class WorldOptions
{
    /// <summary>The --detail value that picks the bundled detail model for the bundled terrain model, else none.</summary>
    public const string Auto = "auto";

    /// <summary>The --detail value for the self-affine pyramid of the one model.</summary>
    public const string None = "none";

    /// <summary>The --levels, --gain and --detail options with the worlds' defaults.</summary>
    public static (Option<int> Levels, Option<double> Gain, Option<string> Detail) Create() => (
        new Option<int>("--levels") { DefaultValueFactory = _ => PyramidWorld.DefaultLevels, Description = "scales of relief: 1 = patches only, each more 4x larger (1..8)" },
        new Option<double>("--gain") { DefaultValueFactory = _ => PyramidWorld.DefaultGain, Description = "height gain per level (self-affine scaling; fitted on the bundled DEM)" },
        new Option<string>("--detail")
        {
            DefaultValueFactory = _ => Auto,
            Description = $"detail model drawing each finer level given the coarser one: a path, {BundledModels.DetailName} (bundled), " +
                $"{None} (every level from MODEL alone, summed), or {Auto} ({BundledModels.DetailName} with the bundled terrain model, else {None})",
        });

    /// <summary>The detail model file <paramref name="detail"/> names for <paramref name="modelArgument"/>, or null for none.</summary>
    public static string? ResolveDetail(string modelArgument, string detail) => detail switch
    {
        None => null,
        Auto => modelArgument == BundledModels.DefaultName && File.Exists(BundledModels.BundledPath(BundledModels.DetailName))
            ? BundledModels.BundledPath(BundledModels.DetailName) : null,
        _ => BundledModels.Resolve(detail),
    };

    /// <summary>
    /// The world of <paramref name="seed"/>: a ConditionalPyramidWorld when <paramref name="detail"/> is given, else a
    /// PyramidWorld; bad --levels/--gain become ArgumentExceptions naming the option.
    /// </summary>
    public static IWorldSource World(IPatchSampler sampler, IDetailSampler? detail, ulong seed, int levels, double gain)
    {
        if (levels is < 1 or > 8) throw new ArgumentException($"--levels must be in 1..8, not {levels}");
        if (!double.IsFinite(gain) || gain < 0) throw new ArgumentException($"--gain must be finite and non-negative, not {gain}");
        if (detail is not null && gain == 0) throw new ArgumentException("--gain must be positive with a detail model (or pass --detail none)");
        return detail is null
            ? new PyramidWorld(sampler, seed, levels, gain)
            : new ConditionalPyramidWorld(sampler, detail, seed, levels, gain);
    }

    /// <summary>The detail sampler of a detail model (null for none) at its default temperature.</summary>
    public static IDetailSampler? DetailSampler(FlowModel? detail) => detail is null ? null : new FlowDetailSampler(detail, detail.Metadata.DefaultTemperature);

    /// <summary>Loads the detail model (null for none) with the options of the coarse one.</summary>
    public static FlowModel? LoadDetail(string? path, FlowModelOptions options)
    {
        if (path is null) return null;
        var model = FlowModel.Load(path, options);
        if (!model.IsConditional)
        {
            model.Dispose();
            throw new FlowGenException("--detail needs a detail model (trained with --context-factor); this one has no context input", path);
        }
        return model;
    }
}
