// The world options every world-making command shares: --levels and --gain of the multi-scale worlds, --detail, the
// model that draws the finest level given a coarse model's world (ConditionalPyramidWorld), and --overlap of the finest
// lattice. The default world is the bundled trained-scales pair (terrain-coarse under terrain-detail): measured closer
// to real terrain than the self-affine PyramidWorld of one model (README, "Worlds"), which any other MODEL gives.
using System.CommandLine;
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Cli.Commands;

internal static class WorldOptions
{
    /// <summary>The --detail value for the self-affine pyramid of the one model.</summary>
    public const string None = "none";

    /// <summary>The --detail default: the bundled detail model under the bundled coarse model, none under any other.</summary>
    public const string Auto = "auto";

    /// <summary>The MODEL argument of world commands: the bundled coarse model by default (under the bundled detail model).</summary>
    public static Argument<string> ModelArgument() => new("MODEL")
    {
        Description = $"heightmap model of the world: a path, or a bundled model ({string.Join(", ", BundledModels.Names)}); " +
            $"default {BundledModels.CoarseName}, under {BundledModels.DetailName} (see --detail)",
        DefaultValueFactory = _ => BundledModels.CoarseName,
    };

    /// <summary>The --levels, --gain, --detail and --overlap options with the worlds' defaults.</summary>
    public static (Option<int> Levels, Option<double?> Gain, Option<string> Detail, Option<int?> Overlap) Create() => (
        new Option<int>("--levels") { DefaultValueFactory = _ => PyramidWorld.DefaultLevels, Description = "scales of relief: 1 = patches only, each more 4x larger (1..8)" },
        new Option<double?>("--gain")
        {
            Description = $"height gain per level (default {PyramidWorld.DefaultGain}, with a detail model {ConditionalPyramidWorld.DefaultCoarseGain}: fitted on the bundled DEM's spectrum)",
        },
        new Option<string>("--detail")
        {
            DefaultValueFactory = _ => Auto,
            Description = $"detail model drawing the finest level given MODEL's world, MODEL then being a coarse model (trained with --downsample): a path or " +
                $"bundled name; {None}: every level from MODEL alone, summed (self-affine); {Auto} (default): {BundledModels.DetailName} when MODEL is " +
                $"{BundledModels.CoarseName}, {BundledModels.FastDetailName} when it is {BundledModels.FastCoarseName} (the fast world), else {None}",
        },
        new Option<int?>("--overlap")
        {
            Description = "pixels shared by neighbouring patches of the finest lattice (default: an eighth of a patch under a detail model, half a patch without)",
        });

    /// <summary>--gain, or the default of the world it applies to.</summary>
    public static double Gain(double? gain, bool detail) => gain ?? (detail ? ConditionalPyramidWorld.DefaultCoarseGain : PyramidWorld.DefaultGain);

    /// <summary>The model files of a world: MODEL, and the detail model or null (--detail none).</summary>
    public static (string Model, string? Detail) Resolve(string modelArgument, string detail) => (BundledModels.Resolve(modelArgument), detail switch
    {
        None => null,
        Auto => BundledModels.DetailFor(modelArgument) is { } paired ? BundledModels.Resolve(paired) : null,
        _ => BundledModels.Resolve(detail),
    });

    /// <summary>
    /// The world of <paramref name="seed"/>: with <paramref name="detail"/>, ConditionalPyramidWorld.Create (the coarse
    /// model's pyramid of levels - 1 levels under one detail level), else the PyramidWorld of the one model; bad
    /// --levels/--gain become ArgumentExceptions naming the option. A null gain is the world's default.
    /// </summary>
    public static IWorldSource World(IPatchSampler sampler, IDetailSampler? detail, ulong seed, int levels, double? gain, int? overlap = null)
    {
        if (levels is < 1 or > 8) throw new ArgumentException($"--levels must be in 1..8, not {levels}");
        if (gain is { } g && (!double.IsFinite(g) || g < 0)) throw new ArgumentException($"--gain must be finite and non-negative, not {g}");
        try
        {
            if (detail is null) return new PyramidWorld(sampler, seed, levels, gain ?? PyramidWorld.DefaultGain, overlap: overlap);
            if (levels < 2) throw new ArgumentException("--levels must be at least 2 with a detail model (the coarse model's levels and the detail level), or pass --detail none");
            if (gain == 0) throw new ArgumentException("--gain must be positive with a detail model");
            return ConditionalPyramidWorld.Create(sampler, detail, seed, levels, gain ?? ConditionalPyramidWorld.DefaultCoarseGain, overlap);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "overlap")
        {
            throw new ArgumentException($"--overlap: {e.Message.Split(" (Parameter")[0]}");
        }
        catch (ArgumentException e) when (e is not ArgumentOutOfRangeException && e.ParamName is not null)
        {
            throw new ArgumentException($"--detail: {e.Message.Split(" (Parameter")[0]}");
        }
    }

    /// <summary>The finest lattice of a world the CLI made, of <paramref name="patch"/>-pixel patches: stride, overlap and the
    /// first patch's offset from pixel 0 (the detail lattice's phase), in pixels.</summary>
    public static (int Stride, int Overlap, int Phase) FinestLattice(IWorldSource world, int patch)
    {
        var (overlap, phase) = world switch
        {
            ConditionalPyramidWorld c => (c.Overlap, c.Phase),
            PyramidWorld p => (p.Overlap, 0),
            _ => (patch / 2, 0),
        };
        return (patch - overlap, overlap, phase);
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
