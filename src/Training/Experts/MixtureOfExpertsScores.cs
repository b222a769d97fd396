using System.Globalization;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// The output columns of <see cref="MixtureOfExpertsModel.Transform(FeatureTable)"/> for N rows: Score [N, C],
/// PredictedLabel [N], GateProbabilities [N, K] and Expert [N], stored row-major.
/// </summary>
public sealed class MixtureOfExpertsScores
{
    private readonly float[] _scores;
    private readonly float[] _gate;
    private readonly int[] _predictedClasses;
    private readonly string[] _predictedLabels;
    private readonly int[] _experts;

    internal MixtureOfExpertsScores(float[] scores, float[] gate, int rows, IReadOnlyList<string> classLabels, int experts)
    {
        _scores = scores;
        _gate = gate;
        Rows = rows;
        ClassLabels = classLabels;
        ExpertCount = experts;
        int c = classLabels.Count;
        _predictedClasses = new int[rows];
        _predictedLabels = new string[rows];
        _experts = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            _predictedClasses[r] = TensorPrimitives.IndexOfMax(scores.AsSpan(r * c, c));
            _predictedLabels[r] = classLabels[_predictedClasses[r]];
            _experts[r] = TensorPrimitives.IndexOfMax(gate.AsSpan(r * experts, experts));
        }
    }

    /// <summary>The number of rows N.</summary>
    public int Rows { get; }

    /// <summary>The class labels, in Score column order.</summary>
    public IReadOnlyList<string> ClassLabels { get; }

    /// <summary>The number of experts K.</summary>
    public int ExpertCount { get; }

    /// <summary>Every row's class probabilities, row-major [N, C].</summary>
    public ReadOnlyMemory<float> Scores => _scores;

    /// <summary>Every row's gate probabilities, row-major [N, K].</summary>
    public ReadOnlyMemory<float> GateProbabilities => _gate;

    /// <summary>Every row's most probable class label.</summary>
    public IReadOnlyList<string> PredictedLabels => _predictedLabels;

    /// <summary>Every row's most probable class index.</summary>
    public IReadOnlyList<int> PredictedClasses => _predictedClasses;

    /// <summary>Every row's arg-max gate expert.</summary>
    public IReadOnlyList<int> Experts => _experts;

    /// <summary>Row <paramref name="row"/>'s class probabilities.</summary>
    public ReadOnlySpan<float> Score(int row) => _scores.AsSpan(CheckRow(row) * ClassLabels.Count, ClassLabels.Count);

    /// <summary>Row <paramref name="row"/>'s gate probabilities.</summary>
    public ReadOnlySpan<float> Gate(int row) => _gate.AsSpan(CheckRow(row) * ExpertCount, ExpertCount);

    /// <summary>Row <paramref name="row"/> as a prediction object.</summary>
    public MixtureOfExpertsPrediction Prediction(int row) =>
        new(Score(row).ToArray(), _predictedLabels[row], _predictedClasses[row], Gate(row).ToArray(), _experts[row]);

    /// <summary>Every row as a prediction object.</summary>
    public IReadOnlyList<MixtureOfExpertsPrediction> ToPredictions() => Enumerable.Range(0, Rows).Select(Prediction).ToArray();

    /// <summary>
    /// The columns as a <see cref="FeatureTable"/>: <c>Score.&lt;label&gt;</c> for each class, <c>Gate.&lt;k&gt;</c> for
    /// each expert and <c>Expert</c>, with the predicted labels as the table's labels.
    /// </summary>
    public FeatureTable ToFeatureTable()
    {
        int c = ClassLabels.Count, k = ExpertCount, width = c + k + 1;
        var values = new float[Rows * width];
        for (int r = 0; r < Rows; r++)
        {
            var row = values.AsSpan(r * width, width);
            Score(r).CopyTo(row);
            Gate(r).CopyTo(row[c..]);
            row[c + k] = _experts[r];
        }

        var names = ClassLabels.Select(l => "Score." + l)
            .Concat(Enumerable.Range(0, k).Select(e => "Gate." + e.ToString(CultureInfo.InvariantCulture)))
            .Append("Expert")
            .ToArray();
        return new FeatureTable(values, Rows, names, _predictedLabels, "mixture-of-experts scores");
    }

    private int CheckRow(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        return row;
    }
}
