// Blittable mirrors of the device, queue, command buffer and synchronisation structs.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDeviceQueueCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint queueFamilyIndex; public uint queueCount; public float* pQueuePriorities;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDeviceCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint queueCreateInfoCount; public VkDeviceQueueCreateInfo* pQueueCreateInfos;
    public uint enabledLayerCount; public byte** ppEnabledLayerNames; public uint enabledExtensionCount; public byte** ppEnabledExtensionNames;
    public void* pEnabledFeatures;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkCommandPoolCreateInfo { public int sType; public void* pNext; public uint flags; public uint queueFamilyIndex; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkCommandBufferAllocateInfo
{
    public int sType; public void* pNext; public ulong commandPool; public int level; public uint commandBufferCount;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkCommandBufferBeginInfo { public int sType; public void* pNext; public uint flags; public void* pInheritanceInfo; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkSubmitInfo
{
    public int sType; public void* pNext; public uint waitSemaphoreCount; public ulong* pWaitSemaphores; public uint* pWaitDstStageMask;
    public uint commandBufferCount; public nint* pCommandBuffers; public uint signalSemaphoreCount; public ulong* pSignalSemaphores;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkFenceCreateInfo { public int sType; public void* pNext; public uint flags; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkSemaphoreCreateInfo { public int sType; public void* pNext; public uint flags; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkMemoryBarrier { public int sType; public void* pNext; public uint srcAccessMask; public uint dstAccessMask; }

[StructLayout(LayoutKind.Sequential)]
internal struct VkImageSubresourceRange { public uint aspectMask, baseMipLevel, levelCount, baseArrayLayer, layerCount; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkImageMemoryBarrier
{
    public int sType; public void* pNext; public uint srcAccessMask; public uint dstAccessMask; public int oldLayout; public int newLayout;
    public uint srcQueueFamilyIndex; public uint dstQueueFamilyIndex; public ulong image; public VkImageSubresourceRange subresourceRange;
}
