// The compute part of the binding on the machine's driver: Shaders/saxpy.comp over two storage buffers,
// dispatched twice with a buffer barrier between (the validation layer does not catch a missing compute
// barrier, so the result itself is checked), under validation with a clean teardown.
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Runtime.Tests.Vulkan;

public unsafe class VulkanComputeTests
{
    private static string SpirvPath()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FlowGen.sln"))) return Path.Combine(d.FullName, "Shaders", "saxpy.comp.spv");
        throw new InvalidOperationException("repository root not found");
    }

    [VulkanFact]
    public void SaxpyTwiceWithABarrierIsExact()
    {
        const int n = 70_001; // not a multiple of the 256-wide workgroup
        const float a = 2f;
        bool validation = VkLoader.InstanceLayers().Contains(VulkanInstance.ValidationLayer);
        var instance = new VulkanInstance([], validation, echoValidation: false);
        try
        {
            using var device = new VulkanDevice(instance);
            var api = device.Api;
            nint d = device.Handle;
            using var x = new VulkanBuffer(device, n * sizeof(float), VkConst.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
            using var y = new VulkanBuffer(device, n * sizeof(float), VkConst.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
            var xs = x.AsSpan<float>();
            var ys = y.AsSpan<float>();
            for (int i = 0; i < n; i++) { xs[i] = i % 1000; ys[i] = -(i % 777); } // small integers: every result is exact

            var bindings = stackalloc VkDescriptorSetLayoutBinding[2];
            for (uint b = 0; b < 2; b++)
                bindings[b] = new VkDescriptorSetLayoutBinding { binding = b, descriptorType = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount = 1, stageFlags = VkConst.VK_SHADER_STAGE_COMPUTE_BIT };
            var setLayoutInfo = new VkDescriptorSetLayoutCreateInfo { sType = VkStructureType.DESCRIPTOR_SET_LAYOUT_CREATE_INFO, bindingCount = 2, pBindings = bindings };
            ulong setLayout, pool, set, layout, pipeline;
            VkResult.Check(api.vkCreateDescriptorSetLayout(d, &setLayoutInfo, null, &setLayout), "vkCreateDescriptorSetLayout");
            var size = new VkDescriptorPoolSize { type = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount = 2 };
            var poolInfo = new VkDescriptorPoolCreateInfo { sType = VkStructureType.DESCRIPTOR_POOL_CREATE_INFO, maxSets = 1, poolSizeCount = 1, pPoolSizes = &size };
            VkResult.Check(api.vkCreateDescriptorPool(d, &poolInfo, null, &pool), "vkCreateDescriptorPool");
            var allocInfo = new VkDescriptorSetAllocateInfo { sType = VkStructureType.DESCRIPTOR_SET_ALLOCATE_INFO, descriptorPool = pool, descriptorSetCount = 1, pSetLayouts = &setLayout };
            VkResult.Check(api.vkAllocateDescriptorSets(d, &allocInfo, &set), "vkAllocateDescriptorSets");
            var infos = stackalloc VkDescriptorBufferInfo[2];
            infos[0] = new VkDescriptorBufferInfo { buffer = x.Handle, range = VkConst.VK_WHOLE_SIZE };
            infos[1] = new VkDescriptorBufferInfo { buffer = y.Handle, range = VkConst.VK_WHOLE_SIZE };
            var writes = stackalloc VkWriteDescriptorSet[2];
            for (uint b = 0; b < 2; b++)
                writes[b] = new VkWriteDescriptorSet { sType = VkStructureType.WRITE_DESCRIPTOR_SET, dstSet = set, dstBinding = b, descriptorCount = 1, descriptorType = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pBufferInfo = &infos[b] };
            api.vkUpdateDescriptorSets(d, 2, writes, 0, null);

            var range = new VkPushConstantRange { stageFlags = VkConst.VK_SHADER_STAGE_COMPUTE_BIT, size = 8 };
            var layoutInfo = new VkPipelineLayoutCreateInfo { sType = VkStructureType.PIPELINE_LAYOUT_CREATE_INFO, setLayoutCount = 1, pSetLayouts = &setLayout, pushConstantRangeCount = 1, pPushConstantRanges = &range };
            VkResult.Check(api.vkCreatePipelineLayout(d, &layoutInfo, null, &layout), "vkCreatePipelineLayout");
            ulong module = device.CreateShaderModule(File.ReadAllBytes(SpirvPath()));
            byte* main = stackalloc byte[] { (byte)'m', (byte)'a', (byte)'i', (byte)'n', 0 };
            var pipelineInfo = new VkComputePipelineCreateInfo
            {
                sType = VkStructureType.COMPUTE_PIPELINE_CREATE_INFO, layout = layout, basePipelineIndex = -1,
                stage = new VkPipelineShaderStageCreateInfo { sType = VkStructureType.PIPELINE_SHADER_STAGE_CREATE_INFO, stage = VkConst.VK_SHADER_STAGE_COMPUTE_BIT, module = module, pName = main },
            };
            VkResult.Check(api.vkCreateComputePipelines(d, 0, 1, &pipelineInfo, null, &pipeline), "vkCreateComputePipelines");
            api.vkDestroyShaderModule(d, module, null);

            nint cb = device.AllocateCommandBuffer();
            device.BeginCommandBuffer(cb, oneTime: true);
            api.vkCmdBindPipeline(cb, VkEnum.VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
            api.vkCmdBindDescriptorSets(cb, VkEnum.VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, null);
            var push = stackalloc uint[] { BitConverter.SingleToUInt32Bits(a), n };
            api.vkCmdPushConstants(cb, layout, VkConst.VK_SHADER_STAGE_COMPUTE_BIT, 0, 8, push);
            api.vkCmdDispatch(cb, (n + 255) / 256, 1, 1);
            var rw = new VkBufferMemoryBarrier
            {
                sType = VkStructureType.BUFFER_MEMORY_BARRIER, srcAccessMask = VkConst.VK_ACCESS_SHADER_WRITE_BIT,
                dstAccessMask = VkConst.VK_ACCESS_SHADER_READ_BIT | VkConst.VK_ACCESS_SHADER_WRITE_BIT,
                srcQueueFamilyIndex = VkConst.VK_QUEUE_FAMILY_IGNORED, dstQueueFamilyIndex = VkConst.VK_QUEUE_FAMILY_IGNORED, buffer = y.Handle, size = VkConst.VK_WHOLE_SIZE,
            };
            api.vkCmdPipelineBarrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, null, 1, &rw, 0, null);
            api.vkCmdDispatch(cb, (n + 255) / 256, 1, 1);
            var toHost = new VkMemoryBarrier { sType = VkStructureType.MEMORY_BARRIER, srcAccessMask = VkConst.VK_ACCESS_SHADER_WRITE_BIT, dstAccessMask = VkConst.VK_ACCESS_HOST_READ_BIT };
            api.vkCmdPipelineBarrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &toHost, 0, null, 0, null);
            VkResult.Check(api.vkEndCommandBuffer(cb), "vkEndCommandBuffer");
            ulong fence = device.CreateFence(signaled: false);
            device.Submit(cb, fence);
            device.WaitFence(fence);

            for (int i = 0; i < n; i++)
                Assert.True(ys[i] == 2 * a * (i % 1000) - (i % 777), $"y[{i}] = {ys[i]}");

            api.vkDestroyFence(d, fence, null);
            device.FreeCommandBuffer(cb);
            api.vkDestroyPipeline(d, pipeline, null);
            api.vkDestroyPipelineLayout(d, layout, null);
            api.vkDestroyDescriptorPool(d, pool, null);
            api.vkDestroyDescriptorSetLayout(d, setLayout, null);
        }
        finally
        {
            instance.Dispose();
        }
        if (instance.Validation is { } log) Assert.True(log.Errors == 0, string.Join("\n", log.Messages));
    }
}
