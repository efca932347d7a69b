// The demo's SPIR-V, embedded from Shaders/*.spv (compiled by glslc from the GLSL next to them and
// committed; Tests/FlowGen.Demo.Tests checks they are fresh).
namespace FlowGen.Demo.Render;

internal static class ShaderBinaries
{
    public static byte[] Load(string name)
    {
        using var stream = typeof(ShaderBinaries).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"shader {name} is not embedded in the demo assembly");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
