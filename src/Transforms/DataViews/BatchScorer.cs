using Microsoft.ML;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// Computes output columns for many rows at once from float feature columns: what a batched transformer
/// (ONNX Runtime, or a native model) plugs into <see cref="BatchScoringDataView"/> and <see cref="BatchScoringRowMapper"/>.
/// Implementations are immutable and safe to call from several cursors at once.
/// </summary>
internal abstract class BatchScorer
{
    /// <summary>The input columns, each a known-size vector of Single.</summary>
    public abstract IReadOnlyList<FeatureInput> Inputs { get; }

    /// <summary>The columns added to the input schema, in order.</summary>
    public abstract IReadOnlyList<DataViewSchema.DetachedColumn> Outputs { get; }

    /// <summary>Rows read ahead and scored together by a cursor.</summary>
    public abstract int BatchSize { get; }

    /// <summary>
    /// Scores <paramref name="rows"/> rows: <paramref name="inputs"/>[i] holds rows x <see cref="Inputs"/>[i].Width
    /// values, row-major. Returns one column per entry of <see cref="Outputs"/>.
    /// </summary>
    public abstract BatchColumn[] Score(float[][] inputs, int rows);
}
