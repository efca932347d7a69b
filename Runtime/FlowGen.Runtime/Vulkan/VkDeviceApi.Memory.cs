// Device memory commands: allocation, mapping, memory requirements and binding of buffers and images.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VkDeviceApi
{
    public delegate* unmanaged<nint, VkMemoryAllocateInfo*, void*, ulong*, int> vkAllocateMemory;
    public delegate* unmanaged<nint, ulong, void*, void> vkFreeMemory;
    public delegate* unmanaged<nint, ulong, ulong, ulong, uint, void**, int> vkMapMemory;
    public delegate* unmanaged<nint, ulong, void> vkUnmapMemory;
    public delegate* unmanaged<nint, ulong, VkMemoryRequirements*, void> vkGetBufferMemoryRequirements;
    public delegate* unmanaged<nint, ulong, ulong, ulong, int> vkBindBufferMemory;

    private void LoadMemory()
    {
        vkAllocateMemory = (delegate* unmanaged<nint, VkMemoryAllocateInfo*, void*, ulong*, int>)Require("vkAllocateMemory");
        vkFreeMemory = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkFreeMemory");
        vkMapMemory = (delegate* unmanaged<nint, ulong, ulong, ulong, uint, void**, int>)Require("vkMapMemory");
        vkUnmapMemory = (delegate* unmanaged<nint, ulong, void>)Require("vkUnmapMemory");
        vkGetBufferMemoryRequirements = (delegate* unmanaged<nint, ulong, VkMemoryRequirements*, void>)Require("vkGetBufferMemoryRequirements");
        vkBindBufferMemory = (delegate* unmanaged<nint, ulong, ulong, ulong, int>)Require("vkBindBufferMemory");
    }
}
