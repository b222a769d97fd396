using System.Globalization;
using System.Text;

namespace MLNetMixture.Training.Experts;

/// <summary>Counts of (true class, predicted class) pairs, with the class labels; rows are true classes, columns predictions.</summary>
public sealed class ConfusionMatrix
{
    private readonly int[][] _counts;
    private readonly Dictionary<string, int> _index;

    internal ConfusionMatrix(IReadOnlyList<string> labels, IReadOnlyList<int> actual, IReadOnlyList<int> predicted)
    {
        Labels = labels;
        _counts = new int[labels.Count][];
        for (int c = 0; c < labels.Count; c++)
        {
            _counts[c] = new int[labels.Count];
        }

        for (int r = 0; r < actual.Count; r++)
        {
            _counts[actual[r]][predicted[r]]++;
        }

        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < labels.Count; c++)
        {
            _index[labels[c]] = c;
        }
    }

    /// <summary>The class labels, in row and column order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The counts: <c>Counts[actual][predicted]</c>.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Counts => _counts;

    /// <summary>The number of rows of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int Count(int actual, int predicted) => _counts[actual][predicted];

    /// <summary>The number of rows labelled <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int Count(string actual, string predicted) => _counts[IndexOf(actual)][IndexOf(predicted)];

    /// <summary>Precision of class <paramref name="c"/>: correct predictions of c over all predictions of c (NaN if never predicted).</summary>
    public double Precision(int c)
    {
        int predicted = _counts.Sum(row => row[c]);
        return predicted == 0 ? double.NaN : (double)_counts[c][c] / predicted;
    }

    /// <summary>Recall of class <paramref name="c"/>: correct predictions of c over the rows of c (NaN if it has no rows).</summary>
    public double Recall(int c)
    {
        int support = _counts[c].Sum();
        return support == 0 ? double.NaN : (double)_counts[c][c] / support;
    }

    /// <summary>
    /// F1 of class <paramref name="c"/>, <c>2 TP / (2 TP + FP + FN)</c>: 0 when the class is present or predicted but never
    /// right, NaN when it is neither present nor predicted.
    /// </summary>
    public double F1(int c)
    {
        int tp = _counts[c][c];
        int fn = _counts[c].Sum() - tp;
        int fp = _counts.Sum(row => row[c]) - tp;
        int denominator = (2 * tp) + fp + fn;
        return denominator == 0 ? double.NaN : 2.0 * tp / denominator;
    }

    /// <summary>The table as text: one row per true class, one column per predicted class.</summary>
    public override string ToString()
    {
        int width = Math.Max(5, Math.Max(Labels.Max(l => l.Length), _counts.SelectMany(r => r).DefaultIfEmpty(0).Max().ToString(CultureInfo.InvariantCulture).Length) + 1);
        var text = new StringBuilder();
        text.Append("true \\ pred".PadRight(width + 6));
        foreach (string label in Labels)
        {
            text.Append(label.PadLeft(width));
        }

        text.AppendLine();
        for (int a = 0; a < Labels.Count; a++)
        {
            text.Append(Labels[a].PadRight(width + 6));
            foreach (int count in _counts[a])
            {
                text.Append(count.ToString(CultureInfo.InvariantCulture).PadLeft(width));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private int IndexOf(string label) => _index.TryGetValue(label, out int c)
        ? c
        : throw new ArgumentException($"Unknown class label '{label}'; the classes are {string.Join(", ", Labels.Select(l => $"'{l}'"))}.", nameof(label));
}
