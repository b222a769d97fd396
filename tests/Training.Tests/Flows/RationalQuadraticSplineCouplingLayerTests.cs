using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Flows;

public sealed class RationalQuadraticSplineCouplingLayerTests
{
    private const int Bins = 6;
    private const float Bound = 2f;
    private const float MinWidth = 1e-3f;
    private const float MinHeight = 1e-3f;
    private const float MinDerivative = 1e-3f;

    /// <summary>Feature 0 conditions, feature 1 goes through the spline.</summary>
    private static RationalQuadraticSplineCouplingLayer CreateLayer(float perturbation)
    {
        var random = new RandomSource(5);
        var layer = new RationalQuadraticSplineCouplingLayer("s", CouplingPartition.Alternating(2), [16], Activation.Tanh, random, Bins, Bound, MinWidth, MinHeight, MinDerivative);
        FlowProbe.Perturb(layer, random, perturbation);
        return layer;
    }

    /// <summary>Rows (c, x) for each conditioning value c and each x on an even grid from lo to hi.</summary>
    private static Tensor Sweep(float[] conditioning, float lo, float hi, int points)
    {
        var t = new Tensor(conditioning.Length * points, 2);
        for (int c = 0; c < conditioning.Length; c++)
        {
            for (int i = 0; i < points; i++)
            {
                t[(c * points) + i, 0] = conditioning[c];
                t[(c * points) + i, 1] = lo + ((hi - lo) * i / (points - 1));
            }
        }

        return t;
    }

    [Fact]
    public void A_new_layer_is_the_identity()
    {
        var layer = CreateLayer(0f);
        var x = Sweep([-1f, 0.5f], -3f, 3f, 61);
        var (y, logDet) = FlowProbe.Run(layer, x);
        Assert.True(FlowProbe.MaxAbsDifference(x, y) < 1e-5f);
        Assert.All(logDet.ToArray(), v => Assert.True(MathF.Abs(v) < 1e-5f, $"log-det {v}"));
    }

