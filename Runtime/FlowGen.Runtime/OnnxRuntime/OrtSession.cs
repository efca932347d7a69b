// An ONNX model running in ONNX Runtime (FlowGen's optional ORT backend): float32 tensors in and out by
// name. The library is found at run time (see OrtApi); without it, construction throws
// OrtNotAvailableException and OrtSession.IsAvailable is false. Run is thread-safe (ORT sessions are);
// Dispose is not concurrent with Run.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.OnnxRuntime;

/// <summary>A float32 tensor: its shape and row-major data.</summary>
public sealed record OrtTensor(long[] Shape, float[] Data)
{
    /// <summary>Number of elements the shape holds.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>An ONNX model loaded into ONNX Runtime.</summary>
public sealed unsafe class OrtSession : IDisposable
{
    private nint _session;
    private readonly nint _memoryInfo;
    private readonly string? _path;

    /// <summary>Whether the ONNX Runtime library could be loaded (FLOWGEN_ORT_LIB or the standard names).</summary>
    public static bool IsAvailable => OrtApi.IsAvailable;

    /// <summary>Why ONNX Runtime is unavailable, or null.</summary>
    public static string? UnavailableReason => OrtApi.UnavailableReason;

    /// <summary>Version of the loaded library.</summary>
    public static string Version => OrtApi.Version;

    /// <summary>Execution providers compiled into the loaded library.</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtApi.AvailableProviders();

    /// <summary>Loads the model file at <paramref name="path"/>.</summary>
    public OrtSession(string path, OrtSessionSettings? settings = null)
        : this(ReadModel(path), settings, path)
    {
    }

    /// <summary>Loads a model from its serialized bytes.</summary>
    public OrtSession(ReadOnlySpan<byte> model, OrtSessionSettings? settings = null)
        : this(model, settings, null)
    {
    }

    private OrtSession(ReadOnlySpan<byte> model, OrtSessionSettings? settings, string? path)
    {
        settings ??= new OrtSessionSettings();
        ArgumentOutOfRangeException.ThrowIfNegative(settings.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.DeviceId);
        if (!OrtApi.IsAvailable) throw new OrtNotAvailableException(OrtApi.UnavailableReason!);
        _path = path;
        nint options = OrtApi.CreateSessionOptions();
        try
        {
            if (settings.IntraOpThreads > 0) OrtApi.SetIntraOpNumThreads(options, settings.IntraOpThreads);
            OrtApi.SetInterOpNumThreads(options, 1);
            OrtApi.SetGraphOptimizationLevel(options, settings.OptimizeGraph ? 99 : 0);
            switch (settings.Provider)
            {
                case OrtProvider.Cuda: OrtApi.AppendCuda(options, settings.DeviceId); break;
                case OrtProvider.DirectML: OrtApi.AppendDirectML(options, settings.DeviceId); break;
            }
            _session = OrtApi.CreateSessionFromArray(model, options, path);
        }
        finally
        {
            OrtApi.ReleaseSessionOptions(options);
        }
        _memoryInfo = OrtApi.CreateCpuMemoryInfo();
        InputNames = OrtApi.Names(_session, outputs: false);
        OutputNames = OrtApi.Names(_session, outputs: true);
    }

    /// <summary>The graph's input names, in order.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The graph's output names, in order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Runs the graph on named float32 inputs and returns every output.</summary>
    public IReadOnlyDictionary<string, OrtTensor> Run(IReadOnlyDictionary<string, OrtTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(_session == 0, this);
        var names = inputs.Keys.ToArray();
        foreach (var name in names)
        {
            if (!InputNames.Contains(name)) throw new FlowGenException($"the model has no input '{name}' (inputs: {string.Join(", ", InputNames)})", _path);
            ValidateShape(name, inputs[name].Shape, inputs[name].Data.Length);
        }
        var handles = new GCHandle[names.Length];
        try
        {
            var pointers = new nint[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                handles[i] = GCHandle.Alloc(inputs[names[i]].Data, GCHandleType.Pinned);
                pointers[i] = handles[i].AddrOfPinnedObject();
            }
            var shapes = names.Select(n => inputs[n].Shape).ToArray();
            var outputs = new OrtTensor[OutputNames.Count];
            RunCore(names, pointers, shapes, OutputNames, (index, shape, data) =>
            {
                var t = new OrtTensor(shape, new float[data.Length]);
                data.CopyTo(t.Data);
                outputs[index] = t;
            });
            var result = new Dictionary<string, OrtTensor>();
            for (int i = 0; i < outputs.Length; i++) result[OutputNames[i]] = outputs[i];
            return result;
        }
        finally
        {
            foreach (var h in handles) if (h.IsAllocated) h.Free();
        }
    }

