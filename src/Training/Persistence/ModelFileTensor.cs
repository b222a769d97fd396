namespace MLNetMixture.Training.Persistence;

/// <summary>One named float32 array stored in a model file.</summary>
/// <param name="Name">The name, unique within the file (usually a parameter name).</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Values">The values, row-major; their count equals the product of <paramref name="Shape"/>.</param>
public sealed record ModelFileTensor(string Name, int[] Shape, float[] Values);
