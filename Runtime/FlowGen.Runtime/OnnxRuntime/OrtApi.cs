// ONNX Runtime's C API, bound by hand: the shared library is loaded at run time with NativeLibrary
// (FLOWGEN_ORT_LIB, else the platform's standard names), OrtGetApiBase()->GetApi(22) gives the OrtApi
// function table, and each function used is read from it by index. OrtApi (onnxruntime_c_api.h) is a
// struct of function pointers in declaration order, only ever appended to, so these indices hold for
// every release from 1.22 on; they were counted from the header's declaration order (cross-checked
// with the C# binding's OrtApi struct, NativeMethods.shared.cs) and every one is exercised by the tests.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.OnnxRuntime;

internal static unsafe class OrtApi
{
    /// <summary>ORT_API_VERSION this binding is written against (ONNX Runtime 1.22).</summary>
    public const uint ApiVersion = 22;

    // Indices into OrtApi (0-based, declaration order).
    private const int IxGetErrorCode = 1, IxGetErrorMessage = 2, IxCreateEnv = 3, IxCreateSessionFromArray = 8, IxRun = 9,
        IxCreateSessionOptions = 10, IxSetSessionExecutionMode = 13, IxDisableMemPattern = 17,
        IxSetSessionGraphOptimizationLevel = 23, IxSetIntraOpNumThreads = 24, IxSetInterOpNumThreads = 25,
        IxSessionGetInputCount = 30, IxSessionGetOutputCount = 31, IxSessionGetInputName = 36, IxSessionGetOutputName = 37,
        IxCreateTensorWithDataAsOrtValue = 49, IxGetTensorMutableData = 51, IxGetTensorElementType = 60,
        IxGetDimensionsCount = 61, IxGetDimensions = 62, IxGetTensorTypeAndShape = 65, IxCreateCpuMemoryInfo = 69,
        IxAllocatorFree = 76, IxGetAllocatorWithDefaultOptions = 78, IxReleaseStatus = 93,
        IxReleaseMemoryInfo = 94, IxReleaseSession = 95, IxReleaseValue = 96, IxReleaseTensorTypeAndShapeInfo = 99,
        IxReleaseSessionOptions = 100, IxGetAvailableProviders = 125, IxReleaseAvailableProviders = 126,
        IxGetExecutionProviderApi = 195, IxSessionOptionsAppendExecutionProvider_CUDA_V2 = 204,
        IxCreateCUDAProviderOptions = 205, IxUpdateCUDAProviderOptions = 206, IxReleaseCUDAProviderOptions = 208;

    private static readonly Lazy<State> s_state = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed class State
    {
        public nint* Table;
        public nint Env;
        public string? Error;
        public string Version = "";
        public string LibraryPath = "";
    }

    /// <summary>Whether a usable library was found (loads it on first use).</summary>
    public static bool IsAvailable => s_state.Value.Error is null;

    /// <summary>Why the library could not be used, or null.</summary>
    public static string? UnavailableReason => s_state.Value.Error;

    /// <summary>The loaded library's version string (e.g. "1.22.0").</summary>
    public static string Version => Ready().Version;

    /// <summary>The path or name the library was loaded from.</summary>
    public static string LibraryPath => Ready().LibraryPath;

    /// <summary>The process-wide OrtEnv (created once, lives as long as the process, as ORT recommends).</summary>
    public static nint Env => Ready().Env;

    private static State Ready()
    {
        var s = s_state.Value;
        if (s.Error is not null) throw new OrtNotAvailableException(s.Error);
        return s;
    }

    private static nint Fn(int index) => Ready().Table[index];

