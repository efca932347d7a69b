// Swapchain commands (VK_KHR_swapchain); loaded only when the device enabled the extension.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VkDeviceApi
{
    public delegate* unmanaged<nint, VkSwapchainCreateInfoKHR*, void*, ulong*, int> vkCreateSwapchainKHR;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroySwapchainKHR;
    public delegate* unmanaged<nint, ulong, uint*, ulong*, int> vkGetSwapchainImagesKHR;
    public delegate* unmanaged<nint, ulong, ulong, ulong, ulong, uint*, int> vkAcquireNextImageKHR;
    public delegate* unmanaged<nint, VkPresentInfoKHR*, int> vkQueuePresentKHR;

    private void LoadWsi()
    {
        vkCreateSwapchainKHR = (delegate* unmanaged<nint, VkSwapchainCreateInfoKHR*, void*, ulong*, int>)Require("vkCreateSwapchainKHR");
        vkDestroySwapchainKHR = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroySwapchainKHR");
        vkGetSwapchainImagesKHR = (delegate* unmanaged<nint, ulong, uint*, ulong*, int>)Require("vkGetSwapchainImagesKHR");
        vkAcquireNextImageKHR = (delegate* unmanaged<nint, ulong, ulong, ulong, ulong, uint*, int>)Require("vkAcquireNextImageKHR");
        vkQueuePresentKHR = (delegate* unmanaged<nint, VkPresentInfoKHR*, int>)Require("vkQueuePresentKHR");
    }
}
