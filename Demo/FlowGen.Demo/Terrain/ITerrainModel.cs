// What the viewer needs from a heightmap model: its patch geometry, a sensible colour ramp and default
// temperature, and a patch sampler (in metres) at a given temperature for the runtime's LatticeWorld.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Demo.Terrain;

internal interface ITerrainModel
{
    /// <summary>Shown in the console line and the bench output (the model file, usually).</summary>
    string Name { get; }
    int PatchSize { get; }
    double PixelSizeMetres { get; }
    /// <summary>Typical height deviation at temperature 1, metres (sets the colour ramp).</summary>
    float HeightScaleM { get; }
    float DefaultTemperature { get; }

    /// <summary>A thread-safe sampler of patches in metres at <paramref name="temperature"/>.</summary>
    IPatchSampler Sampler(float temperature);

    /// <summary>The detail model's sampler for the finer levels of the multi-scale world (ConditionalPyramidWorld), or null
    /// when there is none (the self-affine PyramidWorld of the one model).</summary>
    IDetailSampler? DetailSampler();
}
