// Buffer commands (creation, destruction). Their memory is bound with the commands in VkDeviceApi.Memory.cs.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VkDeviceApi
{
    public delegate* unmanaged<nint, VkBufferCreateInfo*, void*, ulong*, int> vkCreateBuffer;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyBuffer;

    private void LoadBuffer()
    {
        vkCreateBuffer = (delegate* unmanaged<nint, VkBufferCreateInfo*, void*, ulong*, int>)Require("vkCreateBuffer");
        vkDestroyBuffer = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyBuffer");
    }
}
