using MLNetMixture.Training.Autodiff;
using static MLNetMixture.Training.Tests.Autodiff.GradientCheck.CaseBuilder;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <content>Axis reductions, whole-tensor reductions and the softmax family.</content>
internal static partial class GradCaseCatalog
{
    private static void AddReductions(CaseBuilder b)
    {
        var reductions = new (string Op, Func<Tape, Var, int, bool, Var> Apply, Func<double[], double> Reference)[]
        {
            ("Sum", (t, x, a, k) => t.Sum(x, a, k), v => v.Sum()),
            ("Mean", (t, x, a, k) => t.Mean(x, a, k), v => v.Average()),
            ("Max", (t, x, a, k) => t.Max(x, a, k), v => v.Max()),
            ("LogSumExp", (t, x, a, k) => t.LogSumExp(x, a, k), ReferenceOps.LogSumExp),
        };

        foreach (var (op, apply, reference) in reductions)
        {
            foreach (int axis in new[] { 0, 1, 2, -1, -2 })
            {
                foreach (bool keep in new[] { false, true })
                {
                    if (axis < 0 && keep)
                    {
                        continue;
                    }

                    b.Add(
                        $"{op} axis {axis} of [2,3,4]{(keep ? " keepDims" : string.Empty)}",
                        op,
                        [In("x", b.Distinct(2, 3, 4))],
                        (t, v) => apply(t, v[0], axis, keep),
                        r => ReferenceOps.Reduce(r[0], axis, keep, reference));
                }
            }

            b.Add(
                $"{op} axis 1 of [3,5]",
                op,
                [In("x", b.Distinct(3, 5))],
                (t, v) => apply(t, v[0], 1, false),
                r => ReferenceOps.Reduce(r[0], 1, false, reference));
            b.Add(
                $"{op} of a vector [6]",
                op,
                [In("x", b.Distinct(6))],
                (t, v) => apply(t, v[0], 0, false),
                r => ReferenceOps.Reduce(r[0], 0, false, reference));
        }

        b.Add("LogSumExp default axis", "LogSumExp", [In("x", b.Uniform(-3, 3, 2, 3, 4))], (t, v) => t.LogSumExp(v[0]), r => ReferenceOps.Reduce(r[0], -1, false, ReferenceOps.LogSumExp));
        b.Add("LogSumExp wide values axis 1", "LogSumExp", [In("x", b.Uniform(-40, 40, 3, 6, 2))], (t, v) => t.LogSumExp(v[0], 1), r => ReferenceOps.Reduce(r[0], 1, false, ReferenceOps.LogSumExp));
        b.Add("SumAll [2,3,4]", "SumAll", [In("x", b.Uniform(-2, 2, 2, 3, 4))], (t, v) => t.SumAll(v[0]), r => ReferenceOps.SumAll(r[0]));
        b.Add("SumAll rank-0", "SumAll", [In("x", b.Uniform(-2, 2))], (t, v) => t.SumAll(v[0]), r => ReferenceOps.SumAll(r[0]));
        b.Add("MeanAll [2,3,4]", "MeanAll", [In("x", b.Uniform(-2, 2, 2, 3, 4))], (t, v) => t.MeanAll(v[0]), r => ReferenceOps.MeanAll(r[0]));
        b.Add("MeanAll [5]", "MeanAll", [In("x", b.Uniform(-2, 2, 5))], (t, v) => t.MeanAll(v[0]), r => ReferenceOps.MeanAll(r[0]));

        foreach (var shape in new[] { new[] { 3, 5 }, [2, 3, 4], [6], [4, 1] })
        {
            string label = RefTensor.Describe(shape);
            b.Add($"Softmax {label}", "Softmax", [In("x", b.Uniform(-3, 3, shape))], (t, v) => t.Softmax(v[0]), r => ReferenceOps.Softmax(r[0]));
            b.Add($"LogSoftmax {label}", "LogSoftmax", [In("x", b.Uniform(-3, 3, shape))], (t, v) => t.LogSoftmax(v[0]), r => ReferenceOps.LogSoftmax(r[0]));
        }

        b.Add("Softmax wide values", "Softmax", [In("x", b.Uniform(-40, 40, 3, 5))], (t, v) => t.Softmax(v[0]), r => ReferenceOps.Softmax(r[0]));
        b.Add("LogSoftmax wide values", "LogSoftmax", [In("x", b.Uniform(-40, 40, 3, 5))], (t, v) => t.LogSoftmax(v[0]), r => ReferenceOps.LogSoftmax(r[0]));
    }
}
