// `flowgen export CHECKPOINT model.onnx [--temperature T [--temperature-note TEXT]] [--level-temperatures LIST]`: the sampling
// graph z → x of a training checkpoint as a standard ONNX model (opset 17) with the FlowGen model-contract metadata.
// `flowgen export MODEL.onnx OUT.onnx --level-temperatures LIST`: an exported model (a bundled one too) with level
// temperatures baked in, no checkpoint needed; `--data DEM` records a detail model's draw correlation measured there.
using System.CommandLine;
using FlowGen.Training.Export;

namespace FlowGen.Cli;

internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint")
        {
            Description = "training checkpoint (DIR/checkpoint.fgck or DIR), or an exported .onnx model (a path or bundled name) to bake --level-temperatures into",
        };
        var output = new Argument<string>("output") { Description = "ONNX file to write" };
        var temperature = new Option<double?>("--temperature") { Description = "default sampling temperature recorded in the model (default: the training run's)" };
        var note = new Option<string?>("--temperature-note") { Description = "how the temperature was chosen (recorded as flowgen.default_temperature.source)" };
        var levels = new Option<string?>("--level-temperatures")
        {
            Description = "comma-separated latent temperatures per flow level, finest first (e.g. 0.9,1.05,1.05), baked into the sampling graph under the run-time temperature (recorded as flowgen.level_temperatures)",
        };
        var data = new Option<string?>("--data")
        {
            Description = "with an .onnx detail model: its training DEM, on whose held-out contexts the correlation of two draws given the same context is measured " +
                "and recorded (flowgen.context.draw_correlation, which worlds blend by; a checkpoint's export measures it on the data its run recorded)",
        };
        var phase = new Option<int?>("--context-phase")
        {
            Description = "with an .onnx detail model: the offset (pixels) from the coarse grid at which worlds lay its patches, recorded as flowgen.context.phase " +
                "(a model trained with --context-phase has its own); with the checkpoint of a model trained with --phase-maps: the offset its graph is baked at (0 or half a block)",
        };
        var command = new Command("export", "Export a trained flow's sampling graph as ONNX") { checkpoint, output, temperature, note, levels, data, phase };
        command.SetAction(pr => Cli.Guard(() =>
        {
            string ck = pr.GetValue(checkpoint)!;
            var levelTemperatures = EvalCommand.Temperatures(pr.GetValue(levels), "--level-temperatures");
            if (ck.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || BundledModels.Names.Contains(ck))
            {
                if (levelTemperatures is null && pr.GetValue(data) is null && pr.GetValue(phase) is null)
                    throw new ArgumentException("exporting from an .onnx model bakes in --level-temperatures, records --context-phase or --data's draw correlation; all are missing (a checkpoint exports the trained flow)");
                ModelTempering.Write(BundledModels.Resolve(ck), pr.GetValue(output)!, levelTemperatures, pr.GetValue(temperature), pr.GetValue(note), pr.GetValue(data), pr.GetValue(phase));
                Console.WriteLine($"wrote {pr.GetValue(output)}");
                return Cli.Ok;
            }
            if (pr.GetValue(data) is not null)
                throw new ArgumentException("--data is for an exported .onnx detail model; a checkpoint's export measures the draw correlation on the data its run recorded");
            if (Directory.Exists(ck)) ck = Path.Combine(ck, FlowGen.Training.Trainer.CheckpointFile);
            var extra = pr.GetValue(note) is { } n ? new Dictionary<string, string> { ["flowgen.default_temperature.source"] = n } : null;
            FlowExporter.Export(ck, pr.GetValue(output)!, null, pr.GetValue(temperature), extra, levelTemperatures, pr.GetValue(phase));
            Console.WriteLine($"wrote {pr.GetValue(output)}");
            return Cli.Ok;
        }));
        return command;
    }
}
