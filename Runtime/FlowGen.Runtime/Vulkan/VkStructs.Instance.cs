// Blittable mirrors of the instance-level Vulkan structs (field names as in vulkan_core.h, so the layout
// test can compare each offsetof with gcc). Big output structs declare only the header fields they need,
// with the C size given by StructLayout.Size.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkApplicationInfo
{
    public int sType; public void* pNext; public byte* pApplicationName; public uint applicationVersion;
    public byte* pEngineName; public uint engineVersion; public uint apiVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkInstanceCreateInfo
{
    public int sType; public void* pNext; public uint flags; public VkApplicationInfo* pApplicationInfo;
    public uint enabledLayerCount; public byte** ppEnabledLayerNames;
    public uint enabledExtensionCount; public byte** ppEnabledExtensionNames;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkLayerProperties
{
    public fixed byte layerName[256]; public uint specVersion; public uint implementationVersion; public fixed byte description[256];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkExtensionProperties
{
    public fixed byte extensionName[256]; public uint specVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDebugUtilsMessengerCreateInfoEXT
{
    public int sType; public void* pNext; public uint flags; public uint messageSeverity; public uint messageType;
    public delegate* unmanaged<uint, uint, VkDebugUtilsMessengerCallbackDataEXT*, void*, uint> pfnUserCallback;
    public void* pUserData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDebugUtilsMessengerCallbackDataEXT
{
    public int sType; public void* pNext; public uint flags; public byte* pMessageIdName; public int messageIdNumber;
    public byte* pMessage; public uint queueLabelCount; public void* pQueueLabels; public uint cmdBufLabelCount;
    public void* pCmdBufLabels; public uint objectCount; public void* pObjects;
}

/// <summary>Header only: the limits and sparse properties that follow are not read.</summary>
[StructLayout(LayoutKind.Sequential, Size = 824)]
internal unsafe struct VkPhysicalDeviceProperties
{
    public uint apiVersion; public uint driverVersion; public uint vendorID; public uint deviceID; public int deviceType;
    public fixed byte deviceName[256]; public fixed byte pipelineCacheUUID[16];
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkExtent3D { public uint width, height, depth; }

[StructLayout(LayoutKind.Sequential)]
internal struct VkQueueFamilyProperties
{
    public uint queueFlags; public uint queueCount; public uint timestampValidBits; public VkExtent3D minImageTransferGranularity;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkFormatProperties { public uint linearTilingFeatures, optimalTilingFeatures, bufferFeatures; }
