// Where a raster lies on the Earth: an axis-aligned affine transform in GDAL's convention (origin is
// the outer corner of the top-left pixel, PixelHeight negative for north-up rasters), plus the CRS.
// Pixel sizes in metres are what the trainer needs (flowgen.pixel_size_m); for geographic CRSs the
// degrees are converted on the WGS84 ellipsoid at the raster's centre latitude.
namespace FlowGen.Runtime.Formats;

/// <summary>Georeference of a raster: origin, pixel size in CRS units, CRS.</summary>
/// <param name="OriginX">X (easting or longitude) of the top-left corner of pixel (0,0).</param>
/// <param name="OriginY">Y (northing or latitude) of the top-left corner of pixel (0,0).</param>
/// <param name="PixelWidth">CRS units per pixel along a row (positive).</param>
/// <param name="PixelHeight">CRS units per pixel down a column (negative when row 0 is north).</param>
/// <param name="Epsg">EPSG code of the CRS when the file names one.</param>
/// <param name="IsGeographic">True when X/Y are longitude/latitude in degrees.</param>
/// <param name="LinearUnitMetres">Metres per CRS unit for projected CRSs (1 for metres).</param>
public sealed record GeoReference(
    double OriginX, double OriginY, double PixelWidth, double PixelHeight,
    int? Epsg, bool IsGeographic, double LinearUnitMetres = 1.0)
{
    // WGS84 ellipsoid: semi-major axis and first eccentricity squared.
    private const double A = 6378137.0;
    private const double E2 = 6.69437999014e-3;

    /// <summary>Pixel width and height in metres (both positive), for a raster of <paramref name="height"/> rows.</summary>
    public (double X, double Y) PixelSizeMetres(int height)
    {
        if (!IsGeographic) return (Math.Abs(PixelWidth) * LinearUnitMetres, Math.Abs(PixelHeight) * LinearUnitMetres);
        double lat = (OriginY + PixelHeight * height / 2.0) * Math.PI / 180.0;
        double s = Math.Sin(lat);
        double w = Math.Sqrt(1 - E2 * s * s);
        double metresPerDegLat = Math.PI / 180.0 * A * (1 - E2) / (w * w * w); // meridional radius
        double metresPerDegLon = Math.PI / 180.0 * A / w * Math.Cos(lat);       // prime-vertical radius x cos
        return (Math.Abs(PixelWidth) * metresPerDegLon, Math.Abs(PixelHeight) * metresPerDegLat);
    }
}
