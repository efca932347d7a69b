// Blittable mirrors of the device-memory structs.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

/// <summary>memoryTypes is VkMemoryType[32] (propertyFlags, heapIndex pairs); memoryHeaps is VkMemoryHeap[16] (size, flags+pad).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPhysicalDeviceMemoryProperties
{
    public uint memoryTypeCount; public fixed uint memoryTypes[64]; public uint memoryHeapCount; public fixed ulong memoryHeaps[32];

    public uint PropertyFlags(int type) => memoryTypes[2 * type];
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkMemoryRequirements { public ulong size, alignment; public uint memoryTypeBits; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkMemoryAllocateInfo { public int sType; public void* pNext; public ulong allocationSize; public uint memoryTypeIndex; }