    [Fact]
    public void Tails_are_the_identity_with_zero_log_det()
    {
        var layer = CreateLayer(0.5f);
        var x = Tensor.FromMatrix(new float[,] { { 0.3f, -2.0001f }, { -1f, -7f }, { 1.2f, 2.0001f }, { 0f, 40f }, { 2f, -1e6f } });
        var (y, logDet) = FlowProbe.Run(layer, x);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.All(logDet.ToArray(), v => Assert.Equal(0f, v));
        var (back, inverseLogDet) = FlowProbe.Run(layer, x, inverse: true);
        Assert.Equal(x.ToArray(), back.ToArray());
        Assert.All(inverseLogDet.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void The_spline_maps_the_interval_onto_itself_and_joins_the_tails_smoothly()
    {
        var layer = CreateLayer(0.5f);
        float[] conditioning = [-1.5f, -0.2f, 0.7f, 2f];
        const float eps = 1e-3f;
        const float near = 1e-4f;
        foreach (float c in conditioning)
        {
            var x = Tensor.FromMatrix(new float[,] { { c, -Bound }, { c, Bound }, { c, -Bound - eps }, { c, -Bound + eps }, { c, Bound - eps }, { c, Bound + eps }, { c, -Bound + near }, { c, Bound - near } });
            var (y, logDet) = FlowProbe.Run(layer, x);
            Assert.Equal(-Bound, y[0, 1], 5);
            Assert.Equal(Bound, y[1, 1], 5);

            // Value continuity across ±B, and slope continuity: the boundary derivative is 1.
            Assert.True(MathF.Abs(y[3, 1] - y[2, 1] - (2 * eps)) < 1e-4f, $"left join: {y[2, 1]} → {y[3, 1]}");
            Assert.True(MathF.Abs(y[5, 1] - y[4, 1] - (2 * eps)) < 1e-4f, $"right join: {y[4, 1]} → {y[5, 1]}");
            Assert.True(MathF.Abs(logDet.Span[6]) < 0.01f, $"log slope just inside -B: {logDet.Span[6]}");
            Assert.True(MathF.Abs(logDet.Span[7]) < 0.01f, $"log slope just inside B: {logDet.Span[7]}");
        }
    }

    [Fact]
    public void The_spline_is_strictly_increasing_and_not_trivial()
    {
        var layer = CreateLayer(0.5f);
        const int points = 4001;
        float[] conditioning = [-1.5f, 0.1f, 1.3f];
        var x = Sweep(conditioning, -Bound - 1f, Bound + 1f, points);
        var (y, _) = FlowProbe.Run(layer, x);
        for (int c = 0; c < conditioning.Length; c++)
        {
            float maxMove = 0f;
            for (int i = 1; i < points; i++)
            {
                int r = (c * points) + i;
                Assert.True(y[r, 1] > y[r - 1, 1], $"not increasing at x = {x[r, 1]}: {y[r - 1, 1]} then {y[r, 1]}");
                maxMove = MathF.Max(maxMove, MathF.Abs(y[r, 1] - x[r, 1]));
            }

            Assert.True(maxMove > 0.1f, $"conditioning {conditioning[c]}: the spline barely moves anything ({maxMove})");
        }
    }

    [Fact]
    public void Forward_inverse_and_log_det_match_a_float64_reference_spline()
    {
        var layer = CreateLayer(0.5f);
        float[] conditioning = [-1.5f, -0.2f, 0.7f];
        var x = Sweep(conditioning, -Bound - 0.5f, Bound + 0.5f, 301);
        var (y, logDet) = FlowProbe.Run(layer, x);
        var (back, inverseLogDet) = FlowProbe.Run(layer, y, inverse: true);
        var raw = ConditionerOutputs(layer, x);
        for (int r = 0; r < x.Shape[0]; r++)
        {
            var spline = new ReferenceSpline(raw[r]);
            var (expectedY, expectedLogSlope) = spline.Forward(x[r, 1]);
            Assert.True(Math.Abs(y[r, 1] - expectedY) < 2e-5 * Math.Max(1.0, Math.Exp(expectedLogSlope)), $"x = {x[r, 1]}: y {y[r, 1]} vs {expectedY} (log slope {expectedLogSlope})");
            Assert.True(Math.Abs(logDet.Span[r] - expectedLogSlope) < 2e-4, $"x = {x[r, 1]}: log-det {logDet.Span[r]} vs {expectedLogSlope}");
            Assert.Equal(x[r, 0], y[r, 0]);

            // The reference inverse bisects the reference forward map: independent of the quadratic formula.
            double expectedX = spline.InverseByBisection(y[r, 1]);
            double tolerance = 2e-5 * Math.Max(1.0, Math.Exp(-expectedLogSlope));
            Assert.True(Math.Abs(back[r, 1] - expectedX) < tolerance, $"y = {y[r, 1]}: x {back[r, 1]} vs {expectedX}");
            // log|dx/dy| must belong to the point the inverse returned (rounding of y moves that point by 1/slope).
            double expectedInverseLogSlope = -spline.Forward(back[r, 1]).LogSlope;
            Assert.True(Math.Abs(inverseLogDet.Span[r] - expectedInverseLogSlope) < 2e-4, $"y = {y[r, 1]}: inverse log-det {inverseLogDet.Span[r]} vs {expectedInverseLogSlope}");
        }
    }

    [Fact]
    public void Bins_and_bounds_are_validated()
    {
        var random = new RandomSource(1);
        var partition = CouplingPartition.Halves(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RationalQuadraticSplineCouplingLayer("s", partition, [4], Activation.Tanh, random, bins: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RationalQuadraticSplineCouplingLayer("s", partition, [4], Activation.Tanh, random, bound: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RationalQuadraticSplineCouplingLayer("s", partition, [4], Activation.Tanh, random, bins: 4, minBinWidth: 0.25f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RationalQuadraticSplineCouplingLayer("s", partition, [4], Activation.Tanh, random, minDerivative: 0f));
    }

    private static double[][] ConditionerOutputs(RationalQuadraticSplineCouplingLayer layer, Tensor x)
    {
        var tape = new Tape(threads: 1) { RecordGradients = false };
        var raw = tape.Value(layer.Conditioner.Forward(tape, tape.Gather(tape.Constant(x), 1, 0)));
        return Enumerable.Range(0, x.Shape[0]).Select(r => raw.RowSpan(r).ToArray().Select(v => (double)v).ToArray()).ToArray();
    }

    /// <summary>Durkan et al. (2019), eqs. 4–5, straight from the paper in float64 with a linear bin search.</summary>
    private sealed class ReferenceSpline
    {
        private readonly double[] _xs = new double[Bins + 1];
        private readonly double[] _ys = new double[Bins + 1];
        private readonly double[] _ds = new double[Bins + 1];

        public ReferenceSpline(double[] raw)
        {
            Knots(raw.AsSpan(0, Bins), MinWidth, _xs);
            Knots(raw.AsSpan(Bins, Bins), MinHeight, _ys);
            double shift = Math.Log(Math.Exp(1 - MinDerivative) - 1);
            _ds[0] = 1;
            _ds[Bins] = 1;
            for (int k = 1; k < Bins; k++)
            {
                double u = raw[(2 * Bins) + k - 1] + shift;
                _ds[k] = MinDerivative + Math.Log(1 + Math.Exp(u));
            }
        }

        public (double Y, double LogSlope) Forward(double x)
        {
            if (x < -Bound || x > Bound)
            {
                return (x, 0);
            }

            int k = 0;
            while (k < Bins - 1 && x >= _xs[k + 1])
            {
                k++;
            }

            double w = _xs[k + 1] - _xs[k], h = _ys[k + 1] - _ys[k], s = h / w;
            double t = (x - _xs[k]) / w;
            double denominator = s + ((_ds[k + 1] + _ds[k] - (2 * s)) * t * (1 - t));
            double y = _ys[k] + (h * ((s * t * t) + (_ds[k] * t * (1 - t))) / denominator);
            double slope = s * s * ((_ds[k + 1] * t * t) + (2 * s * t * (1 - t)) + (_ds[k] * (1 - t) * (1 - t))) / (denominator * denominator);
            return (y, Math.Log(slope));
        }

        public double InverseByBisection(double y)
        {
            if (y < -Bound || y > Bound)
            {
                return y;
            }

            double lo = -Bound, hi = Bound;
            for (int i = 0; i < 200; i++)
            {
                double mid = 0.5 * (lo + hi);
                if (Forward(mid).Y < y)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }

            return 0.5 * (lo + hi);
        }

        private static void Knots(ReadOnlySpan<double> logits, double minFraction, double[] knots)
        {
            double max = double.NegativeInfinity;
            foreach (double v in logits)
            {
                max = Math.Max(max, v);
            }

            double total = 0;
            foreach (double v in logits)
            {
                total += Math.Exp(v - max);
            }

            knots[0] = -Bound;
            double cumulative = 0;
            for (int k = 0; k < Bins; k++)
            {
                cumulative += minFraction + ((1 - (minFraction * Bins)) * Math.Exp(logits[k] - max) / total);
                knots[k + 1] = -Bound + (2 * Bound * cumulative);
            }

            knots[Bins] = Bound;
        }
    }
}
