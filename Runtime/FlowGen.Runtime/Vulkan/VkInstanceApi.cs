// Instance-level Vulkan commands, resolved once per VkInstance through vkGetInstanceProcAddr.
// Surface queries (VK_KHR_surface) and debug utils are optional: null when the extension is not enabled.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe class VkInstanceApi
{
    public readonly delegate* unmanaged<nint, void*, void> vkDestroyInstance;
    public readonly delegate* unmanaged<nint, uint*, nint*, int> vkEnumeratePhysicalDevices;
    public readonly delegate* unmanaged<nint, VkPhysicalDeviceProperties*, void> vkGetPhysicalDeviceProperties;
    public readonly delegate* unmanaged<nint, uint*, VkQueueFamilyProperties*, void> vkGetPhysicalDeviceQueueFamilyProperties;
    public readonly delegate* unmanaged<nint, VkPhysicalDeviceMemoryProperties*, void> vkGetPhysicalDeviceMemoryProperties;
    public readonly delegate* unmanaged<nint, int, VkFormatProperties*, void> vkGetPhysicalDeviceFormatProperties;
    public readonly delegate* unmanaged<nint, VkDeviceCreateInfo*, void*, nint*, int> vkCreateDevice;
    public readonly delegate* unmanaged<nint, byte*, nint> vkGetDeviceProcAddr;

    // VK_EXT_debug_utils
    public readonly delegate* unmanaged<nint, VkDebugUtilsMessengerCreateInfoEXT*, void*, ulong*, int> vkCreateDebugUtilsMessengerEXT;
    public readonly delegate* unmanaged<nint, ulong, void*, void> vkDestroyDebugUtilsMessengerEXT;

    // VK_KHR_surface
    public readonly delegate* unmanaged<nint, ulong, void*, void> vkDestroySurfaceKHR;
    public readonly delegate* unmanaged<nint, uint, ulong, uint*, int> vkGetPhysicalDeviceSurfaceSupportKHR;
    public readonly delegate* unmanaged<nint, ulong, VkSurfaceCapabilitiesKHR*, int> vkGetPhysicalDeviceSurfaceCapabilitiesKHR;
    public readonly delegate* unmanaged<nint, ulong, uint*, VkSurfaceFormatKHR*, int> vkGetPhysicalDeviceSurfaceFormatsKHR;
    public readonly delegate* unmanaged<nint, ulong, uint*, int*, int> vkGetPhysicalDeviceSurfacePresentModesKHR;

    public VkInstanceApi(nint instance)
    {
        nint R(string name) => VkLoader.Require(instance, name);
        nint O(string name) => VkLoader.GetInstanceProcAddr(instance, name);
        vkDestroyInstance = (delegate* unmanaged<nint, void*, void>)R("vkDestroyInstance");
        vkEnumeratePhysicalDevices = (delegate* unmanaged<nint, uint*, nint*, int>)R("vkEnumeratePhysicalDevices");
        vkGetPhysicalDeviceProperties = (delegate* unmanaged<nint, VkPhysicalDeviceProperties*, void>)R("vkGetPhysicalDeviceProperties");
        vkGetPhysicalDeviceQueueFamilyProperties = (delegate* unmanaged<nint, uint*, VkQueueFamilyProperties*, void>)R("vkGetPhysicalDeviceQueueFamilyProperties");
        vkGetPhysicalDeviceMemoryProperties = (delegate* unmanaged<nint, VkPhysicalDeviceMemoryProperties*, void>)R("vkGetPhysicalDeviceMemoryProperties");
        vkGetPhysicalDeviceFormatProperties = (delegate* unmanaged<nint, int, VkFormatProperties*, void>)R("vkGetPhysicalDeviceFormatProperties");
        vkCreateDevice = (delegate* unmanaged<nint, VkDeviceCreateInfo*, void*, nint*, int>)R("vkCreateDevice");
        vkGetDeviceProcAddr = (delegate* unmanaged<nint, byte*, nint>)R("vkGetDeviceProcAddr");
        vkCreateDebugUtilsMessengerEXT = (delegate* unmanaged<nint, VkDebugUtilsMessengerCreateInfoEXT*, void*, ulong*, int>)O("vkCreateDebugUtilsMessengerEXT");
        vkDestroyDebugUtilsMessengerEXT = (delegate* unmanaged<nint, ulong, void*, void>)O("vkDestroyDebugUtilsMessengerEXT");
        vkDestroySurfaceKHR = (delegate* unmanaged<nint, ulong, void*, void>)O("vkDestroySurfaceKHR");
        vkGetPhysicalDeviceSurfaceSupportKHR = (delegate* unmanaged<nint, uint, ulong, uint*, int>)O("vkGetPhysicalDeviceSurfaceSupportKHR");
        vkGetPhysicalDeviceSurfaceCapabilitiesKHR = (delegate* unmanaged<nint, ulong, VkSurfaceCapabilitiesKHR*, int>)O("vkGetPhysicalDeviceSurfaceCapabilitiesKHR");
        vkGetPhysicalDeviceSurfaceFormatsKHR = (delegate* unmanaged<nint, ulong, uint*, VkSurfaceFormatKHR*, int>)O("vkGetPhysicalDeviceSurfaceFormatsKHR");
        vkGetPhysicalDeviceSurfacePresentModesKHR = (delegate* unmanaged<nint, ulong, uint*, int*, int>)O("vkGetPhysicalDeviceSurfacePresentModesKHR");
    }

    public bool HasSurface => vkDestroySurfaceKHR != null && vkGetPhysicalDeviceSurfaceSupportKHR != null;
}
