// Bakes per-level latent temperatures into an existing FlowGen sampling graph, no checkpoint needed (bundled models ship
// without theirs): one Mul of the input z by a constant [1, C, H, W] holding each latent's level temperature, in front of
// every node that read z. The result draws bit for bit what FlowModel.SetLevelTemperatures draws on the original.
// The same pass records a detail model's draw correlation (FlowExporter.DrawCorrelation) measured on given data.
using System.Globalization;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;
using FlowGen.Runtime.Onnx.Proto;
using Google.Protobuf;

namespace FlowGen.Training.Export;

/// <summary>Level temperatures for an exported model (`flowgen export MODEL.onnx OUT.onnx --level-temperatures …`).</summary>
public static class ModelTempering
{
    /// <summary>
    /// Writes <paramref name="outputPath"/> (atomically): <paramref name="modelPath"/> with <paramref name="levelTemperatures"/>
    /// (finest level first) multiplied into its latents and into its `flowgen.level_temperatures`, and, when given, a new
    /// default temperature and its note. A density graph beside the model (`name.density.onnx`) is copied beside the
    /// output unchanged: it is the trained flow's. With <paramref name="drawCorrelationData"/> (a detail model's training
    /// raster), the correlation of two draws given the same held-out contexts of it is measured on the written graph and
    /// recorded (<see cref="FlowExporter.DrawCorrelationKey"/>); <paramref name="contextPhase"/> records the offset from the block
    /// grid at which worlds are to lay a detail model's patches (flowgen.context.phase, measured at the recorded phase); null
    /// level temperatures leave the graph as it is. Throws
    /// <see cref="FlowGenException"/> for a model without a latent layout or, given data, without a coarse context, and
    /// <see cref="ArgumentException"/> for a bad list, all naming the file.
    /// </summary>
    public static void Write(string modelPath, string outputPath, IReadOnlyList<double>? levelTemperatures, double? defaultTemperature = null, string? note = null,
        string? drawCorrelationData = null, int? contextPhase = null)
    {
        if (levelTemperatures is null && drawCorrelationData is null && contextPhase is null)
            throw new ArgumentException("nothing to write: give level temperatures, a context phase or data to measure the draw correlation on");
        if (defaultTemperature is { } t && !(double.IsFinite(t) && t > 0)) throw new ArgumentException($"the default temperature must be positive, not {t}");
        int[] lengths;
        int[] shape;
        int? factor, phase;
        bool phaseBaked;
        using (var model = FlowModel.Load(modelPath))
        {
            // Validates the list against the model's layout, with the runtime's typed errors.
            if (levelTemperatures is not null) model.SetLevelTemperatures(levelTemperatures.Select(v => (float)v).ToArray());
            lengths = model.Metadata.LatentLevelLengths?.ToArray() ?? [];
            shape = model.SampleShape.ToArray();
            (factor, phase) = (model.Metadata.ContextFactor, model.Metadata.ContextPhase);
            phaseBaked = model.Metadata.ContextPhaseBaked;
        }
        if ((drawCorrelationData is not null || contextPhase is not null) && factor is null)
            throw new FlowGenException("a draw correlation or context phase is for detail models (flowgen.context = coarse); this model has no coarse context", modelPath);
        if (contextPhase is { } p && (p < 0 || p >= factor))
            throw new ArgumentException($"{modelPath}: the context phase must be 0 to {factor - 1} (the context factor less one), not {p}");
        if (phaseBaked && contextPhase is { } moved && moved != phase)
            throw new FlowGenException($"this model read phase maps in training and its graph has them baked in at phase {phase}; recording phase {moved} would lay it where " +
                "it was not exported for: export its checkpoint with --phase-maps instead", modelPath);
        phase = contextPhase ?? phase;
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        if (levelTemperatures is not null) Apply(proto, lengths, shape, levelTemperatures, modelPath);
        if (defaultTemperature is { } dt) SetMetadata(proto, "flowgen.default_temperature", dt.ToString("R", CultureInfo.InvariantCulture));
        if (note is not null) SetMetadata(proto, "flowgen.default_temperature.source", note);
        if (contextPhase is { } recorded) SetMetadata(proto, FlowExporter.ContextPhaseKey, recorded.ToString(CultureInfo.InvariantCulture));
        if (drawCorrelationData is not null)
        {
            var data = Data.DatasetLoader.Load(drawCorrelationData, shape[^1], contextFactor: factor!.Value, contextPhase: phase);
            SetMetadata(proto, FlowExporter.DrawCorrelationKey, FlowExporter.DrawCorrelation(proto, data).ToString("F3", CultureInfo.InvariantCulture));
        }

        AtomicFile.Write(outputPath, s => proto.WriteTo(s));
        string density = Evaluation.FlowPatchModel.DensityPathFor(modelPath), densityOut = Evaluation.FlowPatchModel.DensityPathFor(outputPath);
        if (File.Exists(density) && Path.GetFullPath(density) != Path.GetFullPath(densityOut))
            AtomicFile.Write(densityOut, s => { using var input = File.OpenRead(density); input.CopyTo(s); });
    }

