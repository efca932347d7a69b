// Skips a test, naming the reason, where the machine has no usable Vulkan: no loader library or no driver
// (ICD). Probed once per process by creating and destroying a bare instance.
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Runtime.Tests.Vulkan;

public sealed class VulkanFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public VulkanFactAttribute()
    {
        if (Missing.Value is { } reason) Skip = reason;
    }

    /// <summary>Null when Vulkan works, else why not.</summary>
    internal static string? Probe()
    {
        try
        {
            using var instance = new VulkanInstance([], validation: false);
            return instance.PhysicalDevices().Count == 0 ? "no Vulkan physical device" : null;
        }
        catch (VulkanException e)
        {
            return "Vulkan unavailable: " + e.Message;
        }
    }
}

/// <summary><see cref="VulkanFactAttribute"/> for theories.</summary>
public sealed class VulkanTheoryAttribute : TheoryAttribute
{
    public VulkanTheoryAttribute()
    {
        if (VulkanFactAttribute.Probe() is { } reason) Skip = reason;
    }
}
