using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// The connectivity masks of MADE (Germain et al. 2015), for an <see cref="Layers.Mlp"/> whose outputs for feature d
/// depend only on the inputs before d (in index order), so it parameterises an autoregressive model in one pass.
/// </summary>
/// <remarks>
/// Input d has degree d + 1; hidden unit k has degree (k mod max(1, D - 1)) + 1 (cycling, so every degree is
/// present when the layer has at least D - 1 units); a hidden unit sees the units of the previous layer with
/// degree ≤ its own, and an output for feature d sees hidden units (or inputs) of degree ≤ d.
/// </remarks>
public static class MadeMasks
{
    /// <summary>The masks [hidden[0], D], …, [P·D, hidden[^1]] of a MADE network.</summary>
    /// <param name="dimension">The number of features D.</param>
    /// <param name="hidden">Hidden widths (may be empty: a single masked linear layer).</param>
    /// <param name="outputsPerFeature">How many values P the network produces for each feature.</param>
    /// <param name="layout">Which output column belongs to which feature.</param>
    public static IReadOnlyList<Tensor> Create(int dimension, IReadOnlyList<int> hidden, int outputsPerFeature, ConditionerLayout layout = ConditionerLayout.ParameterMajor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputsPerFeature);
        var degrees = Enumerable.Range(1, dimension).ToArray();
        var masks = new List<Tensor>();
        foreach (int width in hidden)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width, nameof(hidden));
            var next = Enumerable.Range(0, width).Select(k => (k % Math.Max(1, dimension - 1)) + 1).ToArray();
            masks.Add(Connect(next, degrees, (unit, input) => unit >= input));
            degrees = next;
        }

        var outputs = Enumerable.Range(0, outputsPerFeature * dimension)
            .Select(o => (layout == ConditionerLayout.ParameterMajor ? o % dimension : o / outputsPerFeature) + 1)
            .ToArray();
        masks.Add(Connect(outputs, degrees, (feature, input) => feature > input));
        return masks;
    }

    private static Tensor Connect(int[] units, int[] inputs, Func<int, int, bool> sees)
    {
        var mask = new Tensor(units.Length, inputs.Length);
        for (int o = 0; o < units.Length; o++)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                mask[o, i] = sees(units[o], inputs[i]) ? 1f : 0f;
            }
        }

        return mask;
    }
}
