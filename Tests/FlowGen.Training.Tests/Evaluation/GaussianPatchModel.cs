// The fitted Gaussian as a model under evaluation: a real density model with exact log p, used to check
// the evaluation pipeline end to end (its bits/dim through the model path must equal the baseline's).
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

internal sealed class GaussianPatchModel(GaussianBaseline gaussian, double sigma) : IPatchModel
{
    public string Name => "Gaussian as model";
    public int PatchSize => gaussian.Height;
    public double Scale => sigma;
    public double Offset => 0;
    public string? NoDensityReason => null;
    public double? RecordedBitsPerDim => null;

    public PatchSet Sample(int count, ulong seed, float temperature) => gaussian.Sample(count, seed, temperature).Affine(sigma, 0);

    public double[] LogDensity(PatchSet modelUnits) =>
        Enumerable.Range(0, modelUnits.Count).Select(i => gaussian.LogDensity(modelUnits.Patch(i))).ToArray();
}
