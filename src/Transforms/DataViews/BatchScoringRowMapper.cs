using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// A <see cref="BatchScorer"/> as an <see cref="IRowToRowMapper"/>: each output row scores its one input row, on
/// first use of a scored column after the input moved. This is what <see cref="PredictionEngine{TSrc, TDst}"/>
/// and other row-at-a-time consumers use; data views are scored in batches by <see cref="BatchScoringDataView"/>.
/// </summary>
internal sealed class BatchScoringRowMapper : IRowToRowMapper
{
    private readonly BatchScoringSchema _schema;
    private readonly BatchScorer _scorer;

    public BatchScoringRowMapper(DataViewSchema inputSchema, BatchScorer scorer, string transformName)
    {
        _scorer = scorer;
        _schema = BatchScoringSchema.Create(inputSchema, scorer, transformName);
    }

    /// <inheritdoc />
    public DataViewSchema InputSchema => _schema.Input;

    /// <inheritdoc />
    public DataViewSchema OutputSchema => _schema.Output;

    /// <inheritdoc />
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        ArgumentNullException.ThrowIfNull(dependingColumns);
        var active = new bool[_schema.Input.Count];
        foreach (var column in dependingColumns)
        {
            if (_schema.IsScored(column.Index))
            {
                foreach (var feature in _schema.FeatureColumns)
                {
                    active[feature.Index] = true;
                }
            }
            else
            {
                active[column.Index] = true;
            }
        }

        return _schema.Input.Where(c => active[c.Index]).ToArray();
    }

    /// <inheritdoc />
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        var activeOutputs = new bool[_scorer.Outputs.Count];
        foreach (var column in activeColumns.Where(c => _schema.IsScored(c.Index)))
        {
            activeOutputs[column.Index - _schema.Input.Count] = true;
        }

        return new ScoredRow(this, input, activeOutputs);
    }

    private sealed class ScoredRow : DataViewRow
    {
        private static readonly Func<int> FirstRow = () => 0;
        private readonly BatchScoringRowMapper _parent;
        private readonly DataViewRow _input;
        private readonly bool[] _activeOutputs;
        private readonly FeatureBatchReader? _reader;
        private float[][]? _buffers;
        private BatchColumn[]? _scores;
        private long _scoredPosition = -1;

        public ScoredRow(BatchScoringRowMapper parent, DataViewRow input, bool[] activeOutputs)
        {
            _parent = parent;
            _input = input;
            _activeOutputs = activeOutputs;
            _reader = activeOutputs.Any(a => a) ? new FeatureBatchReader(input, parent._schema.FeatureColumns, parent._scorer.Inputs) : null;
        }

        public override DataViewSchema Schema => _parent._schema.Output;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            _parent._schema.IsScored(column.Index)
                ? _activeOutputs[column.Index - _parent._schema.Input.Count]
                : _input.IsColumnActive(_input.Schema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var schema = _parent._schema;
            if (!schema.IsScored(column.Index))
            {
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            }

            int output = column.Index - schema.Input.Count;
            if (!_activeOutputs[output])
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the row was made.");
            }

            ValueGetter<TValue>? inner = null;
            BatchColumn[]? innerScores = null;
            return (ref TValue value) =>
            {
                var scores = Scores();
                if (!ReferenceEquals(innerScores, scores))
                {
                    innerScores = scores;
                    inner = scores[output].Getter<TValue>(FirstRow, column.Name);
                }

                inner!(ref value);
            };
        }

        private BatchColumn[] Scores()
        {
            long position = _input.Position;
            if (position < 0)
            {
                throw new InvalidOperationException("The input row is not on a row yet.");
            }

            if (_scores is null || position != _scoredPosition)
            {
                var buffers = _buffers ??= _reader!.Allocate(1);
                _reader!.Read(buffers, 0);
                _scores = _parent._scorer.Score(buffers, 1);
                _scoredPosition = position;
            }

            return _scores;
        }
    }
}
