// `flowgen convert IN OUT`: reads any raster FlowGen reads (format detected by content) and writes
// the format named by OUT's extension (.png, .npy, .npz, .r16/.raw, .exr), printing the value mapping
// it used so that engine import settings (Unity terrain height, Unreal Z scale) can be set from it.
using System.CommandLine;
using System.Globalization;
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli;

internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("in") { Description = "input raster (GeoTIFF, HGT, PNG, NPY, NPZ, RAW16)" };
        var output = new Argument<string>("out") { Description = "output file; its extension picks the format (.png .npy .npz .r16 .raw .exr)" };
        var range = new Option<string?>("--range") { Description = "min,max in metres mapped onto 0..65535 (PNG16, RAW16); default: the data's range" };
        var preset = new Option<string?>("--preset") { Description = "RAW16 engine preset: unity (square 2^n+1, 0..terrain height) or unreal (32768 = 0 m)" };
        var band = new Option<int?>("--band") { Description = "band (0-based) of a multi-band input to convert" };
        var bits = new Option<int?>("--bits") { Description = "PNG bits per sample, 8 or 16 (default 16, or 8 for 8-bit images)" };
        var rawSize = new Option<string?>("--raw-size") { Description = "WIDTHxHEIGHT of a RAW16 input (default: square from the file length)" };
        var bigEndian = new Option<bool>("--big-endian") { Description = "RAW16 samples are big-endian (input and output)" };
        var zScale = new Option<double?>("--unreal-zscale") { Description = "Unreal landscape Z scale for --preset unreal (default: the smallest that fits)" };
        var command = new Command("convert", "Convert between raster formats (GeoTIFF, HGT, PNG, NPY/NPZ, RAW16 -> PNG, NPY, NPZ, RAW16, EXR)")
        {
            input, output, range, preset, band, bits, rawSize, bigEndian, zScale,
        };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(input)!, pr.GetValue(output)!, pr.GetValue(range), pr.GetValue(preset),
            pr.GetValue(band), pr.GetValue(bits), pr.GetValue(rawSize), pr.GetValue(bigEndian), pr.GetValue(zScale))));
        return command;
    }

    private static int Run(string inPath, string outPath, string? rangeText, string? presetText, int? band, int? bits,
        string? rawSize, bool bigEndian, double? zScale)
    {
        ValueRange? range = rangeText is null ? null : ValueRange.Parse(rangeText);
        var preset = presetText?.ToLowerInvariant() switch
        {
            null => Raw16Preset.None,
            "unity" => Raw16Preset.Unity,
            "unreal" => Raw16Preset.Unreal,
            _ => throw new ArgumentException($"--preset must be unity or unreal, not '{presetText}'"),
        };
        string outExt = Path.GetExtension(outPath).ToLowerInvariant();
        bool rawOut = outExt is ".r16" or ".raw";
        if (preset != Raw16Preset.None && !rawOut) throw new ArgumentException("--preset applies to RAW16 output (.r16 / .raw)");
        if (preset == Raw16Preset.Unreal && range is not null) throw new ArgumentException("--range does not apply to --preset unreal (32768 is 0 m; use --unreal-zscale)");
        if (bits is not (null or 8 or 16)) throw new ArgumentException("--bits must be 8 or 16");

        var readOptions = new RasterReadOptions { Band = band };
        string inExt = Path.GetExtension(inPath).ToLowerInvariant();
        if (rawSize is not null || (inExt is ".r16" or ".raw" && RasterFile.Detect(inPath) == RasterFormat.Unknown))
        {
            var (w, h) = rawSize is null ? (0, 0) : ParseSize(rawSize);
            readOptions = readOptions with { Raw16 = new Raw16Options { Width = w, Height = h, BigEndian = bigEndian } };
        }
        var raster = RasterFile.Load(inPath, readOptions);
        if (rawOut && raster.Channels > 1)
            throw new ArgumentException($"{inPath} has {raster.Channels} bands; pick one with --band");

        if (rawOut)
        {
            var mapping = Raw16Codec.Write(outPath, raster, new Raw16Options { Preset = preset, Range = range, BigEndian = bigEndian, UnrealZScale = zScale });
            Console.WriteLine($"wrote {outPath}: {raster.Width}x{raster.Height} RAW16 {(bigEndian ? "big" : "little")}-endian");
            if (preset == Raw16Preset.Unreal)
                Console.WriteLine(FormattableString.Invariant($"unreal: 32768 = 0 m, {mapping.MetresPerUnit * 100:G6} cm per unit; set the landscape Z scale to {mapping.UnrealZScale:G6}"));
            else
                Console.WriteLine(FormattableString.Invariant($"range: 0..65535 = {mapping.MinMetres:G9}..{mapping.MinMetres + mapping.SpanMetres:G9} m")
                    + (preset == Raw16Preset.Unity ? FormattableString.Invariant($"; Unity terrain height {mapping.SpanMetres:G9} m, terrain y position {mapping.MinMetres:G9} m") : ""));
            return Cli.Ok;
        }

        int pngBits = bits ?? (raster.Metadata.TryGetValue("bit_depth", out var b) && b == "8" ? 8 : 16);
        var options = new RasterWriteOptions { PngBitDepth = pngBits, Range = range };
        RasterFile.Save(outPath, raster, options);
        Console.WriteLine($"wrote {outPath}: {raster.Width}x{raster.Height}x{raster.Channels}");
        if (outExt == ".png" && PngCodec.Read(outPath, new RasterReadOptions { ApplyRange = false }).Metadata.TryGetValue(PngCodec.RangeKey, out var recorded))
            Console.WriteLine($"range: 0..{(1 << pngBits) - 1} = {recorded.Replace(",", "..", StringComparison.Ordinal)} (recorded in the file)");
        return Cli.Ok;
    }

    private static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && w > 0 && h > 0)
            return (w, h);
        throw new ArgumentException($"--raw-size '{text}' is not WIDTHxHEIGHT");
    }
}
