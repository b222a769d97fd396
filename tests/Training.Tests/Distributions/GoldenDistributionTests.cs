using System.Text.Json;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Distributions;

/// <summary>
/// Every value of Golden/distributions.json (PyTorch 1.13 torch.distributions, float64). The float32 graph path
/// must agree within 1e-4 and the float64 span path within 1e-9, both relative to max(1, |expected|): several
/// expected values are near 0 (log-densities such as 0.0028, probabilities such as 1e-20) where a pure relative
/// bound is meaningless, and for |v| ≥ 1 the bound is the plain relative one.
/// </summary>
public sealed class GoldenDistributionTests
{
    private const double Float32Tolerance = 1e-4;
    private const double Float64Tolerance = 1e-9;

    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "distributions.json"))));

    [Fact]
    public void Concrete_and_ExpConcrete_log_densities_match_golden_in_float64()
    {
        int count = 0;
        foreach (var e in Section("concrete"))
        {
            double tau = e.GetProperty("temperature").GetDouble();
            var logits = Doubles(e, "logits");
            var x = Doubles(e, "x");
            var logX = Doubles(e, "log_x");
            double concrete = e.GetProperty("log_density_concrete").GetDouble();
            double expConcrete = e.GetProperty("log_density_exp_concrete").GetDouble();

            AssertClose(expConcrete, ExpConcrete.LogDensity(logits, logX, tau), Float64Tolerance, $"ExpConcrete case {count}");
            AssertClose(concrete, Concrete.LogDensityFromLog(logits, logX, tau), Float64Tolerance, $"Concrete (log point) case {count}");

            // At x itself: exact wherever log(x) recovers log_x to double precision. Components of x that are exactly
            // 1.0 in the file carry log_x of about -1e-13 that the rounded x no longer holds; the density moves by
            // at most tau * K * 1e-13, far inside the tolerance, so no case is exempt.
            AssertClose(concrete, Concrete.LogDensity(logits, x, tau), Float64Tolerance, $"Concrete (point) case {count}");
            count++;
        }

        Assert.Equal(75, count);
    }

    [Fact]
    public void Concrete_and_ExpConcrete_graph_log_densities_match_golden_in_float32()
    {
        int count = 0, atX = 0;
        foreach (var e in Section("concrete"))
        {
            int k = e.GetProperty("K").GetInt32();
            float tau = (float)e.GetProperty("temperature").GetDouble();
            var logits = Floats(e, "logits");
            var x = Floats(e, "x");
            var logX = Floats(e, "log_x");
            double concrete = e.GetProperty("log_density_concrete").GetDouble();
            double expConcrete = e.GetProperty("log_density_exp_concrete").GetDouble();

            var tape = new Tape(threads: 1);
            var l = tape.Constant(Tensor.FromValues(logits, 1, k));
            var y = tape.Constant(Tensor.FromValues(logX, 1, k));
            AssertClose(expConcrete, tape.Value(ExpConcrete.LogDensity(tape, l, y, tau)).Span[0], Float32Tolerance, $"ExpConcrete case {count}");
            AssertClose(concrete, tape.Value(Concrete.LogDensityFromLog(tape, l, y, tau)).Span[0], Float32Tolerance, $"Concrete (log point) case {count}");

            // The graph function at x needs x in float32. One golden point (K = 16, tau = 0.1) has a component of
            // 2.3e-49, below the float32 range (it rounds to 0 and log 0 = -inf): that input cannot be represented,
            // which is why the log-space function above exists; it is checked there and in float64. (1.17549435e-38 is
            // the smallest normal float32.)
            if (x.All(v => v >= 1.17549435E-38f))
            {
                var xv = tape.Constant(Tensor.FromValues(x, 1, k));
                AssertClose(concrete, tape.Value(Concrete.LogDensity(tape, l, xv, tau)).Span[0], Float32Tolerance, $"Concrete (point) case {count}");
                atX++;
            }

            // The float32 span overloads compute in float64 from float32 inputs.
            AssertClose(expConcrete, ExpConcrete.LogDensity(logits, logX, tau), Float32Tolerance, $"ExpConcrete span case {count}");
            count++;
        }

        Assert.Equal(75, count);
        Assert.Equal(74, atX);
    }

    [Fact]
    public void Concrete_graph_log_density_is_batched_over_rows()
    {
        // All cases with K = 5 in one [N, K] batch: each row must match its own golden value.
        var cases = Section("concrete").Where(e => e.GetProperty("K").GetInt32() == 5).ToList();
        int n = cases.Count;
        var logits = new Tensor(n, 5);
        var logX = new Tensor(n, 5);
        for (int r = 0; r < n; r++)
        {
            Floats(cases[r], "logits").CopyTo(logits.RowSpan(r));
            Floats(cases[r], "log_x").CopyTo(logX.RowSpan(r));
        }

        // Every K = 5 case at one temperature shares its logits; batch per temperature.
        foreach (var group in cases.Select((e, i) => (e, i)).GroupBy(p => p.e.GetProperty("temperature").GetDouble()))
        {
            var rows = group.Select(p => p.i).ToArray();
            var tape = new Tape(threads: 1);
            var l = tape.Gather(tape.Constant(logits), 0, rows);
            var y = tape.Gather(tape.Constant(logX), 0, rows);
            var density = tape.Value(ExpConcrete.LogDensity(tape, l, y, (float)group.Key));
            Assert.Equal(new[] { rows.Length }, density.ShapeArray());
            for (int j = 0; j < rows.Length; j++)
            {
                AssertClose(cases[rows[j]].GetProperty("log_density_exp_concrete").GetDouble(), density.Span[j], Float32Tolerance, $"row {j}");
            }
        }
    }

    [Fact]
    public void Gumbel_softmax_samples_match_golden()
    {
        int count = 0;
        foreach (var e in Section("gumbel_softmax"))
        {
            int k = e.GetProperty("K").GetInt32();
            float tau = (float)e.GetProperty("temperature").GetDouble();
            var logits = Floats(e, "logits");
            var u = Floats(e, "u");
            var expected = Doubles(e, "y_soft");
            int argmax = e.GetProperty("argmax").GetInt32();

            var tape = new Tape(threads: 1);
            var l = tape.Constant(Tensor.FromValues(logits, 1, k));
            var uv = tape.Constant(Tensor.FromValues(u, 1, k));
            var soft = tape.Value(GumbelSoftmax.Sample(tape, l, uv, tau)).ToArray();
            var logSoft = tape.Value(GumbelSoftmax.LogSample(tape, l, uv, tau)).ToArray();
            var hard = tape.Value(GumbelSoftmax.StraightThroughSample(tape, l, uv, tau)).ToArray();
            var span = new float[k];
            int spanArgmax = GumbelSoftmax.Sample(logits, u, tau, span);
            for (int j = 0; j < k; j++)
            {
                // Probabilities lie in [0, 1], so max(1, |v|)-relative is absolute here; the log-space check below
                // is the relative one and covers the tiny entries (down to 1e-20).
                AssertClose(expected[j], soft[j], Float32Tolerance, $"case {count} y[{j}]");
                AssertClose(Math.Log(expected[j]), logSoft[j], Float32Tolerance, $"case {count} log y[{j}]");
                AssertClose(expected[j], span[j], 1e-6, $"case {count} span y[{j}]");
                Assert.Equal(j == argmax ? 1f : 0f, hard[j]);
            }

            Assert.Equal(argmax, Array.IndexOf(soft, soft.Max()));
            Assert.Equal(argmax, spanArgmax);
            Assert.Equal(argmax, Gumbel.ArgMax(logits, u));
            count++;
        }

        Assert.Equal(9, count);
    }

    [Fact]
    public void Relaxed_bernoulli_log_densities_match_golden()
    {
        var cases = Section("relaxed_bernoulli").ToList();
        Assert.Equal(16, cases.Count);
        foreach (var e in cases)
        {
            double tau = e.GetProperty("temperature").GetDouble();
            double logit = e.GetProperty("logit").GetDouble();
            double x = e.GetProperty("x").GetDouble();
            double expected = e.GetProperty("log_density").GetDouble();
            AssertClose(expected, BinaryConcrete.LogDensity(logit, x, tau), Float64Tolerance, $"x = {x}");

            var tape = new Tape(threads: 1);
            var density = BinaryConcrete.LogDensity(tape, tape.Constant(Tensor.FromValues([(float)logit], 1)), tape.Constant(Tensor.FromValues([(float)x], 1)), (float)tau);
            AssertClose(expected, tape.Value(density).Span[0], Float32Tolerance, $"graph x = {x}");
        }
    }

    [Fact]
    public void Mixture_of_gaussians_log_densities_match_golden()
    {
        int count = 0;
        foreach (var e in Section("mixture_of_gaussians"))
        {
            int k = e.GetProperty("K").GetInt32();
            int d = e.GetProperty("D").GetInt32();
            var mixture = new DiagonalGaussianMixture("base", k, d);
            Floats(e, "weight_logits").CopyTo(mixture.WeightLogits.Value.Span);
            Matrix(e, "means").CopyTo(mixture.Means.Value.Span);
            Matrix(e, "log_sigmas").CopyTo(mixture.LogSigmas.Value.Span);
            var points = Matrix(e, "points");
            var expected = Doubles(e, "log_density");

            var tape = new Tape(threads: 1);
            var density = tape.Value(mixture.LogDensity(tape, tape.Constant(Tensor.FromValues(points, 6, d))));
            Assert.Equal(new[] { 6 }, density.ShapeArray());
            for (int n = 0; n < 6; n++)
            {
                AssertClose(expected[n], density.Span[n], Float32Tolerance, $"K={k} D={d} point {n}");

                // The float64 evaluator reads the float32 parameters and points (rounded from the golden float64
                // values, relative error 6e-8 each), so it is held to 1e-6, not 1e-9.
                AssertClose(expected[n], mixture.LogDensity(points.AsSpan(n * d, d)), 1e-6, $"K={k} D={d} point {n} (float64)");
            }

            count++;
        }

        Assert.Equal(4, count);
    }

    [Fact]
    public void Mixture_of_experts_marginal_log_likelihood_matches_golden_with_graph_ops()
    {
        int count = 0;
        foreach (var e in Section("moe_marginal"))
        {
            int experts = e.GetProperty("experts").GetInt32();
            int classes = e.GetProperty("classes").GetInt32();
            var gate = Matrix(e, "gate_logits");
            var expertLogits = e.GetProperty("expert_logits").EnumerateArray()
                .SelectMany(row => row.EnumerateArray().SelectMany(ex => ex.EnumerateArray().Select(v => (float)v.GetDouble()))).ToArray();
            var labels = e.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var expected = Doubles(e, "log_likelihood");
            int n = labels.Length;

            // log sum_k softmax(gate)_k softmax(expert_k)[y] = logsumexp_k(log_softmax(gate)_k + log_softmax(expert_k)[y]).
            var tape = new Tape(threads: 1);
            var logGate = tape.LogSoftmax(tape.Constant(Tensor.FromValues(gate, n, experts)));
            var logExpert = tape.LogSoftmax(tape.Constant(Tensor.FromValues(expertLogits, n, experts, classes)));
            var marginal = tape.LogSumExp(tape.Add(logGate, tape.PickLast(logExpert, labels)), -1);
            var value = tape.Value(marginal);
            Assert.Equal(new[] { n }, value.ShapeArray());
            for (int r = 0; r < n; r++)
            {
                AssertClose(expected[r], value.Span[r], Float32Tolerance, $"experts={experts} row {r}");
            }

            count++;
        }

        Assert.Equal(3, count);
    }

    private static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        double bound = tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(actual - expected) <= bound, $"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(actual - expected):E3} > {bound:E3}).");
    }

    private static IEnumerable<JsonElement> Section(string name) => Golden.Value.RootElement.GetProperty(name).EnumerateArray();

    private static double[] Doubles(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static float[] Floats(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    private static float[] Matrix(JsonElement e, string name) =>
        e.GetProperty(name).EnumerateArray().SelectMany(row => row.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
}
