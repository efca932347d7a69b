// Learning-rate schedule: linear warm-up from lr/warmup to lr over the first `warmup` steps, then
// constant, or (with a decay horizon) a cosine from lr down to MinFraction * lr at the horizon, starting
// at DecayFrom (default: the end of the warm-up; later to anneal a run that was trained at a constant rate).
namespace FlowGen.Training.Optim;

/// <summary>Linear warm-up, then constant or cosine decay from <paramref name="DecayFrom"/> (0 = end of the warm-up)
/// until <paramref name="DecayUntil"/> (0 = no decay).</summary>
public sealed record LearningRateSchedule(double BaseRate, int WarmupSteps, int DecayUntil = 0, double MinFraction = 0.02, int DecayFrom = 0)
{
    /// <summary>The rate of (1-based) step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return BaseRate * step / WarmupSteps;
        int from = Math.Max(WarmupSteps, DecayFrom);
        if (DecayUntil <= from) return BaseRate;
        double t = Math.Clamp((double)(step - from) / (DecayUntil - from), 0, 1);
        return BaseRate * (MinFraction + (1 - MinFraction) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }
}
