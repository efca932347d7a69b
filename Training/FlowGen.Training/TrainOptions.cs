// The options of `flowgen train`. Defaults are the reference recipe (glow_ref.py: Glow L=3, K=4,
// hidden 64, 32x32 patches, batch 64, Adam lr 1e-3, ActNorm initialised on a separate 512-crop batch).
using FlowGen.Training.Flows;

namespace FlowGen.Training;

/// <summary>Everything that defines a training run (saved in the checkpoint; --resume reuses it).</summary>
public sealed record TrainOptions
{
    /// <summary>Raster to learn from.</summary>
    public string Data { get; init; } = "";

    /// <summary>Output directory (checkpoint, samples, model.onnx).</summary>
    public string Out { get; init; } = "";

    /// <summary>Architecture and sizes.</summary>
    public FlowConfig Model { get; init; } = new();

    /// <summary>Batch size.</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Total optimisation steps.</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Linear warm-up steps (0 = none, as the reference).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Cosine learning-rate decay after the warm-up, down to 2 % of the rate at the last step (off = constant, as the reference).</summary>
    public bool CosineDecay { get; init; }

    /// <summary>Step the cosine decay starts at (0 = end of the warm-up); a resumed constant-rate run can be annealed from its current step.</summary>
    public int CosineFrom { get; init; }

    /// <summary>Global gradient-norm clip (0 = off, as the reference).</summary>
    public double ClipNorm { get; init; }

    /// <summary>AdamW decoupled weight decay (0 = Adam).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Weight EMA decay (0 = off).</summary>
    public double EmaDecay { get; init; }

    /// <summary>Detail model: condition on the terrain's own F-times coarser version (F×F block means, upsampled), learn the
    /// residual; 0 = a plain model. Multi-scale worlds chain such a model under a coarse one.</summary>
    public int ContextFactor { get; init; }

    /// <summary>Coarse model: learn the raster's F×F block means (F times larger pixels), 1 = the raster as it is.
    /// Multi-scale worlds draw their coarse relief from such a model.</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>With <see cref="Downsample"/>: train on the block means of all F² block offsets, not only the corner's.</summary>
    public bool AllPhases { get; init; }

    /// <summary>With <see cref="ContextFactor"/>: train and test only on windows that start this many pixels past the F×F block
    /// grid along both axes (0..F-1), the phase a multi-scale world then lays its detail lattice at; null = windows at every offset.</summary>
    public int? ContextPhase { get; init; }

    /// <summary>With <see cref="ContextFactor"/>: the coupling networks also read where each pixel sits on the block grid
    /// (<see cref="Flows.FlowConfig.PhaseMaps"/>), training uses windows at every offset, and the exported sampling graph
    /// is the model at this offset (0 or F/2), recorded as the phase worlds lay it at; null = no phase maps.</summary>
    public int? PhaseMaps { get; init; }

    /// <summary>The symmetries train crops are drawn under (<see cref="FlowGen.Training.Data.Augmentation"/>).</summary>
    public FlowGen.Training.Data.Augmentation Augment { get; init; } = FlowGen.Training.Data.Augmentation.Dihedral;

    /// <summary>Seed of initialisation and data.</summary>
    public ulong Seed { get; init; }

    /// <summary>Worker threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Batch used once for the data-dependent ActNorm initialisation.</summary>
    public int InitBatch { get; init; } = 512;

    /// <summary>Held-out crops (fixed, seeded).</summary>
    public int TestCount { get; init; } = 2048;

    /// <summary>Seed of the held-out crops and their dequantisation noise.</summary>
    public ulong TestSeed { get; init; } = 2024;

    /// <summary>Evaluate held-out bits/dim every N steps (and at the end).</summary>
    public int EvalEvery { get; init; } = 500;

    /// <summary>Write a sample grid PNG every N steps (0 = only at the end).</summary>
    public int SampleEvery { get; init; } = 1000;

    /// <summary>Write the checkpoint every N steps (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 250;

