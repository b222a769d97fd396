using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Tensors;
using static MLNetMixture.Training.Tests.Autodiff.GradientCheck.CaseBuilder;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <content>Broadcasting arithmetic, scalar arithmetic, activations and clamps.</content>
internal static partial class GradCaseCatalog
{
    /// <summary>The broadcasting layouts every binary op is checked on: (label, shape of a, shape of b).</summary>
    private static readonly (string Label, int[] A, int[] B)[] BroadcastLayouts =
    [
        ("same [3,4]", [3, 4], [3, 4]),
        ("[N,M] op [M]", [3, 4], [4]),
        ("[N,M] op [N,1]", [3, 4], [3, 1]),
        ("[M] op [N,M]", [4], [3, 4]),
        ("[K,N,C] op [K,1,C]", [2, 3, 4], [2, 1, 4]),
        ("[K,1,C] op [K,N,C]", [2, 1, 4], [2, 3, 4]),
        ("[N,1] op [1,M]", [3, 1], [1, 4]),
        ("[N,M] op [1]", [3, 4], [1]),
        ("[1] op [N,M]", [1], [3, 4]),
        ("[N,M] op rank-0", [3, 4], []),
        ("rank-0 op [N,M]", [], [3, 4]),
        ("rank-4 [2,3,1,4] op [3,5,1]", [2, 3, 1, 4], [3, 5, 1]),
        ("[N,C] op [K,1,C]", [3, 4], [2, 1, 4]),
    ];

    private static void AddBroadcastArithmetic(CaseBuilder b)
    {
        var ops = new (string Op, Func<Tape, Var, Var, Var> Apply, Func<double, double, double> Reference)[]
        {
            ("Add", (t, x, y) => t.Add(x, y), (x, y) => x + y),
            ("Subtract", (t, x, y) => t.Subtract(x, y), (x, y) => x - y),
            ("Multiply", (t, x, y) => t.Multiply(x, y), (x, y) => x * y),
            ("Divide", (t, x, y) => t.Divide(x, y), (x, y) => x / y),
        };

        foreach (var (op, apply, reference) in ops)
        {
            foreach (var (label, sa, sb) in BroadcastLayouts)
            {
                // The divisor stays away from zero; everything else is uniform in [-2, 2).
                var bValue = op == "Divide" ? b.AwayFromZero(0.5, 2, sb) : b.Uniform(-2, 2, sb);
                b.Add(
                    $"{op} {label}",
                    op,
                    [In("a", b.Uniform(-2, 2, sa)), In("b", bValue)],
                    (t, v) => apply(t, v[0], v[1]),
                    r => ReferenceOps.Broadcast(r[0], r[1], reference));
            }
        }

        // One input used as both operands: both gradient contributions land in the same buffer.
        b.Add("Multiply x*x (same value twice)", "Multiply", [In("x", b.Uniform(-2, 2, 3, 4))], (t, v) => t.Multiply(v[0], v[0]), r => ReferenceOps.Map(r[0], x => x * x));
        b.Add("Divide x/x (same value twice)", "Divide", [In("x", b.AwayFromZero(0.5, 2, 3, 4))], (t, v) => t.Divide(v[0], v[0]), r => ReferenceOps.Map(r[0], _ => 1));
        b.Add("Subtract x-x (same value twice)", "Subtract", [In("x", b.Uniform(-2, 2, 3, 4))], (t, v) => t.Subtract(v[0], v[0]), r => ReferenceOps.Map(r[0], _ => 0));
    }

    private static void AddScalarAndUnary(CaseBuilder b)
    {
        b.Add("AddScalar 0.3", "AddScalar", [In("x", b.Uniform(-2, 2, 3, 4))], (t, v) => t.AddScalar(v[0], 0.3f), r => ReferenceOps.Map(r[0], x => x + 0.3f));
        b.Add("MultiplyScalar -1.7", "MultiplyScalar", [In("x", b.Uniform(-2, 2, 3, 4))], (t, v) => t.MultiplyScalar(v[0], -1.7f), r => ReferenceOps.Map(r[0], x => x * -1.7f));
        b.Add(
            "Clamp [-0.5, 0.7]",
            "Clamp",
            [In("x", b.Avoiding(-1.5, 1.5, [-0.5, 0.7], 0.02, 4, 5))],
            (t, v) => t.Clamp(v[0], -0.5f, 0.7f),
            r => ReferenceOps.Map(r[0], x => Math.Min(Math.Max(x, -0.5f), 0.7f)));

        var unary = new (string Op, Func<CaseBuilder, Tensor> Input, Func<Tape, Var, Var> Apply, Func<double, double> Reference)[]
        {
            ("Negate", g => g.Uniform(-2, 2, 3, 4), (t, x) => t.Negate(x), x => -x),
            ("Exp", g => g.Uniform(-3, 3, 3, 4), (t, x) => t.Exp(x), Math.Exp),
            ("Log", g => g.Uniform(0.2, 4, 3, 4), (t, x) => t.Log(x), Math.Log),
            ("Tanh", g => g.Uniform(-3, 3, 3, 4), (t, x) => t.Tanh(x), Math.Tanh),
            ("Sigmoid", g => g.Uniform(-6, 6, 3, 4), (t, x) => t.Sigmoid(x), ReferenceOps.Sigmoid),
            ("Relu", g => g.AwayFromZero(0.05, 2, 3, 4), (t, x) => t.Relu(x), x => Math.Max(x, 0)),
            ("Softplus", g => g.Uniform(-6, 6, 3, 4), (t, x) => t.Softplus(x), ReferenceOps.Softplus),
            ("Elu", g => g.AwayFromZero(0.05, 3, 3, 4), (t, x) => t.Elu(x), x => x > 0 ? x : Math.Exp(x) - 1),
            ("Gelu", g => g.Uniform(-4, 4, 3, 4), (t, x) => t.Gelu(x), ReferenceOps.Gelu),
            ("Square", g => g.Uniform(-2, 2, 3, 4), (t, x) => t.Square(x), x => x * x),
            ("Sqrt", g => g.Uniform(0.2, 4, 3, 4), (t, x) => t.Sqrt(x), Math.Sqrt),
            ("Abs", g => g.AwayFromZero(0.05, 2, 3, 4), (t, x) => t.Abs(x), Math.Abs),
            ("Reciprocal", g => g.AwayFromZero(0.3, 3, 3, 4), (t, x) => t.Reciprocal(x), x => 1 / x),
        };

        foreach (var (op, input, apply, reference) in unary)
        {
            b.Add(op, op, [In("x", input(b))], (t, v) => apply(t, v[0]), r => ReferenceOps.Map(r[0], reference));
        }

        b.Add("Elu alpha 0.7", "Elu", [In("x", b.AwayFromZero(0.05, 3, 3, 4))], (t, v) => t.Elu(v[0], 0.7f), r => ReferenceOps.Map(r[0], x => x > 0 ? x : 0.7f * (Math.Exp(x) - 1)));
        b.Add("Softplus wide range", "Softplus", [In("x", b.Uniform(-30, 30, 4, 5))], (t, v) => t.Softplus(v[0]), r => ReferenceOps.Map(r[0], ReferenceOps.Softplus));
        b.Add("Sigmoid wide range", "Sigmoid", [In("x", b.Uniform(-30, 30, 4, 5))], (t, v) => t.Sigmoid(v[0]), r => ReferenceOps.Map(r[0], ReferenceOps.Sigmoid));
    }
}
