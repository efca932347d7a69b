// The typed error for everything Vulkan: a missing loader or driver, a failed call (VkResult < 0),
// a device that lacks what FlowGen needs. The message names the call and the VkResult.
namespace FlowGen.Runtime.Vulkan;

/// <summary>A Vulkan loader, driver or call failed; the message names the call and the result.</summary>
public sealed class VulkanException : FlowGenException
{
    /// <summary>Creates the error; <paramref name="result"/> is the VkResult, 0 when there is none.</summary>
    public VulkanException(string message, int result = 0, Exception? inner = null)
        : base(message, null, inner)
    {
        Result = result;
    }

    /// <summary>The VkResult that caused the error, or 0.</summary>
    public int Result { get; }
}
