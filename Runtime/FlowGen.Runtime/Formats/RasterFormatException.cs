// The typed error for unreadable or malformed raster files (PNG, TIFF, NPY, NPZ, HGT, RAW16, EXR):
// the message always starts with the file's path, then says what is wrong with it.
namespace FlowGen.Runtime.Formats;

/// <summary>A raster file could not be read or written: names the file and the problem.</summary>
public sealed class RasterFormatException : FlowGenException
{
    /// <summary>Creates the error for <paramref name="path"/> with a one-line <paramref name="problem"/>.</summary>
    public RasterFormatException(string path, string problem, Exception? inner = null)
        : base(problem, path, inner)
    {
        Problem = problem;
    }

    /// <summary>What is wrong, without the path.</summary>
    public string Problem { get; }
}
