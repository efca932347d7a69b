// `flowgen bench-stream [MODEL] [--chunk 256] [--chunks N] [--threads T] [--json]`: latency of the runtime's chunk
// streaming API (ChunkStreamer over the world flowgen world makes of MODEL) per cold chunk, measured against a
// reference in the same run: sampling the same patches straight from the flow in batches of 64, which is the floor
// any chunk assembly on top of this model can reach. The timed chunks lie side by side (4 per row), as a camera
// crossing new ground asks for them, so a world's patch cache serves the coarse patches they share; isolated chunks
// far apart show the cost with nothing shared. Reports median and 95th-percentile latency, chunks/s, patches drawn
// per chunk, the streaming/flow-only ratio and the latency of a cached chunk. `--against OTHER` times a second world
// (e.g. terrain-coarse-fast against the default terrain-coarse) chunk by chunk, alternating the two on the same
// coordinates so that the VM's speed drifting between runs cannot favour either, and reports the ratio of medians.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FlowGen.Runtime;
using FlowGen.Runtime.Cpu;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Cli.Commands;

internal static class BenchStreamCommand
{
    public static Command Create()
    {
        var model = WorldOptions.ModelArgument();
        var chunk = new Option<int>("--chunk") { DefaultValueFactory = _ => 256, Description = "chunk size in pixels" };
        var chunks = new Option<int>("--chunks") { DefaultValueFactory = _ => 12, Description = "cold chunks to time" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0, Description = "worker threads (0 = one per processor)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var (levels, gain, detail, overlap) = WorldOptions.Create();
        var backend = Cli.BackendOption();
        var against = new Option<string?>("--against")
        {
            Description = "a second world's model (bundled name or path, its detail model by --detail auto) timed chunk by chunk alternately with MODEL's: the ratio of their medians",
        };
        var command = new Command("bench-stream", "Benchmark chunk streaming latency against sampling the same patches directly") { model, chunk, chunks, threads, levels, gain, detail, overlap, json, backend, against };
        command.SetAction(pr => Cli.Guard(() => pr.GetValue(against) is { } other
            ? RunAgainst(pr.GetValue(model)!, other, pr.GetValue(chunk), pr.GetValue(chunks), pr.GetValue(threads), pr.GetValue(json), pr.GetValue(levels), Cli.ParseBackend(pr.GetValue(backend)!),
                pr.GetValue(detail)!)
            : Run(pr.GetValue(model)!, pr.GetValue(chunk), pr.GetValue(chunks), pr.GetValue(threads), pr.GetValue(json),
            pr.GetValue(levels), pr.GetValue(gain), pr.GetValue(detail)!, pr.GetValue(overlap), Cli.ParseBackend(pr.GetValue(backend)!))));
        return command;
    }

    internal sealed record Result(int ChunkSize, int Chunks, int PatchesPerChunk, int DetailPatchesPerChunk, double MedianMs, double P95Ms, double ChunksPerS,
        double FlowOnlyMedianMs, double RatioVsFlowOnly, double CachedMedianMs, int Threads, double TargetMs, double IsolatedMedianMs, double InFlowMeanMs);

    /// <summary>Counts the patches the world asks for, so the flow-only reference samples exactly as many.</summary>
    private sealed class CountingSampler(IPatchSampler inner) : IPatchSampler
    {
        public long Patches;
        public long Ticks; // Stopwatch ticks inside the flow
        public int PatchSize => inner.PatchSize;
        public double PixelSizeMetres => inner.PixelSizeMetres;

        public void Sample(Span<float> destination, ulong seed, long firstIndex, int count)
        {
            Interlocked.Add(ref Patches, count);
            inner.Sample(destination, seed, firstIndex, count);
        }

        // Forwarded, not left to the interface's per-row default: the world's batched call must reach the flow as one.
        public void SampleRows(Span<float> destination, ulong seed, long firstIndex, int count, int rows, long rowStride, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Patches, (long)count * rows);
            long t = Stopwatch.GetTimestamp();
            inner.SampleRows(destination, seed, firstIndex, count, rows, rowStride, cancellationToken);
            Interlocked.Add(ref Ticks, Stopwatch.GetTimestamp() - t);
        }
    }

