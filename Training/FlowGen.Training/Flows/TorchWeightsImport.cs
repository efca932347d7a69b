// Loads weights exported from PyTorch as one flat little-endian float32 file plus a JSON index
// ({"tensors": [{"name", "shape", "offset", "count"}, …]}, offsets in floats) — the format glow_ref.py
// writes for its state_dict — into a module by tensor name. Every name and shape must match.
using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;
using FlowGen.Runtime;
using FlowGen.Training.Autodiff;

namespace FlowGen.Training.Flows;

/// <summary>Imports PyTorch state_dict weights (flat float32 + JSON index) by name.</summary>
public static class TorchWeightsImport
{
    /// <summary>Copies every tensor of <paramref name="module"/> from the files; all names must be present with equal shapes.</summary>
    public static void Load<T>(Module<T> module, string binPath, string indexPath) where T : unmanaged, IFloatingPointIeee754<T>
    {
        byte[] bin = File.ReadAllBytes(binPath);
        if (bin.Length % 4 != 0) throw new FlowGenException("Length is not a multiple of 4 bytes (float32).", binPath);
        var entries = new Dictionary<string, (int[] Shape, long Offset, long Count)>();
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            foreach (var t in doc.RootElement.GetProperty("tensors").EnumerateArray())
                entries[t.GetProperty("name").GetString()!] = (t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                    t.GetProperty("offset").GetInt64(), t.GetProperty("count").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FlowGenException($"Not a weight index: {e.Message}", indexPath, e);
        }
        long floats = bin.Length / 4;
        foreach (var (name, tensor, _) in module.NamedTensors())
        {
            if (!entries.TryGetValue(name, out var e)) throw new FlowGenException($"Tensor '{name}' is missing.", indexPath);
            if (e.Count != tensor.Length || e.Shape.Aggregate(1L, (a, b) => a * b) != tensor.Length)
                throw new FlowGenException($"Tensor '{name}' has shape [{string.Join(",", e.Shape)}], the model expects [{string.Join(",", tensor.Shape)}].", indexPath);
            if (e.Offset < 0 || e.Offset + e.Count > floats) throw new FlowGenException($"Tensor '{name}' lies outside the data file.", binPath);
            for (int i = 0; i < tensor.Length; i++)
                tensor.Data[i] = T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(bin.AsSpan((int)((e.Offset + i) * 4), 4)));
        }
    }
}
