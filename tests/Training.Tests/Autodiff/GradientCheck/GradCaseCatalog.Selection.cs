using MLNetMixture.Training.Tensors;
using static MLNetMixture.Training.Tests.Autodiff.GradientCheck.CaseBuilder;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <content>Where, the gradient-free ops, PickLast and External.</content>
internal static partial class GradCaseCatalog
{
    private static void AddSelection(CaseBuilder b)
    {
        b.Add(
            "Where same shapes",
            "Where",
            [In("mask", b.Mask(3, 4), InputRole.NoGradient), In("a", b.Uniform(-2, 2, 3, 4)), In("b", b.Uniform(-2, 2, 3, 4))],
            (t, v) => t.Where(v[0], v[1], v[2]),
            r => ReferenceOps.Where(r[0], r[1], r[2]));
        b.Add(
            "Where mask [N,1], a [N,M], b [M]",
            "Where",
            [In("mask", b.Mask(3, 1), InputRole.NoGradient), In("a", b.Uniform(-2, 2, 3, 4)), In("b", b.Uniform(-2, 2, 4))],
            (t, v) => t.Where(v[0], v[1], v[2]),
            r => ReferenceOps.Where(r[0], r[1], r[2]));
        b.Add(
            "Where mask [M] broadcast over a [N,1] and b [N,M]",
            "Where",
            [In("mask", b.Mask(4), InputRole.NoGradient), In("a", b.Uniform(-2, 2, 3, 1)), In("b", b.Uniform(-2, 2, 3, 4))],
            (t, v) => t.Where(v[0], v[1], v[2]),
            r => ReferenceOps.Where(r[0], r[1], r[2]));
        b.Add(
            "Where one value in both branches",
            "Where",
            [In("mask", b.Mask(2, 3), InputRole.Constant), In("a", b.Uniform(-2, 2, 2, 3))],
            (t, v) => t.Where(v[0], v[1], t.Exp(v[1])),
            r => ReferenceOps.Where(r[0], r[1], ReferenceOps.Map(r[1], Math.Exp)));

        b.Add("StopGradient alone", "StopGradient", [In("x", b.Uniform(-2, 2, 3, 4), InputRole.NoGradient)], (t, v) => t.StopGradient(v[0]), r => r[0].Copy());
        b.Add(
            "StopGradient value feeds a differentiable product",
            "StopGradient",
            [In("x", b.Uniform(-2, 2, 3, 4), InputRole.NoGradient), In("y", b.Uniform(-2, 2, 3, 4))],
            (t, v) => t.Add(t.StopGradient(v[0]), t.Multiply(t.StopGradient(t.Exp(v[0])), v[1])),
            r => ReferenceOps.Broadcast(r[0], r[1], (x, y) => x + (Math.Exp(x) * y)));

        b.Add("Step alone", "Step", [In("x", b.AwayFromZero(0.05, 2, 3, 4), InputRole.NoGradient)], (t, v) => t.Step(v[0]), r => ReferenceOps.Map(r[0], x => x >= 0 ? 1 : 0));
        b.Add(
            "Step gates a differentiable value",
            "Step",
            [In("x", b.AwayFromZero(0.05, 2, 3, 4), InputRole.NoGradient), In("y", b.Uniform(-2, 2, 3, 4))],
            (t, v) => t.Multiply(t.Step(v[0]), v[1]),
            r => ReferenceOps.Broadcast(r[0], r[1], (x, y) => x >= 0 ? y : 0));
        b.Add("OneHotArgMax [3,5]", "OneHotArgMax", [In("x", b.Distinct(3, 5), InputRole.NoGradient)], (t, v) => t.OneHotArgMax(v[0]), r => ReferenceOps.OneHotArgMax(r[0]));
        b.Add(
            "OneHotArgMax [2,3,4] selects a differentiable value",
            "OneHotArgMax",
            [In("x", b.Distinct(2, 3, 4), InputRole.NoGradient), In("y", b.Uniform(-2, 2, 2, 3, 4))],
            (t, v) => t.Multiply(t.OneHotArgMax(v[0]), v[1]),
            r => ReferenceOps.Broadcast(ReferenceOps.OneHotArgMax(r[0]), r[1], (m, y) => m * y));

        int[] labels2 = [2, 0, 4, 2];
        b.Add("PickLast [N,C]", "PickLast", [In("x", b.Uniform(-2, 2, 4, 5))], (t, v) => t.PickLast(v[0], labels2), r => ReferenceOps.PickLast(r[0], labels2));
        int[] labels3 = [1, 3, 0];
        b.Add("PickLast [N,K,C]", "PickLast", [In("x", b.Uniform(-2, 2, 3, 2, 4))], (t, v) => t.PickLast(v[0], labels3), r => ReferenceOps.PickLast(r[0], labels3));

        // MixtureLogLikelihood: LogSumExp_k(log w_k + LogSoftmax(logits)[k, y]); short rows take the scalar path, rows
        // of 8 or more the vector path with an overlapping ragged end (C = 11, 26; K = 9).
        static RefTensor MixtureReference(RefTensor gate, RefTensor logits, int[] labels) => ReferenceOps.Reduce(
            ReferenceOps.Broadcast(gate, ReferenceOps.PickLast(ReferenceOps.LogSoftmax(logits), labels), (a, p) => a + p), -1, keepDims: false, ReferenceOps.LogSumExp);
        int[] labels4 = [4, 0, 2, 1];
        b.Add(
            "MixtureLogLikelihood K=3 C=5",
            "MixtureLogLikelihood",
            [In("gate", b.Uniform(-2, 2, 4, 3)), In("logits", b.Uniform(-2, 2, 4, 3, 5))],
            (t, v) => t.MixtureLogLikelihood(v[0], v[1], labels4),
            r => MixtureReference(r[0], r[1], labels4));
        int[] labels11 = [10, 3, 0];
        b.Add(
            "MixtureLogLikelihood K=8 C=11 of a gate log-softmax",
            "MixtureLogLikelihood",
            [In("gate", b.Uniform(-2, 2, 3, 8)), In("logits", b.Uniform(-2, 2, 3, 8, 11))],
            (t, v) => t.MixtureLogLikelihood(t.LogSoftmax(v[0]), v[1], labels11),
            r => MixtureReference(ReferenceOps.LogSoftmax(r[0]), r[1], labels11));
        int[] labels26 = [25, 7];
        b.Add(
            "MixtureLogLikelihood K=9 C=26, logits also used after it (gradient added)",
            "MixtureLogLikelihood",
            [In("gate", b.Uniform(-2, 2, 2, 9)), In("logits", b.Uniform(-3, 3, 2, 9, 26))],
            (t, v) => t.Add(t.MixtureLogLikelihood(v[0], v[1], labels26), t.Sum(t.Sum(t.Square(v[1]), -1), -1)),
            r => ReferenceOps.Broadcast(
                MixtureReference(r[0], r[1], labels26),
                ReferenceOps.Reduce(ReferenceOps.Reduce(ReferenceOps.Map(r[1], x => x * x), -1, keepDims: false, v => v.Sum()), -1, keepDims: false, v => v.Sum()),
                (a, q) => a + q));

        // External: a per-row function evaluated outside the tape, f(x) = sum_j (j + 1) sin(x_j) + x_0 x_1,
        // whose values and gradients are handed to the tape; the reference is the same function in float64.
        b.Add(
            "External per-row function",
            "External",
            [In("x", b.Uniform(-2, 2, 3, 4))],
            (t, v) =>
            {
                var x = t.Value(v[0]);
                int rows = x.Shape[0], d = x.Shape[1];
                var values = new Tensor(rows);
                var gradients = new Tensor(rows, d);
                for (int r = 0; r < rows; r++)
                {
                    var row = x.Span.Slice(r * d, d).ToArray().Select(f => (double)f).ToArray();
                    values.Span[r] = (float)ExternalFunction(row);
                    for (int j = 0; j < d; j++)
                    {
                        gradients[r, j] = (float)(((j + 1) * Math.Cos(row[j])) + (j == 0 ? row[1] : j == 1 ? row[0] : 0));
                    }
                }

                return t.External(v[0], values, gradients);
            },
            r =>
            {
                int rows = r[0].Shape[0], d = r[0].Shape[1];
                var y = new RefTensor(rows);
                for (int i = 0; i < rows; i++)
                {
                    y.Data[i] = ExternalFunction(r[0].Data.AsSpan(i * d, d).ToArray());
                }

                return y;
            });
    }

    private static double ExternalFunction(double[] row)
    {
        double s = row[0] * row[1];
        for (int j = 0; j < row.Length; j++)
        {
            s += (j + 1) * Math.Sin(row[j]);
        }

        return s;
    }
}
