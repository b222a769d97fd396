using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>
/// The op parity catalogue: every <see cref="IComputeGraph"/> operation, with broadcasting, axes, keepDims,
/// Reshape 0/-1, permutations, slices, concatenations, gathers and a few small models. Each case is one generic
/// function that both the tape and the ONNX builder run.
/// </summary>
internal static class ParityCases
{
    private const int N = -1;

    private static readonly Lazy<IReadOnlyDictionary<string, ParityCase>> Catalogue = new(() =>
        Build().ToDictionary(c => c.Name, StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, ParityCase> All => Catalogue.Value;

    public static ParityCase Get(string name) => All[name];

    private static IEnumerable<ParityCase> Build()
    {
        var random = new RandomSource(20261121);
        Parameter Param(string name, float low, float high, params int[] shape)
        {
            var t = new Tensor(shape);
            random.FillUniform(t.Span, low, high);
            return new Parameter(name, t);
        }

        Tensor ConstantTensor(float low, float high, params int[] shape)
        {
            var t = new Tensor(shape);
            random.FillUniform(t.Span, low, high);
            return t;
        }

        // Element-wise binary operations and broadcasting.
        yield return new("add_same_shape", [[N, 3], [N, 3]], (g, x) => g.Add(x[0], x[1]));
        yield return new("add_broadcast_row", [[N, 3], [3]], (g, x) => g.Add(x[0], x[1]));
        yield return new("sub_broadcast_column", [[N, 3], [N, 1]], (g, x) => g.Subtract(x[0], x[1]));
        yield return new("sub_broadcast_left_operand", [[3], [N, 3]], (g, x) => g.Subtract(x[0], x[1]));
        yield return new("mul_broadcast_rank3_by_rank2", [[N, 2, 3], [2, 1]], (g, x) => g.Multiply(x[0], x[1]));
        yield return new("div_broadcast_both_sides", [[N, 1, 3], [2, 1]], (g, x) => g.Divide(x[0], x[1]), Fill: (i, _, v, r) => Uniform(v, r, i == 1 ? 0.5f : -2f, 2f));
        var divisor = Param("divisor", 0.5f, 2f, 3);
        yield return new("div_by_parameter", [[N, 3]], (g, x) => g.Divide(x[0], g.Param(divisor)));
        var scalar = Tensor.Scalar(1.75f);
        yield return new("mul_by_rank0_constant", [[N, 2, 2]], (g, x) => g.Multiply(g.Constant(scalar), x[0]));
        var rank4 = ConstantTensor(-1f, 1f, 1, 2, 3, 1);
        yield return new("add_rank4_broadcast", [[N, 1, 1, 2]], (g, x) => g.Add(x[0], g.Constant(rank4)));
        yield return new("add_scalar", [[N, 3]], (g, x) => g.AddScalar(x[0], -0.625f));
        yield return new("multiply_scalar", [[N, 3]], (g, x) => g.MultiplyScalar(x[0], 3.5f));

        // Unary operations, over ranges that exercise their tails.
        yield return new("negate", [[N, 4]], (g, x) => g.Negate(x[0]));
        yield return new("exp", [[N, 4]], (g, x) => g.Exp(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -20f, 20f));
        yield return new("log", [[N, 4]], (g, x) => g.Log(x[0]), Fill: (_, _, v, r) => Uniform(v, r, 1e-3f, 50f));
        yield return new("tanh", [[N, 4]], (g, x) => g.Tanh(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -12f, 12f));
        yield return new("sigmoid", [[N, 4]], (g, x) => g.Sigmoid(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -40f, 40f));
        yield return new("relu", [[N, 4]], (g, x) => g.Relu(x[0]), Fill: SmallIntegersAndUniform);
        yield return new("softplus", [[N, 4]], (g, x) => g.Softplus(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -60f, 60f));
        yield return new("elu_default_alpha", [[N, 4]], (g, x) => g.Elu(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -8f, 4f));
        yield return new("elu_alpha_0_3", [[N, 4]], (g, x) => g.Elu(x[0], 0.3f), Fill: (_, _, v, r) => Uniform(v, r, -8f, 4f));
        yield return new("gelu", [[N, 4]], (g, x) => g.Gelu(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -7f, 7f));
        yield return new("square", [[N, 4]], (g, x) => g.Square(x[0]));
        yield return new("sqrt", [[N, 4]], (g, x) => g.Sqrt(x[0]), Fill: (_, _, v, r) => Uniform(v, r, 0f, 100f));
        yield return new("abs", [[N, 4]], (g, x) => g.Abs(x[0]), Fill: SmallIntegersAndUniform);
        yield return new("reciprocal", [[N, 4]], (g, x) => g.Reciprocal(x[0]), Fill: (_, _, v, r) => AwayFromZero(v, r));
        yield return new("clamp", [[N, 4]], (g, x) => g.Clamp(x[0], -0.5f, 0.75f));
        yield return new("clamp_degenerate_range", [[N, 4]], (g, x) => g.Clamp(x[0], 0.25f, 0.25f));

        // Reductions along one axis, with and without keepDims.
        yield return new("sum_last_axis", [[N, 5]], (g, x) => g.Sum(x[0], -1));
        yield return new("sum_last_axis_keepdims", [[N, 5]], (g, x) => g.Sum(x[0], 1, keepDims: true));
        yield return new("sum_batch_axis", [[N, 5]], (g, x) => g.Sum(x[0], 0));
        yield return new("sum_middle_axis_rank3", [[N, 4, 3]], (g, x) => g.Sum(x[0], 1));
        yield return new("mean_last_axis", [[N, 5]], (g, x) => g.Mean(x[0], 1));
        yield return new("mean_middle_axis_keepdims", [[N, 4, 3]], (g, x) => g.Mean(x[0], -2, keepDims: true));
        yield return new("mean_batch_axis_keepdims", [[N, 3]], (g, x) => g.Mean(x[0], 0, keepDims: true));
        yield return new("max_last_axis", [[N, 5]], (g, x) => g.Max(x[0], -1), Fill: SmallIntegersAndUniform);
        yield return new("max_middle_axis_keepdims", [[N, 4, 3]], (g, x) => g.Max(x[0], 1, keepDims: true), Fill: SmallIntegersAndUniform);
        yield return new("max_first_axis_rank3", [[N, 4, 3]], (g, x) => g.Max(x[0], 0));
        yield return new("sum_all", [[N, 3, 2]], (g, x) => g.SumAll(x[0]));
        yield return new("mean_all", [[N, 3]], (g, x) => g.MeanAll(x[0]));
        yield return new("logsumexp_last_axis", [[N, 6]], (g, x) => g.LogSumExp(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -10f, 10f));
        yield return new("logsumexp_last_axis_keepdims", [[N, 6]], (g, x) => g.LogSumExp(x[0], -1, keepDims: true));
        yield return new("logsumexp_middle_axis", [[N, 4, 3]], (g, x) => g.LogSumExp(x[0], 1));
        yield return new("logsumexp_batch_axis_keepdims", [[N, 3]], (g, x) => g.LogSumExp(x[0], 0, keepDims: true));
        yield return new("logsumexp_extreme_rows", [[N, 4]], (g, x) => g.LogSumExp(x[0]), Fill: ExtremeRows);
        yield return new("logsumexp_extreme_columns", [[4, N]], (g, x) => g.LogSumExp(x[0], 0, keepDims: true), Fill: ExtremeColumns);
        yield return new("softmax", [[N, 5]], (g, x) => g.Softmax(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -30f, 30f));
        yield return new("softmax_rank3_large_values", [[N, 2, 4]], (g, x) => g.Softmax(x[0]), Fill: (_, _, v, r) => Uniform(v, r, 500f, 520f));
        yield return new("log_softmax", [[N, 5]], (g, x) => g.LogSoftmax(x[0]), Fill: (_, _, v, r) => Uniform(v, r, -30f, 30f));
        yield return new("softmax_masked_with_minus_infinity", [[N, 4]], (g, x) => g.Softmax(x[0]), Fill: MaskedLogits);
        yield return new("log_softmax_masked_with_minus_infinity", [[N, 4]], (g, x) => g.LogSoftmax(x[0]), Fill: MaskedLogits);
        yield return new("log_softmax_rank3", [[N, 3, 4]], (g, x) => g.LogSoftmax(x[0]));

        // Shapes.
        yield return new("reshape_copy_batch_infer_rest", [[N, 2, 3]], (g, x) => g.Reshape(x[0], 0, -1));
        yield return new("reshape_infer_batch", [[N, 6]], (g, x) => g.Reshape(x[0], -1, 2, 3));
        yield return new("reshape_copy_batch_split_features", [[N, 6]], (g, x) => g.Reshape(x[0], 0, 3, 2));
        yield return new("reshape_flatten_all", [[N, 2, 2]], (g, x) => g.Reshape(x[0], -1));
        yield return new("reshape_static_input", [[4, 6]], (g, x) => g.Reshape(x[0], 2, 0, -1));
        yield return new("transpose_2d", [[N, 3]], (g, x) => g.Transpose(x[0], 1, 0));
        yield return new("transpose_last_two", [[N, 2, 3]], (g, x) => g.Transpose(x[0], 0, 2, 1));
        yield return new("transpose_rotate", [[N, 2, 3]], (g, x) => g.Transpose(x[0], 2, 0, 1));
        yield return new("transpose_rank4", [[N, 2, 3, 2]], (g, x) => g.Transpose(x[0], 3, 1, 0, 2));
        yield return new("slice_last_axis", [[N, 5]], (g, x) => g.Slice(x[0], -1, 1, 4));
        yield return new("slice_middle_axis", [[N, 4, 3]], (g, x) => g.Slice(x[0], 1, 2, 4));
        yield return new("slice_empty", [[N, 4]], (g, x) => g.Concat(1, g.Slice(x[0], 1, 2, 2), x[0]));
        yield return new("slice_batch_axis_first_row", [[N, 3]], (g, x) => g.Slice(x[0], 0, 0, 1));
        yield return new("concat_last_axis", [[N, 2], [N, 3]], (g, x) => g.Concat(-1, x[0], x[1]));
        yield return new("concat_middle_axis_three_parts", [[N, 1, 2], [N, 3, 2], [N, 2, 2]], (g, x) => g.Concat(1, x[0], x[1], x[2]));
        yield return new("concat_batch_axis", [[N, 3], [2, 3]], (g, x) => g.Concat(0, x[0], x[1]));
        yield return new("concat_single_part", [[N, 3]], (g, x) => g.Concat(1, x[0]));
        yield return new("gather_permutation", [[N, 3]], (g, x) => g.Gather(x[0], -1, 2, 0, 1));
        yield return new("gather_repeats", [[N, 4]], (g, x) => g.Gather(x[0], 1, 0, 0, 3));
        yield return new("gather_middle_axis", [[N, 3, 2]], (g, x) => g.Gather(x[0], 1, 1, 2));
        yield return new("stop_gradient", [[N, 3]], (g, x) => g.Add(g.StopGradient(x[0]), x[0]));

        // No-gradient selectors.
        yield return new("step", [[N, 6]], (g, x) => g.Step(x[0]), Fill: SmallIntegersAndUniform);
        yield return new("one_hot_argmax_random", [[N, 5]], (g, x) => g.OneHotArgMax(x[0]));
        yield return new("one_hot_argmax_ties", [[N, 5]], (g, x) => g.OneHotArgMax(x[0]), Fill: SmallIntegers);
        yield return new("one_hot_argmax_signed_zero_and_nan", [[N, 3]], (g, x) => g.OneHotArgMax(x[0]), Fill: (_, shape, v, _) => Cycle(TieRows, shape, v));
        yield return new("max_last_axis_signed_zero_and_nan", [[N, 3]], (g, x) => g.Max(x[0], -1), Fill: (_, shape, v, _) => Cycle(TieRows, shape, v));
        yield return new("one_hot_argmax_rank3", [[N, 2, 3]], (g, x) => g.OneHotArgMax(x[0]), Fill: SmallIntegers);
        yield return new("where_same_shape", [[N, 3], [N, 3], [N, 3]], (g, x) => g.Where(x[0], x[1], x[2]), Fill: MaskFirst);
        yield return new("where_broadcast", [[N, 1], [N, 3], [3]], (g, x) => g.Where(x[0], x[1], x[2]), Fill: MaskFirst);
        yield return new("where_mask_from_step", [[N, 4], [N, 4]], (g, x) => g.Where(g.Step(x[0]), g.Exp(x[1]), g.Negate(x[1])));
        yield return new("where_selects_past_infinity", [[N, 3]], (g, x) => g.Where(g.Step(x[0]), g.Log(g.Relu(x[0])), x[0]));

        // Matrix products.
        var w43 = Param("mm.w43", -1f, 1f, 4, 3);
        var w34 = Param("mm.w34", -1f, 1f, 3, 4);
        yield return new("matmul_2d_parameter", [[N, 4]], (g, x) => g.MatMul(x[0], g.Param(w43)));
        yield return new("matmul_2d_transposed_b", [[N, 4]], (g, x) => g.MatMul(x[0], g.Param(w34), transposeB: true));
        yield return new("matmul_2d_inputs", [[N, 4], [4, 2]], (g, x) => g.MatMul(x[0], x[1]));
        yield return new("matmul_batched_3x3", [[N, 2, 4], [N, 4, 3]], (g, x) => g.MatMul(x[0], x[1]));
        yield return new("matmul_batched_3x3_transposed_b", [[N, 2, 4], [N, 3, 4]], (g, x) => g.MatMul(x[0], x[1], transposeB: true));
        yield return new("matmul_3x2", [[N, 2, 4]], (g, x) => g.MatMul(x[0], g.Param(w43)));
        yield return new("matmul_3x2_transposed_b", [[N, 2, 4]], (g, x) => g.MatMul(x[0], g.Param(w34), transposeB: true));
        var lw = Param("linear.weight", -1f, 1f, 3, 4);
        var lb = Param("linear.bias", -1f, 1f, 3);
        var lb2 = new Parameter("linear.bias_row", lb.Value.Clone().View(1, 3));
        yield return new("linear_with_bias", [[N, 4]], (g, x) => g.Linear(x[0], g.Param(lw), g.Param(lb)));
        yield return new("linear_without_bias", [[N, 4]], (g, x) => g.Linear(x[0], g.Param(lw), null));
        yield return new("linear_bias_as_row", [[N, 4]], (g, x) => g.Linear(x[0], g.Param(lw), g.Param(lb2)));
        var gw = Param("grouped.weight", -1f, 1f, 2, 3, 4);
        var gb = Param("grouped.bias", -1f, 1f, 2, 1, 4);
        var gbFlat = new Parameter("grouped.bias_flat", gb.Value.Clone().View(8));
        yield return new("grouped_linear_with_bias", [[N, 6]], (g, x) => g.GroupedLinear(x[0], g.Param(gw), g.Param(gb)));
        yield return new("grouped_linear_flat_bias", [[N, 6]], (g, x) => g.GroupedLinear(x[0], g.Param(gw), g.Param(gbFlat)));
        yield return new("grouped_linear_without_bias", [[N, 6]], (g, x) => g.GroupedLinear(x[0], g.Param(gw), null));
        yield return new("linear_parameter_used_twice", [[N, 4]], (g, x) => g.Add(g.Linear(x[0], g.Param(lw), g.Param(lb)), g.Linear(x[0], g.Param(lw), null)));

        // Small models.
        var mlp = new Mlp("mlp", 4, [8, 6], 3, Activation.Gelu, random.Fork(1));
        yield return new("mlp_gelu_logsoftmax", [[N, 4]], (g, x) => g.LogSoftmax(mlp.Forward(g, x[0])));
        foreach (var activation in new[] { Activation.Relu, Activation.Tanh, Activation.Elu, Activation.Softplus, Activation.Sigmoid })
        {
            var net = new Mlp($"mlp_{activation}", 4, [5], 2, activation, random.Fork(2 + (ulong)activation));
            yield return new($"mlp_{activation.ToString().ToLowerInvariant()}", [[N, 4]], (g, x) => net.Forward(g, x[0]));
        }

        var gate = new Mlp("gate", 4, [6], 3, Activation.Tanh, random.Fork(10));
        var experts = new Mlp("experts", 4, [6], 3 * 2, Activation.Relu, random.Fork(11));
        yield return new("mixture_of_experts_soft", [[N, 4]], (g, x) =>
        {
            var weights = g.Softmax(gate.Forward(g, x[0]));                                // [N, 3]
            var outputs = g.Reshape(experts.Forward(g, x[0]), 0, 3, 2);                   // [N, 3, 2]
            var weighted = g.Multiply(outputs, g.Reshape(weights, 0, 3, 1));              // [N, 3, 2]
            return g.Sum(weighted, 1);                                                    // [N, 2]
        });
        yield return new("mixture_of_experts_hard", [[N, 4]], (g, x) =>
        {
            var choice = g.OneHotArgMax(gate.Forward(g, x[0]));                           // [N, 3]
            var outputs = g.Reshape(experts.Forward(g, x[0]), 0, 3, 2);                   // [N, 3, 2]
            var picked = g.Sum(g.Multiply(outputs, g.Reshape(choice, 0, 3, 1)), 1);       // [N, 2]
            var logWeights = g.LogSoftmax(gate.Forward(g, x[0]));
            var score = g.LogSumExp(g.Add(logWeights, g.Max(outputs, -1)), -1, keepDims: true); // [N, 1]
            return g.Concat(1, picked, score, g.Step(score));
        });
        var scale = Param("flow.scale", -0.5f, 0.5f, 3);
        var shift = Param("flow.shift", -1f, 1f, 3);
        yield return new("affine_flow_log_density", [[N, 3]], (g, x) =>
        {
            // z = (x - shift) * exp(-scale); log p = sum(-z^2/2) - sum(scale) - 3/2 log(2 pi).
            var z = g.Multiply(g.Subtract(x[0], g.Param(shift)), g.Exp(g.Negate(g.Param(scale))));
            var quadratic = g.MultiplyScalar(g.Sum(g.Square(z), -1), -0.5f);
            return g.AddScalar(g.Subtract(quadratic, g.SumAll(g.Param(scale))), -1.5f * MathF.Log(2f * MathF.PI));
        });
    }

    private static void Uniform(float[] values, Random random, float low, float high)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = low + ((high - low) * random.NextSingle());
        }
    }

