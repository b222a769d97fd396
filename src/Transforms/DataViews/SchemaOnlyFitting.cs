using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// Fits a sequence of ML.NET estimators that read no rows when fitted (CopyColumns, ApplyOnnxModel, Hash with a
/// fixed seed, MapValue over a given table, CustomMapping, DropColumns) on an empty view with a given schema, and
/// chains the transformers.
/// </summary>
internal static class SchemaOnlyFitting
{
    /// <summary>Fits <paramref name="steps"/> in order, each on the output of the previous one.</summary>
    /// <param name="steps">The estimators.</param>
    /// <param name="columns">The columns of the data the chain will score (only their names and types matter).</param>
    public static TransformerChain<ITransformer> Fit(IEnumerable<IEstimator<ITransformer>> steps, IReadOnlyList<DataViewSchema.DetachedColumn> columns)
    {
        IDataView view = new InMemoryDataView(0, columns, columns.Select(_ => (BatchColumn)new EmptyBatchColumn()).ToArray());
        var transformers = new List<ITransformer>();
        foreach (var step in steps)
        {
            var transformer = step.Fit(view);
            view = transformer.Transform(view);
            transformers.Add(transformer);
        }

        return new TransformerChain<ITransformer>([.. transformers]);
    }

    /// <summary>The columns of <paramref name="schema"/>, detached.</summary>
    public static DataViewSchema.DetachedColumn[] Columns(DataViewSchema schema) =>
        schema.Select(c => new DataViewSchema.DetachedColumn(c.Name, c.Type, c.Annotations)).ToArray();

    /// <summary>A column of no rows (the fitting view is empty, so it is never read).</summary>
    private sealed class EmptyBatchColumn : BatchColumn
    {
        public override int Width => 0;

        public override ValueGetter<T> Getter<T>(Func<int> row, string columnName) =>
            (ref T value) => throw new InvalidOperationException($"Column '{columnName}' of an empty view was read.");
    }
}
