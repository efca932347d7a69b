// The architecture hyper-parameters of a multi-scale flow (saved in checkpoints and ONNX metadata).
namespace FlowGen.Training.Flows;

/// <summary>Flow architectures selectable on the command line.</summary>
public enum FlowArch
{
    /// <summary>Glow: ActNorm → LU 1x1 conv → affine coupling (the reference recipe).</summary>
    Glow,

    /// <summary>RealNVP-style: ActNorm → affine coupling → channel reversal.</summary>
    RealNvp,

    /// <summary>Neural Spline Flow: ActNorm → LU 1x1 conv → rational-quadratic spline coupling.</summary>
    Nsf,
}

/// <summary>Hyper-parameters of <see cref="MultiScaleFlow{T}"/>. Defaults = the reference config (glow_ref.py).</summary>
public sealed record FlowConfig
{
    /// <summary>Architecture.</summary>
    public FlowArch Arch { get; init; } = FlowArch.Glow;

    /// <summary>Channels of one sample (1 for heightmaps, 3 for RGB textures).</summary>
    public int InChannels { get; init; } = 1;

    /// <summary>Patch side in pixels (H = W; divisible by 2^Levels).</summary>
    public int Size { get; init; } = 32;

    /// <summary>Levels L (each starts with a 2x2 squeeze; all but the last factor out half the channels).</summary>
    public int Levels { get; init; } = 3;

    /// <summary>Flow steps per level K.</summary>
    public int StepsPerLevel { get; init; } = 4;

    /// <summary>
    /// Flow steps at the coarsest level, where a patch's large-scale relief (its valleys' courses across the patch) is drawn;
    /// 0: <see cref="StepsPerLevel"/>. Its couplings run on the smallest images, so extra steps there cost few FLOPs.
    /// </summary>
    public int CoarsestSteps { get; init; }

    /// <summary>Flow steps at level <paramref name="level"/> (0 = finest).</summary>
    public int StepsAt(int level) => level == Levels - 1 && CoarsestSteps > 0 ? CoarsestSteps : StepsPerLevel;

    /// <summary>Hidden channels of the coupling networks.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Spline bins K of the NSF coupling.</summary>
    public int Bins { get; init; } = 8;

    /// <summary>Spline tail bound B (identity outside [-B, B]).</summary>
    public double TailBound { get; init; } = 4.0;

    /// <summary>Context (conditioning) channels at data resolution; 0 = unconditional.</summary>
    public int ContextChannels { get; init; }

    /// <summary>
    /// How each level sees the context: false (the default) squeezes it 2x2 with the data, so level l's coupling networks read
    /// ContextChannels·4^l channels; true average-pools it 2x2 instead (past the first <see cref="ContextSqueezeLevels"/>
    /// levels). In a 32x32 three-level Glow the squeezed context costs 14 MFLOP a sample (37.8 in all), pooled at every
    /// level 1.5 (25.2), squeezed at the first level only 6.2 (29.9). On the Jacksboro DEM: -2.407, -2.372 and -2.397
    /// conditional bits/dim; the fully pooled model's world came out further from real terrain on curvature, the hybrid's
    /// closer on slope, Laplacian and pits (README, "Worlds"): the bundled detail model is the hybrid.
    /// </summary>
    public bool ContextPool { get; init; }

    /// <summary>With <see cref="ContextPool"/>: the first this many levels still squeeze the context (level 1's full-resolution
    /// context is the detail the coarse grid cannot give), the deeper ones pool it.</summary>
    public int ContextSqueezeLevels { get; init; }

    /// <summary>
    /// Coupling networks also see their input as a whole: the first layer's features averaged over the image, through a
    /// zero-initialised 1x1 conv, added to every pixel of the middle layer (<see cref="CouplingNet{T}"/>). hidden² + hidden
    /// parameters and a few thousand FLOPs per coupling.
    /// </summary>
    public bool GlobalPool { get; init; }

    /// <summary>
    /// Glow's learned prior at each split (<see cref="SplitPrior{T}"/>): the channels a level factors out get a Gaussian
    /// whose mean and scale a zero-initialised 3x3 conv reads from the channels that go on, instead of N(0, 1). The
    /// latent layout is unchanged (it holds the standardised ε); 2 x 9 x kept x factored + 2 x factored parameters a split.
    /// </summary>
    public bool SplitPrior { get; init; }

    /// <summary>
    /// Detail models: the coupling networks also read the context's gradient magnitude, |∇c| by central differences
    /// (zero outside the patch), as one more context channel computed from the context itself (the graph's context input
    /// stays <see cref="ContextChannels"/> wide). Real residual roughness grows with the coarse terrain's slope; this makes
    /// that coupling a first-layer feature instead of something each network must build.
    /// </summary>
    public bool ContextGradient { get; init; }

    /// <summary>
    /// Detail models: the coupling networks also read where each pixel sits on the context's block grid, as
    /// <see cref="PhaseMapChannels"/> maps (<see cref="Data.PhaseMaps"/>) appended to the context by the caller. The
    /// upsampled context has its knots at the block centres and the residual a detail model draws differs near them, so a
    /// model trained on windows at every offset otherwise has to guess where they are. An exported sampling graph has one
    /// offset baked in (the maps are then constants: their share of each coupling's first convolution is one constant
    /// added map), and its context input stays <see cref="ContextChannels"/> wide.
    /// </summary>
    public bool PhaseMaps { get; init; }

    /// <summary>How many maps <see cref="PhaseMaps"/> appends: the offset along the rows and along the columns.</summary>
    public const int PhaseMapChannels = 2;

    /// <summary>Context channels Encode and Decode take: the context's, then the phase maps with <see cref="PhaseMaps"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int InputContextChannels => ContextChannels + (PhaseMaps ? PhaseMapChannels : 0);

    /// <summary>Context channels the coupling networks read at data resolution: the input's, plus one with
    /// <see cref="ContextGradient"/> (after the context, before any phase maps).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int NetContextChannels => InputContextChannels + (ContextGradient && ContextChannels > 0 ? 1 : 0);

    /// <summary>Number of dimensions of one sample.</summary>
    public int Dims => InChannels * Size * Size;

    /// <summary>
    /// Shapes of the latents z_0 … z_{L-1} (finest first): each level squeezes 2x2 and all but the last factor out
    /// the second half of the channels. Their (c, h, w) flattenings, concatenated, are the latent layout.
    /// </summary>
    public IReadOnlyList<(int C, int H, int W)> LatentShapes() => FlowGen.Runtime.LatentLayout.LevelShapes(InChannels, Size, Levels);

    /// <summary>Throws a FlowGenException-derived error when the combination is invalid.</summary>
    public void Validate()
    {
        if (InChannels < 1 || Levels < 1 || StepsPerLevel < 1 || CoarsestSteps < 0 || Hidden < 1 || Bins < 2 || TailBound <= 0 || ContextChannels < 0 || ContextSqueezeLevels < 0)
            throw new FlowConfigException($"Invalid flow configuration: {this}.");
        if (ContextGradient && ContextChannels != 1)
            throw new FlowConfigException("ContextGradient needs exactly one context channel.");
        if (PhaseMaps && ContextChannels != 1)
            throw new FlowConfigException("PhaseMaps is for detail models: it needs exactly one context channel.");
        if (Size < 2 || Size % (1 << Levels) != 0)
            throw new FlowConfigException($"Patch size {Size} is not divisible by 2^levels = {1 << Levels}.");
    }
}

/// <summary>An invalid flow configuration.</summary>
public sealed class FlowConfigException(string message) : FlowGen.Runtime.FlowGenException(message);