    /// <summary>
    /// Puts z × (each latent's level temperature) in front of every node of <paramref name="proto"/> that read z, and
    /// multiplies <paramref name="levelTemperatures"/> into its `flowgen.level_temperatures`. <paramref name="lengths"/>:
    /// latents per level, finest first; <paramref name="sampleShape"/>: z's shape without the batch. The caller has checked
    /// the list against the layout.
    /// </summary>
    internal static void Apply(ModelProto proto, IReadOnlyList<int> lengths, IReadOnlyList<int> sampleShape, IReadOnlyList<double> levelTemperatures, string source)
    {
        var graph = proto.Graph;
        if (graph.Output.Any(o => o.Name == "z")) throw new OnnxModelException(source, null, "the graph returns its latent z unchanged; nothing to temper");
        string tempered = Unused(graph, "z_level_tempered"), constant = Unused(graph, "level_temperatures");
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == "z") node.Input[i] = tempered;

        var scale = new byte[lengths.Sum() * 4];
        for (int l = 0, at = 0; l < lengths.Count; at += lengths[l], l++)
            for (int e = at; e < at + lengths[l]; e++)
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(scale.AsSpan(e * 4), (float)levelTemperatures[l]);
        var tensor = new TensorProto { Name = constant, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(scale) };
        tensor.Dims.Add(1);
        tensor.Dims.AddRange(sampleShape.Select(d => (long)d));
        graph.Initializer.Add(tensor);
        var mul = new NodeProto { OpType = "Mul", Name = "level_temperatures_mul" };
        mul.Input.Add("z");
        mul.Input.Add(constant);
        mul.Output.Add(tempered);
        graph.Node.Insert(0, mul);

        // The recorded level temperatures compose: a model tempered twice records their product.
        var previous = proto.MetadataProps.FirstOrDefault(p => p.Key == FlowExporter.LevelTemperaturesKey)?.Value;
        var combined = levelTemperatures.ToArray();
        if (previous is not null)
        {
            var parts = previous.Split(',');
            if (parts.Length != combined.Length) throw new OnnxModelException(source, null, $"metadata {FlowExporter.LevelTemperaturesKey} = '{previous}' does not have one value per level");
            for (int l = 0; l < parts.Length; l++)
                combined[l] *= double.TryParse(parts[l], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0
                    ? v : throw new OnnxModelException(source, null, $"metadata {FlowExporter.LevelTemperaturesKey} = '{previous}' is not a list of positive numbers");
        }
        SetMetadata(proto, FlowExporter.LevelTemperaturesKey, string.Join(",", combined.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
    }

    private static string Unused(GraphProto graph, string name)
    {
        var taken = graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(i => i.Name)).Concat(graph.Input.Select(i => i.Name)).ToHashSet();
        string candidate = name;
        for (int k = 1; taken.Contains(candidate); k++) candidate = $"{name}_{k}";
        return candidate;
    }

    private static void SetMetadata(ModelProto proto, string key, string value)
    {
        var entry = proto.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is null) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
    }
}
