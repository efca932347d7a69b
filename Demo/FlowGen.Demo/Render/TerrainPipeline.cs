// The terrain render pass and graphics pipeline: one colour + one depth attachment, triangle lists of
// (position, normal) vertices, push constants for the camera and the chunk offset, dynamic viewport.
// The same code serves the swapchain (final layout PRESENT_SRC) and the offscreen target (TRANSFER_SRC,
// depth kept for readback).
using System.Numerics;
using System.Runtime.InteropServices;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.Render;

[StructLayout(LayoutKind.Sequential)]
internal struct TerrainPush
{
    public Matrix4x4 ViewProj;
    public Vector4 ChunkOffset;
    public Vector4 Ramp;
    public Vector4 Sun;
}

internal sealed unsafe class TerrainPipeline : IDisposable
{
    private readonly VulkanDevice _device;

    public ulong RenderPass { get; private set; }
    public ulong Layout { get; private set; }
    public ulong Pipeline { get; private set; }

    public TerrainPipeline(VulkanDevice device, int colorFormat, int depthFormat, int colorFinalLayout, bool keepDepth)
    {
        _device = device;
        try
        {
            RenderPass = CreateRenderPass(colorFormat, depthFormat, colorFinalLayout, keepDepth);
            var range = new VkPushConstantRange
            {
                stageFlags = VkConst.VK_SHADER_STAGE_VERTEX_BIT | VkConst.VK_SHADER_STAGE_FRAGMENT_BIT, size = (uint)sizeof(TerrainPush),
            };
            var layoutInfo = new VkPipelineLayoutCreateInfo
            {
                sType = VkStructureType.PIPELINE_LAYOUT_CREATE_INFO, pushConstantRangeCount = 1, pPushConstantRanges = &range,
            };
            ulong layout;
            VkResult.Check(device.Api.vkCreatePipelineLayout(device.Handle, &layoutInfo, null, &layout), "vkCreatePipelineLayout");
            Layout = layout;
            Pipeline = CreatePipeline();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private ulong CreateRenderPass(int colorFormat, int depthFormat, int colorFinalLayout, bool keepDepth)
    {
        var attachments = stackalloc VkAttachmentDescription[2];
        attachments[0] = new VkAttachmentDescription
        {
            format = colorFormat, samples = VkConst.VK_SAMPLE_COUNT_1_BIT, loadOp = VkEnum.VK_ATTACHMENT_LOAD_OP_CLEAR,
            storeOp = VkEnum.VK_ATTACHMENT_STORE_OP_STORE, stencilLoadOp = VkEnum.VK_ATTACHMENT_LOAD_OP_DONT_CARE,
            stencilStoreOp = VkEnum.VK_ATTACHMENT_STORE_OP_DONT_CARE, initialLayout = VkEnum.VK_IMAGE_LAYOUT_UNDEFINED, finalLayout = colorFinalLayout,
        };
        attachments[1] = new VkAttachmentDescription
        {
            format = depthFormat, samples = VkConst.VK_SAMPLE_COUNT_1_BIT, loadOp = VkEnum.VK_ATTACHMENT_LOAD_OP_CLEAR,
            storeOp = keepDepth ? VkEnum.VK_ATTACHMENT_STORE_OP_STORE : VkEnum.VK_ATTACHMENT_STORE_OP_DONT_CARE,
            stencilLoadOp = VkEnum.VK_ATTACHMENT_LOAD_OP_DONT_CARE, stencilStoreOp = VkEnum.VK_ATTACHMENT_STORE_OP_DONT_CARE,
            initialLayout = VkEnum.VK_IMAGE_LAYOUT_UNDEFINED,
            finalLayout = keepDepth ? VkEnum.VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL : VkEnum.VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
        };
        var colorRef = new VkAttachmentReference { attachment = 0, layout = VkEnum.VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL };
        var depthRef = new VkAttachmentReference { attachment = 1, layout = VkEnum.VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL };
        var subpass = new VkSubpassDescription
        {
            pipelineBindPoint = VkEnum.VK_PIPELINE_BIND_POINT_GRAPHICS, colorAttachmentCount = 1, pColorAttachments = &colorRef,
            pDepthStencilAttachment = &depthRef,
        };
        const uint attachmentStages = VkConst.VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VkConst.VK_PIPELINE_STAGE_EARLY_FRAGMENT_TESTS_BIT | VkConst.VK_PIPELINE_STAGE_LATE_FRAGMENT_TESTS_BIT;
        const uint attachmentWrites = VkConst.VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VkConst.VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT;
        var dependencies = stackalloc VkSubpassDependency[2];
        // In: the previous frame's attachment writes (and the swapchain acquire, waited at colour output)
        // happen before this frame's clears and writes. Out: the writes are visible to a following copy.
        dependencies[0] = new VkSubpassDependency
        {
            srcSubpass = VkEnum.VK_SUBPASS_EXTERNAL, dstSubpass = 0, srcStageMask = attachmentStages, dstStageMask = attachmentStages,
            srcAccessMask = VkConst.VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT, dstAccessMask = attachmentWrites | VkConst.VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_READ_BIT,
        };
        dependencies[1] = new VkSubpassDependency
        {
            srcSubpass = 0, dstSubpass = VkEnum.VK_SUBPASS_EXTERNAL, srcStageMask = attachmentStages, dstStageMask = VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT,
            srcAccessMask = attachmentWrites, dstAccessMask = VkConst.VK_ACCESS_TRANSFER_READ_BIT,
        };
        var info = new VkRenderPassCreateInfo
        {
            sType = VkStructureType.RENDER_PASS_CREATE_INFO, attachmentCount = 2, pAttachments = attachments, subpassCount = 1,
            pSubpasses = &subpass, dependencyCount = 2, pDependencies = dependencies,
        };
        ulong pass;
        VkResult.Check(_device.Api.vkCreateRenderPass(_device.Handle, &info, null, &pass), "vkCreateRenderPass");
        return pass;
    }

    private ulong CreatePipeline()
    {
        ulong vert = _device.CreateShaderModule(ShaderBinaries.Load("terrain.vert.spv"));
        ulong frag = 0;
        try
        {
            frag = _device.CreateShaderModule(ShaderBinaries.Load("terrain.frag.spv"));
            byte* main = stackalloc byte[] { (byte)'m', (byte)'a', (byte)'i', (byte)'n', 0 };
            var stages = stackalloc VkPipelineShaderStageCreateInfo[2];
            stages[0] = new VkPipelineShaderStageCreateInfo { sType = VkStructureType.PIPELINE_SHADER_STAGE_CREATE_INFO, stage = VkConst.VK_SHADER_STAGE_VERTEX_BIT, module = vert, pName = main };
            stages[1] = new VkPipelineShaderStageCreateInfo { sType = VkStructureType.PIPELINE_SHADER_STAGE_CREATE_INFO, stage = VkConst.VK_SHADER_STAGE_FRAGMENT_BIT, module = frag, pName = main };
            var binding = new VkVertexInputBindingDescription { binding = 0, stride = 6 * sizeof(float), inputRate = VkEnum.VK_VERTEX_INPUT_RATE_VERTEX };
            var attributes = stackalloc VkVertexInputAttributeDescription[2];
            attributes[0] = new VkVertexInputAttributeDescription { location = 0, format = VkEnum.VK_FORMAT_R32G32B32_SFLOAT, offset = 0 };
            attributes[1] = new VkVertexInputAttributeDescription { location = 1, format = VkEnum.VK_FORMAT_R32G32B32_SFLOAT, offset = 12 };
            var vertexInput = new VkPipelineVertexInputStateCreateInfo
            {
                sType = VkStructureType.PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO, vertexBindingDescriptionCount = 1, pVertexBindingDescriptions = &binding,
                vertexAttributeDescriptionCount = 2, pVertexAttributeDescriptions = attributes,
            };
            var assembly = new VkPipelineInputAssemblyStateCreateInfo { sType = VkStructureType.PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO, topology = VkEnum.VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST };
            var viewport = new VkPipelineViewportStateCreateInfo { sType = VkStructureType.PIPELINE_VIEWPORT_STATE_CREATE_INFO, viewportCount = 1, scissorCount = 1 };
            // Triangles are counter-clockwise seen from above. The projection's y flip mirrors them in clip space
            // and Vulkan's y-down framebuffer mirrors them back, so COUNTER_CLOCKWISE is the front face;
            // back faces (terrain undersides) are culled.
            var raster = new VkPipelineRasterizationStateCreateInfo
            {
                sType = VkStructureType.PIPELINE_RASTERIZATION_STATE_CREATE_INFO, polygonMode = VkEnum.VK_POLYGON_MODE_FILL,
                cullMode = VkConst.VK_CULL_MODE_BACK_BIT, frontFace = VkEnum.VK_FRONT_FACE_COUNTER_CLOCKWISE, lineWidth = 1f,
            };
            var multisample = new VkPipelineMultisampleStateCreateInfo { sType = VkStructureType.PIPELINE_MULTISAMPLE_STATE_CREATE_INFO, rasterizationSamples = VkConst.VK_SAMPLE_COUNT_1_BIT };
            var depth = new VkPipelineDepthStencilStateCreateInfo
            {
                sType = VkStructureType.PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO, depthTestEnable = 1, depthWriteEnable = 1,
                depthCompareOp = VkEnum.VK_COMPARE_OP_LESS, maxDepthBounds = 1f,
            };
            var blendAttachment = new VkPipelineColorBlendAttachmentState { colorWriteMask = VkConst.VK_COLOR_COMPONENT_RGBA };
            var blend = new VkPipelineColorBlendStateCreateInfo { sType = VkStructureType.PIPELINE_COLOR_BLEND_STATE_CREATE_INFO, attachmentCount = 1, pAttachments = &blendAttachment };
            var dynamicStates = stackalloc int[] { VkEnum.VK_DYNAMIC_STATE_VIEWPORT, VkEnum.VK_DYNAMIC_STATE_SCISSOR };
            var dynamic = new VkPipelineDynamicStateCreateInfo { sType = VkStructureType.PIPELINE_DYNAMIC_STATE_CREATE_INFO, dynamicStateCount = 2, pDynamicStates = dynamicStates };
            var info = new VkGraphicsPipelineCreateInfo
            {
                sType = VkStructureType.GRAPHICS_PIPELINE_CREATE_INFO, stageCount = 2, pStages = stages, pVertexInputState = &vertexInput,
                pInputAssemblyState = &assembly, pViewportState = &viewport, pRasterizationState = &raster, pMultisampleState = &multisample,
                pDepthStencilState = &depth, pColorBlendState = &blend, pDynamicState = &dynamic, layout = Layout, renderPass = RenderPass,
                basePipelineIndex = -1,
            };
            ulong pipeline;
            VkResult.Check(_device.Api.vkCreateGraphicsPipelines(_device.Handle, 0, 1, &info, null, &pipeline), "vkCreateGraphicsPipelines");
            return pipeline;
        }
        finally
        {
            _device.Api.vkDestroyShaderModule(_device.Handle, vert, null);
            if (frag != 0) _device.Api.vkDestroyShaderModule(_device.Handle, frag, null);
        }
    }

    public void Dispose()
    {
        var api = _device.Api;
        if (Pipeline != 0) api.vkDestroyPipeline(_device.Handle, Pipeline, null);
        Pipeline = 0;
        if (Layout != 0) api.vkDestroyPipelineLayout(_device.Handle, Layout, null);
        Layout = 0;
        if (RenderPass != 0) api.vkDestroyRenderPass(_device.Handle, RenderPass, null);
        RenderPass = 0;
    }
}
