using System.Globalization;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Experts;

/// <summary>
/// The mapping between label strings and class indices. Classes are in sorted order: numerically when every
/// label is an integer ("2" before "10"; the labels 0..C-1 keep their own values as indices), otherwise by
/// ordinal string comparison. Sorting makes the mapping independent of row order.
/// </summary>
internal sealed class ClassLabelEncoding
{
    private readonly string[] _labels;
    private readonly Dictionary<string, int> _index;

    public ClassLabelEncoding(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        bool allIntegers = distinct.All(l => long.TryParse(l, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
        _labels = allIntegers
            ? [.. distinct.OrderBy(l => long.Parse(l, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)).ThenBy(l => l, StringComparer.Ordinal)]
            : [.. distinct.Order(StringComparer.Ordinal)];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _labels.Length; i++)
        {
            _index[_labels[i]] = i;
        }
    }

    public IReadOnlyList<string> Labels => _labels;

    public int Count => _labels.Length;

    /// <summary>The class index of every row's label; an unknown label is an error naming it and its row.</summary>
    public int[] Encode(FeatureTable table, string role)
    {
        var labels = table.Labels ?? throw new ArgumentException($"The {role} {table.Source} has no labels.", nameof(table));
        var result = new int[labels.Count];
        for (int r = 0; r < labels.Count; r++)
        {
            if (!_index.TryGetValue(labels[r], out result[r]))
            {
                throw new ArgumentException(
                    $"The {role} {table.Source} has label '{labels[r]}' at data row {r + 1}, which the model does not know; its {Count} classes are {Describe()}.",
                    nameof(table));
            }
        }

        return result;
    }

    public string Describe() => Count <= 12
        ? string.Join(", ", _labels.Select(l => $"'{l}'"))
        : string.Join(", ", _labels.Take(12).Select(l => $"'{l}'")) + ", ...";
}
