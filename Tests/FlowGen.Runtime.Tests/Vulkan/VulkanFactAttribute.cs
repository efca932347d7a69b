// Skips a test, naming the reason, where the machine has no usable Vulkan: no loader library or no driver
// (ICD). Probed once per process (VulkanDeviceProbe) by creating and destroying a bare instance.
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Runtime.Tests.Vulkan;

public sealed class VulkanFactAttribute : FactAttribute
{
    public VulkanFactAttribute()
    {
        if (Probe() is { } reason) Skip = reason;
    }

    /// <summary>Null when Vulkan works, else why not.</summary>
    internal static string? Probe() => VulkanDeviceProbe.Missing();
}

/// <summary><see cref="VulkanFactAttribute"/> for theories.</summary>
public sealed class VulkanTheoryAttribute : TheoryAttribute
{
    public VulkanTheoryAttribute()
    {
        if (VulkanFactAttribute.Probe() is { } reason) Skip = reason;
    }
}
