// Collects what the Khronos validation layer reports through VK_EXT_debug_utils: counts of errors and
// warnings and the first messages, so tools can print a summary and tests can assert "no errors".
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe class ValidationLog
{
    private const int MaxKept = 20;
    private readonly List<string> _messages = [];
    private int _errors, _warnings;

    public int Errors => Volatile.Read(ref _errors);
    public int Warnings => Volatile.Read(ref _warnings);

    /// <summary>The first messages reported (at most 20), errors and warnings.</summary>
    public IReadOnlyList<string> Messages { get { lock (_messages) return _messages.ToArray(); } }

    /// <summary>Echo each message to stderr as it arrives.</summary>
    public bool Echo { get; init; } = true;

    private void Add(uint severity, string text)
    {
        bool error = (severity & VkConst.VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) != 0;
        if (error) Interlocked.Increment(ref _errors); else Interlocked.Increment(ref _warnings);
        string line = (error ? "validation error: " : "validation warning: ") + text;
        lock (_messages) if (_messages.Count < MaxKept) _messages.Add(line);
        if (Echo) Console.Error.WriteLine(line);
    }

    /// <summary>The messenger settings: errors and warnings of every type, delivered to <see cref="Callback"/>.</summary>
    public static VkDebugUtilsMessengerCreateInfoEXT CreateInfo(GCHandle self) => new()
    {
        sType = VkStructureType.DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        messageSeverity = VkConst.VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VkConst.VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        messageType = VkConst.VK_DEBUG_UTILS_MESSAGE_TYPE_ALL_EXT,
        pfnUserCallback = &Callback,
        pUserData = (void*)GCHandle.ToIntPtr(self),
    };

    [UnmanagedCallersOnly]
    private static uint Callback(uint severity, uint types, VkDebugUtilsMessengerCallbackDataEXT* data, void* user)
    {
        // Never let an exception cross the native boundary: it would take the process down.
        try
        {
            if (GCHandle.FromIntPtr((nint)user).Target is ValidationLog log)
                log.Add(severity, data == null ? "" : Marshal.PtrToStringUTF8((nint)data->pMessage) ?? "");
        }
        catch (Exception) { }
        return 0; // VK_FALSE: do not abort the call
    }
}
