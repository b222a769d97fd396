using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// A detached copy of an optimizer's state: per-parameter slot tensors (e.g. Adam's moments), per-parameter
/// step counts, the global step count and the learning rate. Made by <see cref="IOptimizer.CaptureState"/>,
/// refreshed by <see cref="IOptimizer.CopyStateTo"/> and applied by <see cref="IOptimizer.RestoreState"/>.
/// </summary>
public sealed class OptimizerState
{
    private readonly string[] _parameterNames;
    private readonly string[] _slotNames;
    private readonly Dictionary<string, int> _indexByName;

    internal OptimizerState(string kind, string[] parameterNames, string[] slotNames, Tensor[][] slots, long[] parameterSteps)
    {
        Kind = kind;
        _parameterNames = parameterNames;
        _slotNames = slotNames;
        Slots = slots;
        ParameterSteps = parameterSteps;
        _indexByName = new Dictionary<string, int>(parameterNames.Length, StringComparer.Ordinal);
        for (int i = 0; i < parameterNames.Length; i++)
        {
            _indexByName.Add(parameterNames[i], i);
        }
    }

    /// <summary>The optimizer type that made the snapshot (e.g. <c>Adam</c>, <c>AdamW</c>).</summary>
    public string Kind { get; }

    /// <summary>The number of optimizer steps taken when the snapshot was made.</summary>
    public long StepCount { get; internal set; }

    /// <summary>The learning rate when the snapshot was made.</summary>
    public float LearningRate { get; internal set; }

    /// <summary>The parameter names, in the optimizer's order.</summary>
    public IReadOnlyList<string> ParameterNames => _parameterNames;

    /// <summary>The names of the per-parameter slots (e.g. <see cref="Adam.FirstMomentSlot"/>).</summary>
    public IReadOnlyList<string> SlotNames => _slotNames;

    /// <summary>Slot tensors, [parameter][slot].</summary>
    internal Tensor[][] Slots { get; }

    /// <summary>Per-parameter update counts (bias correction uses them).</summary>
    internal long[] ParameterSteps { get; }

    /// <summary>The copy of one slot of one parameter.</summary>
    /// <param name="parameterName">A name from <see cref="ParameterNames"/>.</param>
    /// <param name="slotName">A name from <see cref="SlotNames"/>.</param>
    public Tensor GetSlot(string parameterName, string slotName) => Slots[IndexOf(parameterName)][SlotIndex(_slotNames, slotName)];

    /// <summary>How many updates the named parameter had received when the snapshot was made.</summary>
    public long GetParameterStepCount(string parameterName) => ParameterSteps[IndexOf(parameterName)];

    internal static int SlotIndex(string[] slotNames, string slotName)
    {
        ArgumentNullException.ThrowIfNull(slotName);
        int index = Array.IndexOf(slotNames, slotName);
        return index >= 0
            ? index
            : throw new ArgumentException($"Unknown optimizer slot '{slotName}'; this optimizer keeps [{string.Join(", ", slotNames)}].", nameof(slotName));
    }

    private int IndexOf(string parameterName)
    {
        ArgumentNullException.ThrowIfNull(parameterName);
        return _indexByName.TryGetValue(parameterName, out int index)
            ? index
            : throw new ArgumentException($"The snapshot holds no parameter named '{parameterName}'.", nameof(parameterName));
    }
}
