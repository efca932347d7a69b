// Training checkpoints: everything needed to continue a run exactly (model tensors and buffers, Adam
// moments, EMA weights, RNG state, step, options, evaluation history) in one file:
//   "FLOWGENCKPT1\n" | int32 header length | UTF-8 JSON header | float32 LE payload | SHA-256 of all before
// Written to a temporary file and renamed, so an interrupted write never replaces a good checkpoint;
// any truncation or bit flip fails the hash and gives a typed error naming the file.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;

namespace FlowGen.Training;

/// <summary>A corrupted, truncated or incompatible checkpoint.</summary>
public sealed class CheckpointException(string message, string path, Exception? inner = null) : FlowGenException(message, path, inner);

/// <summary>Named float tensors plus a JSON header.</summary>
public sealed class Checkpoint
{
    private static readonly byte[] Magic = "FLOWGENCKPT1\n"u8.ToArray();

    /// <summary>Free-form JSON state (config, options, step, RNG, history).</summary>
    public JsonObject Header { get; init; } = [];

    /// <summary>Tensors by name, in file order.</summary>
    public List<(string Name, int[] Shape, float[] Data)> Tensors { get; init; } = [];

    /// <summary>The tensor called <paramref name="name"/>, or a typed error naming <paramref name="path"/>.</summary>
    public float[] Get(string name, int length, string path)
    {
        foreach (var t in Tensors)
            if (t.Name == name)
            {
                if (t.Data.Length != length) throw new CheckpointException($"Tensor '{name}' has {t.Data.Length} values, expected {length}.", path);
                return t.Data;
            }
        throw new CheckpointException($"Tensor '{name}' is missing.", path);
    }

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save(string path)
    {
        var header = (JsonObject)Header.DeepClone();
        var index = new JsonArray();
        long offset = 0;
        foreach (var (name, shape, data) in Tensors)
        {
            index.Add(new JsonObject { ["name"] = name, ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["offset"] = offset, ["count"] = data.Length });
            offset += data.Length;
        }
        header["tensors"] = index;
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AtomicFile.Write(path, s =>
        {
            void Put(ReadOnlySpan<byte> b)
            {
                s.Write(b);
                sha.AppendData(b);
            }
            Put(Magic);
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(len, json.Length);
            Put(len);
            Put(json);
            var buf = new byte[1 << 16];
            foreach (var (_, _, data) in Tensors)
            {
                for (int i = 0; i < data.Length;)
                {
                    int n = Math.Min(data.Length - i, buf.Length / 4);
                    for (int j = 0; j < n; j++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(j * 4), data[i + j]);
                    Put(buf.AsSpan(0, n * 4));
                    i += n;
                }
            }
            s.Write(sha.GetHashAndReset());
        });
    }

    /// <summary>Reads and verifies a checkpoint.</summary>
    public static Checkpoint Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException("Checkpoint not found.", path);
        byte[] all = File.ReadAllBytes(path);
        if (all.Length < Magic.Length + 4 + 32 || !all.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException("Not a FlowGen checkpoint (bad magic or too short).", path);
        var body = all.AsSpan(0, all.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(all.AsSpan(all.Length - 32)))
            throw new CheckpointException("Checksum mismatch: the file is truncated or corrupted.", path);
        int hl = BinaryPrimitives.ReadInt32LittleEndian(all.AsSpan(Magic.Length));
        int p0 = Magic.Length + 4;
        if (hl < 2 || p0 + hl > body.Length) throw new CheckpointException("Header length out of range.", path);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(all.AsSpan(p0, hl))!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointException($"Header is not valid JSON: {e.Message}", path, e);
        }
        var payload = body[(p0 + hl)..];
        var tensors = new List<(string, int[], float[])>();
        try
        {
            foreach (var t in header["tensors"]!.AsArray())
            {
                string name = t!["name"]!.GetValue<string>();
                int[] shape = t["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
                long off = t["offset"]!.GetValue<long>();
                int count = t["count"]!.GetValue<int>();
                if (off < 0 || count < 0 || (off + count) * 4 > payload.Length || shape.Aggregate(1L, (a, b) => a * b) != count)
                    throw new CheckpointException($"Tensor '{name}' lies outside the payload or has an inconsistent shape.", path);
                var data = new float[count];
                for (int i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(payload.Slice((int)((off + i) * 4), 4));
                tensors.Add((name, shape, data));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new CheckpointException($"Malformed tensor index: {e.Message}", path, e);
        }
        header.Remove("tensors");
        return new Checkpoint { Header = header, Tensors = tensors };
    }
}
