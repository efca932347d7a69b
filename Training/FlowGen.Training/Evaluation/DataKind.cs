// Which kind of data a file holds, judged by its format, and the typed refusal of a model/data pair of
// different kinds (a texture model given a DEM, a heightmap model given a photograph).
namespace FlowGen.Training.Evaluation;

public enum DataKind { Heightmap, Texture }

public static class DataKinds
{
    /// <summary>PNG = 8-bit texture photograph; NPZ/NPY/GeoTIFF/HGT = elevation.</summary>
    public static DataKind Of(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".png" => DataKind.Texture,
            ".npz" or ".npy" or ".tif" or ".tiff" or ".hgt" => DataKind.Heightmap,
            _ => throw new EvaluationException($"unknown data format '{ext}' (expected .npz/.npy/.tif/.hgt elevation or .png texture)", path),
        };
    }

    /// <summary>Parses `flowgen.kind`; a model without it is refused.</summary>
    public static DataKind OfModel(string? kind, string modelPath) => kind switch
    {
        "heightmap" => DataKind.Heightmap,
        "texture" => DataKind.Texture,
        null => throw new EvaluationException("the model has no flowgen.kind metadata (heightmap or texture)", modelPath),
        _ => throw new EvaluationException($"unknown flowgen.kind '{kind}'", modelPath),
    };

    /// <summary>Throws when a model of <paramref name="modelKind"/> is evaluated on <paramref name="dataPath"/>.</summary>
    public static void CheckMatch(DataKind modelKind, string modelPath, string dataPath)
    {
        var dataKind = Of(dataPath);
        if (modelKind == dataKind) return;
        throw new EvaluationException(modelKind == DataKind.Texture
            ? $"a texture model cannot be evaluated on a DEM ({dataPath}); give it a texture image (.png)"
            : $"a heightmap model cannot be evaluated on a texture image ({dataPath}); give it a DEM (.npz/.npy/.tif/.hgt)", modelPath);
    }
}
