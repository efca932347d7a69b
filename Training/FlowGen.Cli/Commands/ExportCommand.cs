// `flowgen export CHECKPOINT model.onnx`: the sampling graph z → x of a training checkpoint as a
// standard ONNX model (opset 17) with the FlowGen model-contract metadata.
using System.CommandLine;
using FlowGen.Training.Export;

namespace FlowGen.Cli;

internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "training checkpoint (DIR/checkpoint.fgck)" };
        var output = new Argument<string>("output") { Description = "ONNX file to write" };
        var command = new Command("export", "Export a trained flow's sampling graph as ONNX") { checkpoint, output };
        command.SetAction(pr => Cli.Guard(() =>
        {
            string ck = pr.GetValue(checkpoint)!;
            if (Directory.Exists(ck)) ck = Path.Combine(ck, FlowGen.Training.Trainer.CheckpointFile);
            FlowExporter.Export(ck, pr.GetValue(output)!, null);
            Console.WriteLine($"wrote {pr.GetValue(output)}");
            return Cli.Ok;
        }));
        return command;
    }
}
