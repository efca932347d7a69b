// Typed errors of the ONNX Runtime backend: the library is missing or too old, or ORT returned an
// error status (its code and message are kept).
namespace FlowGen.Runtime.OnnxRuntime;

/// <summary>ONNX Runtime's error codes (OrtErrorCode in onnxruntime_c_api.h).</summary>
public enum OrtErrorCode
{
    Ok = 0, Fail = 1, InvalidArgument = 2, NoSuchFile = 3, NoModel = 4, EngineError = 5, RuntimeException = 6,
    InvalidProtobuf = 7, ModelLoaded = 8, NotImplemented = 9, InvalidGraph = 10, ExecutionProviderFailure = 11,
}

/// <summary>ONNX Runtime returned an error status.</summary>
public class OrtException : FlowGenException
{
    public OrtException(OrtErrorCode code, string message, string? path = null)
        : base($"ONNX Runtime: {message}", path)
    {
        Code = code;
    }

    /// <summary>ONNX Runtime's error code.</summary>
    public OrtErrorCode Code { get; }
}

/// <summary>No usable ONNX Runtime library was found (it is optional: FLOWGEN_ORT_LIB or the standard names).</summary>
public sealed class OrtNotAvailableException(string reason) : FlowGenException($"ONNX Runtime is not available: {reason}")
{
    /// <summary>Why loading failed.</summary>
    public string Reason { get; } = reason;
}
