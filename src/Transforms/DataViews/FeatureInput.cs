namespace MLNetMixture.Transforms.DataViews;

/// <summary>A known-size vector-of-Single column a <see cref="BatchScorer"/> reads, with its width.</summary>
/// <param name="ColumnName">The column's name in the input schema.</param>
/// <param name="Width">The number of values per row.</param>
internal sealed record FeatureInput(string ColumnName, int Width);
