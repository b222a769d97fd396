using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Distributions;

public sealed class ConcreteTests
{
    /// <summary>
    /// For K = 2 the ExpConcrete density is the density of t = y1 - y2 = logit(x1) (derivation: with
    /// d = s1 - s2 = (l1 - l2) - τ t, Σ s - 2 logsumexp s = d - 2 softplus(d)), a logistic with location
    /// (l1 - l2)/τ and scale 1/τ: the binary Concrete in logit space. The Concrete density at x is the binary
    /// Concrete density at x1.
    /// </summary>
    [Theory]
    [InlineData(0.3, -0.4, 0.5)]
    [InlineData(2.0, -1.0, 0.1)]
    [InlineData(-0.7, 0.2, 2.0)]
    public void Two_class_concrete_equals_the_binary_concrete(double l1, double l2, double tau)
    {
        for (double t = -30; t <= 30; t += 0.37)
        {
            double[] y = [-Softplus(-t), -Softplus(t)]; // log x1, log x2 with x1 = sigmoid(t)
            double expected = BinaryConcrete.LogDensityAtLogit(l1 - l2, t, tau);
            Assert.Equal(expected, ExpConcrete.LogDensity([l1, l2], y, tau), 1e-10);
            if (Math.Abs(t) < 20)
            {
                double x1 = 1 / (1 + Math.Exp(-t));
                Assert.Equal(BinaryConcrete.LogDensity(l1 - l2, x1, tau), Concrete.LogDensity([l1, l2], [x1, 1 - x1], tau), 1e-8);
            }
        }
    }

    [Theory]
    [InlineData(0.5, 0.1)]
    [InlineData(1.0, -2.0)]
    [InlineData(2.0, 0.7)]
    public void Two_class_exp_concrete_density_integrates_to_one(double tau, double logitGap)
    {
        // Trapezoid rule over t = y1 - y2 on a window of +-60 logistic scales around the location.
        double centre = logitGap / tau, halfWidth = 60 / tau, h = 1e-3 / tau;
        double integral = 0;
        for (double t = centre - halfWidth; t <= centre + halfWidth; t += h)
        {
            double[] y = [-Softplus(-t), -Softplus(t)];
            integral += Math.Exp(ExpConcrete.LogDensity([logitGap, 0.0], y, tau)) * h;
        }

        Assert.Equal(1.0, integral, 1e-6);
    }

    [Fact]
    public void Three_class_concrete_density_integrates_to_one_over_the_simplex()
    {
        // Midpoint rule over the triangle x1, x2 > 0, x1 + x2 < 1 in the coordinates (x1, x2); a moderate
        // temperature keeps the density bounded so a 1000 x 1000 grid resolves it.
        double[] logits = [0.4, -0.3, 0.1];
        const double tau = 1.5;
        const int m = 1000;
        double h = 1.0 / m, integral = 0;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; i + j < m - 1; j++)
            {
                double x1 = (i + 0.5) * h, x2 = (j + 0.5) * h;
                integral += Math.Exp(Concrete.LogDensity(logits, [x1, x2, 1 - x1 - x2], tau)) * h * h;
            }
        }

        // The grid drops the strip of cells cut by x1 + x2 = 1 (area h / 2), where the density vanishes like
        // x3^(2 tau - 1) = x3^2; the observed error is about 3e-6.
        Assert.Equal(1.0, integral, 1e-4);
    }

    [Fact]
    public void Two_class_log_samples_follow_the_density_kolmogorov_smirnov()
    {
        // t = y1 - y2 of a Gumbel-softmax log-sample has CDF sigmoid(τ t - (l1 - l2)).
        const float tau = 0.4f;
        float[] logits = [0.9f, -0.2f];
        const int n = 20_000;
        var random = new RandomSource(77);
        var u = new Tensor(n, 2);
        random.FillUniform(u.Span);
        var tape = new Tape(threads: 1);
        var y = tape.Value(ExpConcrete.Sample(tape, tape.Constant(Tensor.FromValues(logits, 1, 2)), tape.Constant(u), tau));
        var t = new double[n];
        for (int r = 0; r < n; r++)
        {
            t[r] = y[r, 0] - y[r, 1];
        }

        Array.Sort(t);
        double ks = 0;
        for (int r = 0; r < n; r++)
        {
            double cdf = 1 / (1 + Math.Exp(-((tau * t[r]) - (logits[0] - logits[1]))));
            ks = Math.Max(ks, Math.Max(((r + 1.0) / n) - cdf, cdf - ((double)r / n)));
        }

        // Kolmogorov-Smirnov critical value at p = 0.001: 1.95 / sqrt(n).
        Assert.True(ks < 1.95 / Math.Sqrt(n), $"KS statistic {ks:F4}");
    }

    [Fact]
    public void Graph_densities_broadcast_shared_logits_and_match_the_float64_functions()
    {
        const int k = 4;
        const float tau = 0.6f;
        float[] logits = [0.1f, -1.2f, 0.8f, 0.3f];
        var random = new RandomSource(31);
        var u = new Tensor(16, k);
        random.FillUniform(u.Span);
        var tape = new Tape(threads: 1);
        var l = tape.Constant(Tensor.FromValues(logits, k)); // [K], shared by every row
        var logPoint = ExpConcrete.Sample(tape, l, tape.Constant(u), tau);
        var point = tape.Exp(logPoint);
        var exp = tape.Value(ExpConcrete.LogDensity(tape, l, logPoint, tau));
        var fromLog = tape.Value(Concrete.LogDensityFromLog(tape, l, logPoint, tau));
        var atPoint = tape.Value(Concrete.LogDensity(tape, l, point, tau));
        var y = tape.Value(logPoint);
        Assert.Equal(new[] { 16 }, exp.ShapeArray());
        for (int r = 0; r < 16; r++)
        {
            double expected = ExpConcrete.LogDensity(logits, y.RowSpan(r), tau);
            Assert.Equal(expected, exp.Span[r], 1e-4 * Math.Max(1, Math.Abs(expected)));
            double concrete = Concrete.LogDensityFromLog(logits, y.RowSpan(r), tau);
            Assert.Equal(concrete, fromLog.Span[r], 1e-4 * Math.Max(1, Math.Abs(concrete)));
            Assert.Equal(concrete, atPoint.Span[r], 1e-4 * Math.Max(1, Math.Abs(concrete)));
        }
    }

    [Fact]
    public void Exp_concrete_density_is_differentiable_with_respect_to_the_logits()
    {
        // The tape's gradient of the graph density with respect to the logits matches central finite differences of
        // the float64 function.
        float[] logitValues = [0.2f, -0.5f, 1.1f];
        float[] logPoint = [-0.3f, -2.1f, -1.7f];
        const float tau = 0.8f;
        var logits = new Parameter("logits", Tensor.FromValues(logitValues, 3));
        var tape = new Tape(threads: 1);
        var density = ExpConcrete.LogDensity(tape, tape.Reshape(tape.Param(logits), 1, 3), tape.Constant(Tensor.FromValues(logPoint, 1, 3)), tau);
        tape.Backward(tape.SumAll(density));
        for (int j = 0; j < 3; j++)
        {
            double[] plus = [.. logitValues.Select(v => (double)v)], minus = [.. plus];
            plus[j] += 1e-5;
            minus[j] -= 1e-5;
            double[] y = [.. logPoint.Select(v => (double)v)];
            double numeric = (ExpConcrete.LogDensity(plus, y, tau) - ExpConcrete.LogDensity(minus, y, tau)) / 2e-5;
            Assert.Equal(numeric, logits.Grad.Span[j], 1e-4);
        }
    }

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
}
