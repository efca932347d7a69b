// Keeps the resident terrain chunks on the GPU (one vertex buffer each, one shared index buffer) and
// records the draw of a frame. Buffers of evicted chunks are retired, not destroyed, until every frame
// that may still use them has completed (the caller reports completed frame serials).
using System.Numerics;
using FlowGen.Demo.App;
using FlowGen.Demo.Terrain;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.Render;

internal sealed unsafe class TerrainRenderer : IDisposable
{
    /// <summary>Sky / clear colour; terrain.frag fades to the same colour with distance.</summary>
    public static readonly Vector3 Sky = new(0.55f, 0.70f, 0.90f);
    public static readonly Vector3 SunDirection = Vector3.Normalize(new Vector3(0.5f, 0.6f, -0.4f));
    private const float Ambient = 0.35f;

    private readonly VulkanDevice _device;
    private readonly ChunkLayout _layout;
    private readonly VulkanBuffer _indices;
    private readonly uint _indexCount;
    private readonly Dictionary<ChunkKey, VulkanBuffer> _resident = [];
    private readonly List<(long Serial, VulkanBuffer Buffer)> _retired = [];

    public TerrainRenderer(VulkanDevice device, ChunkLayout layout, TerrainPipeline pipeline)
    {
        _device = device;
        _layout = layout;
        Pipeline = pipeline;
        uint[] indices = ChunkMesh.GridIndices(layout.VerticesPerSide);
        _indexCount = (uint)indices.Length;
        _indices = new VulkanBuffer(device, (ulong)indices.Length * sizeof(uint), VkConst.VK_BUFFER_USAGE_INDEX_BUFFER_BIT);
        indices.CopyTo(_indices.AsSpan<uint>());
    }

    public TerrainPipeline Pipeline { get; }
    /// <summary>Height range of the colour ramp, metres (low, high).</summary>
    public Vector2 Ramp { get; set; } = new(-200f, 250f);
    /// <summary>Distance where terrain has faded into the sky, metres.</summary>
    public float FogDistance { get; set; } = 20_000f;
    /// <summary>Serial of the frame being recorded; bumped by <see cref="Record"/>.</summary>
    public long FrameSerial { get; private set; }
    public int ResidentCount => _resident.Count;
    public IReadOnlyCollection<ChunkKey> Resident => _resident.Keys;
    public bool IsResident(ChunkKey key) => _resident.ContainsKey(key);

    /// <summary>Copies a generated chunk into a new vertex buffer (replacing an older copy).</summary>
    public void Upload(ChunkData chunk)
    {
        var buffer = new VulkanBuffer(_device, (ulong)chunk.Vertices.Length * sizeof(float), VkConst.VK_BUFFER_USAGE_VERTEX_BUFFER_BIT);
        chunk.Vertices.CopyTo(buffer.AsSpan<float>());
        if (_resident.Remove(chunk.Key, out var old)) _retired.Add((FrameSerial, old));
        _resident[chunk.Key] = buffer;
    }

    /// <summary>Retires every resident chunk for which <paramref name="evict"/> is true.</summary>
    public void Evict(Func<ChunkKey, bool> evict)
    {
        foreach (var key in _resident.Keys.Where(evict).ToList())
        {
            _retired.Add((FrameSerial, _resident[key]));
            _resident.Remove(key);
        }
    }

    /// <summary>Destroys retired buffers whose last possible use is frame <paramref name="completedSerial"/> or older.</summary>
    public void Collect(long completedSerial)
    {
        for (int i = _retired.Count - 1; i >= 0; i--)
            if (_retired[i].Serial <= completedSerial)
            {
                _retired[i].Buffer.Dispose();
                _retired.RemoveAt(i);
            }
    }

    /// <summary>Records the render pass into <paramref name="cb"/> (begun by the caller) and returns the frame's serial.</summary>
    public long Record(nint cb, ulong framebuffer, uint width, uint height, Camera camera)
    {
        var api = _device.Api;
        var clears = stackalloc VkClearValue[2];
        clears[0].color.float32[0] = Sky.X;
        clears[0].color.float32[1] = Sky.Y;
        clears[0].color.float32[2] = Sky.Z;
        clears[0].color.float32[3] = 1f;
        clears[1].depthStencil = new VkClearDepthStencilValue { depth = 1f };
        var area = new VkRect2D { extent = new VkExtent2D { width = width, height = height } };
        var begin = new VkRenderPassBeginInfo
        {
            sType = VkStructureType.RENDER_PASS_BEGIN_INFO, renderPass = Pipeline.RenderPass, framebuffer = framebuffer,
            renderArea = area, clearValueCount = 2, pClearValues = clears,
        };
        api.vkCmdBeginRenderPass(cb, &begin, VkEnum.VK_SUBPASS_CONTENTS_INLINE);
        var viewport = new VkViewport { width = width, height = height, maxDepth = 1f };
        api.vkCmdSetViewport(cb, 0, 1, &viewport);
        api.vkCmdSetScissor(cb, 0, 1, &area);
        api.vkCmdBindPipeline(cb, VkEnum.VK_PIPELINE_BIND_POINT_GRAPHICS, Pipeline.Pipeline);
        api.vkCmdBindIndexBuffer(cb, _indices.Handle, 0, VkEnum.VK_INDEX_TYPE_UINT32);

        Vector3 eye = camera.Eye, forward = camera.Forward;
        var push = new TerrainPush
        {
            ViewProj = camera.View * camera.Projection(width / (float)Math.Max(height, 1), NearPlane, FogDistance * 1.5f),
            Ramp = new Vector4(Ramp.X, Ramp.Y, FogDistance, 0),
            Sun = new Vector4(SunDirection, Ambient),
        };
        float size = _layout.SizeM, diagonal = size * 1.5f;
        foreach (var (key, buffer) in _resident)
        {
            var origin = new Vector3(key.X * size, 0, key.Y * size);
            var centre = origin + new Vector3(size / 2, 0, size / 2) - eye;
            if (Vector3.Dot(centre, forward) < -diagonal) continue; // entirely behind the camera
            push.ChunkOffset = new Vector4(origin - eye, 0);
            api.vkCmdPushConstants(cb, Pipeline.Layout, VkConst.VK_SHADER_STAGE_VERTEX_BIT | VkConst.VK_SHADER_STAGE_FRAGMENT_BIT, 0, (uint)sizeof(TerrainPush), &push);
            ulong vb = buffer.Handle, offset = 0;
            api.vkCmdBindVertexBuffers(cb, 0, 1, &vb, &offset);
            api.vkCmdDrawIndexed(cb, _indexCount, 1, 0, 0, 0);
        }
        api.vkCmdEndRenderPass(cb);
        return FrameSerial++;
    }

    /// <summary>Near clip plane, metres.</summary>
    public const float NearPlane = 10f;

    public void Dispose()
    {
        foreach (var b in _resident.Values) b.Dispose();
        _resident.Clear();
        foreach (var (_, b) in _retired) b.Dispose();
        _retired.Clear();
        _indices.Dispose();
    }
}
