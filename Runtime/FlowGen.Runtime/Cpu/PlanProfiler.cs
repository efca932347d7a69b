// Where a compiled model spends its time on the CPU: runs the plan on one serial executor (as each sampling lane
// does) with every step timed, for `flowgen bench --profile`. Inputs are standard normal draws (the latent
// generator's, input i as its sample i), so data-dependent operators (splines, clipping) see the values sampling
// gives them.
using System.Diagnostics;
using System.Runtime.InteropServices;
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

/// <summary>One plan step's share of a profiled run.</summary>
internal sealed record StepProfile(int Index, string OpType, string Name, string Detail, long Flops, double MeanMs);

internal static class PlanProfiler
{
    /// <summary>
    /// Times every step of <paramref name="plan"/> at <paramref name="batch"/> (at most the plan's maximum) on a serial
    /// executor for about <paramref name="seconds"/> after a warm-up long enough for the JIT to optimise the kernels.
    /// Returns the steps in plan order with their mean milliseconds a run.
    /// </summary>
    public static IReadOnlyList<StepProfile> Profile(ExecutionPlan plan, int batch, double seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, plan.MaxBatch);
        if (!(seconds > 0)) throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "seconds must be positive");
        using var executor = new CpuExecutor(plan, WorkerPool.Serial);
        for (int i = 0; i < plan.Inputs.Count; i++)
        {
            var v = plan.Inputs[i];
            if (v.Type != ElementType.Float32) throw new FlowGenException($"profiling needs float32 inputs; '{v.Name}' is {ElementTypes.Name(v.Type)}", plan.Source);
            var data = new float[checked((int)v.ElementCount(batch))];
            LatentGenerator.Fill(data, seed: 1234, sampleIndex: i);
            executor.SetInput(i, MemoryMarshal.AsBytes(data.AsSpan()));
        }
        var ticks = new long[plan.Steps.Count];
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 20 || warm.Elapsed.TotalSeconds < Math.Min(1.0, seconds); i++) executor.Run(batch);
        int runs = 0;
        var timed = Stopwatch.StartNew();
        while (runs < 5 || timed.Elapsed.TotalSeconds < seconds)
        {
            executor.RunTimed(batch, ticks);
            runs++;
        }
        return plan.Steps.Select((s, i) => new StepProfile(i, s.OpType, s.Name, Describe(s, batch), PlanStatistics.Flops(s, batch),
            Stopwatch.GetElapsedTime(0, ticks[i]).TotalMilliseconds / runs)).ToArray();
    }

    // Output shape, and a convolution's kernel, channels and fused activation.
    private static string Describe(PlanStep s, int batch)
    {
        var shape = string.Join("x", s.Outputs[0].Shape.Select(d => d.At(batch)));
        if (s.Params is not ConvParams p) return shape;
        long cin = s.Inputs[1]!.Shape[1].Const * p.Group;
        string act = p.Activation == Activation.None ? "" : " " + p.Activation.ToString().ToLowerInvariant();
        return $"{shape} k{p.KernelH}x{p.KernelW} cin {cin}{(p.Group > 1 ? $" g{p.Group}" : "")}{act}";
    }
}
