// A single-band grid of real data as evaluation reads it: elevations in metres (DEM) or the integer
// levels of an 8-bit texture photograph, row-major, row 0 = north/top. Read through
// FlowGen.Runtime.Formats (any raster format it knows); nodata and multi-band rasters are refused.
using FlowGen.Runtime.Formats;

namespace FlowGen.Training.Evaluation;

public sealed class DataGrid
{
    public DataGrid(float[] values, int rows, int columns, string source, double? pixelSizeMetres = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != (long)rows * columns) throw new ArgumentException("values length is not rows x columns");
        Values = values;
        Rows = rows;
        Columns = columns;
        Source = source;
        PixelSizeMetres = pixelSizeMetres;
    }

    /// <summary>Row-major values (metres for a DEM, 0..255 levels for an 8-bit texture).</summary>
    public float[] Values { get; }
    public int Rows { get; }
    public int Columns { get; }
    /// <summary>The file it came from (for error messages).</summary>
    public string Source { get; }
    /// <summary>Ground distance between pixels from the raster's georeference (null when it has none).</summary>
    public double? PixelSizeMetres { get; }

    /// <summary>
    /// The means of <paramref name="factor"/>² blocks from the top-left corner, a partial last row or column of blocks dropped:
    /// the coarse grid a model trained with <c>flowgen train --downsample F</c> was fitted to (the trainer's block means).
    /// </summary>
    public DataGrid BlockMeans(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        if (factor == 1) return this;
        int rows = Rows / factor, columns = Columns / factor;
        if (rows < 1 || columns < 1)
            throw new EvaluationException($"the {Rows}x{Columns} grid has no whole {factor}x{factor} block to average", Source);
        return new DataGrid(Raster.BlockMeans(Values, Columns, Rows, factor), rows, columns, Source, PixelSizeMetres * factor);
    }

    /// <summary>Reads a one-band raster (a DEM's `elevation`, a grayscale PNG) with no nodata and finite values.</summary>
    public static DataGrid Load(string path) => FromRaster(RasterFile.Load(path), path);

    /// <summary>The grid of a raster already read from <paramref name="path"/>, checked as <see cref="Load"/> checks it.</summary>
    public static DataGrid FromRaster(Raster raster, string path)
    {
        ArgumentNullException.ThrowIfNull(raster);
        if (raster.Channels != 1)
            throw new EvaluationException($"expected a single-band raster (elevation or grayscale texture), found {raster.Channels} channels", path);
        if (raster.NoDataMask is { } mask && mask.Any(m => m))
            throw new EvaluationException("the raster has nodata cells; evaluation needs a complete grid", path);
        for (int i = 0; i < raster.Samples.Length; i++)
            if (!float.IsFinite(raster.Samples[i]))
                throw new EvaluationException($"non-finite value at row {i / raster.Width}, column {i % raster.Width}", path);
        return new DataGrid(raster.Samples, raster.Height, raster.Width, path, raster.PixelSizeMetres);
    }
}