    private static void SmallIntegers(int input, int[] shape, float[] values, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.Next(-1, 2);
        }
    }

    private static void SmallIntegersAndUniform(int input, int[] shape, float[] values, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % 3) switch
            {
                0 => random.Next(-1, 2),
                1 => i % 2 == 0 ? -0f : 0f,
                _ => (random.NextSingle() * 4f) - 2f,
            };
        }
    }

    private static void AwayFromZero(float[] values, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float magnitude = 0.05f + (3f * random.NextSingle());
            values[i] = random.Next(2) == 0 ? magnitude : -magnitude;
        }
    }

    /// <summary>Logits with some entries masked to -infinity, never a whole row.</summary>
    private static void MaskedLogits(int input, int[] shape, float[] values, Random random)
    {
        Uniform(values, random, -5f, 5f);
        for (int i = 0; i < values.Length; i++)
        {
            if (i % 4 != 3 && random.Next(3) == 0)
            {
                values[i] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>Input 0 is a 0/1 mask; the others are uniform.</summary>
    private static void MaskFirst(int input, int[] shape, float[] values, Random random)
    {
        if (input == 0)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = random.Next(2);
            }
        }
        else
        {
            Uniform(values, random, -2f, 2f);
        }
    }

    /// <summary>
    /// Rows of three values with ties under IEEE comparison: -0 and +0, exact repeats, and NaN after or before the
    /// maximum (ONNX leaves NaN unspecified; ONNX Runtime's CPU kernels, like the tape, let a NaN win only first).
    /// </summary>
    private static readonly float[][] TieRows =
    [
        [-0f, 0f, -1f],
        [5f, 1f, 5f],
        [3f, float.NaN, 5f],
        [float.NaN, 2f, 0f],
        [0f, -0f, -0f],
        [-1f, -1f, -1f],
    ];

    private static void Cycle(float[][] rows, int[] shape, float[] values)
    {
        int width = rows[0].Length;
        for (int r = 0; r < shape[0]; r++)
        {
            rows[r % rows.Length].CopyTo(values, r * width);
        }
    }

    /// <summary>Rows of four values that break a naive log-sum-exp.</summary>
    private static readonly float[][] Extremes =
    [
        [1e30f, -1e30f, 0f, 5f],
        [float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity],
        [float.PositiveInfinity, 1f, 2f, float.NegativeInfinity],
        [88f, 89f, -88f, 0f],
        [-1e4f, -1e4f + 1f, float.NegativeInfinity, -1e4f],
        [-3e38f, -3e38f, -3e38f, -3e38f],
        [3e38f, 3e38f, 1f, 0f],
    ];

    private static void ExtremeRows(int input, int[] shape, float[] values, Random random)
    {
        for (int r = 0; r < shape[0]; r++)
        {
            Extremes[r % Extremes.Length].CopyTo(values, r * 4);
        }
    }

    private static void ExtremeColumns(int input, int[] shape, float[] values, Random random)
    {
        int columns = shape[1];
        for (int c = 0; c < columns; c++)
        {
            var row = Extremes[c % Extremes.Length];
            for (int j = 0; j < 4; j++)
            {
                values[(j * columns) + c] = row[j];
            }
        }
    }
}
