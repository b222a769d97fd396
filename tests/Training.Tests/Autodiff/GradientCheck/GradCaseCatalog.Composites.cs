using static MLNetMixture.Training.Tests.Autodiff.GradientCheck.CaseBuilder;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <content>Chains of ops: gradient accumulation, shared parameters, views, and small model losses.</content>
internal static partial class GradCaseCatalog
{
    private static void AddComposites(CaseBuilder b)
    {
        // Two-layer MLP classifier: mean negative log-likelihood of the labels.
        int[] labels = [1, 0, 2, 1, 2];
        b.Add(
            "MLP negative log-likelihood",
            "Composite",
            [
                In("x", b.Uniform(-1, 1, 5, 3), InputRole.Constant),
                In("w1", b.Uniform(-1, 1, 4, 3), InputRole.Parameter),
                In("b1", b.Uniform(-0.5, 0.5, 4), InputRole.Parameter),
                In("w2", b.Uniform(-1, 1, 3, 4), InputRole.Parameter),
                In("b2", b.Uniform(-0.5, 0.5, 3), InputRole.Parameter),
            ],
            (t, v) => t.Negate(t.MeanAll(t.PickLast(t.LogSoftmax(t.Linear(t.Tanh(t.Linear(v[0], v[1], v[2])), v[3], v[4])), labels))),
            r =>
            {
                var h = ReferenceOps.Map(ReferenceOps.Linear(r[0], r[1], r[2]), Math.Tanh);
                var logp = ReferenceOps.PickLast(ReferenceOps.LogSoftmax(ReferenceOps.Linear(h, r[3], r[4])), labels);
                return ReferenceOps.Map(ReferenceOps.MeanAll(logp), v => -v);
            });

        // A value used by several consumers (including a broadcast against its own row sums).
        b.Add(
            "Value used three times",
            "Composite",
            [In("x", b.Uniform(-1.5, 1.5, 3, 4))],
            (t, v) =>
            {
                var y = t.Tanh(v[0]);
                return t.Add(t.Multiply(y, t.Exp(y)), t.Sum(y, 1, keepDims: true));
            },
            r =>
            {
                var y = ReferenceOps.Map(r[0], Math.Tanh);
                var prod = ReferenceOps.Broadcast(y, ReferenceOps.Map(y, Math.Exp), (p, q) => p * q);
                return ReferenceOps.Broadcast(prod, ReferenceOps.Reduce(y, 1, true, s => s.Sum()), (p, q) => p + q);
            });

        // The same parameter recorded twice on the tape: both Param nodes accumulate into one Grad.
        b.Add(
            "Parameter recorded twice",
            "Param",
            [In("w", b.Uniform(-1, 1, 3, 3), InputRole.Parameter), In("x", b.Uniform(-1, 1, 2, 3), InputRole.Constant)],
            (t, v) => t.Add(t.MatMul(v[1], v[0]), t.Sigmoid(t.MatMul(v[1], t.Param(v.Parameter(0)), transposeB: true))),
            r =>
            {
                var left = ReferenceOps.MatMul(r[1], r[0], false);
                var right = ReferenceOps.Map(ReferenceOps.MatMul(r[1], r[0], true), ReferenceOps.Sigmoid);
                return ReferenceOps.Broadcast(left, right, (p, q) => p + q);
            });

        // A reshape view shares its input's storage; later ops read it without writing, and both paths add gradients.
        b.Add(
            "Reshape view then element-wise ops",
            "Composite",
            [In("x", b.Uniform(-1, 1, 2, 6))],
            (t, v) =>
            {
                var e = t.Exp(v[0]);
                var view = t.Reshape(e, 3, 4);
                var sq = t.Multiply(view, view);
                var back = t.Reshape(sq, 0, -1);
                return t.Add(t.Reshape(back, 2, 6), e);
            },
            r =>
            {
                var e = ReferenceOps.Map(r[0], Math.Exp);
                return ReferenceOps.Broadcast(ReferenceOps.Map(e, x => x * x), e, (p, q) => p + q);
            });

        // Gaussian mixture log-likelihood: the broadcasting pattern of the mixture models ([N,1,D] against [K,D]).
        b.Add(
            "Diagonal Gaussian mixture log-likelihood",
            "Composite",
            [
                In("x", b.Uniform(-2, 2, 4, 1, 3), InputRole.Constant),
                In("mu", b.Uniform(-1, 1, 2, 3)),
                In("rawScale", b.Uniform(-1, 1, 2, 3)),
                In("logits", b.Uniform(-1, 1, 2)),
            ],
            (t, v) =>
            {
                var scale = t.Softplus(v[2]);
                var z = t.Divide(t.Subtract(v[0], v[1]), scale);
                var logDensity = t.Subtract(t.MultiplyScalar(t.Sum(t.Square(z), -1), -0.5f), t.Sum(t.Log(scale), -1));
                return t.LogSumExp(t.Add(logDensity, t.LogSoftmax(v[3])), -1);
            },
            r =>
            {
                var scale = ReferenceOps.Map(r[2], ReferenceOps.Softplus);
                var z = ReferenceOps.Broadcast(ReferenceOps.Broadcast(r[0], r[1], (p, q) => p - q), scale, (p, q) => p / q);
                var quad = ReferenceOps.Map(ReferenceOps.Reduce(ReferenceOps.Map(z, x => x * x), -1, false, s => s.Sum()), x => x * -0.5f);
                var logDensity = ReferenceOps.Broadcast(quad, ReferenceOps.Reduce(ReferenceOps.Map(scale, Math.Log), -1, false, s => s.Sum()), (p, q) => p - q);
                return ReferenceOps.Reduce(ReferenceOps.Broadcast(logDensity, ReferenceOps.LogSoftmax(r[3]), (p, q) => p + q), -1, false, ReferenceOps.LogSumExp);
            });

        // Attention-like batched products: softmax(Q K^T) V.
        b.Add(
            "Batched attention softmax(QK^T)V",
            "Composite",
            [In("q", b.Uniform(-1, 1, 2, 3, 4)), In("k", b.Uniform(-1, 1, 2, 5, 4)), In("v", b.Uniform(-1, 1, 2, 5, 2))],
            (t, v) => t.MatMul(t.Softmax(t.MatMul(v[0], v[1], transposeB: true)), v[2]),
            r => ReferenceOps.MatMul(ReferenceOps.Softmax(ReferenceOps.MatMul(r[0], r[1], true)), r[2], false));

        // Shape ops in a chain: transpose, slice, concat and gather feeding reductions.
        b.Add(
            "Transpose, slice, concat, gather chain",
            "Composite",
            [In("x", b.Uniform(-1, 1, 2, 3, 4))],
            (t, v) =>
            {
                var tr = t.Transpose(v[0], 2, 0, 1);
                var joined = t.Concat(0, t.Slice(tr, 0, 1, 3), tr);
                return t.Max(t.Gather(joined, 2, 2, 0, 0), 0);
            },
            r =>
            {
                var tr = ReferenceOps.Transpose(r[0], [2, 0, 1]);
                var joined = ReferenceOps.Concat(0, ReferenceOps.Slice(tr, 0, 1, 3), tr);
                return ReferenceOps.Reduce(ReferenceOps.Take(joined, 2, [2, 0, 0]), 0, false, s => s.Max());
            });
    }
}
