// VkResult checking. Every Vulkan call that returns a VkResult goes through Check, in Release too:
// a negative result is an error (throws), a positive one a status the caller may need (returned).
namespace FlowGen.Runtime.Vulkan;

internal static class VkResult
{
    public const int VK_SUCCESS = 0;
    public const int VK_NOT_READY = 1;
    public const int VK_TIMEOUT = 2;
    public const int VK_INCOMPLETE = 5;
    public const int VK_SUBOPTIMAL_KHR = 1000001003;
    public const int VK_ERROR_OUT_OF_DATE_KHR = -1000001004;
    public const int VK_ERROR_INCOMPATIBLE_DRIVER = -9;

    /// <summary>Throws <see cref="VulkanException"/> for a negative result; returns the result otherwise.</summary>
    public static int Check(int result, string call)
    {
        if (result < 0)
            throw new VulkanException($"{call} failed with {Name(result)} ({result})", result);
        return result;
    }

    public static string Name(int result) => result switch
    {
        0 => "VK_SUCCESS",
        1 => "VK_NOT_READY",
        2 => "VK_TIMEOUT",
        5 => "VK_INCOMPLETE",
        -1 => "VK_ERROR_OUT_OF_HOST_MEMORY",
        -2 => "VK_ERROR_OUT_OF_DEVICE_MEMORY",
        -3 => "VK_ERROR_INITIALIZATION_FAILED",
        -4 => "VK_ERROR_DEVICE_LOST",
        -5 => "VK_ERROR_MEMORY_MAP_FAILED",
        -6 => "VK_ERROR_LAYER_NOT_PRESENT",
        -7 => "VK_ERROR_EXTENSION_NOT_PRESENT",
        -8 => "VK_ERROR_FEATURE_NOT_PRESENT",
        -9 => "VK_ERROR_INCOMPATIBLE_DRIVER (no Vulkan driver/ICD found)",
        -11 => "VK_ERROR_FORMAT_NOT_SUPPORTED",
        -1000000000 => "VK_ERROR_SURFACE_LOST_KHR",
        -1000000001 => "VK_ERROR_NATIVE_WINDOW_IN_USE_KHR",
        1000001003 => "VK_SUBOPTIMAL_KHR",
        -1000001004 => "VK_ERROR_OUT_OF_DATE_KHR",
        _ => "VkResult",
    };
}