    /// <summary>Runs a one-input graph and copies output <paramref name="output"/> into
    /// <paramref name="destination"/>; returns the output's shape. Allocates only that shape.</summary>
    public long[] Run(string input, ReadOnlySpan<float> data, ReadOnlySpan<long> shape, string output, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_session == 0, this);
        if (!InputNames.Contains(input)) throw new FlowGenException($"the model has no input '{input}' (inputs: {string.Join(", ", InputNames)})", _path);
        int outIndex = OutputNames.ToList().IndexOf(output);
        if (outIndex < 0) throw new FlowGenException($"the model has no output '{output}' (outputs: {string.Join(", ", OutputNames)})", _path);
        var shapeArray = shape.ToArray();
        ValidateShape(input, shapeArray, data.Length);
        long[]? result = null;
        int destLength = destination.Length;
        fixed (float* pd = data)
        fixed (float* pdst = destination)
        {
            float* dst = pdst;
            RunCore([input], [(nint)pd], [shapeArray], [output], (_, s, values) =>
            {
                if (values.Length > destLength)
                    throw new ArgumentException($"output '{output}' has {values.Length} values; the destination holds {destLength}.", nameof(destination));
                values.CopyTo(new Span<float>(dst, destLength));
                result = s;
            });
        }
        return result!;
    }

    private delegate void OutputSink(int index, long[] shape, ReadOnlySpan<float> data);

    private void RunCore(string[] inputNames, nint[] inputData, long[][] shapes, IReadOnlyList<string> outputNames, OutputSink sink)
    {
        int ni = inputNames.Length, no = outputNames.Count;
        var namePtrs = new nint[ni + no];
        var values = new nint[ni];
        var outValues = new nint[no];
        try
        {
            for (int i = 0; i < ni; i++) namePtrs[i] = Marshal.StringToCoTaskMemUTF8(inputNames[i]);
            for (int i = 0; i < no; i++) namePtrs[ni + i] = Marshal.StringToCoTaskMemUTF8(outputNames[i]);
            for (int i = 0; i < ni; i++)
            {
                long count = shapes[i].Aggregate(1L, (a, d) => a * d);
                fixed (long* s = shapes[i])
                    values[i] = OrtApi.CreateFloatTensor(_memoryInfo, (float*)inputData[i], count, s, shapes[i].Length);
            }
            fixed (nint* pn = namePtrs)
            fixed (nint* pv = values)
            fixed (nint* po = outValues)
                OrtApi.Run(_session, pn, pv, ni, pn + ni, no, po, _path);
            for (int i = 0; i < no; i++)
            {
                var (type, shape) = OrtApi.TypeAndShape(outValues[i]);
                if (type != 1) throw new FlowGenException($"output '{outputNames[i]}' is not float32 (ONNX element type {type})", _path);
                long count = shape.Aggregate(1L, (a, d) => a * d);
                sink(i, shape, new ReadOnlySpan<float>(OrtApi.TensorData(outValues[i]), checked((int)count)));
            }
        }
        finally
        {
            foreach (var v in outValues) if (v != 0) OrtApi.ReleaseValue(v);
            foreach (var v in values) if (v != 0) OrtApi.ReleaseValue(v);
            foreach (var p in namePtrs) if (p != 0) Marshal.FreeCoTaskMem(p);
        }
    }

    private void ValidateShape(string name, long[] shape, long length)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new FlowGenException($"input '{name}' has a negative dimension in shape [{string.Join(",", shape)}]", _path);
            count = checked(count * d);
        }
        if (count != length) throw new FlowGenException($"input '{name}' has {length} values but shape [{string.Join(",", shape)}] holds {count}", _path);
    }

    private static byte[] ReadModel(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        return File.ReadAllBytes(path);
    }

    /// <summary>Releases the native session.</summary>
    public void Dispose()
    {
        if (_session == 0) return;
        OrtApi.ReleaseSession(_session);
        OrtApi.ReleaseMemoryInfo(_memoryInfo);
        _session = 0;
        GC.SuppressFinalize(this);
    }

    ~OrtSession()
    {
        if (_session == 0 || !OrtApi.IsAvailable) return;
        OrtApi.ReleaseSession(_session);
        OrtApi.ReleaseMemoryInfo(_memoryInfo);
    }
}
