// The file formats FlowGen reads and writes, as detected from content (RasterFile.Detect).
namespace FlowGen.Runtime.Formats;

/// <summary>A raster file format.</summary>
public enum RasterFormat
{
    /// <summary>Not recognised.</summary>
    Unknown,
    /// <summary>PNG, 1-16 bit, all colour types.</summary>
    Png,
    /// <summary>TIFF / GeoTIFF / BigTIFF.</summary>
    Tiff,
    /// <summary>NumPy .npy array.</summary>
    Npy,
    /// <summary>NumPy .npz archive (zip of .npy).</summary>
    Npz,
    /// <summary>SRTM .hgt tile (big-endian int16, 1201² or 3601²).</summary>
    Hgt,
    /// <summary>Headerless 16-bit heightmap (.r16 / .raw).</summary>
    Raw16,
    /// <summary>OpenEXR (written only).</summary>
    Exr,
}
