using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Distributions;

public sealed class GumbelSoftmaxTests
{
    private static readonly float[] Logits5 = [0.5f, -0.3f, 1.2f, 0.0f, -1.0f];

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Non_positive_or_non_finite_temperatures_are_rejected(float temperature)
    {
        var tape = new Tape(threads: 1);
        var l = tape.Constant(Tensor.FromValues(Logits5, 1, 5));
        var u = tape.Constant(Tensor.FromValues([0.1f, 0.2f, 0.3f, 0.4f, 0.5f], 1, 5));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GumbelSoftmax.Sample(tape, l, u, temperature));
        Assert.Contains("temperature", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentOutOfRangeException>(() => GumbelSoftmax.StraightThroughSample(tape, l, u, temperature));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpConcrete.LogDensity(tape, l, u, temperature));
        Assert.Throws<ArgumentOutOfRangeException>(() => GumbelSoftmax.Sample(tape, l, u, 1f, minimumTemperature: temperature));
    }

    [Fact]
    public void Temperatures_below_the_floor_are_raised_to_it()
    {
        Assert.Equal(GumbelSoftmax.DefaultMinimumTemperature, GumbelSoftmax.EffectiveTemperature(1e-4f));
        Assert.Equal(0.3f, GumbelSoftmax.EffectiveTemperature(0.3f));
        Assert.Equal(0.5f, GumbelSoftmax.EffectiveTemperature(0.1f, minimumTemperature: 0.5f));

        var tape = new Tape(threads: 1);
        var l = tape.Constant(Tensor.FromValues([0.5f, 0.49f, 0.2f], 1, 3));
        var u = tape.Constant(Tensor.FromValues([0.5f, 0.5f, 0.5f], 1, 3));
        var atFloor = tape.Value(GumbelSoftmax.LogSample(tape, l, u, GumbelSoftmax.DefaultMinimumTemperature)).ToArray();
        var below = tape.Value(GumbelSoftmax.LogSample(tape, l, u, 1e-6f)).ToArray();
        var custom = tape.Value(GumbelSoftmax.LogSample(tape, l, u, 1e-6f, minimumTemperature: 0.5f)).ToArray();
        var atCustom = tape.Value(GumbelSoftmax.LogSample(tape, l, u, 0.5f)).ToArray();
        Assert.Equal(atFloor, below);
        Assert.Equal(atCustom, custom);
        Assert.All(below, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_temperature_given_as_a_graph_value_matches_the_float_overload_and_is_floored_in_the_graph()
    {
        var random = new RandomSource(5);
        var tape = new Tape(threads: 1);
        var logits = new Tensor(32, 5);
        random.FillNormal(logits.Span, 0f, 3f);
        var uniforms = new Tensor(32, 5);
        random.FillUniform(uniforms.Span);
        var l = tape.Constant(logits);
        var u = tape.Constant(uniforms);
        foreach (float tau in new[] { 0.05f, 0.7f, 1f, 3f })
        {
            var byValue = tape.Value(GumbelSoftmax.LogSample(tape, l, u, tape.Constant(Tensor.Scalar(tau)))).ToArray();
            var byFloat = tape.Value(GumbelSoftmax.LogSample(tape, l, u, tau)).ToArray();
            var sample = tape.Value(GumbelSoftmax.Sample(tape, l, u, tape.Constant(Tensor.Scalar(tau)))).ToArray();

            // x / tau against x * (1/tau): a rounding apart, scaled by the size of the tempered logits.
            for (int i = 0; i < byValue.Length; i++)
            {
                Assert.True(MathF.Abs(byValue[i] - byFloat[i]) <= 1e-5f * MathF.Max(1f, MathF.Abs(byFloat[i])), $"tau {tau}, element {i}: {byValue[i]} vs {byFloat[i]}");
                // exp(log_softmax) against softmax: log_softmax rounds at the scale of the tempered logits (~100 at tau 0.05).
                Assert.Equal(MathF.Exp(byValue[i]), sample[i], 2e-5f);
            }
        }

        // Below the floor, zero and negative temperatures all become the floor: the graph cannot reject them.
        var atFloor = tape.Value(GumbelSoftmax.LogSample(tape, l, u, tape.Constant(Tensor.Scalar(GumbelSoftmax.DefaultMinimumTemperature)))).ToArray();
        foreach (float tau in new[] { 1e-5f, 0f, -2f })
        {
            Assert.Equal(atFloor, tape.Value(GumbelSoftmax.LogSample(tape, l, u, tape.Constant(Tensor.Scalar(tau)))).ToArray());
        }

        // One temperature per row broadcasts like the scalar.
        var perRow = new Tensor(32, 1);
        perRow.Fill(0.7f);
        Assert.Equal(
            tape.Value(GumbelSoftmax.LogSample(tape, l, u, tape.Constant(Tensor.Scalar(0.7f)))).ToArray(),
            tape.Value(GumbelSoftmax.LogSample(tape, l, u, tape.Constant(perRow))).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => GumbelSoftmax.LogSample(tape, l, u, tape.Constant(Tensor.Scalar(1f)), minimumTemperature: 0f));
    }

    [Fact]
    public void The_temperature_value_receives_the_gradient_of_the_sample()
    {
        // d/dtau of sum_k w_k y_k for y = softmax(s / tau), s = logits + g: compared with a central difference.
        var logits = Tensor.FromValues([0.5f, -0.3f, 1.2f], 1, 3);
        var uniforms = Tensor.FromValues([0.2f, 0.7f, 0.4f], 1, 3);
        var weights = Tensor.FromValues([1f, -2f, 0.5f], 1, 3);
        float Loss(float tau, out float gradient)
        {
            var tape = new Tape(threads: 1);
            var t = tape.Variable(Tensor.Scalar(tau));
            var y = GumbelSoftmax.Sample(tape, tape.Constant(logits), tape.Constant(uniforms), t);
            var loss = tape.SumAll(tape.Multiply(y, tape.Constant(weights)));
            tape.Backward(loss);
            gradient = tape.Gradient(t)!.Span[0];
            return tape.Value(loss).Span[0];
        }

        const float Tau = 0.8f, H = 1e-3f;
        Loss(Tau, out float analytic);
        double numeric = (Loss(Tau + H, out _) - Loss(Tau - H, out _)) / (2.0 * H);
        Assert.True(Math.Abs(analytic - numeric) <= 2e-3 * Math.Max(1.0, Math.Abs(numeric)), $"analytic {analytic}, numeric {numeric}");
        Assert.True(Math.Abs(numeric) > 1e-2, $"the test point is flat: {numeric}");
    }

    [Fact]
    public void Soft_samples_lie_on_the_simplex_and_log_samples_are_their_logs()
    {
        var random = new RandomSource(11);
        var tape = new Tape(threads: 1);
        var l = tape.Constant(Tensor.FromValues(Logits5, 1, 5));
        var u = new Tensor(64, 5);
        random.FillUniform(u.Span);
        var uv = tape.Constant(u);
        var soft = tape.Value(GumbelSoftmax.Sample(tape, l, uv, 0.7f));
        var log = tape.Value(GumbelSoftmax.LogSample(tape, l, uv, 0.7f));
        Assert.Equal(new[] { 64, 5 }, soft.ShapeArray());
        var row = new float[5];
        for (int r = 0; r < 64; r++)
        {
            Assert.Equal(1.0, soft.RowSpan(r).ToArray().Sum(v => (double)v), 1e-5);
            for (int k = 0; k < 5; k++)
            {
                Assert.True(soft[r, k] > 0f);
                Assert.Equal(Math.Log(soft[r, k]), log[r, k], 1e-5);
            }

            // The float64 span sampler agrees with the float32 graph.
            GumbelSoftmax.Sample(Logits5, u.RowSpan(r), 0.7f, row);
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(soft[r, k], row[k], 1e-6);
            }
        }
    }

    [Fact]
    public void Samples_approach_one_hot_as_the_temperature_falls()
    {
        var random = new RandomSource(99);
        const int n = 4000;
        var u = new Tensor(n, 5);
        random.FillUniform(u.Span);
        var tape = new Tape(threads: 1);
        var l = tape.Constant(Tensor.FromValues(Logits5, 1, 5));
        var uv = tape.Constant(u);
        float[] temperatures = [5f, 2f, 1f, 0.5f, 0.2f, 0.1f, 0.05f];
        var meanMax = new double[temperatures.Length];
        for (int t = 0; t < temperatures.Length; t++)
        {
            var soft = tape.Value(GumbelSoftmax.Sample(tape, l, uv, temperatures[t]));
            double sum = 0;
            for (int r = 0; r < n; r++)
            {
                sum += soft.RowSpan(r)[IndexOfMax(soft.RowSpan(r))];
            }

            meanMax[t] = sum / n;
        }

        for (int t = 1; t < temperatures.Length; t++)
        {
            Assert.True(meanMax[t] > meanMax[t - 1], $"mean max component {meanMax[t]:F4} at tau = {temperatures[t]} is not above {meanMax[t - 1]:F4} at tau = {temperatures[t - 1]}");
        }

        Assert.True(meanMax[0] < 0.5, $"tau = 5 should be far from one-hot; mean max {meanMax[0]:F4}");
        Assert.True(meanMax[^1] > 0.97, $"tau = 0.05 should be nearly one-hot; mean max {meanMax[^1]:F4}");
    }

    [Fact]
    public void Straight_through_sample_is_exactly_one_hot_forward_with_the_soft_gradient()
    {
        var random = new RandomSource(5);
        const int n = 32;
        var u = new Tensor(n, 5);
        random.FillUniform(u.Span);
        var weights = new Tensor(n, 5);
        random.FillNormal(weights.Span);
        var logits = new Parameter("logits", Tensor.FromValues(Logits5, 5));

        var tape = new Tape(threads: 1);
        var uv = tape.Constant(u);
        var hard = GumbelSoftmax.StraightThroughSample(tape, tape.Param(logits), uv, 0.5f);
        var soft = tape.Value(GumbelSoftmax.Sample(tape, tape.Param(logits), uv, 0.5f));
        var hv = tape.Value(hard);
        for (int r = 0; r < n; r++)
        {
            int argmax = IndexOfMax(soft.RowSpan(r));
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(k == argmax ? 1f : 0f, hv[r, k]); // exact, not approximately
            }
        }

        logits.ZeroGrad();
        tape.Backward(tape.SumAll(tape.Multiply(hard, tape.Constant(weights))));
        var straightThroughGrad = logits.Grad.ToArray();
        Assert.Contains(straightThroughGrad, g => Math.Abs(g) > 1e-3f);

        // The backward pass is that of the soft sample.
        var tape2 = new Tape(threads: 1);
        logits.ZeroGrad();
        var soft2 = GumbelSoftmax.Sample(tape2, tape2.Param(logits), tape2.Constant(u), 0.5f);
        tape2.Backward(tape2.SumAll(tape2.Multiply(soft2, tape2.Constant(weights))));
        Assert.Equal(logits.Grad.ToArray(), straightThroughGrad);
    }

    [Fact]
    public void Random_source_overloads_draw_the_same_noise_as_explicit_uniforms()
    {
        var tape = new Tape(threads: 1);
        var l = tape.Constant(Tensor.FromValues([.. Logits5, .. Logits5], 2, 5));
        var drawn = tape.Value(GumbelSoftmax.StraightThroughSample(tape, l, new RandomSource(42), 0.3f)).ToArray();
        var u = new Tensor(2, 5);
        new RandomSource(42).FillUniform(u.Span);
        var explicitU = tape.Value(GumbelSoftmax.StraightThroughSample(tape, l, tape.Constant(u), 0.3f)).ToArray();
        Assert.Equal(explicitU, drawn);
        Assert.Equal(
            tape.Value(GumbelSoftmax.LogSample(tape, l, tape.Constant(u), 0.3f)).ToArray(),
            tape.Value(GumbelSoftmax.LogSample(tape, l, new RandomSource(42), 0.3f)).ToArray());
    }

    [Fact]
    public void Hard_sample_frequencies_match_the_categorical_at_any_temperature()
    {
        // argmax softmax((l + g) / tau) = argmax (l + g): the straight-through one-hot is an exact categorical draw.
        var random = new RandomSource(8);
        const int n = 20_000;
        var tape = new Tape(threads: 1);
        var l = tape.Constant(Tensor.FromValues(Logits5, 1, 5));
        var u = new Tensor(n, 5);
        random.FillUniform(u.Span);
        var hard = tape.Value(GumbelSoftmax.StraightThroughSample(tape, l, tape.Constant(u), 2.5f));
        var counts = new double[5];
        for (int r = 0; r < n; r++)
        {
            counts[IndexOfMax(hard.RowSpan(r))]++;
        }

        double lse = Math.Log(Logits5.Sum(v => Math.Exp(v)));
        double chiSquare = 0;
        for (int k = 0; k < 5; k++)
        {
            double expected = n * Math.Exp(Logits5[k] - lse);
            chiSquare += (counts[k] - expected) * (counts[k] - expected) / expected;
        }

        Assert.True(chiSquare < 18.467, $"chi-square(4) = {chiSquare:F2} exceeds the p = 0.001 critical value");
    }

    private static int IndexOfMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int k = 1; k < row.Length; k++)
        {
            if (row[k] > row[best])
            {
                best = k;
            }
        }

        return best;
    }
}
