using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Onnx.Proto;

namespace MLNetMixture.Training.Onnx;

/// <content>Matrix products, element-wise operations and the no-gradient selectors.</content>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>1/sqrt(2) exactly as the tape's GELU rounds it.</summary>
    private const float InverseSqrt2 = 0.70710678f;

    /// <inheritdoc />
    public Var MatMul(Var a, Var b, bool transposeB = false)
    {
        var ea = Entry(a);
        var eb = Entry(b);
        int ra = ea.Dims.Length, rb = eb.Dims.Length;
        string Describe() => $"MatMul of {DescribeShape(ea.Dims)} and {DescribeShape(eb.Dims)}{(transposeB ? " (B transposed)" : string.Empty)}";
        if (!((ra == 2 && rb == 2) || (ra == 3 && (rb == 3 || rb == 2))))
        {
            throw new ArgumentException($"{Describe()}: supported ranks are 2x2, 3x3 and 3x2.");
        }

        int kb = transposeB ? eb.Dims[^1] : eb.Dims[^2];
        int n = transposeB ? eb.Dims[^2] : eb.Dims[^1];
        SameDim(ea.Dims[^1], kb, () => $"{Describe()}: inner dimensions differ.");
        int[] dims;
        if (ra == 2)
        {
            dims = [ea.Dims[0], n];
        }
        else
        {
            int batch = rb == 3 ? SameDim(ea.Dims[0], eb.Dims[0], () => $"{Describe()}: batch dimensions differ.") : ea.Dims[0];
            dims = [batch, ea.Dims[1], n];
        }

        if (!transposeB)
        {
            return EmitVar("MatMul", dims, [ea.Name, eb.Name]);
        }

        if (ra == 2)
        {
            // Gemm takes B transposed without a separate node (2-D only).
            return EmitVar("Gemm", dims, [ea.Name, eb.Name], IntAttribute("transB", 1));
        }

        long[] perm = rb == 3 ? [0, 2, 1] : [1, 0];
        string bt = Emit("Transpose", [eb.Name], IntsAttribute("perm", perm));
        return EmitVar("MatMul", dims, [ea.Name, bt]);
    }

    /// <inheritdoc />
    public Var GroupedLinear(Var x, Var weight, Var? bias)
    {
        var ex = Entry(x);
        var ew = Entry(weight);
        string Describe() => $"GroupedLinear of x {DescribeShape(ex.Dims)} and weight {DescribeShape(ew.Dims)}";
        if (ex.Dims.Length != 2 || ew.Dims.Length != 3 || ew.Dims.Any(d => d < 0))
        {
            throw new ArgumentException($"{Describe()}: expected x [N, G*In] and weight [G, In, Out] with a known weight shape.");
        }

        int groups = ew.Dims[0], inDim = ew.Dims[1], outDim = ew.Dims[2];
        SameDim(ex.Dims[1], groups * inDim, () => $"{Describe()}: x has {ex.Dims[1]} columns; expected G*In = {groups * inDim}.");

        // [N, G*In] -> [G, N, In], one batched MatMul with [G, In, Out], + bias [G, 1, Out], -> [N, G*Out].
        var grouped = Transpose(Reshape(x, -1, groups, inDim), 1, 0, 2);
        var y = MatMul(grouped, weight);
        if (bias is { } b)
        {
            var eb = Entry(b);
            if (eb.Dims.All(d => d >= 0) && eb.Dims.Aggregate(1L, (p, d) => p * d) != groups * outDim)
            {
                throw new ArgumentException($"{Describe()}: the bias has {eb.Dims.Aggregate(1L, (p, d) => p * d)} values; expected G*Out = {groups * outDim}.", nameof(bias));
            }

            y = Add(y, eb.Dims.Length == 3 && eb.Dims[1] == 1 ? b : Reshape(b, groups, 1, outDim));
        }

        return Reshape(Transpose(y, 1, 0, 2), -1, groups * outDim);
    }

    /// <inheritdoc />
    public Var Linear(Var x, Var weight, Var? bias)
    {
        var ex = Entry(x);
        var ew = Entry(weight);
        if (ex.Dims.Length != 2 || ew.Dims.Length != 2)
        {
            throw new ArgumentException($"Linear expects x [N, In] and weight [Out, In]; got x {DescribeShape(ex.Dims)} and weight {DescribeShape(ew.Dims)}.");
        }

        SameDim(ex.Dims[1], ew.Dims[1], () => $"Linear expects x [N, In] and weight [Out, In]; got x {DescribeShape(ex.Dims)} and weight {DescribeShape(ew.Dims)}.");
        int outDim = ew.Dims[0];
        int[] dims = [ex.Dims[0], outDim];
        if (bias is not { } bv)
        {
            return EmitVar("Gemm", dims, [ex.Name, ew.Name], IntAttribute("transB", 1));
        }

        var eb = Entry(bv);
        string biasName = eb.Name;
        if (eb.Dims.All(d => d >= 0) && outDim >= 0)
        {
            long count = eb.Dims.Aggregate(1L, (p, d) => p * d);
            if (count != outDim)
            {
                throw new ArgumentException($"Linear bias has {count} values; the weight has {outDim} outputs.", nameof(bias));
            }
        }

        if (eb.Dims.Length != 1)
        {
            // The tape accepts any bias holding Out values; Gemm broadcasts C to [N, Out], so give it [Out].
            biasName = Emit("Reshape", [eb.Name, Int64Constant(-1)]);
        }

        return EmitVar("Gemm", dims, [ex.Name, ew.Name, biasName], IntAttribute("transB", 1));
    }

    /// <inheritdoc />
    public Var Add(Var a, Var b) => Binary("Add", a, b);

    /// <inheritdoc />
    public Var Subtract(Var a, Var b) => Binary("Sub", a, b);

    /// <inheritdoc />
    public Var Multiply(Var a, Var b) => Binary("Mul", a, b);

    /// <inheritdoc />
    public Var Divide(Var a, Var b) => Binary("Div", a, b);

    /// <inheritdoc />
    public Var AddScalar(Var x, float c)
    {
        var e = Entry(x);
        return EmitVar("Add", (int[])e.Dims.Clone(), [e.Name, ScalarConstant(c)]);
    }

    /// <inheritdoc />
    public Var MultiplyScalar(Var x, float c)
    {
        var e = Entry(x);
        return EmitVar("Mul", (int[])e.Dims.Clone(), [e.Name, ScalarConstant(c)]);
    }

    /// <inheritdoc />
    public Var Negate(Var x) => Unary("Neg", x);

    /// <inheritdoc />
    public Var Exp(Var x) => Unary("Exp", x);

    /// <inheritdoc />
    public Var Log(Var x) => Unary("Log", x);

    /// <inheritdoc />
    public Var Tanh(Var x) => Unary("Tanh", x);

    /// <inheritdoc />
    public Var Sigmoid(Var x) => Unary("Sigmoid", x);

    /// <inheritdoc />
    public Var Relu(Var x) => Unary("Relu", x);

    /// <inheritdoc />
    public Var Softplus(Var x) => Unary("Softplus", x);

    /// <inheritdoc />
    public Var Elu(Var x, float alpha = 1f) => Unary("Elu", x, FloatAttribute("alpha", alpha));

    /// <inheritdoc />
    public Var Gelu(Var x)
    {
        // 0.5 x (1 + erf(x / sqrt 2)), in the tape's order of operations: (0.5 x) (1 + erf(x * 0.70710678)).
        var e = Entry(x);
        string scaled = Emit("Mul", [e.Name, ScalarConstant(InverseSqrt2)]);
        string erf = Emit("Erf", [scaled]);
        string onePlus = Emit("Add", [erf, ScalarConstant(1f)]);
        string half = Emit("Mul", [e.Name, ScalarConstant(0.5f)]);
        return EmitVar("Mul", (int[])e.Dims.Clone(), [half, onePlus]);
    }

    /// <inheritdoc />
    public Var Square(Var x)
    {
        var e = Entry(x);
        return EmitVar("Mul", (int[])e.Dims.Clone(), [e.Name, e.Name]);
    }

    /// <inheritdoc />
    public Var Sqrt(Var x) => Unary("Sqrt", x);

    /// <inheritdoc />
    public Var Abs(Var x) => Unary("Abs", x);

    /// <inheritdoc />
    public Var Reciprocal(Var x) => Unary("Reciprocal", x);

    /// <inheritdoc />
    public Var Clamp(Var x, float min, float max)
    {
        if (!(min <= max))
        {
            throw new ArgumentException($"Clamp needs min <= max; got [{min}, {max}].", nameof(min));
        }

        var e = Entry(x);
        return EmitVar("Clip", (int[])e.Dims.Clone(), [e.Name, ScalarConstant(min), ScalarConstant(max)]);
    }

    /// <inheritdoc />
    public Var Step(Var x)
    {
        var e = Entry(x);
        string ge = Emit("GreaterOrEqual", [e.Name, ScalarConstant(0f)]);
        return EmitVar("Cast", (int[])e.Dims.Clone(), [ge], IntAttribute("to", (long)TensorProto.Types.DataType.Float));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Emitted as ArgMax (first index on ties) compared with the constant [0, 1, ..., C-1], then cast to float;
    /// the last dimension C must be known when the graph is built.
    /// </remarks>
    public Var OneHotArgMax(Var x)
    {
        var e = Entry(x);
        if (e.Dims.Length == 0)
        {
            throw new ArgumentException("OneHotArgMax needs at least one axis.", nameof(x));
        }

        int classes = e.Dims[^1];
        if (classes < 0)
        {
            throw new NotSupportedException($"OneHotArgMax needs a last dimension known when the graph is built; the value has shape {DescribeShape(e.Dims)}.");
        }

        string index = Emit("ArgMax", [e.Name], IntAttribute("axis", -1), IntAttribute("keepdims", 1), IntAttribute("select_last_index", 0));
        string positions = Int64Constant(Enumerable.Range(0, classes).Select(i => (long)i).ToArray());
        string hit = Emit("Equal", [index, positions]);
        return EmitVar("Cast", (int[])e.Dims.Clone(), [hit], IntAttribute("to", (long)TensorProto.Types.DataType.Float));
    }

    /// <inheritdoc />
    /// <remarks>Any non-zero mask element (NaN included) selects <paramref name="a"/>, as on the tape.</remarks>
    public Var Where(Var mask, Var a, Var b)
    {
        var em = Entry(mask);
        var ea = Entry(a);
        var eb = Entry(b);
        var dims = BroadcastDims(BroadcastDims(em.Dims, ea.Dims), eb.Dims);
        string condition = Emit("Cast", [em.Name], IntAttribute("to", (long)TensorProto.Types.DataType.Bool));
        return EmitVar("Where", dims, [condition, ea.Name, eb.Name]);
    }

    private Var Binary(string opType, Var a, Var b)
    {
        var ea = Entry(a);
        var eb = Entry(b);
        return EmitVar(opType, BroadcastDims(ea.Dims, eb.Dims), [ea.Name, eb.Name]);
    }

    private Var Unary(string opType, Var x, params AttributeProto[] attributes)
    {
        var e = Entry(x);
        return EmitVar(opType, (int[])e.Dims.Clone(), [e.Name], attributes);
    }
}
