// Blittable mirrors of the structs shared by graphics and compute pipelines: shader modules, shader
// stages, pipeline layouts and push-constant ranges.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkShaderModuleCreateInfo { public int sType; public void* pNext; public uint flags; public nuint codeSize; public uint* pCode; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineShaderStageCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint stage; public ulong module; public byte* pName; public void* pSpecializationInfo;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkPushConstantRange { public uint stageFlags, offset, size; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineLayoutCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint setLayoutCount; public ulong* pSetLayouts;
    public uint pushConstantRangeCount; public VkPushConstantRange* pPushConstantRanges;
}