    /// <summary>Counts the detail patches the world asks for.</summary>
    private sealed class CountingDetailSampler(IDetailSampler inner) : IDetailSampler
    {
        public long Patches;
        public long Ticks;
        public int PatchSize => inner.PatchSize;
        public int ContextFactor => inner.ContextFactor;
        public double PixelSizeMetres => inner.PixelSizeMetres;

        public void SampleRows(Span<float> destination, ReadOnlySpan<float> context, ulong seed, long firstIndex, int count, int rows, long rowStride,
            CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Patches, (long)count * rows);
            long t = Stopwatch.GetTimestamp();
            inner.SampleRows(destination, context, seed, firstIndex, count, rows, rowStride, cancellationToken);
            Interlocked.Add(ref Ticks, Stopwatch.GetTimestamp() - t);
        }
    }

    internal static int Run(string modelArg, int chunkSize, int chunkCount, int threads, bool json,
        int levels = PyramidWorld.DefaultLevels, double? gain = null, string detailArg = WorldOptions.Auto, int? overlap = null, FlowBackend backend = FlowBackend.Cpu)
    {
        CheckArguments(chunkSize, chunkCount, threads);
        var (path, detailPath) = WorldOptions.Resolve(modelArg, detailArg);
        const int batch = 64;
        using var model = FlowModel.Load(path, new FlowModelOptions { MaxBatch = batch, Threads = threads, Backend = backend });
        if (model.Metadata.Kind is { } kind && kind != "heightmap")
            throw new FlowGenException($"the model is of kind '{kind}'; streaming worlds need a heightmap model", path);
        float t = model.Metadata.DefaultTemperature;
        var counter = new CountingSampler(new FlowPatchSampler(model, t));
        using var detail = WorldOptions.LoadDetail(detailPath, new FlowModelOptions { MaxBatch = batch, Threads = threads, Backend = backend });
        var detailCounter = WorldOptions.DetailSampler(detail) is { } d ? new CountingDetailSampler(d) : null;
        using var streamer = new ChunkStreamer(WorldOptions.World(counter, detailCounter, 1, levels, gain, overlap), new ChunkStreamerOptions { ChunkSize = chunkSize, MemoryBudgetBytes = 1L << 30 });

        // Warm-up (JIT, arena, caches) on chunks outside the timed set: at least four chunks and two seconds, so that the
        // tiered JIT has promoted the hot methods (the first chunks run partly in quickly-jitted code) before timing starts.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 4 || warm.Elapsed.TotalSeconds < 2; i++) streamer.RequestAsync(new ChunkCoord(-100 - i, -100)).GetAwaiter().GetResult();
        long before = Interlocked.Read(ref counter.Patches), detailBefore = detailCounter is null ? 0 : Interlocked.Read(ref detailCounter.Patches);
        long ticksBefore = Interlocked.Read(ref counter.Ticks) + (detailCounter is null ? 0 : Interlocked.Read(ref detailCounter.Ticks));
        var cold = new double[chunkCount];
        for (int i = 0; i < chunkCount; i++)
        {
            var sw = Stopwatch.StartNew();
            streamer.RequestAsync(new ChunkCoord(i % 4, i / 4)).GetAwaiter().GetResult();
            cold[i] = sw.Elapsed.TotalMilliseconds;
        }
        double inFlowMs = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref counter.Ticks) + (detailCounter is null ? 0 : Interlocked.Read(ref detailCounter.Ticks))
            - ticksBefore).TotalMilliseconds / chunkCount;
        int patchesPerChunk = (int)((Interlocked.Read(ref counter.Patches) - before) / chunkCount);
        int detailPerChunk = detailCounter is null ? 0 : (int)((Interlocked.Read(ref detailCounter.Patches) - detailBefore) / chunkCount);
        // Isolated chunks, far from each other and from everything before: nothing to share with a neighbour (what the first
        // chunk in new ground costs).
        var isolated = new double[chunkCount];
        for (int i = 0; i < chunkCount; i++)
        {
            var sw = Stopwatch.StartNew();
            streamer.RequestAsync(new ChunkCoord(100_000 + 1_000 * i, -50_000)).GetAwaiter().GetResult();
            isolated[i] = sw.Elapsed.TotalMilliseconds;
        }
        var cached = new double[chunkCount];
        for (int i = 0; i < chunkCount; i++)
        {
            var sw = Stopwatch.StartNew();
            streamer.RequestAsync(new ChunkCoord(i % 4, i / 4)).GetAwaiter().GetResult();
            cached[i] = sw.Elapsed.TotalMilliseconds;
        }

        // Reference: the same number of patches straight from the flows, in batches of 64 (detail patches with a flat context:
        // the same work as any other).
        var buffer = new float[batch * Math.Max(model.SampleLength, detail?.SampleLength ?? 0)];
        var flatContext = new float[batch * (detail?.ContextLength ?? 0)];
        var flowOnly = new double[chunkCount];
        for (int i = 0; i < chunkCount; i++)
        {
            var sw = Stopwatch.StartNew();
            for (int done = 0; done < patchesPerChunk; done += batch)
                model.Sample(buffer, 7, (long)i * patchesPerChunk + done, Math.Min(batch, patchesPerChunk - done), t);
            for (int done = 0; done < detailPerChunk; done += batch)
                detail!.Sample(buffer, 7, (long)i * detailPerChunk + done, Math.Min(batch, detailPerChunk - done), t, flatContext.AsSpan(0, Math.Min(batch, detailPerChunk - done) * detail.ContextLength));
            flowOnly[i] = sw.Elapsed.TotalMilliseconds;
        }

        double median = Median(cold), flowMedian = Median(flowOnly);
        var r = new Result(chunkSize, chunkCount, patchesPerChunk, detailPerChunk, median, Percentile(cold, 0.95), 1000 / cold.Average(),
            flowMedian, median / flowMedian, Median(cached), threads == 0 ? Environment.ProcessorCount : threads, 20, Median(isolated), inFlowMs);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(r));
            return Cli.Ok;
        }
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        int side = model.SampleShape[^1], detailSide = detail?.SampleShape[^1] ?? 0;
        string patches = detailPerChunk > 0
            ? $"{patchesPerChunk} coarse patches of {side}x{side} + {detailPerChunk} detail patches of {detailSide}x{detailSide}"
            : $"{patchesPerChunk} patches of {side}x{side}";
        Console.Out.WriteLine($"{chunkSize}x{chunkSize} chunks ({patches} drawn per chunk), {(backend == FlowBackend.Cpu ? $"{r.Threads} threads on {GemmKernel.VectorIsa}" : $"flows on Vulkan ({model.DeviceName})")}, {chunkCount} cold chunks side by side (4 x {(chunkCount + 3) / 4})");
        Console.Out.WriteLine($"  streaming (ChunkStreamer):   median {F(median)} ms, p95 {F(r.P95Ms)} ms, {F(r.ChunksPerS)} chunks/s");
        Console.Out.WriteLine($"  isolated chunks:             median {F(r.IsolatedMedianMs)} ms (no neighbour to share coarse patches with)");
        Console.Out.WriteLine($"  flow only (same patches):    median {F(flowMedian)} ms; inside the world's flow calls {F(inFlowMs)} ms a chunk on average");
        Console.Out.WriteLine($"  ratio streaming / flow only: {F(r.RatioVsFlowOnly)}");
        Console.Out.WriteLine($"  cached chunk:                median {F(r.CachedMedianMs)} ms");
        Console.Out.WriteLine($"  target 20 ms per 256x256 chunk: {(chunkSize == 256 ? (median <= 20 ? "met" : "not met") : "n/a (other chunk size)")}");
        return Cli.Ok;
    }

    internal sealed record Comparison(int ChunkSize, int Chunks, int Threads, string Model, string Against, double MedianMs, double AgainstMedianMs,
        double P95Ms, double AgainstP95Ms, double IsolatedMedianMs, double AgainstIsolatedMedianMs, double Ratio, double IsolatedRatio);

    // MODEL's world (under --detail) and OTHER's (its --detail auto pair), each with the default gain and overlap, timed alternately.
    internal static int RunAgainst(string modelArg, string otherArg, int chunkSize, int chunkCount, int threads, bool json,
        int levels = PyramidWorld.DefaultLevels, FlowBackend backend = FlowBackend.Cpu, string modelDetail = WorldOptions.Auto)
    {
        CheckArguments(chunkSize, chunkCount, threads);
        var options = new FlowModelOptions { MaxBatch = 64, Threads = threads, Backend = backend };
        var disposables = new List<IDisposable>();
        try
        {
            ChunkStreamer Open(string arg, string detailArg)
            {
                var (path, detailPath) = WorldOptions.Resolve(arg, detailArg);
                var model = FlowModel.Load(path, options);
                disposables.Add(model);
                if (model.Metadata.Kind is { } kind && kind != "heightmap")
                    throw new FlowGenException($"the model is of kind '{kind}'; streaming worlds need a heightmap model", path);
                var detail = WorldOptions.LoadDetail(detailPath, options);
                if (detail is not null) disposables.Add(detail);
                var world = WorldOptions.World(new FlowPatchSampler(model, model.Metadata.DefaultTemperature), WorldOptions.DetailSampler(detail), 1, levels, null);
                var streamer = new ChunkStreamer(world, new ChunkStreamerOptions { ChunkSize = chunkSize, MemoryBudgetBytes = 1L << 30 });
                disposables.Add(streamer);
                return streamer;
            }
            var a = Open(modelArg, modelDetail);
            var b = Open(otherArg, WorldOptions.Auto);
            // A world named by its coarse model, and its detail model where --detail chose one other than the pair's.
            if (modelDetail != WorldOptions.Auto) modelArg = $"{modelArg} under {modelDetail}";
            static double Time(ChunkStreamer s, ChunkCoord c)
            {
                var sw = Stopwatch.StartNew();
                s.RequestAsync(c).GetAwaiter().GetResult();
                return sw.Elapsed.TotalMilliseconds;
            }
            var warm = Stopwatch.StartNew();
            for (int i = 0; i < 4 || warm.Elapsed.TotalSeconds < 4; i++)
            {
                Time(a, new ChunkCoord(-100 - i, -100));
                Time(b, new ChunkCoord(-100 - i, -100));
            }
            var (ta, tb, ia, ib) = (new double[chunkCount], new double[chunkCount], new double[chunkCount], new double[chunkCount]);
            for (int i = 0; i < chunkCount; i++)
            {
                var side = new ChunkCoord(i % 4, i / 4);
                var far = new ChunkCoord(100_000 + 1_000 * i, -50_000);
                // Alternate which goes first, so neither always runs on the caches the other just warmed.
                if (i % 2 == 0) { ta[i] = Time(a, side); tb[i] = Time(b, side); ia[i] = Time(a, far); ib[i] = Time(b, far); }
                else { tb[i] = Time(b, side); ta[i] = Time(a, side); ib[i] = Time(b, far); ia[i] = Time(a, far); }
            }
            var r = new Comparison(chunkSize, chunkCount, threads == 0 ? Environment.ProcessorCount : threads, modelArg, otherArg, Median(ta), Median(tb),
                Percentile(ta, 0.95), Percentile(tb, 0.95), Median(ia), Median(ib), Median(ta) / Median(tb), Median(ia) / Median(ib));
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(r));
                return Cli.Ok;
            }
            string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
            Console.Out.WriteLine($"{chunkSize}x{chunkSize} chunks, {r.Threads} threads on {GemmKernel.VectorIsa}, {chunkCount} cold chunks side by side and {chunkCount} isolated, the two worlds alternating");
            Console.Out.WriteLine($"  {modelArg}: median {F(r.MedianMs)} ms, p95 {F(r.P95Ms)} ms, isolated {F(r.IsolatedMedianMs)} ms");
            Console.Out.WriteLine($"  {otherArg}: median {F(r.AgainstMedianMs)} ms, p95 {F(r.AgainstP95Ms)} ms, isolated {F(r.AgainstIsolatedMedianMs)} ms");
            Console.Out.WriteLine($"  ratio {modelArg} / {otherArg}: {F(r.Ratio)} (isolated {F(r.IsolatedRatio)})");
            return Cli.Ok;
        }
        finally
        {
            for (int i = disposables.Count - 1; i >= 0; i--) disposables[i].Dispose();
        }
    }

    private static void CheckArguments(int chunkSize, int chunkCount, int threads)
    {
        if (chunkSize is < 16 or > 4096) throw new ArgumentException("--chunk must be in 16..4096");
        if (chunkCount is < 1 or > 10_000) throw new ArgumentException("--chunks must be in 1..10000");
        if (threads < 0) throw new ArgumentException("--threads must be 0 (one per processor) or positive");
    }

    private static double Median(double[] v) => Percentile(v, 0.5);

    private static double Percentile(double[] v, double q)
    {
        var s = v.Order().ToArray();
        return s[(int)Math.Min(s.Length - 1, Math.Round(q * (s.Length - 1)))];
    }
}
