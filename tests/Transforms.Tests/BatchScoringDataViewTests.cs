using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms.DataViews;

namespace MLNetMixture.Transforms.Tests;

/// <summary>The batching machinery on its own, with a scorer that records its calls.</summary>
public sealed class BatchScoringDataViewTests
{
    private readonly MLContext _ml = new();

    [Fact]
    public void Cursor_scores_whole_batches_and_keeps_pass_through_columns_on_their_rows()
    {
        var scorer = new SumScorer(batchSize: 4);
        var view = new BatchScoringDataView(Input(10), scorer, "test");

        var ids = ColumnReader.Scalars<int>(view, "Id");
        Assert.Empty(scorer.Calls); // only a pass-through column: nothing is scored
        Assert.Equal(Enumerable.Range(0, 10), ids);

        var columns = new[] { view.Schema["Id"], view.Schema["Sum"] };
        using (var cursor = view.GetRowCursor(columns))
        {
            var id = cursor.GetGetter<int>(columns[0]);
            var sum = cursor.GetGetter<float>(columns[1]);
            int rows = 0;
            while (cursor.MoveNext())
            {
                int i = 0;
                float s = 0;
                id(ref i);
                sum(ref s);
                Assert.Equal(i + (10f * i), s); // the sum of the row's own features
                Assert.Equal(rows++, cursor.Position);
            }

            Assert.Equal(10, rows);
        }

        Assert.Equal([4, 4, 2], scorer.Calls);
        Assert.False(view.CanShuffle);
        Assert.Equal(Input(10).GetRowCount(), view.GetRowCount());
    }

    [Fact]
    public void Row_mapper_scores_each_input_row_once()
    {
        var scorer = new SumScorer(batchSize: 4);
        var input = Input(3);
        var mapper = new BatchScoringRowMapper(input.Schema, scorer, "test");
        Assert.Equal(input.Schema.Where(c => c.Name == "Features").Select(c => c.Index), mapper.GetDependencies([mapper.OutputSchema["Sum"]]).Select(c => c.Index));
        Assert.DoesNotContain(mapper.GetDependencies([mapper.OutputSchema["Id"]]), c => c.Name == "Features");

        using var cursor = input.GetRowCursor(input.Schema);
        using var row = mapper.GetRow(cursor, mapper.OutputSchema);
        var sum = row.GetGetter<float>(mapper.OutputSchema["Sum"]);
        var values = new List<float>();
        while (cursor.MoveNext())
        {
            float s = 0;
            sum(ref s);
            sum(ref s);
            values.Add(s);
        }

        Assert.Equal([0f, 11f, 22f], values);
        Assert.Equal([1, 1, 1], scorer.Calls);
    }

    [Fact]
    public void Missing_or_mistyped_feature_column_is_reported_with_the_columns_there_are()
    {
        var scorer = new SumScorer(batchSize: 4);
        var renamed = _ml.Transforms.CopyColumns("Other", "Features").Fit(Input(2)).Transform(Input(2));
        var wrongWidth = _ml.Data.LoadFromEnumerable([new WideRow()]);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => new BatchScoringDataView(_ml.Transforms.DropColumns("Features").Fit(renamed).Transform(renamed), scorer, "test"));
        Assert.Contains("'Features'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Other", missing.Message, StringComparison.Ordinal);
        var width = Assert.Throws<ArgumentOutOfRangeException>(() => new BatchScoringDataView(wrongWidth, scorer, "test"));
        Assert.Contains("vector of 2 Single values", width.Message, StringComparison.Ordinal);
    }

    private IDataView Input(int rows) =>
        _ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new InputRow { Id = i, Features = [i, 10f * i] }));

    public sealed class InputRow
    {
        public int Id { get; set; }

        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }

    public sealed class WideRow
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [1, 2, 3];
    }

    /// <summary>Adds a row's two features; records the rows of every call.</summary>
    private sealed class SumScorer(int batchSize) : BatchScorer
    {
        public List<int> Calls { get; } = [];

        public override IReadOnlyList<FeatureInput> Inputs { get; } = [new FeatureInput("Features", 2)];

        public override IReadOnlyList<DataViewSchema.DetachedColumn> Outputs { get; } = [new DataViewSchema.DetachedColumn("Sum", NumberDataViewType.Single)];

        public override int BatchSize => batchSize;

        public override BatchColumn[] Score(float[][] inputs, int rows)
        {
            Calls.Add(rows);
            Assert.Equal(rows * 2, inputs[0].Length);
            return [BatchColumn.Scalars(Enumerable.Range(0, rows).Select(r => inputs[0][2 * r] + inputs[0][(2 * r) + 1]).ToArray())];
        }
    }
}
