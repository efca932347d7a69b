// Learning-rate warm-up: linear from lr/warmup to lr over the first `warmup` steps, then constant.
namespace FlowGen.Training.Optim;

/// <summary>Linear warm-up then constant learning rate.</summary>
public sealed record LearningRateSchedule(double BaseRate, int WarmupSteps)
{
    /// <summary>The rate of (1-based) step <paramref name="step"/>.</summary>
    public double At(long step) => WarmupSteps <= 0 || step >= WarmupSteps ? BaseRate : BaseRate * step / WarmupSteps;
}
