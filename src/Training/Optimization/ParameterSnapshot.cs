using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// A copy of parameter values, e.g. the best model seen so far during training: <see cref="Capture"/> once,
/// <see cref="CopyFrom"/> whenever the model improves (no allocation), <see cref="RestoreTo"/> at the end.
/// </summary>
public sealed class ParameterSnapshot
{
    private readonly string[] _names;
    private readonly Tensor[] _values;

    private ParameterSnapshot(string[] names, Tensor[] values)
    {
        _names = names;
        _values = values;
    }

    /// <summary>The parameter names, in order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Copies the current values of <paramref name="parameters"/>.</summary>
    public static ParameterSnapshot Capture(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var names = new string[parameters.Count];
        var values = new Tensor[parameters.Count];
        for (int i = 0; i < names.Length; i++)
        {
            var p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
            names[i] = p.Name;
            values[i] = p.Value.Clone();
        }

        return new ParameterSnapshot(names, values);
    }

    /// <summary>The stored value of parameter <paramref name="index"/>.</summary>
    public Tensor ValueAt(int index) => _values[index];

    /// <summary>Overwrites the snapshot with the current values of the same parameters (same names, order and sizes).</summary>
    public void CopyFrom(IReadOnlyList<Parameter> parameters)
    {
        CheckMatches(parameters);
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i].CopyFrom(parameters[i].Value);
        }
    }

    /// <summary>
    /// Moves the snapshot towards the current values of the same parameters: stored += <paramref name="weight"/> ×
    /// (current − stored), an exponential-moving-average update with decay 1 − <paramref name="weight"/>.
    /// </summary>
    /// <param name="parameters">The parameters (same names, order and sizes).</param>
    /// <param name="weight">The share of the current values, in [0, 1].</param>
    public void BlendFrom(IReadOnlyList<Parameter> parameters, float weight)
    {
        CheckMatches(parameters);
        for (int i = 0; i < _values.Length; i++)
        {
            if (!parameters[i].Trainable)
            {
                continue; // never changes: the stored copy already equals it
            }

            var stored = _values[i].Span;
            var current = parameters[i].Value.Span;
            int j = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated)
            {
                var w = new System.Numerics.Vector<float>(weight);
                int width = System.Numerics.Vector<float>.Count;
                for (; j <= stored.Length - width; j += width)
                {
                    var a = new System.Numerics.Vector<float>(stored.Slice(j, width));
                    var c = new System.Numerics.Vector<float>(current.Slice(j, width));
                    (a + (w * (c - a))).CopyTo(stored.Slice(j, width));
                }
            }

            for (; j < stored.Length; j++)
            {
                stored[j] += weight * (current[j] - stored[j]);
            }
        }
    }

    /// <summary>Writes the stored values back into the parameters (same names, order and sizes).</summary>
    public void RestoreTo(IReadOnlyList<Parameter> parameters)
    {
        CheckMatches(parameters);
        for (int i = 0; i < _values.Length; i++)
        {
            parameters[i].Value.CopyFrom(_values[i]);
        }
    }

    private void CheckMatches(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count != _names.Length)
        {
            throw new ArgumentException($"The snapshot holds {_names.Length} parameters; {parameters.Count} were given.", nameof(parameters));
        }

        for (int i = 0; i < _names.Length; i++)
        {
            var p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
            if (!string.Equals(p.Name, _names[i], StringComparison.Ordinal) || p.Value.Length != _values[i].Length)
            {
                throw new ArgumentException($"Parameter {i} is '{p.Name}' with {p.Value.Length} values; the snapshot holds '{_names[i]}' with {_values[i].Length}.", nameof(parameters));
            }
        }
    }
}
