using System.Reflection;
using System.Runtime.ExceptionServices;
using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>An <see cref="IComputeGraph"/> that forwards every call to another graph and records the method names.</summary>
public class CallRecorder : DispatchProxy
{
    private IComputeGraph? _target;

    /// <summary>The names of the methods called so far.</summary>
    public HashSet<string> Called { get; } = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="target"/>; calls through the returned graph are recorded in the returned set.</summary>
    public static (IComputeGraph Graph, HashSet<string> Called) Wrap(IComputeGraph target)
    {
        var graph = Create<IComputeGraph, CallRecorder>();
        var recorder = (CallRecorder)(object)graph;
        recorder._target = target;
        return (graph, recorder.Called);
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        Called.Add(targetMethod.Name);
        try
        {
            return targetMethod.Invoke(_target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
