using System.Collections.ObjectModel;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Optimization;

/// <summary>
/// The shared machinery of first-order optimizers: a fixed parameter list, per-parameter state tensors
/// ("slots") allocated once at construction, per-parameter step counts, learning-rate scheduling and state
/// snapshots. <see cref="Step"/> skips parameters whose <see cref="Parameter.Trainable"/> is false at the
/// time of the call (their state and step count are left as they are) and allocates nothing.
/// </summary>
public abstract class Optimizer : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly string[] _slotNames;
    private readonly Tensor[][] _slots;
    private readonly long[] _parameterSteps;
    private readonly Dictionary<string, int> _indexByName;
    private float _learningRate;

    /// <summary>Sets up the parameter list and allocates zero-filled slot tensors shaped like each parameter.</summary>
    /// <param name="parameters">The parameters to update; neither the same object nor the same name may appear twice.</param>
    /// <param name="learningRate">The initial learning rate; finite and non-negative.</param>
    /// <param name="slotNames">The names of the per-parameter state tensors the derived optimizer keeps.</param>
    protected Optimizer(IReadOnlyList<Parameter> parameters, float learningRate, IReadOnlyList<string> slotNames)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(slotNames);
        _parameters = new Parameter[parameters.Count];
        _indexByName = new Dictionary<string, int>(parameters.Count, StringComparer.Ordinal);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
            if (!_indexByName.TryAdd(p.Name, i))
            {
                throw new ArgumentException(
                    ReferenceEquals(_parameters[_indexByName[p.Name]], p)
                        ? $"Parameter '{p.Name}' appears twice; it would be updated twice per step."
                        : $"Two parameters are named '{p.Name}'; optimizer state is keyed by name, so names must be unique.",
                    nameof(parameters));
            }

            _parameters[i] = p;
        }

        _slotNames = [.. slotNames];
        _slots = new Tensor[_parameters.Length][];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _slots[i] = new Tensor[_slotNames.Length];
            for (int s = 0; s < _slotNames.Length; s++)
            {
                _slots[i][s] = new Tensor(_parameters[i].Value.ShapeArray());
            }
        }

        _parameterSteps = new long[_parameters.Length];
        Parameters = new ReadOnlyCollection<Parameter>(_parameters);
        LearningRate = learningRate;
    }

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The names of the per-parameter state tensors, for <see cref="GetSlot"/>.</summary>
    public IReadOnlyList<string> SlotNames => _slotNames;

    /// <inheritdoc />
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            ScheduleArguments.CheckValue(value, nameof(value));
            _learningRate = value;
        }
    }

    /// <inheritdoc />
    public ISchedule? Schedule { get; set; }

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <summary>
    /// Whether updates flush state and parameter values with magnitude below 1e-30 to zero, so that decaying
    /// values never reach the float32 subnormal range (below 1.18e-38), where arithmetic is many times slower.
    /// On by default; only benchmarks turn it off to show the effect.
    /// </summary>
    internal bool FlushTinyValues { get; set; } = true;

    /// <inheritdoc />
    public void Step()
    {
        if (Schedule is { } schedule)
        {
            LearningRate = schedule.ValueAt(StepCount);
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (!p.Trainable)
            {
                continue;
            }

            _parameterSteps[i]++;
            UpdateParameter(p, _slots[i], _parameterSteps[i]);
        }

        StepCount++;
    }

    /// <summary>
    /// <see cref="Step"/> with the element-wise update spread over several threads: <paramref name="runOnWorkers"/>
    /// runs the given work once per worker (index, count) and returns when all are done; each worker updates its
    /// slice of every parameter. Results are those of <see cref="Step"/> for any worker count. Optimizers whose update
    /// is not element-wise run <see cref="Step"/>.
    /// </summary>
    internal void StepBySlices(Action<Action<int, int>> runOnWorkers)
    {
        if (!UpdatesElementwise)
        {
            Step();
            return;
        }

        if (Schedule is { } schedule)
        {
            LearningRate = schedule.ValueAt(StepCount);
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].Trainable)
            {
                _parameterSteps[i]++;
            }
        }

        runOnWorkers((worker, workers) =>
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                var p = _parameters[i];
                if (!p.Trainable)
                {
                    continue;
                }

                int length = p.Value.Length;
                int from = (int)((long)length * worker / workers), to = (int)((long)length * (worker + 1) / workers);
                if (to > from)
                {
                    UpdateParameterRange(p, _slots[i], _parameterSteps[i], from, to - from);
                }
            }
        });
        StepCount++;
    }

    /// <summary>Whether <see cref="UpdateParameterRange"/> is implemented: each element's update depends on that element alone.</summary>
    private protected virtual bool UpdatesElementwise => false;

    /// <summary>Updates elements [start, start + length) of one parameter (and its slots), as <see cref="UpdateParameter"/> updates all.</summary>
    private protected virtual void UpdateParameterRange(Parameter parameter, ReadOnlySpan<Tensor> slots, long parameterStep, int start, int length)
        => throw new NotSupportedException($"{GetType().Name} does not update parameters by element ranges.");

    /// <inheritdoc />
    public void ZeroGrad()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].ZeroGrad();
        }
    }

    /// <summary>The live state tensor <paramref name="slotName"/> of the named parameter (not a copy).</summary>
    /// <param name="parameterName">The <see cref="Parameter.Name"/> of one of <see cref="Parameters"/>.</param>
    /// <param name="slotName">One of <see cref="SlotNames"/>.</param>
    public Tensor GetSlot(string parameterName, string slotName) => _slots[IndexOf(parameterName)][OptimizerState.SlotIndex(_slotNames, slotName)];

    /// <summary>How many updates the named parameter has received (its bias-correction step).</summary>
    public long GetParameterStepCount(string parameterName) => _parameterSteps[IndexOf(parameterName)];

    /// <inheritdoc />
    public OptimizerState CaptureState()
    {
        var slots = new Tensor[_slots.Length][];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = new Tensor[_slotNames.Length];
            for (int s = 0; s < _slotNames.Length; s++)
            {
                slots[i][s] = _slots[i][s].Clone();
            }
        }

        var names = new string[_parameters.Length];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = _parameters[i].Name;
        }

        return new OptimizerState(GetType().Name, names, [.. _slotNames], slots, (long[])_parameterSteps.Clone())
        {
            StepCount = StepCount,
            LearningRate = LearningRate,
        };
    }

    /// <inheritdoc />
    public void CopyStateTo(OptimizerState destination)
    {
        CheckCompatible(destination);
        for (int i = 0; i < _slots.Length; i++)
        {
            for (int s = 0; s < _slotNames.Length; s++)
            {
                destination.Slots[i][s].CopyFrom(_slots[i][s]);
            }
        }

        _parameterSteps.CopyTo(destination.ParameterSteps, 0);
        destination.StepCount = StepCount;
        destination.LearningRate = LearningRate;
    }

    /// <inheritdoc />
    public void RestoreState(OptimizerState source)
    {
        CheckCompatible(source);
        for (int i = 0; i < _slots.Length; i++)
        {
            for (int s = 0; s < _slotNames.Length; s++)
            {
                _slots[i][s].CopyFrom(source.Slots[i][s]);
            }
        }

        source.ParameterSteps.CopyTo(_parameterSteps, 0);
        StepCount = source.StepCount;
        LearningRate = source.LearningRate;
    }

    /// <summary>Updates one trainable parameter in place from its gradient.</summary>
    /// <param name="parameter">The parameter; <see cref="Parameter.Grad"/> holds the gradient of this step.</param>
    /// <param name="slots">The parameter's state tensors, in <see cref="SlotNames"/> order, shaped like the parameter.</param>
    /// <param name="parameterStep">The 1-based number of this update of this parameter.</param>
    protected abstract void UpdateParameter(Parameter parameter, ReadOnlySpan<Tensor> slots, long parameterStep);

    private int IndexOf(string parameterName)
    {
        ArgumentNullException.ThrowIfNull(parameterName);
        return _indexByName.TryGetValue(parameterName, out int index)
            ? index
            : throw new ArgumentException($"This optimizer updates no parameter named '{parameterName}'.", nameof(parameterName));
    }

    private void CheckCompatible(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        string kind = GetType().Name;
        if (state.Kind != kind || state.ParameterNames.Count != _parameters.Length || !state.SlotNames.SequenceEqual(_slotNames))
        {
            throw new ArgumentException($"The snapshot is of {state.Kind} over {state.ParameterNames.Count} parameters; this optimizer is {kind} over {_parameters.Length}.", nameof(state));
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!string.Equals(state.ParameterNames[i], _parameters[i].Name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Snapshot parameter {i} is '{state.ParameterNames[i]}'; this optimizer's is '{_parameters[i].Name}'.", nameof(state));
            }

            for (int s = 0; s < _slotNames.Length; s++)
            {
                if (!state.Slots[i][s].Shape.SequenceEqual(_parameters[i].Value.Shape))
                {
                    throw new ArgumentException($"Snapshot slot '{_slotNames[s]}' of '{_parameters[i].Name}' has shape [{string.Join(", ", state.Slots[i][s].ShapeArray())}]; the parameter's is [{string.Join(", ", _parameters[i].Value.ShapeArray())}].", nameof(state));
                }
            }
        }
    }
}
