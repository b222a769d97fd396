using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Autodiff;

/// <summary>
/// The vocabulary of operations that every model in MLNetMixture is written in. A <see cref="Tape"/> computes
/// each operation at once and can differentiate the result; the ONNX exporter implements the same interface by
/// emitting standard ONNX operators, so an exported graph matches the training math by construction.
/// </summary>
/// <remarks>
/// Shapes follow NumPy broadcasting for the element-wise binary operations. Axis arguments may be negative
/// (counted from the end). The ONNX operator each method maps to is named in its documentation.
/// Dimensions reported by <see cref="Shape"/> are -1 where they are only known at run time (the batch
/// dimension of an exported graph).
/// </remarks>
public interface IComputeGraph
{
    /// <summary>The shape of a value; -1 marks a dimension known only at run time.</summary>
    int[] Shape(Var x);

    /// <summary>A fixed tensor (ONNX: an initializer, or a graph input for per-call data).</summary>
    Var Constant(Tensor value);

    /// <summary>A learnable parameter (ONNX: an initializer).</summary>
    Var Param(Parameter parameter);

    /// <summary>Matrix product: [M,K]x[K,N], [B,M,K]x[B,K,N] or [B,M,K]x[K,N]; with <paramref name="transposeB"/>, B is given as [..,N,K]. (ONNX: MatMul, Gemm.)</summary>
    Var MatMul(Var a, Var b, bool transposeB = false);

    /// <summary>Affine map <c>x W^T + b</c> with x [N,In], W [Out,In], b [Out] or none. (ONNX: Gemm with transB.)</summary>
    Var Linear(Var x, Var weight, Var? bias);

    /// <summary>
    /// Grouped affine map: x [N, G*In] holds G groups side by side, weight is [G, In, Out] and bias holds G*Out
    /// values group by group (e.g. [G, 1, Out]) or is none; the result [N, G*Out] has group g equal to
    /// <c>x_g W_g + b_g</c>. The layers of K experts computed at once, without moving the groups into a batch
    /// axis. (ONNX: Reshape to [N, G, In], Transpose to [G, N, In], MatMul, Add, Transpose and Reshape back.)
    /// </summary>
    Var GroupedLinear(Var x, Var weight, Var? bias);

    /// <summary>Element-wise a + b with broadcasting. (ONNX: Add.)</summary>
    Var Add(Var a, Var b);

    /// <summary>Element-wise a - b with broadcasting. (ONNX: Sub.)</summary>
    Var Subtract(Var a, Var b);

    /// <summary>Element-wise a * b with broadcasting. (ONNX: Mul.)</summary>
    Var Multiply(Var a, Var b);

    /// <summary>Element-wise a / b with broadcasting. (ONNX: Div.)</summary>
    Var Divide(Var a, Var b);

    /// <summary>x + c for a constant scalar c. (ONNX: Add.)</summary>
    Var AddScalar(Var x, float c);

    /// <summary>x * c for a constant scalar c. (ONNX: Mul.)</summary>
    Var MultiplyScalar(Var x, float c);

    /// <summary>-x. (ONNX: Neg.)</summary>
    Var Negate(Var x);

    /// <summary>e^x. (ONNX: Exp.)</summary>
    Var Exp(Var x);

    /// <summary>Natural logarithm. (ONNX: Log.)</summary>
    Var Log(Var x);

    /// <summary>Hyperbolic tangent. (ONNX: Tanh.)</summary>
    Var Tanh(Var x);

    /// <summary>Logistic sigmoid 1/(1+e^-x). (ONNX: Sigmoid.)</summary>
    Var Sigmoid(Var x);

    /// <summary>max(x, 0). (ONNX: Relu.)</summary>
    Var Relu(Var x);

    /// <summary>log(1 + e^x), computed stably. (ONNX: Softplus.)</summary>
    Var Softplus(Var x);

    /// <summary>x for x &gt; 0, alpha (e^x - 1) otherwise. (ONNX: Elu.)</summary>
    Var Elu(Var x, float alpha = 1f);

    /// <summary>Exact GELU, 0.5 x (1 + erf(x / sqrt 2)). (ONNX: Erf, Mul, Add.)</summary>
    Var Gelu(Var x);

    /// <summary>x^2. (ONNX: Mul.)</summary>
    Var Square(Var x);

    /// <summary>Square root. (ONNX: Sqrt.)</summary>
    Var Sqrt(Var x);

    /// <summary>|x|. (ONNX: Abs.)</summary>
    Var Abs(Var x);

    /// <summary>1 / x. (ONNX: Reciprocal.)</summary>
    Var Reciprocal(Var x);

    /// <summary>x clamped to [min, max]; the gradient is zero outside. (ONNX: Clip.)</summary>
    Var Clamp(Var x, float min, float max);

    /// <summary>Sum along one axis. (ONNX: ReduceSum.)</summary>
    Var Sum(Var x, int axis, bool keepDims = false);

    /// <summary>Mean along one axis. (ONNX: ReduceMean.)</summary>
    Var Mean(Var x, int axis, bool keepDims = false);

    /// <summary>Maximum along one axis; the gradient flows to the first maximal element. (ONNX: ReduceMax.)</summary>
    Var Max(Var x, int axis, bool keepDims = false);

    /// <summary>Sum of all elements, as a scalar. (ONNX: ReduceSum without axes.)</summary>
    Var SumAll(Var x);

    /// <summary>Mean of all elements, as a scalar. (ONNX: ReduceMean without axes.)</summary>
    Var MeanAll(Var x);

    /// <summary>Numerically stable log-sum-exp along one axis. (ONNX: ReduceMax, Sub, Exp, ReduceSum, Log, Add.)</summary>
    Var LogSumExp(Var x, int axis = -1, bool keepDims = false);

    /// <summary>Softmax along the last axis. (ONNX: Softmax.)</summary>
    Var Softmax(Var x);

    /// <summary>Log-softmax along the last axis. (ONNX: LogSoftmax.)</summary>
    Var LogSoftmax(Var x);

    /// <summary>Same elements, new shape; one dimension may be -1 (inferred), and 0 copies the input's dimension. (ONNX: Reshape.)</summary>
    Var Reshape(Var x, params int[] shape);

    /// <summary>Permutes the axes. (ONNX: Transpose.)</summary>
    Var Transpose(Var x, params int[] permutation);

    /// <summary>Elements [start, end) along one axis. (ONNX: Slice.)</summary>
    Var Slice(Var x, int axis, int start, int end);

    /// <summary>Joins values along one axis. (ONNX: Concat.)</summary>
    Var Concat(int axis, params Var[] parts);

    /// <summary>Selects the given indices along one axis, in order (e.g. a feature permutation). (ONNX: Gather.)</summary>
    Var Gather(Var x, int axis, params int[] indices);

    /// <summary>The value, with no gradient flowing back through it. (ONNX: Identity.)</summary>
    Var StopGradient(Var x);

    /// <summary>1 where x &gt;= 0, else 0; no gradient. (ONNX: GreaterOrEqual, Cast.)</summary>
    Var Step(Var x);

    /// <summary>One-hot vector of the arg-max along the last axis (first maximum on ties); no gradient. (ONNX: ArgMax, OneHot.)</summary>
    Var OneHotArgMax(Var x);

    /// <summary>mask * a + (1 - mask) * b for a 0/1 mask; no gradient reaches the mask. (ONNX: Cast, Where.)</summary>
    Var Where(Var mask, Var a, Var b);
}
