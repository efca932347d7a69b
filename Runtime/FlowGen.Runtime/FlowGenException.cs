// The root of FlowGen's typed errors. Every error caused by bad input (a file, an argument, a model)
// derives from it and names what was wrong and where, so tools can print one clear line.
namespace FlowGen.Runtime;

/// <summary>Base class of FlowGen's typed errors for bad input.</summary>
public class FlowGenException : Exception
{
    /// <summary>Creates an error; <paramref name="path"/> names the file involved, when there is one.</summary>
    public FlowGenException(string message, string? path = null, Exception? inner = null)
        : base(path is null ? message : $"{path}: {message}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file the error is about, or null.</summary>
    public string? FilePath { get; }
}
