// `flowgen info FILE`: what FlowGen reads from a raster file: detected format, size, bands, sample
// type, layout, nodata, value range per band and georeference (pixel size in metres included).
using System.CommandLine;
using System.Globalization;
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli;

internal static class InfoCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "raster file (GeoTIFF, HGT, PNG, NPY, NPZ, RAW16)" };
        var rawSize = new Option<string?>("--raw-size") { Description = "WIDTHxHEIGHT of a RAW16 file (default: square from the length)" };
        var command = new Command("info", "Describe a raster file as FlowGen reads it") { file, rawSize };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(file)!, pr.GetValue(rawSize))));
        return command;
    }

    private static int Run(string path, string? rawSize)
    {
        var format = RasterFile.Detect(path);
        var options = new RasterReadOptions { ApplyRange = true };
        if (rawSize is not null)
        {
            var parts = rawSize.ToLowerInvariant().Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int w) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int h))
                throw new ArgumentException($"--raw-size '{rawSize}' is not WIDTHxHEIGHT");
            options = options with { Raw16 = new Raw16Options { Width = w, Height = h } };
            format = RasterFormat.Raw16;
        }
        var r = RasterFile.Load(path, options);
        if (format == RasterFormat.Unknown) format = RasterFormat.Raw16;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"file: {path}");
        Console.WriteLine($"format: {format.ToString().ToLowerInvariant()}");
        Console.WriteLine($"size: {r.Width}x{r.Height}");
        Console.WriteLine($"bands: {r.Channels}");
        foreach (var (key, value) in r.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (key is not ("format" or "bands")) Console.WriteLine($"{key}: {value}");
        if (r.NoDataValue is { } nd)
            Console.WriteLine(string.Create(inv, $"nodata: {nd:R} ({r.NoDataMask?.Count(m => m) ?? 0} pixels)"));
        for (int c = 0; c < r.Channels; c++)
        {
            var (lo, hi) = r.ValidRange(c);
            Console.WriteLine(string.Create(inv, $"band {c} range: {lo:G9}..{hi:G9}"));
        }
        if (r.Geo is { } g)
        {
            Console.WriteLine(string.Create(inv, $"crs: {(g.Epsg is int e ? $"EPSG:{e}" : "unknown")} ({(g.IsGeographic ? "geographic" : "projected")})"));
            Console.WriteLine(string.Create(inv, $"origin: {g.OriginX:R}, {g.OriginY:R}"));
            Console.WriteLine(string.Create(inv, $"pixel size: {g.PixelWidth:R}, {g.PixelHeight:R}"));
            var (mx, my) = g.PixelSizeMetres(r.Height);
            Console.WriteLine(string.Create(inv, $"pixel size (m): {mx:F3} x {my:F3}"));
        }
        return Cli.Ok;
    }
}