    private static State Load()
    {
        var state = new State();
        var candidates = new List<string>();
        string? env = Environment.GetEnvironmentVariable("FLOWGEN_ORT_LIB");
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        else if (OperatingSystem.IsWindows()) candidates.Add("onnxruntime.dll");
        else if (OperatingSystem.IsMacOS()) candidates.AddRange(["libonnxruntime.dylib", "libonnxruntime.1.dylib"]);
        else candidates.AddRange(["libonnxruntime.so.1", "libonnxruntime.so"]);
        nint handle = 0;
        foreach (var name in candidates)
        {
            if (NativeLibrary.TryLoad(name, out handle) ||
                NativeLibrary.TryLoad(name, typeof(OrtApi).Assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out handle))
            {
                state.LibraryPath = name;
                break;
            }
        }
        if (handle == 0)
        {
            state.Error = !string.IsNullOrEmpty(env) ? $"FLOWGEN_ORT_LIB={env} could not be loaded"
                : $"none of {string.Join(", ", candidates)} could be loaded (set FLOWGEN_ORT_LIB to libonnxruntime's path)";
            return state;
        }
        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out nint getApiBase))
        {
            state.Error = $"{state.LibraryPath} has no OrtGetApiBase export";
            return state;
        }
        // OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
        var apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
        state.Version = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)apiBase[1])()) ?? "";
        state.Table = ((delegate* unmanaged<uint, nint*>)apiBase[0])(ApiVersion);
        if (state.Table == null)
        {
            state.Error = $"{state.LibraryPath} (version {state.Version}) does not support ORT_API_VERSION {ApiVersion} (ONNX Runtime 1.22 or newer is needed)";
            return state;
        }
        nint envHandle;
        nint status;
        fixed (byte* id = "flowgen"u8)
            status = ((delegate* unmanaged<int, byte*, nint*, nint>)state.Table[IxCreateEnv])(3 /* ORT_LOGGING_LEVEL_ERROR */, id, &envHandle);
        if (status != 0)
        {
            var t = state.Table;
            string message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)t[IxGetErrorMessage])(status)) ?? "";
            ((delegate* unmanaged<nint, void>)t[IxReleaseStatus])(status);
            state.Error = $"CreateEnv failed: {message}";
            return state;
        }
        state.Env = envHandle;
        return state;
    }

    /// <summary>Throws <see cref="OrtException"/> for a non-null status (and releases it).</summary>
    public static void Check(nint status, string what, string? path = null)
    {
        if (status == 0) return;
        var code = (OrtErrorCode)((delegate* unmanaged<nint, int>)Fn(IxGetErrorCode))(status);
        string message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)Fn(IxGetErrorMessage))(status)) ?? "";
        ((delegate* unmanaged<nint, void>)Fn(IxReleaseStatus))(status);
        throw new OrtException(code, $"{what}: {message}", path);
    }

    public static nint CreateSessionOptions()
    {
        nint o;
        Check(((delegate* unmanaged<nint*, nint>)Fn(IxCreateSessionOptions))(&o), "CreateSessionOptions");
        return o;
    }

    public static void SetIntraOpNumThreads(nint options, int n) =>
        Check(((delegate* unmanaged<nint, int, nint>)Fn(IxSetIntraOpNumThreads))(options, n), "SetIntraOpNumThreads");

    public static void SetInterOpNumThreads(nint options, int n) =>
        Check(((delegate* unmanaged<nint, int, nint>)Fn(IxSetInterOpNumThreads))(options, n), "SetInterOpNumThreads");

    /// <summary>level: 0 disable, 1 basic, 2 extended, 99 all (GraphOptimizationLevel).</summary>
    public static void SetGraphOptimizationLevel(nint options, int level) =>
        Check(((delegate* unmanaged<nint, int, nint>)Fn(IxSetSessionGraphOptimizationLevel))(options, level), "SetSessionGraphOptimizationLevel");

    /// <summary>mode: 0 sequential, 1 parallel (ExecutionMode).</summary>
    public static void SetExecutionMode(nint options, int mode) =>
        Check(((delegate* unmanaged<nint, int, nint>)Fn(IxSetSessionExecutionMode))(options, mode), "SetSessionExecutionMode");

    public static void DisableMemPattern(nint options) =>
        Check(((delegate* unmanaged<nint, nint>)Fn(IxDisableMemPattern))(options), "DisableMemPattern");

    public static void ReleaseSessionOptions(nint options) => ((delegate* unmanaged<nint, void>)Fn(IxReleaseSessionOptions))(options);

    /// <summary>Appends the CUDA provider (fails with an OrtException where this build or machine has none).</summary>
    public static void AppendCuda(nint options, int deviceId)
    {
        nint cuda;
        Check(((delegate* unmanaged<nint*, nint>)Fn(IxCreateCUDAProviderOptions))(&cuda), "CreateCUDAProviderOptions");
        try
        {
            nint key = Marshal.StringToCoTaskMemUTF8("device_id"), value = Marshal.StringToCoTaskMemUTF8(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                Check(((delegate* unmanaged<nint, nint*, nint*, nuint, nint>)Fn(IxUpdateCUDAProviderOptions))(cuda, &key, &value, 1), "UpdateCUDAProviderOptions");
            }
            finally
            {
                Marshal.FreeCoTaskMem(key);
                Marshal.FreeCoTaskMem(value);
            }
            Check(((delegate* unmanaged<nint, nint, nint>)Fn(IxSessionOptionsAppendExecutionProvider_CUDA_V2))(options, cuda), "SessionOptionsAppendExecutionProvider_CUDA_V2");
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)Fn(IxReleaseCUDAProviderOptions))(cuda);
        }
    }

    /// <summary>Appends DirectML (Windows builds with DML): OrtDmlApi via GetExecutionProviderApi("DML"),
    /// whose first entry is SessionOptionsAppendExecutionProvider_DML(options, device_id).</summary>
    public static void AppendDirectML(nint options, int deviceId)
    {
        nint* dml;
        fixed (byte* name = "DML"u8)
            Check(((delegate* unmanaged<byte*, uint, nint**, nint>)Fn(IxGetExecutionProviderApi))(name, ApiVersion, &dml), "GetExecutionProviderApi(DML)");
        // DirectML needs memory patterns off and sequential execution (ORT's DML provider documentation).
        DisableMemPattern(options);
        SetExecutionMode(options, 0);
        Check(((delegate* unmanaged<nint, int, nint>)dml[0])(options, deviceId), "SessionOptionsAppendExecutionProvider_DML");
    }

    public static nint CreateSessionFromArray(ReadOnlySpan<byte> model, nint options, string? path)
    {
        nint session;
        fixed (byte* p = model)
            Check(((delegate* unmanaged<nint, byte*, nuint, nint, nint*, nint>)Fn(IxCreateSessionFromArray))(Env, p, (nuint)model.Length, options, &session), "CreateSession", path);
        return session;
    }

    public static void ReleaseSession(nint session) => ((delegate* unmanaged<nint, void>)Fn(IxReleaseSession))(session);

    /// <summary>Input (or output) names of a session, in order.</summary>
    public static string[] Names(nint session, bool outputs)
    {
        nuint count;
        Check(((delegate* unmanaged<nint, nuint*, nint>)Fn(outputs ? IxSessionGetOutputCount : IxSessionGetInputCount))(session, &count), "SessionGetInputCount");
        nint allocator;
        Check(((delegate* unmanaged<nint*, nint>)Fn(IxGetAllocatorWithDefaultOptions))(&allocator), "GetAllocatorWithDefaultOptions");
        var names = new string[(int)count];
        for (int i = 0; i < names.Length; i++)
        {
            nint name;
            Check(((delegate* unmanaged<nint, nuint, nint, nint*, nint>)Fn(outputs ? IxSessionGetOutputName : IxSessionGetInputName))(session, (nuint)i, allocator, &name), "SessionGetInputName");
            names[i] = Marshal.PtrToStringUTF8(name) ?? "";
            Check(((delegate* unmanaged<nint, nint, nint>)Fn(IxAllocatorFree))(allocator, name), "AllocatorFree");
        }
        return names;
    }

    public static nint CreateCpuMemoryInfo()
    {
        nint info;
        Check(((delegate* unmanaged<int, int, nint*, nint>)Fn(IxCreateCpuMemoryInfo))(0 /* OrtDeviceAllocator */, 0 /* OrtMemTypeDefault */, &info), "CreateCpuMemoryInfo");
        return info;
    }

    public static void ReleaseMemoryInfo(nint info) => ((delegate* unmanaged<nint, void>)Fn(IxReleaseMemoryInfo))(info);

    /// <summary>Wraps caller memory (float32) as an OrtValue tensor; the memory must outlive the value.</summary>
    public static nint CreateFloatTensor(nint memoryInfo, float* data, long count, long* shape, int rank)
    {
        nint value;
        Check(((delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)Fn(IxCreateTensorWithDataAsOrtValue))(
            memoryInfo, data, (nuint)(count * sizeof(float)), shape, (nuint)rank, 1 /* ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT */, &value), "CreateTensorWithDataAsOrtValue");
        return value;
    }

    public static void ReleaseValue(nint value) => ((delegate* unmanaged<nint, void>)Fn(IxReleaseValue))(value);

    public static void Run(nint session, nint* inputNames, nint* inputs, int inputCount, nint* outputNames, int outputCount, nint* outputs, string? path) =>
        Check(((delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)Fn(IxRun))(
            session, 0, inputNames, inputs, (nuint)inputCount, outputNames, (nuint)outputCount, outputs), "Run", path);

    /// <summary>Element type (ONNXTensorElementDataType) and shape of a tensor value.</summary>
    public static (int ElementType, long[] Shape) TypeAndShape(nint value)
    {
        nint info;
        Check(((delegate* unmanaged<nint, nint*, nint>)Fn(IxGetTensorTypeAndShape))(value, &info), "GetTensorTypeAndShape");
        try
        {
            int type;
            Check(((delegate* unmanaged<nint, int*, nint>)Fn(IxGetTensorElementType))(info, &type), "GetTensorElementType");
            nuint rank;
            Check(((delegate* unmanaged<nint, nuint*, nint>)Fn(IxGetDimensionsCount))(info, &rank), "GetDimensionsCount");
            var shape = new long[(int)rank];
            fixed (long* s = shape)
                Check(((delegate* unmanaged<nint, long*, nuint, nint>)Fn(IxGetDimensions))(info, s, rank), "GetDimensions");
            return (type, shape);
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)Fn(IxReleaseTensorTypeAndShapeInfo))(info);
        }
    }

    public static void* TensorData(nint value)
    {
        void* data;
        Check(((delegate* unmanaged<nint, void**, nint>)Fn(IxGetTensorMutableData))(value, &data), "GetTensorMutableData");
        return data;
    }

    /// <summary>Execution providers compiled into the loaded library (e.g. CPUExecutionProvider).</summary>
    public static string[] AvailableProviders()
    {
        nint* list;
        int count;
        Check(((delegate* unmanaged<nint**, int*, nint>)Fn(IxGetAvailableProviders))(&list, &count), "GetAvailableProviders");
        try
        {
            var names = new string[count];
            for (int i = 0; i < count; i++) names[i] = Marshal.PtrToStringUTF8(list[i]) ?? "";
            return names;
        }
        finally
        {
            Check(((delegate* unmanaged<nint*, int, nint>)Fn(IxReleaseAvailableProviders))(list, count), "ReleaseAvailableProviders");
        }
    }
}
