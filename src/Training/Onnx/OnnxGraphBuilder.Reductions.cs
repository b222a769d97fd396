using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Onnx;

/// <content>Reductions and the softmax family.</content>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The first opset in which ReduceMean and ReduceMax take their axes as an input rather than an attribute.</summary>
    private const int ReduceAxesAsInputOpset = 18;

    /// <inheritdoc />
    public Var Sum(Var x, int axis, bool keepDims = false) => ReduceAlong("ReduceSum", x, axis, keepDims);

    /// <inheritdoc />
    public Var Mean(Var x, int axis, bool keepDims = false) => ReduceAlong("ReduceMean", x, axis, keepDims);

    /// <inheritdoc />
    public Var Max(Var x, int axis, bool keepDims = false) => ReduceAlong("ReduceMax", x, axis, keepDims);

    /// <inheritdoc />
    public Var SumAll(Var x) => NewVar(Reduce("ReduceSum", Entry(x).Name, null, keepDims: false), []);

    /// <inheritdoc />
    public Var MeanAll(Var x) => NewVar(Reduce("ReduceMean", Entry(x).Name, null, keepDims: false), []);

    /// <inheritdoc />
    /// <remarks>
    /// Emitted as s + log(ReduceSum(exp(x - s))) with s the ReduceMax of x where it is finite and 0 where it is
    /// infinite or NaN, which gives the tape's results for rows that are all -infinity (-infinity, not NaN) or
    /// hold +infinity (+infinity).
    /// </remarks>
    public Var LogSumExp(Var x, int axis = -1, bool keepDims = false)
    {
        var e = Entry(x);
        int ax = NormalizeAxis(axis, e.Dims.Length);
        string max = Reduce("ReduceMax", e.Name, ax, keepDims: true);
        string finite = Emit("Less", [Emit("Abs", [max]), ScalarConstant(float.PositiveInfinity)]);
        string shift = Emit("Where", [finite, max, ScalarConstant(0f)]);
        string exp = Emit("Exp", [Emit("Sub", [e.Name, shift])]);
        string log = Emit("Log", [Reduce("ReduceSum", exp, ax, keepDims: true)]);
        string sum = Emit("Add", [shift, log]);
        var dims = ReducedDims(e.Dims, ax, keepDims);
        return keepDims ? NewVar(sum, dims) : EmitVar("Squeeze", dims, [sum, Int64Constant(ax)]);
    }

    /// <inheritdoc />
    public Var Softmax(Var x) => SoftmaxFamily("Softmax", x);

    /// <inheritdoc />
    public Var LogSoftmax(Var x) => SoftmaxFamily("LogSoftmax", x);

    private static int[] ReducedDims(int[] dims, int axis, bool keepDims)
    {
        var list = dims.ToList();
        if (keepDims)
        {
            list[axis] = 1;
        }
        else
        {
            list.RemoveAt(axis);
        }

        return [.. list];
    }

    private Var SoftmaxFamily(string opType, Var x)
    {
        var e = Entry(x);
        if (e.Dims.Length == 0)
        {
            throw new ArgumentException("The softmax family needs at least one axis.", nameof(x));
        }

        return EmitVar(opType, (int[])e.Dims.Clone(), [e.Name], IntAttribute("axis", -1));
    }

    private Var ReduceAlong(string opType, Var x, int axis, bool keepDims)
    {
        var e = Entry(x);
        int ax = NormalizeAxis(axis, e.Dims.Length);
        if (opType != "ReduceSum" && e.Dims[ax] == 0)
        {
            throw new ArgumentException($"{opType} over an empty axis is undefined.", nameof(x));
        }

        return NewVar(Reduce(opType, e.Name, ax, keepDims), ReducedDims(e.Dims, ax, keepDims));
    }

    /// <summary>
    /// Emits a reduction along one axis, or over every element when <paramref name="axis"/> is null. ReduceSum has
    /// taken its axes as an input since opset 13; ReduceMean and ReduceMax take them as an attribute up to opset
    /// 17 and as an input from opset 18.
    /// </summary>
    private string Reduce(string opType, string input, int? axis, bool keepDims)
    {
        var keep = IntAttribute("keepdims", keepDims ? 1 : 0);
        if (axis is not { } ax)
        {
            return Emit(opType, [input], keep);
        }

        bool axesAsInput = opType == "ReduceSum" || Opset >= ReduceAxesAsInputOpset;
        return axesAsInput
            ? Emit(opType, [input, Int64Constant(ax)], keep)
            : Emit(opType, [input], keep, IntsAttribute("axes", ax));
    }
}
