// GeoTIFF georeferencing: ModelPixelScale + ModelTiepoint (or ModelTransformation) give the affine
// transform; the GeoKey directory gives the model type (projected or geographic), the EPSG code and the
// linear unit. PixelIsPoint rasters are shifted by half a pixel to the corner convention, as GDAL does.
namespace FlowGen.Runtime.Formats;

internal static class GeoTiffTags
{
    private const ushort ModelPixelScale = 33550, ModelTiepoint = 33922, ModelTransformation = 34264,
        GeoKeyDirectory = 34735, GeoDoubleParams = 34736;

    private const int GTModelType = 1024, GTRasterType = 1025, GeographicType = 2048, ProjectedCSType = 3072, ProjLinearUnits = 3076;

    public static GeoReference? Read(TiffDirectory ifd, int width, int height, string path)
    {
        double originX, originY, px, py;
        var scale = ifd.Doubles(ModelPixelScale);
        var tie = ifd.Doubles(ModelTiepoint);
        var matrix = ifd.Doubles(ModelTransformation);
        if (scale is { Length: >= 2 } && tie is { Length: >= 6 })
        {
            px = scale[0];
            py = -scale[1];
            originX = tie[3] - tie[0] * px;
            originY = tie[4] - tie[1] * py;
        }
        else if (matrix is { Length: >= 16 })
        {
            if (matrix[1] != 0 || matrix[4] != 0) throw new RasterFormatException(path, "rotated ModelTransformation is not supported");
            px = matrix[0];
            py = matrix[5];
            originX = matrix[3];
            originY = matrix[7];
        }
        else return null;
        if (!double.IsFinite(px) || !double.IsFinite(py) || px == 0 || py == 0 || !double.IsFinite(originX) || !double.IsFinite(originY))
            throw new RasterFormatException(path, "invalid georeference (zero or non-finite pixel size or origin)");

        var keys = ReadKeys(ifd, path);
        bool geographic = keys.TryGetValue(GTModelType, out var model) ? model == 2 : Math.Abs(px) < 1 && Math.Abs(originX) <= 360;
        if (keys.TryGetValue(GTRasterType, out var rasterType) && rasterType == 2)
        {
            originX -= px / 2;
            originY -= py / 2;
        }
        int? epsg = null;
        if (keys.TryGetValue(geographic ? GeographicType : ProjectedCSType, out var code) && code is > 0 and < 32767) epsg = (int)code;
        double unit = 1.0;
        if (!geographic && keys.TryGetValue(ProjLinearUnits, out var u))
            unit = u switch { 9002 => 0.3048, 9003 => 1200.0 / 3937.0, 9036 => 1000.0, _ => 1.0 };
        return new GeoReference(originX, originY, px, py, epsg, geographic, unit);
    }

    private static Dictionary<int, double> ReadKeys(TiffDirectory ifd, string path)
    {
        var result = new Dictionary<int, double>();
        var dir = ifd.Longs(GeoKeyDirectory);
        if (dir is null || dir.Length < 4) return result;
        long n = dir[3];
        if (n < 0 || 4 + n * 4 > dir.Length) throw new RasterFormatException(path, $"GeoKey directory declares {n} keys but holds {(dir.Length - 4) / 4}");
        var doubles = ifd.Doubles(GeoDoubleParams);
        for (long i = 0; i < n; i++)
        {
            long id = dir[4 + i * 4], location = dir[5 + i * 4], count = dir[6 + i * 4], value = dir[7 + i * 4];
            if (location == 0) result[(int)id] = value;
            else if (location == GeoDoubleParams && doubles is not null && value >= 0 && value < doubles.Length && count >= 1) result[(int)id] = doubles[value];
        }
        return result;
    }
}
