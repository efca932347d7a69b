// A multi-scale flow (Dinh et al. 2017; Glow): for each level, squeeze 2x2, K flow steps, then (all
// but the last level) factor out the second half of the channels as z_l with a standard-normal prior, or with
// FlowConfig.SplitPrior a Gaussian whose mean and scale the kept half gives (SplitPrior; z_l then holds its ε).
// z layout [N, D] = concat(z_0, z_1, …, z_{L-1}), each flattened in (c, h, w) order — glow_ref.py's
// layout, so weights and latents are interchangeable with the reference. Tensor names follow
// glow_ref.py's state_dict ("levels.{l}.{k}.actnorm.bias", …).
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>The Glow / RealNVP / NSF multi-scale flow over [N, C, S, S] patches.</summary>
public sealed class MultiScaleFlow<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<FlowSequence<T>> _levels = [];
    private readonly List<SplitPrior<T>> _priors = [];

    /// <summary>Builds the flow for <paramref name="config"/>, initialising weights from <paramref name="seed"/>.</summary>
    public MultiScaleFlow(FlowConfig config, ulong seed)
    {
        config.Validate();
        Config = config;
        var rng = new Rng(seed);
        var list = Child("levels", new ModuleList());
        int c = config.InChannels, cc = config.NetContextChannels;
        for (int l = 0; l < config.Levels; l++)
        {
            c *= 4;
            if (!config.ContextPool || l < config.ContextSqueezeLevels) cc *= 4;
            var level = new FlowSequence<T>();
            for (int k = 0; k < config.StepsAt(l); k++) level.Add(k.ToString(), Step(config, c, cc, rng));
            _levels.Add(list.Add(l.ToString(), level));
            if (l < config.Levels - 1) c /= 2;
        }
        LatentShapes = config.LatentShapes();
        if (config.SplitPrior)
        {
            // Registered after the levels (and zero-initialised, drawing nothing from rng), so the levels' names and initial
            // weights are those of the same flow without priors.
            // A split's halves are equal (squeezed channel counts are even): kept and factored are both z_l's channels.
            var priors = Child("priors", new ModuleList());
            for (int l = 0; l < config.Levels - 1; l++) _priors.Add(priors.Add(l.ToString(), new SplitPrior<T>(LatentShapes[l].C, LatentShapes[l].C, rng)));
        }
    }

    private static FlowSequence<T> Step(FlowConfig cfg, int c, int cc, Rng rng)
    {
        var step = new FlowSequence<T>().Add("actnorm", new ActNorm<T>(c));
        switch (cfg.Arch)
        {
            case FlowArch.Glow:
                step.Add("invconv", new InvConv1x1LU<T>(c, rng));
                step.Add("coupling", new AffineCouplingTransform<T>(c, cfg.Hidden, rng, cc, cfg.GlobalPool));
                break;
            case FlowArch.RealNvp:
                step.Add("coupling", new AffineCouplingTransform<T>(c, cfg.Hidden, rng, cc, cfg.GlobalPool));
                step.Add("permute", ChannelPermutation<T>.Reverse(c));
                break;
            case FlowArch.Nsf:
                step.Add("invconv", new InvConv1x1LU<T>(c, rng));
                step.Add("coupling", new SplineCouplingTransform<T>(c, cfg.Hidden, cfg.Bins, cfg.TailBound, rng, cc, cfg.GlobalPool));
                break;
            default:
                throw new FlowConfigException($"Unknown architecture {cfg.Arch}.");
        }
        return step;
    }

    /// <summary>The configuration.</summary>
    public FlowConfig Config { get; }

    /// <summary>Per level: the flow steps (sequence of FlowSequence steps).</summary>
    public IReadOnlyList<FlowSequence<T>> Levels => _levels;

    /// <summary>The learned priors of the splits, finest first (one per level but the last); empty without <see cref="FlowConfig.SplitPrior"/>.</summary>
    public IReadOnlyList<SplitPrior<T>> Priors => _priors;

    /// <summary>Shapes (C, H, W) of the factored-out latents z_0 … z_{L-1}.</summary>
    public IReadOnlyList<(int C, int H, int W)> LatentShapes { get; }

    /// <summary>Density direction: x [N,C,S,S] → (z [N,D], log|det| [N]).</summary>
    public (Tensor<T> Z, Tensor<T> LogDet) Encode(Tensor<T> x, Tensor<T>? context = null)
    {
        CheckInput(x, context);
        if (context is not null) context = NetContext(context);
        int n = x.Dim(0);
        Tensor<T> ld = new([n]);
        var zs = new List<Tensor<T>>();
        for (int l = 0; l < _levels.Count; l++)
        {
            x = Ops.Squeeze2x2(x);
            if (context is not null) context = LevelContext(context, l);
            var (y, l1) = _levels[l].Forward(x, context);
            ld = Ops.Add(ld, l1);
            int c = y.Dim(1);
            if (l < _levels.Count - 1)
            {
                var factored = Ops.Slice(y, 1, c / 2, c - c / 2);
                x = Ops.Slice(y, 1, 0, c / 2);
                if (_priors.Count > 0)
                {
                    (factored, var pld) = _priors[l].Encode(x, factored);
                    ld = Ops.Add(ld, pld);
                }
                zs.Add(Ops.Reshape(factored, n, -1));
            }
            else
            {
                zs.Add(Ops.Reshape(y, n, -1));
                x = y;
            }
        }
        return (Ops.Concat(1, zs.ToArray()), ld);
    }

    /// <summary>log p(x) in nats per sample: log N(z; 0, I) + log|det|.</summary>
    public Tensor<T> LogProb(Tensor<T> x, Tensor<T>? context = null)
    {
        var (z, ld) = Encode(x, context);
        var logpz = Ops.AddScalar(Ops.Scale(Ops.Sum(Ops.Square(z), [1]), -0.5), -0.5 * Config.Dims * Math.Log(2 * Math.PI));
        return Ops.Add(logpz, ld);
    }

    /// <summary>Sampling direction: z [N,D] → x [N,C,S,S] (no graph is recorded).</summary>
    public Tensor<T> Decode(Tensor<T> z, Tensor<T>? context = null)
    {
        if (z.Rank != 2 || z.Dim(1) != Config.Dims)
            throw new ArgumentException($"z must be [N,{Config.Dims}], got [{string.Join(",", z.Shape)}].");
        using var _ = GradMode.NoGrad();
        int n = z.Dim(0);
        CheckContext(context, n);
        if (context is not null) context = NetContext(context);
        var ctxs = new List<Tensor<T>?>();
        for (int l = 0; l < _levels.Count; l++)
        {
            if (context is not null) context = LevelContext(context, l);
            ctxs.Add(context);
        }
        int[] offs = new int[_levels.Count + 1];
        for (int l = 0; l < _levels.Count; l++) offs[l + 1] = offs[l] + LatentShapes[l].C * LatentShapes[l].H * LatentShapes[l].W;
        Tensor<T>? h = null;
        for (int l = _levels.Count - 1; l >= 0; l--)
        {
            var (c, hh, ww) = LatentShapes[l];
            var zl = Ops.Reshape(Ops.Slice(z, 1, offs[l], offs[l + 1] - offs[l]), n, c, hh, ww);
            if (h is not null && _priors.Count > 0) zl = _priors[l].Decode(h, zl);
            h = h is null ? zl : Ops.Concat(1, h, zl);
            h = Ops.Unsqueeze2x2(_levels[l].Inverse(h, ctxs[l]));
        }
        return h!;
    }

    // What the coupling networks read at data resolution: the context, with Config.ContextGradient its gradient magnitude
    // sqrt(gx² + gy² + 1e-6), gx = (c[y, x+1] - c[y, x-1]) / 2 with the edge values repeated outside (so the patch border
    // is not a cliff down to zero; the exporter's fixed convolution with a border correction), then any phase maps. The
    // context is data, so this is plain arithmetic on its values, not a recorded operation.
    private Tensor<T> NetContext(Tensor<T> context)
    {
        if (!Config.ContextGradient) return context;
        int n = context.Dim(0), s = Config.Size, p = s * s, cin = context.Dim(1), cout = cin + 1;
        var src = context.Data;
        var dst = new T[n * cout * p];
        T half = T.CreateTruncating(0.5), eps = T.CreateTruncating(1e-6);
        for (int i = 0; i < n; i++)
        {
            var c = src.AsSpan(i * cin * p, p);
            c.CopyTo(dst.AsSpan(i * cout * p, p));
            src.AsSpan(i * cin * p + p, (cin - 1) * p).CopyTo(dst.AsSpan(i * cout * p + 2 * p)); // the phase maps, after the gradient
            var g = dst.AsSpan(i * cout * p + p, p);
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                {
                    T right = c[y * s + Math.Min(x + 1, s - 1)], left = c[y * s + Math.Max(x - 1, 0)];
                    T down = c[Math.Min(y + 1, s - 1) * s + x], up = c[Math.Max(y - 1, 0) * s + x];
                    T gx = (right - left) * half, gy = (down - up) * half;
                    g[y * s + x] = T.Sqrt(gx * gx + gy * gy + eps);
                }
        }
        return new Tensor<T>([n, cout, s, s], dst);
    }

    // The context of level l from the previous level's: squeezed with the data, or 2x2 average-pooled (Config.ContextPool,
    // past the first Config.ContextSqueezeLevels levels).
    private Tensor<T> LevelContext(Tensor<T> context, int level) => LevelContext(Config, context, level);

    /// <summary>Level <paramref name="level"/>'s context from the previous level's, as a flow of <paramref name="config"/> takes it
    /// down (channels keep their order: each becomes 4 squeezed, or stays 1 pooled).</summary>
    internal static Tensor<T> LevelContext(FlowConfig config, Tensor<T> context, int level)
    {
        var squeezed = Ops.Squeeze2x2(context);
        if (!config.ContextPool || level < config.ContextSqueezeLevels) return squeezed;
        int n = squeezed.Dim(0), cc = context.Dim(1), h = squeezed.Dim(2), w = squeezed.Dim(3);
        return Ops.Mean(Ops.Reshape(squeezed, n, cc, 4, h, w), [2]);
    }

    private void CheckInput(Tensor<T> x, Tensor<T>? ctx)
    {
        var c = Config;
        if (x.Rank != 4 || x.Dim(1) != c.InChannels || x.Dim(2) != c.Size || x.Dim(3) != c.Size)
            throw new ArgumentException($"x must be [N,{c.InChannels},{c.Size},{c.Size}], got [{string.Join(",", x.Shape)}].");
        CheckContext(ctx, x.Dim(0));
    }

    private void CheckContext(Tensor<T>? ctx, int n)
    {
        var c = Config;
        if ((ctx is null) != (c.ContextChannels == 0))
            throw new ArgumentException(ctx is null ? "This flow needs a context input." : "This flow takes no context.");
        if (ctx is not null && (ctx.Rank != 4 || ctx.Dim(0) != n || ctx.Dim(1) != c.InputContextChannels || ctx.Dim(2) != c.Size || ctx.Dim(3) != c.Size))
            throw new ArgumentException($"context must be [{n},{c.InputContextChannels},{c.Size},{c.Size}]" + (c.PhaseMaps ? " (the context, then its phase maps)" : "") +
                $", got [{string.Join(",", ctx.Shape)}].");
    }

    /// <summary>A named list of child modules ("0", "1", …).</summary>
    private sealed class ModuleList : Module<T>
    {
        public TM Add<TM>(string name, TM m) where TM : Module<T> => Child(name, m);
    }
}
