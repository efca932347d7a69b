// Blittable mirrors of the graphics structs: images and views, render passes, framebuffers, the fixed-
// function state of a graphics pipeline, and image<->buffer copies.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

[StructLayout(LayoutKind.Sequential)]
internal struct VkOffset2D { public int x, y; }
[StructLayout(LayoutKind.Sequential)]
internal struct VkExtent2D { public uint width, height; }
[StructLayout(LayoutKind.Sequential)]
internal struct VkOffset3D { public int x, y, z; }
[StructLayout(LayoutKind.Sequential)]
internal struct VkRect2D { public VkOffset2D offset; public VkExtent2D extent; }
[StructLayout(LayoutKind.Sequential)]
internal struct VkViewport { public float x, y, width, height, minDepth, maxDepth; }
[StructLayout(LayoutKind.Sequential)]
internal struct VkComponentMapping { public int r, g, b, a; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkImageCreateInfo
{
    public int sType; public void* pNext; public uint flags; public int imageType; public int format; public VkExtent3D extent;
    public uint mipLevels; public uint arrayLayers; public int samples; public int tiling; public uint usage; public int sharingMode;
    public uint queueFamilyIndexCount; public uint* pQueueFamilyIndices; public int initialLayout;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkImageViewCreateInfo
{
    public int sType; public void* pNext; public uint flags; public ulong image; public int viewType; public int format;
    public VkComponentMapping components; public VkImageSubresourceRange subresourceRange;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkAttachmentDescription
{
    public uint flags; public int format; public int samples; public int loadOp; public int storeOp; public int stencilLoadOp;
    public int stencilStoreOp; public int initialLayout; public int finalLayout;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkAttachmentReference { public uint attachment; public int layout; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkSubpassDescription
{
    public uint flags; public int pipelineBindPoint; public uint inputAttachmentCount; public VkAttachmentReference* pInputAttachments;
    public uint colorAttachmentCount; public VkAttachmentReference* pColorAttachments; public VkAttachmentReference* pResolveAttachments;
    public VkAttachmentReference* pDepthStencilAttachment; public uint preserveAttachmentCount; public uint* pPreserveAttachments;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkSubpassDependency
{
    public uint srcSubpass, dstSubpass, srcStageMask, dstStageMask, srcAccessMask, dstAccessMask, dependencyFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkRenderPassCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint attachmentCount; public VkAttachmentDescription* pAttachments;
    public uint subpassCount; public VkSubpassDescription* pSubpasses; public uint dependencyCount; public VkSubpassDependency* pDependencies;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkFramebufferCreateInfo
{
    public int sType; public void* pNext; public uint flags; public ulong renderPass; public uint attachmentCount; public ulong* pAttachments;
    public uint width; public uint height; public uint layers;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkVertexInputBindingDescription { public uint binding, stride; public int inputRate; }

[StructLayout(LayoutKind.Sequential)]
internal struct VkVertexInputAttributeDescription { public uint location, binding; public int format; public uint offset; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineVertexInputStateCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint vertexBindingDescriptionCount;
    public VkVertexInputBindingDescription* pVertexBindingDescriptions; public uint vertexAttributeDescriptionCount;
    public VkVertexInputAttributeDescription* pVertexAttributeDescriptions;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineInputAssemblyStateCreateInfo { public int sType; public void* pNext; public uint flags; public int topology; public uint primitiveRestartEnable; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineViewportStateCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint viewportCount; public VkViewport* pViewports; public uint scissorCount; public VkRect2D* pScissors;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineRasterizationStateCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint depthClampEnable; public uint rasterizerDiscardEnable; public int polygonMode;
    public uint cullMode; public int frontFace; public uint depthBiasEnable; public float depthBiasConstantFactor; public float depthBiasClamp;
    public float depthBiasSlopeFactor; public float lineWidth;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineMultisampleStateCreateInfo
{
    public int sType; public void* pNext; public uint flags; public int rasterizationSamples; public uint sampleShadingEnable; public float minSampleShading;
    public uint* pSampleMask; public uint alphaToCoverageEnable; public uint alphaToOneEnable;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkStencilOpState { public int failOp, passOp, depthFailOp, compareOp; public uint compareMask, writeMask, reference; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineDepthStencilStateCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint depthTestEnable; public uint depthWriteEnable; public int depthCompareOp;
    public uint depthBoundsTestEnable; public uint stencilTestEnable; public VkStencilOpState front; public VkStencilOpState back;
    public float minDepthBounds; public float maxDepthBounds;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkPipelineColorBlendAttachmentState
{
    public uint blendEnable; public int srcColorBlendFactor, dstColorBlendFactor, colorBlendOp, srcAlphaBlendFactor, dstAlphaBlendFactor, alphaBlendOp;
    public uint colorWriteMask;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineColorBlendStateCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint logicOpEnable; public int logicOp; public uint attachmentCount;
    public VkPipelineColorBlendAttachmentState* pAttachments; public fixed float blendConstants[4];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkPipelineDynamicStateCreateInfo { public int sType; public void* pNext; public uint flags; public uint dynamicStateCount; public int* pDynamicStates; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkGraphicsPipelineCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint stageCount; public VkPipelineShaderStageCreateInfo* pStages;
    public VkPipelineVertexInputStateCreateInfo* pVertexInputState; public VkPipelineInputAssemblyStateCreateInfo* pInputAssemblyState;
    public void* pTessellationState; public VkPipelineViewportStateCreateInfo* pViewportState;
    public VkPipelineRasterizationStateCreateInfo* pRasterizationState; public VkPipelineMultisampleStateCreateInfo* pMultisampleState;
    public VkPipelineDepthStencilStateCreateInfo* pDepthStencilState; public VkPipelineColorBlendStateCreateInfo* pColorBlendState;
    public VkPipelineDynamicStateCreateInfo* pDynamicState; public ulong layout; public ulong renderPass; public uint subpass;
    public ulong basePipelineHandle; public int basePipelineIndex;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkClearColorValue { public fixed float float32[4]; }
[StructLayout(LayoutKind.Sequential)]
internal struct VkClearDepthStencilValue { public float depth; public uint stencil; }

/// <summary>The C union: a colour (4 floats) or a depth/stencil pair, 16 bytes.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct VkClearValue
{
    [FieldOffset(0)] public VkClearColorValue color;
    [FieldOffset(0)] public VkClearDepthStencilValue depthStencil;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkRenderPassBeginInfo
{
    public int sType; public void* pNext; public ulong renderPass; public ulong framebuffer; public VkRect2D renderArea;
    public uint clearValueCount; public VkClearValue* pClearValues;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkImageSubresourceLayers { public uint aspectMask, mipLevel, baseArrayLayer, layerCount; }

[StructLayout(LayoutKind.Sequential)]
internal struct VkBufferImageCopy
{
    public ulong bufferOffset; public uint bufferRowLength; public uint bufferImageHeight; public VkImageSubresourceLayers imageSubresource;
    public VkOffset3D imageOffset; public VkExtent3D imageExtent;
}
