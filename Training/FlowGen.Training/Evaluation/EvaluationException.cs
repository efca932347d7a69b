// Typed errors of `flowgen eval`: a model and data that do not fit together, or data too small.
using FlowGen.Runtime;

namespace FlowGen.Training.Evaluation;

/// <summary>Bad input to an evaluation (mismatched kinds or patch sizes, data too small); names the file.</summary>
public sealed class EvaluationException : FlowGenException
{
    public EvaluationException(string message, string? path = null, Exception? inner = null)
        : base(message, path, inner)
    {
    }
}
