// `flowgen inspect MODEL`: what a model file holds and what it costs — inputs, outputs, operator counts,
// parameters, FLOPs per sample, whether the Vulkan backend runs it, and the metadata — after FlowGen has compiled it
// (so a file that inspects cleanly also runs). MODEL is a path or a bundled model's name.
using System.CommandLine;
using System.Globalization;
using FlowGen.Runtime;
using FlowGen.Runtime.Graph;

namespace FlowGen.Cli.Commands;

internal static class InspectCommand
{
    public static Command Create()
    {
        var model = BundledModels.Argument("ONNX model file");
        var command = new Command("inspect", "Show a model's inputs, outputs, operators, parameters, FLOPs per sample and metadata.") { model };
        command.SetAction(pr => Cli.Guard(() => Run(BundledModels.Resolve(pr.GetValue(model)!), Console.Out)));
        return command;
    }

    internal static int Run(string path, TextWriter o)
    {
        using var m = FlowModel.Load(path, new FlowModelOptions { MaxBatch = 1, Threads = 1 });
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"model: {path}");
        foreach (var i in m.Inputs) o.WriteLine($"input:  {i.Name} {ElementTypes.Name(i.Type)} [{Dims(i.Shape)}]");
        foreach (var i in m.Outputs) o.WriteLine($"output: {i.Name} {ElementTypes.Name(i.Type)} [{Dims(i.Shape)}]");
        o.WriteLine($"operators ({m.OperatorCounts.Values.Sum()} nodes): " +
            string.Join(", ", m.OperatorCounts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
        o.WriteLine($"compiled steps: {m.Plan.Steps.Count} (after folding and fusion), arena {m.Plan.ArenaBytes.ToString("N0", inv)} bytes at batch 1");
        o.WriteLine($"parameters: {PlanStatistics.Parameters(m.Plan).ToString("N0", inv)}");
        o.WriteLine($"FLOPs per sample: {PlanStatistics.Flops(m.Plan, 1).ToString("N0", inv)}");
        o.WriteLine(!m.CanSample ? "sampling: no (not a z -> x sampling graph)"
            : m.IsConditional ? $"sampling: (z, context) -> x, sample shape [{string.Join(",", m.SampleShape)}], context [{string.Join(",", m.ContextShape)}]" +
                (m.Metadata.Context == "coarse" ? $": a detail model (context = the terrain's {m.Metadata.ContextFactor}x coarser block means, upsampled; x = the residual)" : "")
            : $"sampling: z -> x, sample shape [{string.Join(",", m.SampleShape)}]");
        if (m.Metadata.Context == "coarse")
            o.WriteLine($"in worlds: patches {m.Metadata.ContextPhase ?? FlowGen.Runtime.Streaming.ConditionalPyramidWorld.DefaultPhase} px off the coarse grid" +
                (m.Metadata.ContextPhase is null ? " (none recorded: the default)" : "") + ", blended as draws correlated " +
                m.Metadata.DrawCorrelation.ToString("0.###", inv) + (m.Metadata.DrawCorrelation == 0 ? " (none recorded: independent)" : "") +
                (m.Metadata.ContextPhaseBaked ? "; its phase maps are baked in for that offset, the only one it draws for" : ""));
        if (m.CanSample && m.Metadata.LatentLevelLengths is { } levels)
            o.WriteLine($"latent levels: {levels.Count} ({string.Join(", ", levels)} latents, finest first: what --level-temperatures takes one value each for)");
        o.WriteLine(FlowGen.Runtime.Vulkan.VulkanExecutor.Refusal(m.Plan) is { } refusal
            ? $"vulkan backend: no ({refusal})"
            : "vulkan backend: yes (--backend vulkan runs every compiled step)");
        o.WriteLine("metadata:");
        foreach (var (k, v) in m.Metadata.Raw.OrderBy(p => p.Key, StringComparer.Ordinal)) o.WriteLine($"  {k} = {v}");
        return Cli.Ok;
    }

    private static string Dims(IReadOnlyList<long> shape) => string.Join(",", shape.Select(d => d < 0 ? "N" : d.ToString(CultureInfo.InvariantCulture)));
}
