// The Vulkan compute backend: the same execution plan as the CPU backend (Graph/ExecutionPlan.cs), its arena one
// storage buffer on the device, each step one or more dispatches of four shaders (Shaders/flow_*.comp, embedded
// SPIR-V): a direct convolution with its fused bias and activation, an elementwise-chain interpreter, a strided
// copy (Transpose, DepthToSpace/SpaceToDepth, Slice, Expand, each input of a Concat) and a reduction. A step's
// shapes and offsets go into a buffer of ints that its push constants point into. Each of a few slots holds such a
// buffer, its descriptor set and a command buffer recorded for one batch size; a run at a batch size a slot holds
// is one submit and one fence wait, and allocates nothing (a sampling call alternates a full batch and its
// remainder, so two slots are in use; the least recently used slot is re-recorded for a new size).
//
// Numerics: every output element is computed by one invocation in the CPU kernels' order of terms (bias, then
// w·x over input channel, kernel row, kernel column; reductions in row-major order), but GPUs need not fuse the
// multiply-adds nor round exp/log as the CPU does, so results agree to float rounding, not bit for bit (tests hold
// them to the CPU backend and ONNX Runtime within 1e-4). Float32 steps only: the bundled flows and any model
// exported by the trainer compile to Conv, Elementwise, Slice, Concat, Transpose, DepthToSpace and ReduceMean.
//
// Memory: on a device whose memory the host can map (integrated GPUs, lavapipe) the arena is host-visible and inputs
// and outputs are read and written in place. On a device with memory of its own (a discrete GPU) the arena lives there
// and a host-visible mirror of the same layout carries the constants (copied once), each run's inputs and
// shape values (copied in at the start of the command buffer) and its outputs (copied back at the end), so the kernels
// never read over the bus.
using System.Reflection;
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe class VulkanExecutor : IPlanExecutor
{
    private const int MaxRank = 6, LocalSize = 256, MaxGroupsX = 65535;
    private enum Kernel { Conv, Eltwise, Copy, Reduce }

    private static readonly string[] ShaderNames = ["flow_conv", "flow_eltwise", "flow_copy", "flow_reduce"];

    private readonly VulkanDevice _device;
    private const int SlotCount = 4;
    private readonly VulkanBuffer _arena;            // what the kernels read and write
    private readonly VulkanBuffer _host;             // the host's view: the arena itself, or its mirror when staged
    private readonly bool _staged;
    private readonly PlanValue[] _batchDependent;
    private readonly ulong _setLayout, _pool, _layout, _fence;
    private readonly ulong[] _pipelines = new ulong[4];
    private readonly Slot[] _slots = new Slot[SlotCount];
    private readonly List<(Kernel Kernel, uint Base, uint Count)> _dispatches = [];
    private readonly List<int> _barrierAfter = [];  // dispatch counts at which a step ends
    private int _valuesBatch = -1;                   // the batch the arena's shape-dependent values hold
    private long _runs;
    private bool _disposed;

    // A batch size's parameters, descriptor set and recorded commands.
    private sealed class Slot
    {
        public VulkanBuffer? Params;
        public ulong Set;
        public nint Commands;
        public int Batch = -1;
        public long LastUse;
    }

    /// <summary>Steps this backend runs (float32 tensors only).</summary>
    internal static readonly HashSet<string> Supported = ["Conv", "Elementwise", "Transpose", "DepthToSpace", "SpaceToDepth", "Slice", "Expand", "Concat", "ReduceSum", "ReduceMean"];

    /// <summary>Prepares <paramref name="plan"/> on <paramref name="device"/>; <paramref name="forceStaged"/> keeps the arena in
    /// device-local memory behind a mirror even where the host could map it (what a discrete GPU gets; for tests).</summary>
    public VulkanExecutor(ExecutionPlan plan, VulkanDevice device, bool forceStaged = false)
    {
        Plan = plan;
        _device = device;
        foreach (var s in plan.Steps)
        {
            if (!Supported.Contains(s.OpType))
                throw new FlowGenException($"{plan.Source}: operator {s.OpType} ('{s.Name}') has no Vulkan implementation; sample this model on the CPU", null);
            foreach (var v in s.Inputs.Concat(s.Outputs))
                if (v is not null && v.Type != ElementType.Float32 && !(s.OpType == "Conv" && v.Const is not null))
                    throw new FlowGenException($"{plan.Source}: {s.OpType} ('{s.Name}') works on {ElementTypes.Name(v.Type)} tensors; the Vulkan backend runs float32 steps only", null);
        }
        foreach (var v in plan.Values)
            if (v.Offset % 4 != 0) throw new FlowGenException($"{plan.Source}: value '{v.Name}' is not 4-byte aligned in the arena", null);
        if (plan.ArenaBytes / 4 >= int.MaxValue) throw new FlowGenException($"{plan.Source}: the arena ({plan.ArenaBytes} bytes) is too large for the Vulkan backend's 32-bit offsets", null);

        var api = device.Api;
        nint d = device.Handle;
        _staged = forceStaged || device.HasDeviceOnlyMemory;
        ulong bytes = (ulong)Math.Max(16, plan.ArenaBytes);
        const uint usage = VkConst.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VkConst.VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VkConst.VK_BUFFER_USAGE_TRANSFER_DST_BIT;
        _host = new VulkanBuffer(device, bytes, usage);
        try
        {
            _arena = _staged ? new VulkanBuffer(device, bytes, usage, hostVisible: false) : _host;
            new Span<byte>(_host.Mapped, checked((int)_host.Size)).Clear();
            foreach (var v in plan.Values)
                if (v.Const is { } c && v.AliasOf is null) c.Data.CopyTo(new Span<byte>((byte*)_host.Mapped + v.Offset, c.Data.Length));
            if (_staged) Upload(bytes);
            _batchDependent = plan.Values.Where(v => v.SymValues is not null).ToArray();
            for (int k = 0; k < SlotCount; k++)
                _slots[k] = new Slot { Params = new VulkanBuffer(device, (ulong)(ParamInts(plan) * 4 + 16), VkConst.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT) };

            var bindings = stackalloc VkDescriptorSetLayoutBinding[2];
            for (uint b = 0; b < 2; b++)
                bindings[b] = new VkDescriptorSetLayoutBinding { binding = b, descriptorType = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount = 1, stageFlags = VkConst.VK_SHADER_STAGE_COMPUTE_BIT };
            var setLayoutInfo = new VkDescriptorSetLayoutCreateInfo { sType = VkStructureType.DESCRIPTOR_SET_LAYOUT_CREATE_INFO, bindingCount = 2, pBindings = bindings };
            ulong setLayout, pool, layout;
            VkResult.Check(api.vkCreateDescriptorSetLayout(d, &setLayoutInfo, null, &setLayout), "vkCreateDescriptorSetLayout");
            _setLayout = setLayout;
            var size = new VkDescriptorPoolSize { type = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount = 2 * SlotCount };
            var poolInfo = new VkDescriptorPoolCreateInfo { sType = VkStructureType.DESCRIPTOR_POOL_CREATE_INFO, maxSets = SlotCount, poolSizeCount = 1, pPoolSizes = &size };
            VkResult.Check(api.vkCreateDescriptorPool(d, &poolInfo, null, &pool), "vkCreateDescriptorPool");
            _pool = pool;
            var infos = stackalloc VkDescriptorBufferInfo[2];
            var writes = stackalloc VkWriteDescriptorSet[2];
            foreach (var slot in _slots)
            {
                ulong set;
                var allocInfo = new VkDescriptorSetAllocateInfo { sType = VkStructureType.DESCRIPTOR_SET_ALLOCATE_INFO, descriptorPool = pool, descriptorSetCount = 1, pSetLayouts = &setLayout };
                VkResult.Check(api.vkAllocateDescriptorSets(d, &allocInfo, &set), "vkAllocateDescriptorSets");
                slot.Set = set;
                infos[0] = new VkDescriptorBufferInfo { buffer = _arena.Handle, range = VkConst.VK_WHOLE_SIZE };
                infos[1] = new VkDescriptorBufferInfo { buffer = slot.Params!.Handle, range = VkConst.VK_WHOLE_SIZE };
                for (uint b = 0; b < 2; b++)
                    writes[b] = new VkWriteDescriptorSet { sType = VkStructureType.WRITE_DESCRIPTOR_SET, dstSet = set, dstBinding = b, descriptorCount = 1, descriptorType = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pBufferInfo = &infos[b] };
                api.vkUpdateDescriptorSets(d, 2, writes, 0, null);
                slot.Commands = device.AllocateCommandBuffer();
            }
            var range = new VkPushConstantRange { stageFlags = VkConst.VK_SHADER_STAGE_COMPUTE_BIT, size = 8 };
            var layoutInfo = new VkPipelineLayoutCreateInfo { sType = VkStructureType.PIPELINE_LAYOUT_CREATE_INFO, setLayoutCount = 1, pSetLayouts = &setLayout, pushConstantRangeCount = 1, pPushConstantRanges = &range };
            VkResult.Check(api.vkCreatePipelineLayout(d, &layoutInfo, null, &layout), "vkCreatePipelineLayout");
            _layout = layout;
            byte* main = stackalloc byte[] { (byte)'m', (byte)'a', (byte)'i', (byte)'n', 0 };
            for (int k = 0; k < ShaderNames.Length; k++)
            {
                ulong module = device.CreateShaderModule(Spirv(ShaderNames[k]));
                var info = new VkComputePipelineCreateInfo
                {
                    sType = VkStructureType.COMPUTE_PIPELINE_CREATE_INFO, layout = layout, basePipelineIndex = -1,
                    stage = new VkPipelineShaderStageCreateInfo { sType = VkStructureType.PIPELINE_SHADER_STAGE_CREATE_INFO, stage = VkConst.VK_SHADER_STAGE_COMPUTE_BIT, module = module, pName = main },
                };
                ulong pipeline;
                var r = api.vkCreateComputePipelines(d, 0, 1, &info, null, &pipeline);
                api.vkDestroyShaderModule(d, module, null);
                VkResult.Check(r, "vkCreateComputePipelines");
                _pipelines[k] = pipeline;
            }
            _fence = device.CreateFence(signaled: false);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ExecutionPlan Plan { get; }

    /// <summary>The device the plan runs on.</summary>
    public string DeviceName => _device.Name;

    public void SetInput(int index, ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var v = Plan.Inputs[index];
        if (data.Length > v.Bytes) throw new ArgumentException($"input '{v.Name}' is larger than the plan's maximum batch allows");
        data.CopyTo(new Span<byte>((byte*)_host.Mapped + v.Offset, data.Length));
    }

    public void Run(int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch < 1 || batch > Plan.MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Plan.MaxBatch}");
        if (batch != _valuesBatch)
        {
            foreach (var v in _batchDependent)
            {
                var s = v.SymValues!;
                for (int i = 0; i < s.Length; i++) ((long*)((byte*)_host.Mapped + v.Offset))[i] = s[i].At(batch);
            }
            _valuesBatch = batch;
        }
        Slot? slot = null;
        foreach (var k in _slots) if (k.Batch == batch) slot = k;
        if (slot is null)
        {
            slot = _slots[0];
            foreach (var k in _slots) if (k.LastUse < slot.LastUse) slot = k;
            Bind(slot, batch);
        }
        slot.LastUse = ++_runs;
        var api = _device.Api;
        ulong fence = _fence;
        VkResult.Check(api.vkResetFences(_device.Handle, 1, &fence), "vkResetFences");
        _device.Submit(slot.Commands, fence);
        _device.WaitFence(fence);
    }

    public ReadOnlySpan<byte> GetOutput(int index, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var v = Plan.Outputs[index];
        return new ReadOnlySpan<byte>((byte*)_host.Mapped + v.Offset, checked((int)(v.ElementCount(batch) * ElementTypes.Size(v.Type))));
    }

    // Writes every step's parameters for the batch size into the slot and records its dispatches.
    private void Bind(Slot slot, int batch)
    {
        slot.Batch = -1;
        var prm = new ParamWriter(slot.Params!.AsSpan<int>());
        _dispatches.Clear();
        _barrierAfter.Clear();
        foreach (var step in Plan.Steps)
        {
            Encode(step, batch, ref prm);
            _barrierAfter.Add(_dispatches.Count);
        }
        Record(slot, batch);
        slot.Batch = batch;
    }

    private void Encode(PlanStep step, int batch, ref ParamWriter prm)
    {
        int[][] inDims = step.Inputs.Select(v => v is null ? [] : Dims(v, batch)).ToArray();
        int[] outDims = Dims(step.Outputs[0], batch);
        long count = Product(outDims);
        if (count == 0) return;
        int outOff = Floats(step.Outputs[0]);
        switch (step.OpType)
        {
            case "Conv":
            {
                var p = (ConvParams)step.Params!;
                var x = inDims[0];
                var w = step.Inputs[1]!;
                int act = p.Activation switch { Activation.Relu => 1, Activation.LeakyRelu => 2, Activation.Sigmoid => 3, Activation.Tanh => 4, _ => 0 };
                int cpi = outDims[1] / p.Group % 4 == 0 ? 4 : 1;  // output channels an invocation computes
                uint at = prm.Begin();
                prm.Add(Floats(step.Inputs[0]!), Floats(w), step.Inputs.Length > 2 && step.Inputs[2] is { } b ? Floats(b) : -1, outOff,
                    x[0], x[1], x[2], x[3], outDims[1], outDims[2], outDims[3], p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PadTop, p.PadLeft,
                    p.DilationH, p.DilationW, p.Group, act, BitConverter.SingleToInt32Bits(p.Alpha), cpi);
                Dispatch(Kernel.Conv, at, count / cpi);
                break;
            }
            case "Elementwise":
            {
                var chain = (ChainParams)step.Params!;
                int rank = outDims.Length;
                if (rank > MaxRank) throw Unsupported(step, $"rank {rank}");
                uint at = prm.Begin();
                prm.Add(outOff, rank);
                prm.AddPadded(outDims, MaxRank);
                prm.Add(step.Inputs.Length, chain.First, chain.Ops.Length);
                Span<long> strides = stackalloc long[MaxRank];
                for (int k = 0; k < step.Inputs.Length; k++)
                {
                    strides.Clear();
                    Broadcast(inDims[k], rank, strides);
                    prm.Add(Floats(step.Inputs[k]!));
                    for (int dd = 0; dd < MaxRank; dd++) prm.Add(checked((int)strides[dd]));
                }
                foreach (var op in chain.Ops)
                    prm.Add((int)op.Kind, op.Operand, op.Reversed ? 1 : 0, BitConverter.SingleToInt32Bits(op.A), BitConverter.SingleToInt32Bits(op.B));
                Dispatch(Kernel.Eltwise, at, count);
                break;
            }
            case "Concat":
            {
                int axis = ((AxisParams)step.Params!).Axis, rank = outDims.Length;
                var outStrides = Contiguous(outDims);
                long along = 0;
                for (int i = 0; i < step.Inputs.Length; i++)
                {
                    var id = inDims[i];
                    if (Product(id) > 0)
                        Copy(ref prm, Floats(step.Inputs[i]!), checked((int)(outOff + along * outStrides[axis])), id, Contiguous(id), outStrides, rank, step);
                    along += id[axis];
                }
                break;
            }
            case "ReduceSum" or "ReduceMean":
            {
                var p = (ReduceParams)step.Params!;
                var id = inDims[0];
                if (id.Length > MaxRank) throw Unsupported(step, $"rank {id.Length}");
                int mask = 0;
                foreach (int a in p.Axes) mask |= 1 << a;
                long inCount = Product(id);
                float div = inCount / (float)Math.Max(1, count);
                uint at = prm.Begin();
                prm.Add(Floats(step.Inputs[0]!), outOff, id.Length);
                prm.AddPadded(id, MaxRank);
                var inStrides = Contiguous(id);
                for (int dd = 0; dd < MaxRank; dd++) prm.Add(dd < id.Length ? checked((int)inStrides[dd]) : 0);
                prm.Add(mask, p.Mean ? 1 : 0, BitConverter.SingleToInt32Bits(div));
                Dispatch(Kernel.Reduce, at, count);
                break;
            }
            default:
            {
                // One strided view of the input, written contiguously (the CPU's StridedViewOp operators).
                var (dims, strides, offset) = View(step, inDims[0], outDims);
                Copy(ref prm, checked((int)(Floats(step.Inputs[0]!) + offset)), outOff, dims, strides, Contiguous(dims), dims.Length, step);
                break;
            }
        }
    }

    private void Copy(ref ParamWriter prm, int inOff, int outOff, int[] dims, long[] inStrides, long[] outStrides, int rank, PlanStep step)
    {
        if (rank > MaxRank) throw Unsupported(step, $"rank {rank}");
        uint at = prm.Begin();
        prm.Add(inOff, outOff, rank);
        prm.AddPadded(dims, MaxRank);
        for (int d = 0; d < MaxRank; d++) prm.Add(d < rank ? checked((int)inStrides[d]) : 0);
        for (int d = 0; d < MaxRank; d++) prm.Add(d < rank ? checked((int)outStrides[d]) : 0);
        Dispatch(Kernel.Copy, at, Product(dims));
    }

    // The view a data-movement step reads its input through (dims, strides in elements, start offset), as the CPU's
    // TransposeOp, RearrangeOp, SliceOp and ExpandOp compute it.
    private static (int[] Dims, long[] Strides, long Offset) View(PlanStep step, int[] id, int[] od)
    {
        var inStrides = Contiguous(id);
        switch (step.OpType)
        {
            case "Transpose":
            {
                var perm = ((TransposeParams)step.Params!).Perm;
                return (perm.Select(p => id[p]).ToArray(), perm.Select(p => inStrides[p]).ToArray(), 0);
            }
            case "Slice":
            {
                var p = (SliceParams)step.Params!;
                var dims = (int[])id.Clone();
                var strides = (long[])inStrides.Clone();
                long offset = 0;
                for (int i = 0; i < p.Axes.Length; i++)
                {
                    int a = p.Axes[i];
                    var (start, n) = OpRules.SliceRange(id[a], p.Starts[i], p.Ends[i], p.Steps[i]);
                    offset += start * inStrides[a];
                    dims[a] = (int)n;
                    strides[a] = inStrides[a] * p.Steps[i];
                }
                return (dims, strides, offset);
            }
            case "Expand":
            {
                var strides = new long[od.Length];
                Broadcast(id, od.Length, strides);
                return ((int[])od.Clone(), strides, 0);
            }
            default: // DepthToSpace / SpaceToDepth: a 6-D transpose of the reshaped input
            {
                var p = (RearrangeParams)step.Params!;
                int n = id[0], c = id[1], h = id[2], w = id[3], b = p.BlockSize;
                int[] shape6, perm;
                if (p.DepthToSpace && !p.ColumnRowDepth) (shape6, perm) = ([n, b, b, c / (b * b), h, w], [0, 3, 4, 1, 5, 2]);
                else if (p.DepthToSpace) (shape6, perm) = ([n, c / (b * b), b, b, h, w], [0, 1, 4, 2, 5, 3]);
                else (shape6, perm) = ([n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4]);
                var s6 = Contiguous(shape6);
                return (perm.Select(q => shape6[q]).ToArray(), perm.Select(q => s6[q]).ToArray(), 0);
            }
        }
    }

    private void Dispatch(Kernel kernel, uint at, long count)
    {
        if (count > uint.MaxValue) throw new FlowGenException($"{Plan.Source}: a step of {count} elements is too large for one Vulkan dispatch", null);
        _dispatches.Add((kernel, at, (uint)count));
    }

    // One command buffer: every step's dispatches, a compute-to-compute barrier between steps, a barrier to the host at the end.
    private void Record(Slot slot, int batch)
    {
        var api = _device.Api;
        nint cb = slot.Commands;
        _device.BeginCommandBuffer(cb, oneTime: false);
        ulong set = slot.Set;
        api.vkCmdBindDescriptorSets(cb, VkEnum.VK_PIPELINE_BIND_POINT_COMPUTE, _layout, 0, 1, &set, 0, null);
        var between = new VkMemoryBarrier
        {
            sType = VkStructureType.MEMORY_BARRIER, srcAccessMask = VkConst.VK_ACCESS_SHADER_WRITE_BIT,
            dstAccessMask = VkConst.VK_ACCESS_SHADER_READ_BIT | VkConst.VK_ACCESS_SHADER_WRITE_BIT,
        };
        if (_staged) CopyIn(cb, batch);
        else Barrier(cb, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_ACCESS_SHADER_READ_BIT);
        int next = 0, bound = -1;
        uint* push = stackalloc uint[2];
        for (int s = 0; s < _barrierAfter.Count; s++)
        {
            int end = _barrierAfter[s];
            if (end == next) continue;
            for (; next < end; next++)
            {
                var (kernel, at, count) = _dispatches[next];
                if ((int)kernel != bound)
                {
                    api.vkCmdBindPipeline(cb, VkEnum.VK_PIPELINE_BIND_POINT_COMPUTE, _pipelines[(int)kernel]);
                    bound = (int)kernel;
                }
                push[0] = at;
                push[1] = count;
                api.vkCmdPushConstants(cb, _layout, VkConst.VK_SHADER_STAGE_COMPUTE_BIT, 0, 8, push);
                uint groups = (uint)((count + LocalSize - 1) / LocalSize);
                uint gx = Math.Min(groups, MaxGroupsX), gy = (groups + gx - 1) / gx;
                api.vkCmdDispatch(cb, gx, gy, 1);
            }
            api.vkCmdPipelineBarrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &between, 0, null, 0, null);
        }
        if (_staged) CopyOut(cb, batch);
        else Barrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_ACCESS_SHADER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_READ_BIT);
        VkResult.Check(api.vkEndCommandBuffer(cb), "vkEndCommandBuffer");
    }

    private void Barrier(nint cb, uint srcStage, uint srcAccess, uint dstStage, uint dstAccess)
    {
        var b = new VkMemoryBarrier { sType = VkStructureType.MEMORY_BARRIER, srcAccessMask = srcAccess, dstAccessMask = dstAccess };
        _device.Api.vkCmdPipelineBarrier(cb, srcStage, dstStage, 0, 1, &b, 0, null, 0, null);
    }

    // Staged arena: the run's inputs and shape values from the mirror into the arena, before the first dispatch.
    private void CopyIn(nint cb, int batch)
    {
        var regions = new List<VkBufferCopy>();
        foreach (var v in Plan.Inputs) Region(regions, v.Offset, v.ElementCount(batch) * ElementTypes.Size(v.Type));
        foreach (var v in _batchDependent) Region(regions, v.Offset, v.SymValues!.Length * 8L);
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_READ_BIT);
        Copy(cb, _host, _arena, regions);
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VkConst.VK_ACCESS_SHADER_READ_BIT | VkConst.VK_ACCESS_SHADER_WRITE_BIT);
    }

    // Staged arena: the outputs back into the mirror, after the last dispatch.
    private void CopyOut(nint cb, int batch)
    {
        var regions = new List<VkBufferCopy>();
        foreach (var v in Plan.Outputs) Region(regions, v.Offset, v.ElementCount(batch) * ElementTypes.Size(v.Type));
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_ACCESS_SHADER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_READ_BIT);
        Copy(cb, _arena, _host, regions);
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_READ_BIT);
    }

    private static void Region(List<VkBufferCopy> regions, long offset, long bytes)
    {
        if (bytes > 0) regions.Add(new VkBufferCopy { srcOffset = (ulong)offset, dstOffset = (ulong)offset, size = (ulong)bytes });
    }

    private void Copy(nint cb, VulkanBuffer from, VulkanBuffer to, List<VkBufferCopy> regions)
    {
        if (regions.Count == 0) return;
        var array = regions.ToArray();
        fixed (VkBufferCopy* r = array) _device.Api.vkCmdCopyBuffer(cb, from.Handle, to.Handle, (uint)array.Length, r);
    }

    // Staged arena: the whole mirror (constants, zeros) into the arena once, before any run.
    private void Upload(ulong bytes)
    {
        nint cb = _device.AllocateCommandBuffer();
        ulong fence = 0;
        try
        {
            _device.BeginCommandBuffer(cb, oneTime: true);
            Barrier(cb, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_READ_BIT);
            Copy(cb, _host, _arena, [new VkBufferCopy { size = bytes }]);
            Barrier(cb, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VkConst.VK_ACCESS_SHADER_READ_BIT | VkConst.VK_ACCESS_SHADER_WRITE_BIT);
            VkResult.Check(_device.Api.vkEndCommandBuffer(cb), "vkEndCommandBuffer");
            fence = _device.CreateFence(signaled: false);
            _device.Submit(cb, fence);
            _device.WaitFence(fence);
        }
        finally
        {
            if (fence != 0) _device.Api.vkDestroyFence(_device.Handle, fence, null);
            _device.FreeCommandBuffer(cb);
        }
    }

    // Upper bound of the parameter ints of a plan (they do not depend on the batch size).
    private static long ParamInts(ExecutionPlan plan)
    {
        long n = 0;
        foreach (var s in plan.Steps)
            n += s.OpType switch
            {
                "Conv" => 23,
                "Elementwise" => 11 + 7L * s.Inputs.Length + 5L * ((ChainParams)s.Params!).Ops.Length,
                "Concat" => 21L * s.Inputs.Length,
                "ReduceSum" or "ReduceMean" => 18,
                _ => 21,
            };
        return n;
    }

    private static byte[] Spirv(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"FlowGen.Shaders.{name}.comp.spv")
            ?? throw new FlowGenException($"the Vulkan backend's shader {name}.comp.spv is not embedded in FlowGen.Runtime", null);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static int[] Dims(PlanValue v, int batch)
    {
        var dims = new int[v.Shape.Length];
        SymShape.At(v.Shape, batch, dims);
        return dims;
    }

    private static int Floats(PlanValue v) => checked((int)(v.Offset / 4));

    private static long Product(int[] dims)
    {
        long p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }

    private static long[] Contiguous(int[] dims)
    {
        var s = new long[dims.Length];
        long t = 1;
        for (int d = dims.Length - 1; d >= 0; d--) { s[d] = t; t *= dims[d]; }
        return s;
    }

    // Row-major strides of dims aligned right to rank, 0 on broadcast (size-1 or missing) axes.
    private static void Broadcast(int[] dims, int rank, Span<long> strides)
    {
        long s = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            int sd = d - (rank - dims.Length);
            if (sd < 0 || dims[sd] == 1) strides[d] = 0;
            else { strides[d] = s; s *= dims[sd]; }
        }
    }

    private FlowGenException Unsupported(PlanStep step, string what) =>
        new($"{Plan.Source}: {step.OpType} ('{step.Name}') with {what} is beyond the Vulkan backend (rank <= {MaxRank})", null);

    // Appends ints to the parameter buffer.
    private ref struct ParamWriter(Span<int> buffer)
    {
        private readonly Span<int> _buffer = buffer;
        private int _at;

        public uint Begin() => (uint)_at;

        public void Add(params ReadOnlySpan<int> values)
        {
            values.CopyTo(_buffer[_at..]);
            _at += values.Length;
        }

        public void AddPadded(int[] values, int length)
        {
            for (int i = 0; i < length; i++) _buffer[_at + i] = i < values.Length ? values[i] : 1;
            _at += length;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var api = _device.Api;
        nint d = _device.Handle;
        if (d != 0) api.vkDeviceWaitIdle(d);
        foreach (var slot in _slots)
        {
            if (slot is null) continue;
            if (slot.Commands != 0) _device.FreeCommandBuffer(slot.Commands);
            slot.Params?.Dispose();
        }
        if (_fence != 0) api.vkDestroyFence(d, _fence, null);
        foreach (var p in _pipelines) if (p != 0) api.vkDestroyPipeline(d, p, null);
        if (_layout != 0) api.vkDestroyPipelineLayout(d, _layout, null);
        if (_pool != 0) api.vkDestroyDescriptorPool(d, _pool, null);
        if (_setLayout != 0) api.vkDestroyDescriptorSetLayout(d, _setLayout, null);
        if (!ReferenceEquals(_arena, _host)) _arena?.Dispose();
        _host?.Dispose();
    }
}
