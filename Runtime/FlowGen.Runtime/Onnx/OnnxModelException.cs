// The typed error for a model file FlowGen refuses: it names the file, the node (when one is at fault)
// and the reason, so `flowgen` can print one clear line and engine code can catch one type.
namespace FlowGen.Runtime;

/// <summary>A model file that is malformed or uses something FlowGen does not support.</summary>
public sealed class OnnxModelException : FlowGenException
{
    /// <summary>Creates the error for <paramref name="path"/>; <paramref name="node"/> names the offending node, if any.</summary>
    public OnnxModelException(string path, string? node, string reason, Exception? inner = null)
        : base(node is null ? reason : $"node '{node}': {reason}", path, inner)
    {
        Node = node;
        Reason = reason;
    }

    /// <summary>The node at fault (name, or op type and index when unnamed), or null for file-level problems.</summary>
    public string? Node { get; }

    /// <summary>What is wrong, without the file and node prefix.</summary>
    public string Reason { get; }
}
