// --bench output: frame time statistics and chunk generation throughput, one line each.
namespace FlowGen.Demo.App;

internal static class BenchReport
{
    public static void Print(IReadOnlyList<double> frameMs, DemoWorld world)
    {
        // The first frame loads the starting view and pays pipeline JIT (lavapipe compiles shaders on first use): reported apart.
        var steady = frameMs.Skip(1).OrderBy(x => x).ToArray();
        if (steady.Length == 0) steady = [.. frameMs];
        double mean = steady.Average(), p50 = steady[steady.Length / 2], p95 = steady[(int)(steady.Length * 0.95)];
        Console.WriteLine($"bench: frames {frameMs.Count}, first (loads the view) {frameMs[0]:0.0} ms, then mean {mean:0.0} ms, p50 {p50:0.0} ms, p95 {p95:0.0} ms ({1000 / mean:0.0} fps)");
        Console.WriteLine($"bench: chunks uploaded {world.ChunksUploaded}, generation {world.MeanGenerationMs:0.0} ms/chunk (worker time), {world.MeanChunksPerSecond:0.0} chunks/s, {world.Layout.VerticesPerSide}^2 vertices/chunk");
    }
}
