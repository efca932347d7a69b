// Blittable mirrors of the window-system (VK_KHR_surface, VK_KHR_swapchain) structs.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

[StructLayout(LayoutKind.Sequential)]
internal struct VkSurfaceCapabilitiesKHR
{
    public uint minImageCount, maxImageCount; public VkExtent2D currentExtent, minImageExtent, maxImageExtent; public uint maxImageArrayLayers;
    public uint supportedTransforms, currentTransform, supportedCompositeAlpha, supportedUsageFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkSurfaceFormatKHR { public int format, colorSpace; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkSwapchainCreateInfoKHR
{
    public int sType; public void* pNext; public uint flags; public ulong surface; public uint minImageCount; public int imageFormat;
    public int imageColorSpace; public VkExtent2D imageExtent; public uint imageArrayLayers; public uint imageUsage; public int imageSharingMode;
    public uint queueFamilyIndexCount; public uint* pQueueFamilyIndices; public uint preTransform; public uint compositeAlpha;
    public int presentMode; public uint clipped; public ulong oldSwapchain;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPresentInfoKHR
{
    public int sType; public void* pNext; public uint waitSemaphoreCount; public ulong* pWaitSemaphores; public uint swapchainCount;
    public ulong* pSwapchains; public uint* pImageIndices; public int* pResults;
}
