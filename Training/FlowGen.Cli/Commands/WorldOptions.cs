// The world options every world-making command shares: --levels and --gain of the multi-scale PyramidWorld.
using System.CommandLine;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Cli.Commands;

internal static class WorldOptions
{
    /// <summary>The --levels and --gain options with PyramidWorld's defaults.</summary>
    public static (Option<int> Levels, Option<double> Gain) Create() => (
        new Option<int>("--levels") { DefaultValueFactory = _ => PyramidWorld.DefaultLevels, Description = "scales of relief: 1 = patches only, each more 4x larger (1..8)" },
        new Option<double>("--gain") { DefaultValueFactory = _ => PyramidWorld.DefaultGain, Description = "height gain per level (self-affine scaling; fitted on the bundled DEM)" });

    /// <summary>The world of <paramref name="seed"/>; bad --levels/--gain become ArgumentExceptions naming the option.</summary>
    public static PyramidWorld World(IPatchSampler sampler, ulong seed, int levels, double gain)
    {
        if (levels is < 1 or > 8) throw new ArgumentException($"--levels must be in 1..8, not {levels}");
        if (!double.IsFinite(gain) || gain < 0) throw new ArgumentException($"--gain must be finite and non-negative, not {gain}");
        return new PyramidWorld(sampler, seed, levels, gain);
    }
}
