using static MLNetMixture.Training.Tests.Autodiff.GradientCheck.CaseBuilder;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <content>Matrix products.</content>
internal static partial class GradCaseCatalog
{
    private static void AddLinearAlgebra(CaseBuilder b)
    {
        var layouts = new (string Label, int[] A, int[] B, bool TransposeB)[]
        {
            ("2D [3,4]x[4,5]", [3, 4], [4, 5], false),
            ("2D [3,4]x[5,4]^T", [3, 4], [5, 4], true),
            ("batched [2,3,4]x[2,4,5]", [2, 3, 4], [2, 4, 5], false),
            ("batched [2,3,4]x[2,5,4]^T", [2, 3, 4], [2, 5, 4], true),
            ("shared B [2,3,4]x[4,5]", [2, 3, 4], [4, 5], false),
            ("shared B [2,3,4]x[5,4]^T", [2, 3, 4], [5, 4], true),
            ("2D [1,1]x[1,1]", [1, 1], [1, 1], false),
            ("batched [3,1,2]x[3,2,1]", [3, 1, 2], [3, 2, 1], false),
        };

        foreach (var (label, sa, sb, tb) in layouts)
        {
            b.Add(
                $"MatMul {label}",
                "MatMul",
                [In("a", b.Uniform(-1, 1, sa)), In("b", b.Uniform(-1, 1, sb))],
                (t, v) => t.MatMul(v[0], v[1], tb),
                r => ReferenceOps.MatMul(r[0], r[1], tb));
        }

        // One value as both operands: the two gradient contributions land in one buffer.
        b.Add("MatMul x x^T (same value twice)", "MatMul", [In("x", b.Uniform(-1, 1, 3, 4))], (t, v) => t.MatMul(v[0], v[0], transposeB: true), r => ReferenceOps.MatMul(r[0], r[0], true));
        b.Add("MatMul batched x x^T (same value twice)", "MatMul", [In("x", b.Uniform(-1, 1, 2, 3, 4))], (t, v) => t.MatMul(v[0], v[0], transposeB: true), r => ReferenceOps.MatMul(r[0], r[0], true));
        b.Add("MatMul square x x (same value twice)", "MatMul", [In("x", b.Uniform(-1, 1, 4, 4))], (t, v) => t.MatMul(v[0], v[0]), r => ReferenceOps.MatMul(r[0], r[0], false));
        b.Add("Linear x as its own weight", "Linear", [In("x", b.Uniform(-1, 1, 3, 4))], (t, v) => t.Linear(v[0], v[0], null), r => ReferenceOps.Linear(r[0], r[0], null));

        b.Add(
            "Linear with bias",
            "Linear",
            [In("x", b.Uniform(-1, 1, 4, 3)), In("w", b.Uniform(-1, 1, 5, 3)), In("bias", b.Uniform(-1, 1, 5))],
            (t, v) => t.Linear(v[0], v[1], v[2]),
            r => ReferenceOps.Linear(r[0], r[1], r[2]));
        b.Add(
            "Linear without bias",
            "Linear",
            [In("x", b.Uniform(-1, 1, 4, 3)), In("w", b.Uniform(-1, 1, 5, 3))],
            (t, v) => t.Linear(v[0], v[1], null),
            r => ReferenceOps.Linear(r[0], r[1], null));
        // LinearRelu: the bias (|b| >= 1) outweighs x w (|x w| <= 0.12), so no pre-activation is near the kink; its
        // signs mix active and inactive units. 40 outputs: full and ragged tiles of every micro-kernel.
        b.Add(
            "LinearRelu with bias",
            "LinearRelu",
            [In("x", b.Uniform(-0.2, 0.2, 7, 3)), In("w", b.Uniform(-0.2, 0.2, 40, 3)), In("bias", b.AwayFromZero(1, 2, 40))],
            (t, v) => t.LinearRelu(v[0], v[1], v[2]),
            r => ReferenceOps.Map(ReferenceOps.Linear(r[0], r[1], r[2]), z => Math.Max(z, 0)));
        b.Add(
            "LinearRelu feeding a second layer",
            "LinearRelu",
            [In("x", b.Uniform(-0.2, 0.2, 5, 3)), In("w", b.Uniform(-0.2, 0.2, 6, 3)), In("bias", b.AwayFromZero(1, 2, 6)), In("w2", b.Uniform(-1, 1, 2, 6))],
            (t, v) => t.Linear(t.LinearRelu(v[0], v[1], v[2]), v[3], null),
            r => ReferenceOps.Linear(ReferenceOps.Map(ReferenceOps.Linear(r[0], r[1], r[2]), z => Math.Max(z, 0)), r[3], null));

        b.Add(
            "Linear with parameters",
            "Param",
            [In("x", b.Uniform(-1, 1, 4, 3), InputRole.Constant), In("w", b.Uniform(-1, 1, 2, 3), InputRole.Parameter), In("bias", b.Uniform(-1, 1, 2), InputRole.Parameter)],
            (t, v) => t.Linear(v[0], v[1], v[2]),
            r => ReferenceOps.Linear(r[0], r[1], r[2]));
    
        b.Add(
            "GroupedLinear with bias [G,1,Out]",
            "GroupedLinear",
            [In("x", b.Uniform(-1, 1, 4, 6)), In("w", b.Uniform(-1, 1, 2, 3, 5)), In("bias", b.Uniform(-1, 1, 2, 1, 5))],
            (t, v) => t.GroupedLinear(v[0], v[1], v[2]),
            r => ReferenceOps.GroupedLinear(r[0], r[1], r[2]));
        b.Add(
            "GroupedLinear without bias, three groups",
            "GroupedLinear",
            [In("x", b.Uniform(-1, 1, 5, 6)), In("w", b.Uniform(-1, 1, 3, 2, 4))],
            (t, v) => t.GroupedLinear(v[0], v[1], null),
            r => ReferenceOps.GroupedLinear(r[0], r[1], null));
        b.Add(
            "GroupedLinear with parameters, flat bias",
            "Param",
            [In("x", b.Uniform(-1, 1, 3, 4), InputRole.Constant), In("w", b.Uniform(-1, 1, 2, 2, 3), InputRole.Parameter), In("bias", b.Uniform(-1, 1, 6), InputRole.Parameter)],
            (t, v) => t.GroupedLinear(v[0], v[1], v[2]),
            r => ReferenceOps.GroupedLinear(r[0], r[1], r[2]));
        b.Add(
            "GroupedLinear of its input twice (gradient written, then added)",
            "GroupedLinear",
            [In("x", b.Uniform(-1, 1, 3, 4)), In("w", b.Uniform(-1, 1, 2, 2, 2))],
            (t, v) => t.Add(t.GroupedLinear(v[0], v[1], null), t.GroupedLinear(t.Tanh(v[0]), v[1], null)),
            r => ReferenceOps.Broadcast(ReferenceOps.GroupedLinear(r[0], r[1], null), ReferenceOps.GroupedLinear(ReferenceOps.Map(r[0], Math.Tanh), r[1], null), (p, q) => p + q));
    }
}
