// The world options every world-making command shares: --levels and --gain of the multi-scale worlds, and --detail,
// the model that draws the finest level given a coarse model's world (ConditionalPyramidWorld). Without one (the
// default) the world is the self-affine PyramidWorld of the one model.
using System.CommandLine;
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Cli.Commands;

internal static class WorldOptions
{
    /// <summary>The --detail value for the self-affine pyramid of the one model (the default).</summary>
    public const string None = "none";

    /// <summary>The --levels, --gain and --detail options with the worlds' defaults.</summary>
    public static (Option<int> Levels, Option<double?> Gain, Option<string> Detail) Create() => (
        new Option<int>("--levels") { DefaultValueFactory = _ => PyramidWorld.DefaultLevels, Description = "scales of relief: 1 = patches only, each more 4x larger (1..8)" },
        new Option<double?>("--gain")
        {
            Description = $"height gain per level (default {PyramidWorld.DefaultGain}, with a detail model {ConditionalPyramidWorld.DefaultCoarseGain}: fitted on the bundled DEM's spectrum)",
        },
        new Option<string>("--detail")
        {
            DefaultValueFactory = _ => None,
            Description = $"detail model drawing the finest level given MODEL's world, MODEL then being a coarse model (trained with --downsample): a path, " +
                $"or {BundledModels.DetailName} with MODEL {BundledModels.CoarseName} for the bundled pair; {None} (default): every level from MODEL alone, summed",
        });

    /// <summary>--gain, or the default of the world it applies to.</summary>
    public static double Gain(double? gain, bool detail) => gain ?? (detail ? ConditionalPyramidWorld.DefaultCoarseGain : PyramidWorld.DefaultGain);

    /// <summary>The model files of a world: MODEL, and the detail model or null (--detail none).</summary>
    public static (string Model, string? Detail) Resolve(string modelArgument, string detail) =>
        (BundledModels.Resolve(modelArgument), detail == None ? null : BundledModels.Resolve(detail));

    /// <summary>
    /// The world of <paramref name="seed"/>: with <paramref name="detail"/>, ConditionalPyramidWorld.Create (the coarse
    /// model's pyramid of levels - 1 levels under one detail level), else the PyramidWorld of the one model; bad
    /// --levels/--gain become ArgumentExceptions naming the option. A null gain is the world's default.
    /// </summary>
    public static IWorldSource World(IPatchSampler sampler, IDetailSampler? detail, ulong seed, int levels, double? gain)
    {
        if (levels is < 1 or > 8) throw new ArgumentException($"--levels must be in 1..8, not {levels}");
        if (gain is { } g && (!double.IsFinite(g) || g < 0)) throw new ArgumentException($"--gain must be finite and non-negative, not {g}");
        if (detail is null) return new PyramidWorld(sampler, seed, levels, gain ?? PyramidWorld.DefaultGain);
        if (levels < 2) throw new ArgumentException("--levels must be at least 2 with a detail model (the coarse model's levels and the detail level), or pass --detail none");
        if (gain == 0) throw new ArgumentException("--gain must be positive with a detail model");
        try
        {
            return ConditionalPyramidWorld.Create(sampler, detail, seed, levels, gain ?? ConditionalPyramidWorld.DefaultCoarseGain);
        }
        catch (ArgumentException e) when (e is not ArgumentOutOfRangeException)
        {
            throw new ArgumentException($"--detail: {e.Message.Split(" (Parameter")[0]}");
        }
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
