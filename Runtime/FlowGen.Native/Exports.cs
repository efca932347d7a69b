// The C ABI (include/flowgen.h): [UnmanagedCallersOnly] exports over FlowGen.Runtime. No exception crosses the
// boundary: each entry point maps it to a status code and keeps the message for flowgen_last_error(). Handles are
// ids in a registry, not raw GC handles, so a freed or forged handle is an error code, never a crash.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Native;

internal static unsafe class Exports
{
    private const int Ok = 0, ErrorArgument = 1, ErrorModel = 2, ErrorIo = 3, ErrorInternal = 4, ErrorDevice = 5;
    private const int AbiVersion = 1;

    private sealed record WorldHandle(IWorldSource World);

    // Protobuf's reflection descriptors (what IL2104 warns about) are never used: models are parsed from binary only,
    // which the C ABI test exercises on the published library.
    private static readonly ConcurrentDictionary<nint, object> Handles = new();
    private static long _nextHandle = 0x1000;

    [ThreadStatic] private static byte* _error;

    [UnmanagedCallersOnly(EntryPoint = "flowgen_abi_version")]
    private static int Version() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "flowgen_last_error")]
    private static byte* LastError()
    {
        if (_error == null) SetError("");
        return _error;
    }

    [UnmanagedCallersOnly(EntryPoint = "flowgen_model_load")]
    private static int ModelLoad(byte* path, int maxBatch, int threads, nint* outModel) => Guard(() =>
    {
        Out(outModel);
        string file = Utf8(path, nameof(path));
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: model file not found", file);
        *outModel = Register(FlowModel.Load(file, Options(maxBatch, threads)));
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_model_load_on")]
    private static int ModelLoadOn(byte* path, int maxBatch, int threads, int backend, nint* outModel) => Guard(() =>
    {
        Out(outModel);
        string file = Utf8(path, nameof(path));
        if (backend is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(backend), backend, "backend must be FLOWGEN_BACKEND_CPU (0) or FLOWGEN_BACKEND_VULKAN (1)");
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: model file not found", file);
        var options = Options(maxBatch, threads);
        *outModel = Register(FlowModel.Load(file, new FlowModelOptions
        {
            MaxBatch = options.MaxBatch, Threads = options.Threads, Backend = backend == 1 ? FlowBackend.Vulkan : FlowBackend.Cpu,
        }));
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_model_load_bytes")]
    private static int ModelLoadBytes(byte* data, nuint size, int maxBatch, int threads, nint* outModel) => Guard(() =>
    {
        Out(outModel);
        if (data == null) throw new ArgumentNullException(nameof(data));
        if (size > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(size), "a model of 2 GiB or more");
        *outModel = Register(FlowModel.Load(new ReadOnlySpan<byte>(data, (int)size), Options(maxBatch, threads), "<bytes>"));
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_model_free")]
    private static void ModelFree(nint model)
    {
        if (Remove<FlowModel>(model) is { } m)
            try { m.Dispose(); } catch (Exception) { /* disposal must not throw across the ABI */ }
    }

    [UnmanagedCallersOnly(EntryPoint = "flowgen_model_info_get")]
    private static int ModelInfo(nint model, ModelInfoC* info) => Guard(() =>
    {
        var m = Get<FlowModel>(model);
        if (info == null) throw new ArgumentNullException(nameof(info));
        if (!m.CanSample) m.Sample([], 0, 0, 0, 1f); // throws the typed "not a sampling graph" error
        var shape = m.SampleShape;
        var meta = m.Metadata;
        *info = new ModelInfoC
        {
            Channels = shape.Count == 3 ? shape[0] : 1,
            Height = shape.Count >= 2 ? shape[^2] : 1,
            Width = shape.Count >= 1 ? shape[^1] : 1,
            SampleLength = m.SampleLength,
            IsTexture = meta.Kind == "texture" ? 1 : 0,
            DefaultTemperature = meta.DefaultTemperature,
            PixelSizeMetres = meta.PixelSizeMetres ?? 0,
            Scale = meta.Scale,
            Offset = meta.Offset,
        };
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_model_metadata")]
    private static int ModelMetadata(nint model, byte* key, byte* buffer, nuint capacity, nuint* outLength) => Guard(() =>
    {
        var m = Get<FlowModel>(model);
        string k = Utf8(key, nameof(key));
        if (!m.Metadata.Raw.TryGetValue(k, out var value)) throw new ArgumentException($"the model has no metadata '{k}'");
        var bytes = Encoding.UTF8.GetBytes(value);
        if (outLength != null) *outLength = (nuint)bytes.Length;
        if (buffer != null && capacity > 0)
        {
            int n = (int)Math.Min((ulong)bytes.Length, capacity - 1);
            bytes.AsSpan(0, n).CopyTo(new Span<byte>(buffer, n));
            buffer[n] = 0;
        }
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_sample")]
    private static int Sample(nint model, ulong seed, long first, int count, float temperature, int units, float* dest, nuint destLength)
    {
        try
        {
            Get<FlowModel>(model).Sample(Buffer(dest, destLength), seed, first, count, temperature, Units(units));
            return Success();
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "flowgen_sample_plausible")]
    private static int SamplePlausible(nint model, ulong seed, long first, int count, float temperature, int units, float* dest, nuint destLength,
        int* outRedrawn)
    {
        try
        {
            int redrawn = Get<FlowModel>(model).SamplePlausible(Buffer(dest, destLength), seed, first, count, temperature, Units(units));
            if (outRedrawn != null) *outRedrawn = redrawn;
            return Success();
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "flowgen_model_set_level_temperatures")]
    private static int SetLevelTemperatures(nint model, float* temperatures, int count) => Guard(() =>
    {
        var m = Get<FlowModel>(model);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must not be negative");
        if (count > 0 && temperatures == null) throw new ArgumentNullException(nameof(temperatures));
        m.SetLevelTemperatures(count == 0 ? default : new ReadOnlySpan<float>(temperatures, count));
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_world_create")]
    private static int WorldCreate(nint model, ulong seed, float temperature, int levels, double gain, nint* outWorld) => Guard(() =>
    {
        Out(outWorld);
        var m = Get<FlowModel>(model);
        float t = temperature < 0 ? m.Metadata.DefaultTemperature : temperature;
        var world = new PyramidWorld(new FlowPatchSampler(m, t), seed, levels, gain);
        *outWorld = Register(new WorldHandle(world));
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_world_create_detailed")]
    private static int WorldCreateDetailed(nint model, nint detail, ulong seed, float temperature, int levels, double gain, nint* outWorld) => Guard(() =>
    {
        Out(outWorld);
        var m = Get<FlowModel>(model);
        var d = Get<FlowModel>(detail);
        float t = temperature < 0 ? m.Metadata.DefaultTemperature : temperature;
        var world = ConditionalPyramidWorld.Create(new FlowPatchSampler(m, t), new FlowDetailSampler(d, d.Metadata.DefaultTemperature), seed, levels, gain);
        *outWorld = Register(new WorldHandle(world));
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_world_create_upscaled")]
    private static int WorldCreateUpscaled(nint detail, float* heights, int width, int height, double pixelSize, ulong seed, nint* outWorld) => Guard(() =>
    {
        Out(outWorld);
        var d = Get<FlowModel>(detail);
        if (heights == null) throw new ArgumentNullException(nameof(heights), "heights is NULL");
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"the DEM must have at least one pixel, not {width}x{height}");
        var world = ConditionalPyramidWorld.Upscale(new FlowDetailSampler(d, d.Metadata.DefaultTemperature),
            new ReadOnlySpan<float>(heights, checked(width * height)), width, height, pixelSize, seed);
        *outWorld = Register(new WorldHandle(world));
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_world_free")]
    private static void WorldFree(nint world) => Remove<WorldHandle>(world);

    [UnmanagedCallersOnly(EntryPoint = "flowgen_world_info")]
    private static int WorldInfo(nint world, int* maxLod, double* pixelSize, long* coordinateLimit) => Guard(() =>
    {
        var w = Get<WorldHandle>(world).World;
        if (maxLod != null) *maxLod = w.MaxLod;
        if (pixelSize != null) *pixelSize = w.PixelSizeMetres;
        if (coordinateLimit != null) *coordinateLimit = w.CoordinateLimit;
    });

    [UnmanagedCallersOnly(EntryPoint = "flowgen_world_fill")]
    private static int WorldFill(nint world, long x0, long y0, int width, int height, int lod, float* dest, nuint destLength)
    {
        try
        {
            Get<WorldHandle>(world).World.Fill(x0, y0, width, height, lod, Buffer(dest, destLength), CancellationToken.None);
            return Success();
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ModelInfoC
    {
        public int Channels, Height, Width, SampleLength, IsTexture;
        public float DefaultTemperature;
        public double PixelSizeMetres, Scale, Offset;
    }

    // Runs a (cold) entry point's body; the per-call ones (sample, fill) inline the same try/catch so they allocate nothing.
    private static int Guard(Action body)
    {
        try
        {
            body();
            return Success();
        }
        catch (Exception e)
        {
            return Failure(e);
        }
    }

    // OK: the thread's last error becomes "" without reallocating it.
    private static int Success()
    {
        if (_error != null) *_error = 0;
        return Ok;
    }

    // The exception's status code, its message kept for flowgen_last_error.
    private static int Failure(Exception e)
    {
        SetError(e.Message);
        return e switch
        {
            ObjectDisposedException => ErrorArgument,
            FlowGen.Runtime.Vulkan.VulkanException => ErrorDevice,
            FlowGenException => ErrorModel,
            ArgumentException => ErrorArgument,
            FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException => ErrorIo,
            _ => ErrorInternal,
        };
    }

    private static void SetError(string message)
    {
        if (_error != null) NativeMemory.Free(_error);
        int n = Encoding.UTF8.GetByteCount(message);
        _error = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(message, new Span<byte>(_error, n));
        _error[n] = 0;
    }

    private static nint Register(object o)
    {
        nint id = (nint)Interlocked.Increment(ref _nextHandle);
        Handles[id] = o;
        return id;
    }

    // Removes the handle only if it is a T (a handle of the other kind stays registered); null when it is not.
    private static T? Remove<T>(nint handle) where T : class =>
        Handles.TryGetValue(handle, out var o) && o is T t && Handles.TryRemove(new KeyValuePair<nint, object>(handle, o)) ? t : null;

    private static T Get<T>(nint handle, [CallerArgumentExpression(nameof(handle))] string name = "") where T : class =>
        Handles.TryGetValue(handle, out var o) && o is T t ? t
            : throw new ArgumentException($"{name} is not a live {(typeof(T) == typeof(FlowModel) ? "flowgen_model" : "flowgen_world")} handle (null, freed or of another kind)");

    private static void Out(nint* p)
    {
        if (p == null) throw new ArgumentNullException("out", "the output handle pointer is null");
        *p = 0;
    }

    private static string Utf8(byte* s, string name) =>
        s == null ? throw new ArgumentNullException(name) : Marshal.PtrToStringUTF8((nint)s) ?? "";

    private static Span<float> Buffer(float* dest, nuint length)
    {
        if (dest == null && length > 0) throw new ArgumentNullException(nameof(dest));
        if (length > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), "buffers of 2^31 floats or more");
        return new Span<float>(dest, (int)length);
    }

    private static SampleUnits Units(int units) => units switch
    {
        0 => SampleUnits.Model,
        1 => SampleUnits.Physical,
        _ => throw new ArgumentOutOfRangeException(nameof(units), units, "units must be FLOWGEN_UNITS_MODEL (0) or FLOWGEN_UNITS_PHYSICAL (1)"),
    };

    private static FlowModelOptions Options(int maxBatch, int threads) =>
        maxBatch < 1 ? throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "max_batch must be at least 1")
        : threads < 0 ? throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be 0 (one per core) or positive")
        : new FlowModelOptions { MaxBatch = maxBatch, Threads = threads };
}
