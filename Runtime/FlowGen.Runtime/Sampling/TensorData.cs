// A host tensor crossing the public API (FlowModel.Run's inputs and outputs): element type, shape and
// one of three arrays. Not used in the sampling hot path.
namespace FlowGen.Runtime;

/// <summary>A dense row-major tensor in managed memory.</summary>
public sealed class TensorData
{
    private TensorData(ElementType type, int[] shape, Array data)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d}", nameof(shape));
            count *= d;
        }
        if (count != data.Length) throw new ArgumentException($"shape [{string.Join(",", shape)}] needs {count} elements, data has {data.Length}");
        Type = type;
        Shape = shape;
        Data = data;
    }

    public static TensorData FromFloats(int[] shape, float[] data) => new(ElementType.Float32, shape, data);
    public static TensorData FromLongs(int[] shape, long[] data) => new(ElementType.Int64, shape, data);
    public static TensorData FromBools(int[] shape, bool[] data) => new(ElementType.Bool, shape, data);

    public ElementType Type { get; }
    public int[] Shape { get; }

    /// <summary>float[], long[] or bool[] according to <see cref="Type"/>.</summary>
    public Array Data { get; }

    public float[] Floats => Data as float[] ?? throw new InvalidOperationException($"tensor is {ElementTypes.Name(Type)}, not float32");
    public long[] Longs => Data as long[] ?? throw new InvalidOperationException($"tensor is {ElementTypes.Name(Type)}, not int64");
}

/// <summary>A graph input or output as the model declares it; Shape uses -1 for the batch dimension.</summary>
public sealed record ModelTensorInfo(string Name, ElementType Type, IReadOnlyList<long> Shape);

/// <summary>Units of sampled values.</summary>
public enum SampleUnits
{
    /// <summary>The network's normalised output.</summary>
    Model,
    /// <summary>Model × flowgen.scale + flowgen.offset: metres for heightmaps, 0..1 intensity for textures.</summary>
    Physical,
}

/// <summary>How a model is loaded.</summary>
public sealed class FlowModelOptions
{
    /// <summary>Largest batch one run handles; the plan's memory is sized for it. Default 16.</summary>
    public int MaxBatch { get; init; } = 16;

    /// <summary>Worker threads (caller included); 0 = one per processor. Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>Refuse models whose plan needs more memory than this. Default 4 GiB.</summary>
    public long MaxMemoryBytes { get; init; } = 4L << 30;

    /// <summary>Where the graph runs. Default <see cref="FlowBackend.Cpu"/>.</summary>
    public FlowBackend Backend { get; init; } = FlowBackend.Cpu;

    /// <summary>Vulkan: keep the arena in device-local memory behind a host-visible mirror even where the host could map
    /// it (what a discrete GPU gets anyway), so that tests on integrated or software devices cover that path.</summary>
    internal bool ForceStagedArena { get; init; }
}

/// <summary>Where a <see cref="FlowModel"/> runs its graph.</summary>
public enum FlowBackend
{
    /// <summary>FlowGen's CPU kernels (SIMD, multi-threaded; bitwise the same for any thread count).</summary>
    Cpu,

    /// <summary>Vulkan compute on the first GPU the Vulkan loader reports (a software driver such as lavapipe counts):
    /// the same plan, the same samples to float rounding (not bit for bit), one submit per run. Throws
    /// <see cref="FlowGenException"/> where there is no Vulkan driver or the model uses an operator it lacks.</summary>
    Vulkan,
}
