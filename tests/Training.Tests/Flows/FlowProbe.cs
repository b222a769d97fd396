using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

/// <summary>Runs flow layers on a tape and measures them: values, Jacobians, determinants, gradients.</summary>
internal static class FlowProbe
{
    public static (Tensor Output, Tensor LogDet) Run(IFlowLayer layer, Tensor input, bool inverse = false)
    {
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var x = tape.Constant(input);
        var (y, logDet) = inverse ? layer.Inverse(tape, x) : layer.Forward(tape, x);
        Assert.Equal(input.ShapeArray(), tape.Shape(y));
        Assert.Equal(new[] { input.Shape[0] }, tape.Shape(logDet));
        return (tape.Value(y).Clone(), tape.Value(logDet).Clone());
    }

    /// <summary>The Jacobian J[n, i, j] = d out_i / d in_j of every row, by reverse-mode autodiff (one backward per output).</summary>
    public static double[,,] JacobianByAutodiff(IFlowLayer layer, Tensor input, bool inverse = false)
    {
        int n = input.Shape[0], d = input.Shape[1];
        var jacobian = new double[n, d, d];
        var tape = new Tape(threads: 1);
        for (int i = 0; i < d; i++)
        {
            tape.Reset();
            var x = tape.Variable(input);
            var (y, _) = inverse ? layer.Inverse(tape, x) : layer.Forward(tape, x);
            tape.Backward(tape.SumAll(tape.Slice(y, 1, i, i + 1)));
            var g = tape.Gradient(x);
            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < d; j++)
                {
                    jacobian[r, i, j] = g is null ? 0.0 : g[r, j];
                }
            }
        }

        foreach (var p in layer.Parameters)
        {
            p.ZeroGrad();
        }

        return jacobian;
    }

    /// <summary>
    /// The Jacobian by the five-point central difference (error O(h⁴) on smooth pieces), evaluating the
    /// float32 layer at float32-representable offsets and accumulating in float64.
    /// </summary>
    public static double[,,] JacobianByFiniteDifferences(IFlowLayer layer, Tensor input, float step, bool inverse = false)
    {
        int n = input.Shape[0], d = input.Shape[1];
        var jacobian = new double[n, d, d];
        float[] offsets = [-2f * step, -step, step, 2f * step];
        double[] weights = [1.0, -8.0, 8.0, -1.0];
        for (int j = 0; j < d; j++)
        {
            var acc = new double[n, d];
            var h = new double[n];
            for (int o = 0; o < offsets.Length; o++)
            {
                var shifted = input.Clone();
                for (int r = 0; r < n; r++)
                {
                    shifted[r, j] = input[r, j] + offsets[o];
                }

                var (y, _) = Run(layer, shifted, inverse);
                for (int r = 0; r < n; r++)
                {
                    if (o == 2)
                    {
                        // The actual float32 offset, so representation error does not bias the quotient.
                        h[r] = (double)shifted[r, j] - input[r, j];
                    }

                    for (int i = 0; i < d; i++)
                    {
                        acc[r, i] += weights[o] * y[r, i];
                    }
                }
            }

            for (int r = 0; r < n; r++)
            {
                for (int i = 0; i < d; i++)
                {
                    jacobian[r, i, j] = acc[r, i] / (12.0 * h[r]);
                }
            }
        }

        return jacobian;
    }

    /// <summary>log|det| of row <paramref name="row"/>'s Jacobian, by LU with partial pivoting in float64.</summary>
    public static double LogAbsDet(double[,,] jacobian, int row)
    {
        int d = jacobian.GetLength(1);
        var a = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                a[i, j] = jacobian[row, i, j];
            }
        }

        double logDet = 0.0;
        for (int c = 0; c < d; c++)
        {
            int p = c;
            for (int r = c + 1; r < d; r++)
            {
                if (Math.Abs(a[r, c]) > Math.Abs(a[p, c]))
                {
                    p = r;
                }
            }

            for (int j = 0; j < d; j++)
            {
                (a[c, j], a[p, j]) = (a[p, j], a[c, j]);
            }

            logDet += Math.Log(Math.Abs(a[c, c]));
            for (int r = c + 1; r < d; r++)
            {
                double f = a[r, c] / a[c, c];
                for (int j = c; j < d; j++)
                {
                    a[r, j] -= f * a[c, j];
                }
            }
        }

        return logDet;
    }

    /// <summary>Adds N(0, scale²) noise to every trainable parameter, so zero-initialised layers stop being the identity.</summary>
    public static void Perturb(IModule module, RandomSource random, float scale)
    {
        foreach (var p in module.Parameters.Where(p => p.Trainable))
        {
            var span = p.Value.Span;
            for (int i = 0; i < span.Length; i++)
            {
                span[i] += scale * (float)random.NextNormal();
            }
        }
    }

    public static Tensor Normal(RandomSource random, int rows, int columns, float standardDeviation = 1f)
    {
        var t = new Tensor(rows, columns);
        random.FillNormal(t.Span, 0f, standardDeviation);
        return t;
    }

    public static float MaxAbsDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.ShapeArray(), b.ShapeArray());
        float max = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            max = MathF.Max(max, MathF.Abs(a.Span[i] - b.Span[i]));
        }

        return max;
    }
}