    /// <summary>
    /// Sampling temperature of the sample grids and the exported default: 1, the density the flow was fitted to. A
    /// lower default is a measured choice (`flowgen eval --sweep`, then `flowgen export --temperature`): a detail model
    /// exported at 0.7 gave its world 0.34-0.5 of the real power at 2-7 px, against 0.98-1.31 at 1.
    /// </summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>
    /// Weight (per metre, against the likelihood's nats per dimension) of the depression penalty: the expected depth (m per
    /// pixel) by which the model's own samples lie more than <see cref="DepressionFree"/> metres below their spill level,
    /// lowered by the score-function gradient over <see cref="DepressionBatch"/> draws a step (Trainer.DepressionSurrogate).
    /// 0 = off, the plain maximum-likelihood recipe. Heightmap models without a context only.
    /// </summary>
    public double DepressionWeight { get; init; }

    /// <summary>Depth (m) below its spill level a pixel may lie unpenalised (real patches have shallow basins too).</summary>
    public double DepressionFree { get; init; } = 1.0;

    /// <summary>Samples drawn a step for the depression penalty.</summary>
    public int DepressionBatch { get; init; } = 16;

    /// <summary>The command line that started the run (recorded in the exported model's metadata).</summary>
    public string? Command { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for values out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Data)) throw new ArgumentException("--data is required.");
        if (string.IsNullOrEmpty(Out)) throw new ArgumentException("--out is required.");
        if (Batch < 1 || Steps < 0 || !(LearningRate > 0) || Threads < 1 || InitBatch < 1 || TestCount < 1 || EvalEvery < 1 || CheckpointEvery < 1 || SampleEvery < 0)
            throw new ArgumentException("A training option is out of range (batch, steps, lr, threads, init batch, test count and intervals must be positive).");
        if (Downsample is < 1 or > 16) throw new ArgumentException("--downsample must be 1 to 16.");
        if (ContextFactor != 0 && ContextFactor is < 2 or > 16) throw new ArgumentException("--context-factor must be 2 to 16 (0 = no context).");
        if (ContextPhase is { } phase && (ContextFactor == 0 || phase < 0 || phase >= ContextFactor))
            throw new ArgumentException(ContextFactor == 0 ? "--context-phase is for detail models: it needs --context-factor."
                : $"--context-phase must be 0 to {ContextFactor - 1} (the context factor less one), not {phase}.");
        if (PhaseMaps is { } at)
        {
            if (ContextFactor == 0) throw new ArgumentException("--phase-maps is for detail models: it needs --context-factor.");
            if (ContextPhase is not null) throw new ArgumentException("--phase-maps trains on windows at every offset and --context-phase on one: give one of them.");
            if (at != 0 && 2 * at != ContextFactor)
                throw new ArgumentException($"--phase-maps lays the exported model at 0 or {ContextFactor / 2} (half a block), the offsets whose draw correlation is measured on held-out windows there; not {at}.");
        }
        if (!(DepressionWeight >= 0) || !(DepressionFree >= 0) || DepressionBatch < 2)
            throw new ArgumentException("--depression-weight and --depression-free must be at least 0 and --depression-batch at least 2.");
        if (DepressionWeight > 0 && ContextFactor != 0)
            throw new ArgumentException("--depression-weight draws samples of the model alone: it is for plain and coarse models, not detail models (--context-factor).");
        if (EmaDecay is < 0 or >= 1) throw new ArgumentException("--ema must be in [0, 1).");
        if (CosineFrom < 0 || (CosineDecay && CosineFrom >= Steps)) throw new ArgumentException("--cosine-from must be at least 0 and below --steps.");
        if (Model.ContextGradient && ContextFactor == 0) throw new ArgumentException("--context-gradient is for detail models: it needs --context-factor.");
        (Model with { ContextChannels = ContextFactor > 0 ? 1 : 0, PhaseMaps = PhaseMaps is not null }).Validate();
    }

    /// <summary>The run's data as the trainer sees it (<paramref name="patch"/> defaults to the model's).</summary>
    public FlowGen.Training.Data.PatchDataset LoadData(int? patch = null) =>
        FlowGen.Training.Data.DatasetLoader.Load(Data, patch ?? Model.Size, contextFactor: ContextFactor, downsample: Downsample, allPhases: AllPhases,
            contextPhase: ContextPhase, phaseMaps: PhaseMaps is not null);
}
